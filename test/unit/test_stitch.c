/*
 * test_stitch.c
 *	  Unit tests for the server-free stitching decision (src/core/stitch.c).
 */
#include "core/stitch.h"
#include "unit.h"

/* A candidate of customer cust, found via via at position pos. */
static oc_stitch_candidate
cand(int64_t id, int64_t thread, int64_t cust, oc_stitch_via via, int pos)
{
	oc_stitch_candidate c;

	c.interaction_id = id;
	c.thread_id = thread;
	c.customer_id = cust;
	c.via = via;
	c.position = pos;
	c.external_id = "x";
	return c;
}

int
main(void)
{
	oc_stitch_decision d;
	oc_stitch_candidate c[4];

	/* nothing to go on: a new thread */
	oc_stitch_decide(7, NULL, 0, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "no candidates: new");
	CHECK_INT(d.thread_id, 0, "no candidates: no thread");
	CHECK_INT(d.chosen, -1, "no candidates: nothing chosen");
	CHECK_STR(oc_stitch_reason_name(d.reason), "new", "reason name new");

	/* in_reply_to of the same customer joins */
	c[0] = cand(10, 100, 7, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(7, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "in_reply_to: reference");
	CHECK_INT(d.thread_id, 100, "in_reply_to: its thread");
	CHECK_STR(oc_stitch_reason_name(d.reason), "reference", "reason name reference");

	/* in_reply_to beats any refs entry, whatever the order found */
	c[0] = cand(11, 101, 7, OC_VIA_REFS, 5);
	c[1] = cand(12, 102, 7, OC_VIA_IN_REPLY_TO, 0);
	c[2] = cand(13, 103, 7, OC_VIA_REFS, 9);
	oc_stitch_decide(7, c, 3, &d);
	CHECK_INT(d.thread_id, 102, "in_reply_to wins over refs");
	CHECK_INT(d.chosen, 1, "in_reply_to candidate chosen");

	/* among refs (oldest first) the latest position wins */
	c[0] = cand(11, 101, 7, OC_VIA_REFS, 0);
	c[1] = cand(13, 103, 7, OC_VIA_REFS, 2);
	c[2] = cand(12, 102, 7, OC_VIA_REFS, 1);
	oc_stitch_decide(7, c, 3, &d);
	CHECK_INT(d.thread_id, 103, "latest reference wins");

	/* same key on two channels: the later interaction wins the tie */
	c[0] = cand(20, 200, 7, OC_VIA_IN_REPLY_TO, 0);
	c[1] = cand(21, 201, 7, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(7, c, 2, &d);
	CHECK_INT(d.thread_id, 201, "tie: later interaction");
	oc_stitch_decide(7, c + 1, 1, &d);
	CHECK_INT(d.thread_id, 201, "tie: order of candidates does not matter (1)");
	c[0] = cand(21, 201, 7, OC_VIA_IN_REPLY_TO, 0);
	c[1] = cand(20, 200, 7, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(7, c, 2, &d);
	CHECK_INT(d.thread_id, 201, "tie: order of candidates does not matter (2)");

	/* participant check: another customer's thread is never joined */
	c[0] = cand(30, 300, 8, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(7, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "stranger's thread: new");
	CHECK_INT(d.n_strangers, 1, "stranger counted");

	/* ... but an own, weaker reference still joins */
	c[0] = cand(30, 300, 8, OC_VIA_IN_REPLY_TO, 0);
	c[1] = cand(31, 301, 7, OC_VIA_REFS, 0);
	oc_stitch_decide(7, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "own refs after stranger's in_reply_to: reference");
	CHECK_INT(d.thread_id, 301, "own thread chosen");
	CHECK_INT(d.n_strangers, 1, "stranger still counted");

	/* every reason has its SQL name */
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_TOKEN), "token", "token");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_BUSINESS_KEY), "business_key", "business_key");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_SUBJECT), "subject", "subject");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_RECENCY), "recency", "recency");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_MANUAL), "manual", "manual");

	return unit_done();
}
