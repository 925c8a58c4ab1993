/*
 * queue_facts.c
 *	  A statement's interactions classified per thread for the queue and
 *	  the SLA clocks, server-free (see queue_facts.h).
 *
 * The rules (docs/sla.md, "Which messages count"):
 *   - internal notes are not events;
 *   - a live session an agent took (inbound with an agent on phone, chat,
 *     video or in person) is the customer's message and, right after it,
 *     the company's answer;
 *   - a row no newer than what its thread already knows of its direction
 *     (a restore, a migration, a late duplicate) is no event: the stored
 *     facts already account for it;
 *   - in (occurred_at, id) order, an event is "awaiting" when the customer
 *     had spoken last before it (for the statement's first event of a
 *     thread: the thread was waiting);
 *   - a customer message that was not awaiting starts a wait (the streak);
 *     a reply ends it; the thread's first customer message ever starts the
 *     first-response and resolution clocks.
 */
#include "core/queue_facts.h"

#include <stdlib.h>
#include <string.h>

/* Channels whose inbound interactions with an agent are live sessions. */
bool
oc_qf_live_channel(const char *channel)
{
	static const char *const live[] = {"phone", "chat", "video", "in_person"};

	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (strcmp(channel, live[i]) == 0)
			return true;
	return false;
}

/*
 * The events of one interaction: 0 (an internal note, or a row its thread's
 * facts already cover), 1, or 2 (a live session an agent took).  inbound[k]
 * says who spoke in the k-th.
 */
int
oc_qf_row_events(oc_qf_direction direction, bool live_session, int64_t at,
				 const oc_qf_prior *prior, bool inbound[2])
{
	if (direction == OC_QF_INTERNAL)
		return 0;
	if (direction == OC_QF_INBOUND && prior->has_last_in && at <= prior->last_in)
		return 0;
	if (direction == OC_QF_OUTBOUND && prior->has_last_out && at <= prior->last_out)
		return 0;
	inbound[0] = direction == OC_QF_INBOUND;
	inbound[1] = false;
	return direction == OC_QF_INBOUND && live_session ? 2 : 1;
}

/* Fill the k events (oc_qf_row_events) of one interaction, inputs only. */
void
oc_qf_fill_events(oc_qf_event *out, int k, const bool inbound[2], int64_t thread,
				  int64_t id, int64_t at, bool has_queue, int32_t row)
{
	for (int i = 0; i < k; i++)
	{
		oc_qf_event *e = &out[i];

		memset(e, 0, sizeof(*e));
		e->thread = thread;
		e->at = at;
		e->id = id;
		e->seq = i;
		e->inbound = inbound[i];
		e->has_queue = has_queue;
		e->row = row;
	}
}

static int
cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
event_cmp(const void *pa, const void *pb)
{
	const oc_qf_event *a = pa;
	const oc_qf_event *b = pb;
	int			c;

	if ((c = cmp_i64(a->thread, b->thread)) != 0)
		return c;
	if ((c = cmp_i64(a->at, b->at)) != 0)
		return c;
	if ((c = cmp_i64(a->id, b->id)) != 0)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

/* Sort events by (thread, occurred_at, id, seq): the order every rule reads them in. */
void
oc_qf_sort(oc_qf_event *events, size_t n)
{
	if (n > 1)
		qsort(events, n, sizeof(oc_qf_event), event_cmp);
}

/*
 * Classify one thread's events (sorted by oc_qf_sort, all of one thread)
 * against its stored facts, and aggregate what they add to the facts.
 */
void
oc_qf_classify(oc_qf_event *ev, size_t n, const oc_qf_prior *prior, oc_qf_facts *f)
{
	int64_t		inbound_so_far = 0;
	bool		have_out = false;
	int64_t		out_at = 0,
				out_id = 0;

	memset(f, 0, sizeof(*f));
	f->first_in_row = f->last_in_row = f->last_queue_row = -1;
	for (size_t i = 0; i < n; i++)
	{
		oc_qf_event *e = &ev[i];

		e->awaiting = i == 0 ? prior->waiting : ev[i - 1].inbound;
		if (e->inbound)
			inbound_so_far++;
		e->first_in = e->inbound && inbound_so_far == 1 && !prior->has_first_in;
		e->after_in = inbound_so_far > 0 || prior->has_first_in;

		if (e->first_in)
			f->first_in_row = e->row;
		if (e->inbound)
		{
			if (!f->has_first_in)
			{
				f->has_first_in = true;
				f->first_in = e->at;
			}
			f->has_last_in = true;
			f->last_in = e->at;
			f->last_in_row = e->row;
			if (e->has_queue)
				f->last_queue_row = e->row;
			if (!e->awaiting)
			{
				f->has_streak_start = true;
				f->streak_start = e->at;
			}
		}
		else
		{
			if (e->awaiting && !f->has_first_reply)
			{
				f->has_first_reply = true;
				f->first_reply = e->at;
			}
			f->has_last_out = true;
			f->last_out = e->at;
		}
	}
	f->ends_with_reply = n > 0 && !ev[n - 1].inbound;

	/* the reply that follows each event: the nearest later one */
	for (size_t i = n; i-- > 0;)
	{
		oc_qf_event *e = &ev[i];

		e->has_next_out = have_out;
		e->next_out_at = out_at;
		e->next_out_id = out_id;
		if (!e->inbound)
		{
			have_out = true;
			out_at = e->at;
			out_id = e->id;
		}
	}
}

/*
 * The columns of a thread whose whole history the facts cover.  A reply
 * before the first customer message (a thread the company opened) answers
 * nothing; the customer waits when it spoke last, since the message that
 * began its current streak.
 */
void
oc_qf_columns_of(const oc_qf_facts *f, oc_qf_columns *c)
{
	memset(c, 0, sizeof(*c));
	c->has_first_in = f->has_first_in;
	c->first_in = f->first_in;
	c->has_first_response = f->has_first_reply && f->has_first_in &&
		f->first_reply >= f->first_in;
	c->first_response = c->has_first_response ? f->first_reply : 0;
	c->has_last_in = f->has_last_in;
	c->last_in = f->last_in;
	c->has_last_out = f->has_last_out;
	c->last_out = f->last_out;
	c->waiting = !f->ends_with_reply && f->has_streak_start;
	c->waiting_since = c->waiting ? f->streak_start : 0;
	c->waiting_row = f->last_in_row;
	c->queue_row = f->last_queue_row;
}
