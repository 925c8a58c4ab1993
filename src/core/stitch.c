/*
 * stitch.c
 *	  Thread stitching decisions, server-free (see stitch.h).
 *
 * The rules, strongest first (docs/stitching.md):
 *   reference  the interaction's in_reply_to, else the latest of its refs,
 *              names an earlier interaction: join that interaction's thread.
 *   token      its subject or body carries a thread token "[#T123]".
 *   business_key  a thread of the customer carries one of its business keys
 *              (order number, ...).
 *   subject    an open thread of the customer has the same base subject
 *              and was active within the channel's subject window
 *              (mail-like channels).
 *   recency    the customer's most recently active thread that is still
 *              open (open, pending, on hold) was active within the
 *              channel's recency window of the new interaction.
 *   new        otherwise.
 * reference, token and business_key join a thread that is open, or was
 * solved within the reopen window; a closed thread is never joined: the
 * new thread records it as the thread it follows up.
 * Participant check: a candidate thread of another customer is never
 * joined, whatever matched; a reference or token into one links the new
 * thread to it as related.
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

/* Still open: awaiting the company, the customer or a third party. */
static int
is_open(oc_thread_state state)
{
	return state == OC_THREAD_OPEN || state == OC_THREAD_PENDING ||
		state == OC_THREAD_ON_HOLD;
}

/* Is the new interaction within window of the thread's span [first_at, last_at]? */
static int
within_span(const oc_stitch_input *in, const oc_stitch_candidate *c, int64_t window)
{
	if (window <= 0)
		return 0;
	return in->occurred_at <= c->last_at + window &&
		in->occurred_at >= c->first_at - window;
}

/* Between equally strong candidates: the later interaction, else the more recently active thread. */
static int
later(const oc_stitch_candidate *a, const oc_stitch_candidate *b)
{
	if (a->interaction_id != b->interaction_id)
		return a->interaction_id > b->interaction_id;
	return a->last_at > b->last_at;
}

/*
 * May strong evidence (a reference, a token, a business key) join this
 * thread: open, or solved within the reopen window?  Closed never.
 */
static int
joinable(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (is_open(c->state))
		return 1;
	return c->state == OC_THREAD_SOLVED &&
		in->occurred_at <= c->last_at + in->reopen_window;
}

/* Is this candidate strong evidence (followed up, or linked as related, when refused)? */
static int
strong(const oc_stitch_candidate *c)
{
	return c->via == OC_VIA_IN_REPLY_TO || c->via == OC_VIA_REFS ||
		c->via == OC_VIA_TOKEN || c->via == OC_VIA_BUSINESS_KEY;
}

/* Could this candidate be chosen (right customer, rule's conditions met)? */
int
oc_stitch_eligible(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (c->customer_id != in->customer_id)
		return 0;
	switch (c->via)
	{
		case OC_VIA_RECENCY:
			return is_open(c->state) &&
				within_span(in, c, c->window > 0 ? c->window : in->recency_window);
		case OC_VIA_SUBJECT:
			return is_open(c->state) && within_span(in, c, in->subject_window);
		default:
			return joinable(in, c);
	}
}

/* Keep the strongest of the candidates offered for one slot (*best, -1 if none). */
static void
keep_strongest(const oc_stitch_candidate *cands, size_t i, int *best)
{
	if (*best < 0 || candidate_rank(&cands[i]) < candidate_rank(&cands[*best]) ||
		(candidate_rank(&cands[i]) == candidate_rank(&cands[*best]) &&
		 later(&cands[i], &cands[*best])))
		*best = (int) i;
}

/* Decide the thread of a new interaction. */
void
oc_stitch_decide(const oc_stitch_input *in,
				 const oc_stitch_candidate *cands, size_t ncands,
				 oc_stitch_decision *out)
{
	size_t		i;

	out->reason = OC_STITCH_NEW;
	out->thread_id = 0;
	out->chosen = -1;
	out->n_strangers = 0;
	out->follow_up = -1;
	out->related = -1;

	for (i = 0; i < ncands; i++)
	{
		const oc_stitch_candidate *c = &cands[i];

		if (c->customer_id != in->customer_id)
		{
			/* participant check: never join another customer's thread */
			out->n_strangers++;
			if (c->via != OC_VIA_BUSINESS_KEY && strong(c))
				keep_strongest(cands, i, &out->related);
			continue;
		}
		if (!oc_stitch_eligible(in, c))
		{
			if (strong(c))
				keep_strongest(cands, i, &out->follow_up);
			continue;
		}
		keep_strongest(cands, i, &out->chosen);
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
			case OC_VIA_SUBJECT:
				out->reason = OC_STITCH_SUBJECT;
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

/*
 * Built-in windows of a channel (docs/stitching.md): recency for live and
 * messaging channels, subject for mail-like ones, reopen for all.
 */
oc_stitch_windows
oc_stitch_default_windows(const char *channel)
{
	static const struct
	{
		const char *channel;
		int			recency_hours;
		int			subject_days;
	}			defaults[] = {
		{"phone", 24, 0}, {"ivr", 24, 0}, {"chat", 24, 0}, {"chatbot", 24, 0},
		{"in_person", 24, 0}, {"video", 24, 0},
		{"sms", 72, 0}, {"messaging", 72, 0}, {"social", 72, 0},
		{"email", 0, 30}, {"web", 0, 30}, {"forum", 0, 30}, {"other", 0, 0}
	};
	oc_stitch_windows w = {0, 0, OC_STITCH_REOPEN_WINDOW};

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (strcmp(defaults[i].channel, channel) == 0)
		{
			w.recency = (int64_t) defaults[i].recency_hours * 3600 * 1000000;
			w.subject = (int64_t) defaults[i].subject_days * 24 * 3600 * 1000000;
		}
	return w;
}

/* Built-in recency window of a channel in microseconds (0: rule off). */
int64_t
oc_stitch_default_recency_window(const char *channel)
{
	return oc_stitch_default_windows(channel).recency;
}
