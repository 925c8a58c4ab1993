/*
 * test_queue_facts.c
 *	  Unit tests for the server-free queue facts (src/core/queue_facts.c):
 *	  which rows are events, how each is classified, what a thread's facts
 *	  become.
 */
#include "core/queue_facts.h"
#include "unit.h"

#define MIN ((int64_t) 60 * 1000000)

static oc_qf_prior
prior_none(void)
{
	oc_qf_prior p;

	memset(&p, 0, sizeof(p));
	return p;
}

/* An event of thread 1: interaction id at minute m, who spoke, seq. */
static oc_qf_event
ev(int64_t id, int64_t m, bool inbound, int seq)
{
	oc_qf_event e;

	memset(&e, 0, sizeof(e));
	e.thread = 1;
	e.id = id;
	e.at = m * MIN;
	e.inbound = inbound;
	e.seq = seq;
	e.row = (int32_t) id;
	return e;
}

static void
test_row_events(void)
{
	oc_qf_prior p = prior_none();
	bool		in[2];

	CHECK_INT(oc_qf_row_events(OC_QF_INTERNAL, false, 10 * MIN, &p, in), 0,
			  "an internal note is no event");
	CHECK_INT(oc_qf_row_events(OC_QF_INBOUND, false, 10 * MIN, &p, in), 1,
			  "a customer message is one event");
	CHECK(in[0], "... the customer spoke");
	CHECK_INT(oc_qf_row_events(OC_QF_OUTBOUND, false, 10 * MIN, &p, in), 1,
			  "a reply is one event");
	CHECK(!in[0], "... the company spoke");
	CHECK_INT(oc_qf_row_events(OC_QF_INBOUND, true, 10 * MIN, &p, in), 2,
			  "a live session an agent took is two events");
	CHECK(in[0] && !in[1], "... the customer, then the answer");
	CHECK_INT(oc_qf_row_events(OC_QF_OUTBOUND, true, 10 * MIN, &p, in), 1,
			  "an outbound call is one event");

	p.has_last_in = true;
	p.last_in = 10 * MIN;
	p.has_last_out = true;
	p.last_out = 20 * MIN;
	CHECK_INT(oc_qf_row_events(OC_QF_INBOUND, false, 10 * MIN, &p, in), 0,
			  "a customer message no newer than the thread's latest is replayed");
	CHECK_INT(oc_qf_row_events(OC_QF_INBOUND, true, 5 * MIN, &p, in), 0,
			  "... both halves of a replayed live session");
	CHECK_INT(oc_qf_row_events(OC_QF_INBOUND, false, 11 * MIN, &p, in), 1,
			  "a newer customer message counts (an older reply does not matter)");
	CHECK_INT(oc_qf_row_events(OC_QF_OUTBOUND, false, 20 * MIN, &p, in), 0,
			  "a reply no newer than the thread's latest reply is replayed");
	CHECK_INT(oc_qf_row_events(OC_QF_OUTBOUND, false, 21 * MIN, &p, in), 1,
			  "a newer reply counts");

	CHECK(oc_qf_live_channel("phone") && oc_qf_live_channel("chat") &&
		  oc_qf_live_channel("video") && oc_qf_live_channel("in_person"),
		  "phone, chat, video and in_person are live");
	CHECK(!oc_qf_live_channel("email") && !oc_qf_live_channel("sms") &&
		  !oc_qf_live_channel("chatbot"), "e-mail, SMS and chatbots are not");
}

static void
test_sort(void)
{
	oc_qf_event e[5];

	e[0] = ev(5, 30, true, 0);
	e[1] = ev(3, 10, true, 1);
	e[2] = ev(3, 10, true, 0);
	e[3] = ev(4, 10, false, 0);
	e[4] = ev(9, 1, true, 0);
	e[4].thread = 0;
	oc_qf_sort(e, 5);
	CHECK(e[0].thread == 0, "threads first");
	CHECK(e[1].id == 3 && e[1].seq == 0 && e[2].id == 3 && e[2].seq == 1,
		  "then time, id and seq");
	CHECK(e[3].id == 4 && e[4].id == 5, "same time: id order");
	oc_qf_sort(e, 0);
}

/* A conversation: in, in, out, in, out on a new thread. */
static void
test_conversation(void)
{
	oc_qf_event e[5] = {ev(1, 0, true, 0), ev(2, 5, true, 0), ev(3, 20, false, 0),
	ev(4, 30, true, 0), ev(5, 45, false, 0)};
	oc_qf_prior p = prior_none();
	oc_qf_facts f;

	e[3].has_queue = true;
	oc_qf_classify(e, 5, &p, &f);
	CHECK(!e[0].awaiting && e[1].awaiting && e[2].awaiting && !e[3].awaiting && e[4].awaiting,
		  "awaiting: the customer had spoken last");
	CHECK(e[0].first_in && !e[1].first_in && !e[3].first_in,
		  "only the first customer message is the first");
	CHECK(e[0].after_in && e[2].after_in, "after the first customer message");
	CHECK(e[0].has_next_out && e[0].next_out_id == 3 && e[0].next_out_at == 20 * MIN,
		  "the reply that follows the first message");
	CHECK(e[2].has_next_out && e[2].next_out_id == 5, "... and the one after a reply");
	CHECK(!e[4].has_next_out, "nothing follows the last reply");
	CHECK_INT(f.first_in_row, 1, "facts: first customer message ever");
	CHECK(f.has_first_in && f.first_in == 0, "facts: earliest customer message");
	CHECK(f.has_first_reply && f.first_reply == 20 * MIN, "facts: first reply");
	CHECK(f.has_last_in && f.last_in == 30 * MIN && f.has_last_out && f.last_out == 45 * MIN,
		  "facts: latest message and reply");
	CHECK(f.ends_with_reply, "facts: the company spoke last");
	CHECK(f.has_streak_start && f.streak_start == 30 * MIN, "facts: the latest wait began at 30");
	CHECK_INT(f.last_in_row, 4, "facts: the latest customer message");
	CHECK_INT(f.last_queue_row, 4, "facts: the latest naming a queue");
}

/* A thread that was already waiting, written to again, with an internal-free live session. */
static void
test_waiting_thread(void)
{
	oc_qf_event e[3] = {ev(7, 50, true, 0), ev(8, 60, true, 0), ev(8, 60, false, 1)};
	oc_qf_prior p = prior_none();
	oc_qf_facts f;

	p.waiting = true;
	p.has_first_in = true;
	oc_qf_classify(e, 3, &p, &f);
	CHECK(e[0].awaiting, "the first event of a waiting thread is awaiting");
	CHECK(!e[0].first_in, "a thread with customer messages has no first one now");
	CHECK_INT(f.first_in_row, -1, "facts: no first customer message ever");
	CHECK(!f.has_streak_start, "facts: the wait did not begin in this statement");
	CHECK(f.has_first_reply && f.first_reply == 60 * MIN, "the live answer is a reply");
	CHECK(e[0].has_next_out && e[0].next_out_id == 8, "... to the messages before it");
	CHECK(f.ends_with_reply, "the live answer came last");
	CHECK_INT(f.last_queue_row, -1, "no queue named");

	/* a reply only, to a thread nobody waits on */
	p.waiting = false;
	e[0] = ev(9, 70, false, 0);
	oc_qf_classify(e, 1, &p, &f);
	CHECK(!e[0].awaiting && e[0].after_in, "an unprompted reply after customer messages");
	CHECK(!f.has_first_reply && f.ends_with_reply, "it answers nobody, and ends the thread");
	CHECK(!f.has_first_in && !f.has_last_in, "no customer message");
	oc_qf_classify(e, 0, &p, &f);
	CHECK(!f.ends_with_reply && f.first_in_row == -1, "no events, no facts");
}

/* A whole history's columns (oc_qf_columns_of). */
static void
test_columns(void)
{
	oc_qf_prior p = prior_none();
	oc_qf_facts f;
	oc_qf_columns c;
	oc_qf_event a[4];

	/* the company writes first, the customer twice, then a reply, then again */
	a[0] = ev(1, 5, false, 0);
	a[1] = ev(2, 10, true, 0);
	a[2] = ev(3, 20, false, 0);
	a[3] = ev(4, 30, true, 0);
	oc_qf_classify(a, 4, &p, &f);
	oc_qf_columns_of(&f, &c);
	CHECK(c.has_first_in && c.first_in == 10 * MIN, "first customer message");
	CHECK(c.has_first_response && c.first_response == 20 * MIN,
		  "first response: the reply after it, not the company's opening message");
	CHECK(c.waiting && c.waiting_since == 30 * MIN, "waiting since the unanswered message");
	CHECK_INT(c.waiting_row, 4, "waiting channel from the latest customer message");

	/* a reply before any customer message answers nothing */
	oc_qf_classify(a, 1, &p, &f);
	oc_qf_columns_of(&f, &c);
	CHECK(!c.has_first_in && !c.has_first_response && !c.waiting,
		  "a thread the company opened: no first response, nobody waits");

	/* a live session is answered */
	a[0] = ev(1, 10, true, 0);
	a[1] = ev(1, 10, false, 1);
	oc_qf_classify(a, 2, &p, &f);
	oc_qf_columns_of(&f, &c);
	CHECK(c.has_first_response && c.first_response == 10 * MIN && !c.waiting,
		  "a call an agent took is answered at once");
}

int
main(void)
{
	test_row_events();
	test_sort();
	test_conversation();
	test_waiting_thread();
	test_columns();
	return unit_done();
}
