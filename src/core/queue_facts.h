/*
 * queue_facts.h
 *	  What a statement's interactions tell about their threads' conversation
 *	  state, server-free: who spoke last, since when the customer waits,
 *	  which messages start or stop SLA clocks.
 *
 * The glue (src/pg/ingest.c, at the end of each INSERT or COPY) turns the
 * statement's stored rows into events, looks up each thread's stored facts,
 * sorts the events and hands each thread's events here.  This module
 * classifies every event (was the customer waiting when it came? is it the
 * thread's first customer message? which reply answers it?) and aggregates
 * the thread's new facts (first and last customer message and reply, the
 * start of the customer's current streak, the latest channel and queue).
 * The glue writes the facts to the thread and hands the classified events
 * to the SLA clock rules (omnichannel.sla_ingest, ext/85_sla.sql).
 * docs/sla.md defines each fact; the rules here are its reference.
 */
#ifndef OC_QUEUE_FACTS_H
#define OC_QUEUE_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* interaction.direction */
typedef enum oc_qf_direction
{
	OC_QF_INBOUND = 0,			/* from the customer */
	OC_QF_OUTBOUND,				/* to the customer */
	OC_QF_INTERNAL				/* a note the customer never sees */
} oc_qf_direction;

/* A thread's facts as stored before the statement (times in microseconds). */
typedef struct oc_qf_prior
{
	bool		waiting;		/* waiting_since IS NOT NULL */
	bool		has_first_in;	/* first_inbound_at IS NOT NULL */
	bool		has_last_in;
	int64_t		last_in;		/* last_inbound_at */
	bool		has_last_out;
	int64_t		last_out;		/* last_outbound_at */
} oc_qf_prior;

/*
 * One event: a customer-visible interaction, or the answer half of a live
 * session an agent took (a call, chat, video call or visit: inbound with an
 * agent is the customer's message and its answer at once, seq 1 right after
 * seq 0).  The glue fills the inputs; oc_qf_classify fills the outputs.
 */
typedef struct oc_qf_event
{
	/* inputs */
	int64_t		thread;
	int64_t		at;				/* occurred_at */
	int64_t		id;				/* interaction id */
	int			seq;			/* 0, or 1 for the answer half of a live session */
	bool		inbound;		/* the customer spoke (else the company did) */
	bool		has_queue;		/* the interaction names a queue */
	int32_t		row;			/* the glue's index of the interaction */
	/* outputs */
	bool		awaiting;		/* the customer had spoken last before it */
	bool		first_in;		/* the thread's first customer message ever */
	bool		after_in;		/* the customer had written to the thread by then */
	bool		has_next_out;	/* a reply follows it in this statement ... */
	int64_t		next_out_at;	/* ... at this time */
	int64_t		next_out_id;	/* ... by this interaction */
} oc_qf_event;

/* What one thread's events of the statement add to its facts. */
typedef struct oc_qf_facts
{
	int32_t		first_in_row;	/* row of its first customer message ever, or -1 */
	bool		has_first_in;
	int64_t		first_in;		/* earliest customer message of the statement */
	bool		has_first_reply;
	int64_t		first_reply;	/* earliest reply to a waiting customer */
	bool		has_last_in;
	int64_t		last_in;		/* latest customer message */
	bool		has_last_out;
	int64_t		last_out;		/* latest reply */
	bool		ends_with_reply;	/* the company spoke last */
	bool		has_streak_start;
	int64_t		streak_start;	/* latest customer message that began a wait */
	int32_t		last_in_row;	/* row of the latest customer message, or -1 */
	int32_t		last_queue_row; /* row of the latest one naming a queue, or -1 */
} oc_qf_facts;

/*
 * A thread's queue-fact columns, from the facts of its whole history (its
 * events classified against an empty prior): what omnichannel.thread holds
 * in first_inbound_at, first_response_at, last_inbound_at,
 * last_outbound_at, waiting_since, and which rows give waiting_channel and
 * queue.  The one definition of those columns (docs/sla.md): ingest writes
 * new threads with it, and thread_queue_facts() recomputes any thread.
 */
typedef struct oc_qf_columns
{
	bool		has_first_in;
	int64_t		first_in;		/* first_inbound_at */
	bool		has_first_response;
	int64_t		first_response; /* first_response_at: the first reply to a waiting customer */
	bool		has_last_in;
	int64_t		last_in;		/* last_inbound_at */
	bool		has_last_out;
	int64_t		last_out;		/* last_outbound_at */
	bool		waiting;
	int64_t		waiting_since;	/* the start of the customer's current wait */
	int32_t		waiting_row;	/* row of the latest customer message (waiting_channel), or -1 */
	int32_t		queue_row;		/* row of the latest one naming a queue (queue), or -1 */
} oc_qf_columns;

extern bool oc_qf_live_channel(const char *channel);
extern int	oc_qf_row_events(oc_qf_direction direction, bool live_session,
							 int64_t at, const oc_qf_prior *prior, bool inbound[2]);
extern void oc_qf_fill_events(oc_qf_event *out, int k, const bool inbound[2], int64_t thread,
							  int64_t id, int64_t at, bool has_queue, int32_t row);
extern void oc_qf_sort(oc_qf_event *events, size_t n);
extern void oc_qf_classify(oc_qf_event *events, size_t n, const oc_qf_prior *prior,
						   oc_qf_facts *facts);
extern void oc_qf_columns_of(const oc_qf_facts *facts, oc_qf_columns *columns);

#endif							/* OC_QUEUE_FACTS_H */
