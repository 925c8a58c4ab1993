/*
 * stitch.c
 *	  Thread stitching decisions, server-free (see stitch.h).
 *
 * Rules implemented so far, strongest first (docs/stitching.md):
 *   reference  the interaction's in_reply_to, else the latest of its refs,
 *              names an earlier interaction: join that interaction's thread.
 *   token      its subject or body carries a thread token "[#T123]".
 *   business_key  a thread of the customer carries one of its business keys
 *              (order number, ...) and is open, or was solved within the
 *              reopen window; closed threads are never joined.
 *   recency    the customer's most recently active thread that is still
 *              open (open, pending, on hold) was active within the
 *              channel's recency window of the new interaction.
 *   new        otherwise.
 * Participant check: a candidate thread of another customer is never
 * joined, whatever matched.
 */
#include "core/stitch.h"

#include <stdio.h>
#include <string.h>

/* SQL spelling of a reason (matches interaction.stitch_reason's CHECK). */
const char *
oc_stitch_reason_name(oc_stitch_reason reason)
{
	switch (reason)
	{
		case OC_STITCH_NEW:
			return "new";
		case OC_STITCH_REFERENCE:
			return "reference";
		case OC_STITCH_TOKEN:
			return "token";
		case OC_STITCH_BUSINESS_KEY:
			return "business_key";
		case OC_STITCH_SUBJECT:
			return "subject";
		case OC_STITCH_RECENCY:
			return "recency";
		case OC_STITCH_MANUAL:
			return "manual";
	}
	return "new";
}

/*
 * Rank of a candidate: lower is stronger.  Tiers by how it was found; among
 * refs (oldest first) the latest is the nearest.
 */
static int64_t
candidate_rank(const oc_stitch_candidate *c)
{
	int64_t		tier = (int64_t) c->via;
	int64_t		sub = c->via == OC_VIA_REFS ? INT32_MAX - (int64_t) c->position : 0;

	return tier * ((int64_t) 1 << 32) + sub;
}

/* May the recency rule join this thread: still open, and active near the new interaction? */
static int
recent_enough(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (in->recency_window <= 0)
		return 0;
	if (c->state != OC_THREAD_OPEN && c->state != OC_THREAD_PENDING &&
		c->state != OC_THREAD_ON_HOLD)
		return 0;
	/* within the window of the thread's span [first_at, last_at] */
	return in->occurred_at <= c->last_at + in->recency_window &&
		in->occurred_at >= c->first_at - in->recency_window;
}

/* Between equally strong candidates: the later interaction, else the more recently active thread. */
static int
later(const oc_stitch_candidate *a, const oc_stitch_candidate *b)
{
	if (a->interaction_id != b->interaction_id)
		return a->interaction_id > b->interaction_id;
	return a->last_at > b->last_at;
}

/* May a business key join this thread: open, or solved not long ago? */
static int
key_joinable(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (c->state == OC_THREAD_OPEN || c->state == OC_THREAD_PENDING ||
		c->state == OC_THREAD_ON_HOLD)
		return 1;
	return c->state == OC_THREAD_SOLVED &&
		in->occurred_at <= c->last_at + in->reopen_window;
}

/* Could this candidate be chosen (right customer, rule's conditions met)? */
int
oc_stitch_eligible(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (c->customer_id != in->customer_id)
		return 0;
	if (c->via == OC_VIA_RECENCY)
		return recent_enough(in, c);
	if (c->via == OC_VIA_BUSINESS_KEY)
		return key_joinable(in, c);
	return 1;
}

/* Decide the thread of a new interaction. */
void
oc_stitch_decide(const oc_stitch_input *in,
				 const oc_stitch_candidate *cands, size_t ncands,
				 oc_stitch_decision *out)
{
	size_t		i;
	int64_t		best_rank = 0;

	out->reason = OC_STITCH_NEW;
	out->thread_id = 0;
	out->chosen = -1;
	out->n_strangers = 0;

	for (i = 0; i < ncands; i++)
	{
		const oc_stitch_candidate *c = &cands[i];
		int64_t		rank;

		if (c->customer_id != in->customer_id)
		{
			/* participant check: never join another customer's thread */
			out->n_strangers++;
			continue;
		}
		if (!oc_stitch_eligible(in, c))
			continue;
		rank = candidate_rank(c);
		if (out->chosen < 0 || rank < best_rank ||
			(rank == best_rank && later(c, &cands[out->chosen])))
		{
			out->chosen = (int) i;
			best_rank = rank;
		}
	}

	if (out->chosen >= 0)
	{
		switch (cands[out->chosen].via)
		{
			case OC_VIA_IN_REPLY_TO:
			case OC_VIA_REFS:
				out->reason = OC_STITCH_REFERENCE;
				break;
			case OC_VIA_TOKEN:
				out->reason = OC_STITCH_TOKEN;
				break;
			case OC_VIA_BUSINESS_KEY:
				out->reason = OC_STITCH_BUSINESS_KEY;
				break;
			case OC_VIA_RECENCY:
				out->reason = OC_STITCH_RECENCY;
				break;
		}
		out->thread_id = cands[out->chosen].thread_id;
	}
}

/*
 * Find the first thread token "[#T<digits>]" (a positive bigint written
 * without leading zeros, as oc_stitch_format_token prints it; "t" also
 * accepted) in s; 1 and *thread_id if found.
 */
int
oc_stitch_find_token(const char *s, size_t len, int64_t *thread_id)
{
	size_t		i;

	for (i = 0; i + 4 < len; i++)
	{
		size_t		j;
		int64_t		v = 0;
		int			overflow = 0;

		if (s[i] != '[' || s[i + 1] != '#' || (s[i + 2] != 'T' && s[i + 2] != 't') ||
			s[i + 3] == '0')
			continue;
		for (j = i + 3; j < len && s[j] >= '0' && s[j] <= '9'; j++)
		{
			if (v > (INT64_MAX - (s[j] - '0')) / 10)
				overflow = 1;
			else
				v = v * 10 + (s[j] - '0');
		}
		if (j == i + 3 || overflow || j >= len || s[j] != ']' || v == 0)
			continue;
		*thread_id = v;
		return 1;
	}
	return 0;
}

/* Write the token of a thread ("[#T123]"); returns its length (0 if cap is too small). */
size_t
oc_stitch_format_token(int64_t thread_id, char *buf, size_t cap)
{
	int			n = snprintf(buf, cap, "[#T%lld]", (long long) thread_id);

	return (n < 0 || (size_t) n >= cap) ? 0 : (size_t) n;
}

/* Built-in recency window of a channel in microseconds (0: rule off); see docs/stitching.md. */
int64_t
oc_stitch_default_recency_window(const char *channel)
{
	static const struct
	{
		const char *channel;
		int			hours;
	}			defaults[] = {
		{"phone", 24}, {"ivr", 24}, {"chat", 24}, {"chatbot", 24},
		{"in_person", 24}, {"video", 24},
		{"sms", 72}, {"messaging", 72}, {"social", 72},
		{"email", 0}, {"web", 0}, {"forum", 0}, {"other", 0}
	};

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (strcmp(defaults[i].channel, channel) == 0)
			return (int64_t) defaults[i].hours * 3600 * 1000000;
	return 0;
}
