/*
 * stitch.c
 *	  Thread stitching decisions, server-free (see stitch.h).
 *
 * Rules implemented so far, strongest first:
 *   reference  the interaction's in_reply_to, else the latest of its refs,
 *              names an earlier interaction of the SAME customer: join that
 *              interaction's thread.  A reference into another customer's
 *              thread never joins it (participant check).
 *   new        otherwise.
 */
#include "core/stitch.h"

#include <limits.h>

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
 * Rank of a reference candidate: lower is stronger.  in_reply_to names the
 * direct parent; among refs (oldest first) the last is the nearest.
 */
static long
candidate_rank(const oc_stitch_candidate *c)
{
	if (c->via == OC_VIA_IN_REPLY_TO)
		return LONG_MIN;
	return -(long) c->position;
}

/* Decide the thread of a new interaction of customer_id. */
void
oc_stitch_decide(int64_t customer_id,
				 const oc_stitch_candidate *cands, size_t ncands,
				 oc_stitch_decision *out)
{
	size_t		i;
	long		best_rank = 0;

	out->reason = OC_STITCH_NEW;
	out->thread_id = 0;
	out->chosen = -1;
	out->n_strangers = 0;

	for (i = 0; i < ncands; i++)
	{
		const oc_stitch_candidate *c = &cands[i];
		long		rank;

		if (c->customer_id != customer_id)
		{
			out->n_strangers++;
			continue;
		}
		rank = candidate_rank(c);
		if (out->chosen < 0 || rank < best_rank ||
			(rank == best_rank && c->interaction_id > cands[out->chosen].interaction_id))
		{
			out->chosen = (int) i;
			best_rank = rank;
		}
	}

	if (out->chosen >= 0)
	{
		out->reason = OC_STITCH_REFERENCE;
		out->thread_id = cands[out->chosen].thread_id;
	}
}
