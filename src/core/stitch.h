/*
 * stitch.h
 *	  Thread stitching decisions, server-free.
 *
 * The glue (src/pg/ingest.c) gathers candidate threads with index look-ups
 * inside the INSERT and hands them here; this module decides which thread,
 * if any, the new interaction joins and why.  Keeping the decision pure
 * makes it unit-testable and replaceable: the stitching issue grows the
 * rule set here without touching the look-ups' plumbing.
 */
#ifndef OC_STITCH_H
#define OC_STITCH_H

#include <stddef.h>
#include <stdint.h>

/* Why an interaction is in its thread (stored as interaction.stitch_reason). */
typedef enum oc_stitch_reason
{
	OC_STITCH_NEW = 0,			/* nothing matched: a new thread */
	OC_STITCH_REFERENCE,		/* in_reply_to / refs named an earlier interaction */
	OC_STITCH_TOKEN,
	OC_STITCH_BUSINESS_KEY,
	OC_STITCH_SUBJECT,
	OC_STITCH_RECENCY,
	OC_STITCH_MANUAL			/* the writer chose the thread */
} oc_stitch_reason;

/* How a candidate was found. */
typedef enum oc_stitch_via
{
	OC_VIA_IN_REPLY_TO = 0,
	OC_VIA_REFS
} oc_stitch_via;

/* One earlier interaction named by the new one's references. */
typedef struct oc_stitch_candidate
{
	int64_t		interaction_id;
	int64_t		thread_id;
	int64_t		customer_id;	/* owner of the candidate's thread */
	oc_stitch_via via;
	int			position;		/* index in refs (oldest first); 0 for in_reply_to */
	const char *external_id;	/* the id that matched (borrowed) */
} oc_stitch_candidate;

/* The decision. */
typedef struct oc_stitch_decision
{
	oc_stitch_reason reason;
	int64_t		thread_id;		/* 0 when reason is OC_STITCH_NEW */
	int			chosen;			/* index of the winning candidate, or -1 */
	int			n_strangers;	/* candidates skipped: another customer's thread */
} oc_stitch_decision;

extern const char *oc_stitch_reason_name(oc_stitch_reason reason);
extern void oc_stitch_decide(int64_t customer_id,
							 const oc_stitch_candidate *cands, size_t ncands,
							 oc_stitch_decision *out);

#endif							/* OC_STITCH_H */
