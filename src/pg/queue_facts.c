/*-------------------------------------------------------------------------
 *
 * queue_facts.c
 *	  thread_queue_facts(threads bigint[]): the queue-fact columns of
 *	  threads recomputed from all their interactions by the server-free core
 *	  (src/core/queue_facts.c), the same rules ingest applies row by row.
 *
 * Ingest keeps a thread's facts (first and last customer message and reply,
 * the first response, since when the customer waits, the latest channel and
 * queue) as its rows arrive in time order.  What changes a thread's
 * history otherwise (an operator's move, split or merge, a restitch, an
 * unmerge, a row that arrives older than what the thread already knows)
 * recomputes them here, through omnichannel.refresh_queue_facts (ext/
 * 60_thread_ops.sql): one definition of the facts, in the core.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "core/queue_facts.h"
#include "pg/lookup_key.h"

PG_FUNCTION_INFO_V1(oc_thread_queue_facts);

/* One interaction of a thread, as the facts need it. */
typedef struct FactRow
{
	Datum		channel;
	Datum		queue;			/* in look-up form; 0: none */
} FactRow;

/* Classify one thread's events and emit its row. */
static void
emit_thread(Tuplestorestate *store, TupleDesc desc, int64 thread,
			oc_qf_event *events, int nevents, const FactRow *rows)
{
	oc_qf_prior prior;
	oc_qf_facts facts;
	oc_qf_columns c;
	Datum		values[8];
	bool		nulls[8];

	memset(&prior, 0, sizeof(prior));
	oc_qf_sort(events, nevents);
	oc_qf_classify(events, nevents, &prior, &facts);
	oc_qf_columns_of(&facts, &c);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int64GetDatum(thread);
	values[1] = TimestampTzGetDatum(c.first_in);
	nulls[1] = !c.has_first_in;
	values[2] = TimestampTzGetDatum(c.first_response);
	nulls[2] = !c.has_first_response;
	values[3] = TimestampTzGetDatum(c.last_in);
	nulls[3] = !c.has_last_in;
	values[4] = TimestampTzGetDatum(c.last_out);
	nulls[4] = !c.has_last_out;
	values[5] = TimestampTzGetDatum(c.waiting_since);
	nulls[5] = !c.waiting;
	nulls[6] = c.waiting_row < 0;
	values[6] = nulls[6] ? (Datum) 0 : rows[c.waiting_row].channel;
	nulls[7] = c.queue_row < 0;
	values[7] = nulls[7] ? (Datum) 0 : rows[c.queue_row].queue;
	tuplestore_putvalues(store, desc, values, nulls);
}

/*
 * thread_queue_facts(threads bigint[]) RETURNS TABLE (thread_id,
 * first_inbound_at, first_response_at, last_inbound_at, last_outbound_at,
 * waiting_since, waiting_channel, queue): a row per given thread that has
 * interactions (one without any has no facts; refresh_queue_facts clears
 * them).  Reads the interactions with the caller's privileges, through the
 * thread index, a thread at a time; the threads' customers are named too
 * (thread_queue_facts(customers, threads)), so that on Citus their shards
 * alone are read.
 */
Datum
oc_thread_queue_facts(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		args[2] = {PG_GETARG_DATUM(0), PG_GETARG_DATUM(1)};
	Oid			argtypes[2] = {INT8ARRAYOID, INT8ARRAYOID};
	MemoryContext cxt;
	MemoryContext rows_cxt;
	Portal		portal;
	oc_qf_event *events;
	FactRow    *rows;
	int			max_rows = 64;
	int			nrows = 0;
	int			nevents = 0;
	int64		thread = 0;

	InitMaterializedSRF(fcinfo, 0);
	cxt = CurrentMemoryContext;
	/* one thread's interactions at a time: memory does not grow with the set */
	rows_cxt = AllocSetContextCreate(cxt, "omnichannel thread facts", ALLOCSET_DEFAULT_SIZES);
	events = MemoryContextAlloc(cxt, sizeof(oc_qf_event) * 2 * max_rows);
	rows = MemoryContextAlloc(cxt, sizeof(FactRow) * max_rows);

	SPI_connect();
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT i.thread_id, i.id, i.occurred_at, "
									   "       i.direction OPERATOR(pg_catalog.=) 'inbound', "
									   "       i.direction OPERATOR(pg_catalog.=) 'internal', "
									   "       i.agent IS NOT NULL, i.channel, "
									   "       i.channel::pg_catalog.text, i.queue "
									   "  FROM omnichannel.interaction AS i "
									   " WHERE i.customer_id OPERATOR(pg_catalog.=) ANY ($1) "
									   "   AND i.thread_id OPERATOR(pg_catalog.=) ANY ($2) "
									   /* a thread has one customer: interaction_thread_idx's order */
									   " ORDER BY i.thread_id, i.customer_id, i.occurred_at, i.id",
									   2, argtypes, args, NULL, true, 0);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			bool		queue_null;
			int64		t = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 2, &isnull));
			TimestampTz at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &isnull));
			bool		inbound = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
			bool		internal = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
			bool		agent = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
			Datum		channel = SPI_getbinval(tup, desc, 7, &isnull);
			char	   *label = TextDatumGetCString(SPI_getbinval(tup, desc, 8, &isnull));
			Datum		queue = SPI_getbinval(tup, desc, 9, &queue_null);
			oc_qf_prior none;
			bool		who[2];
			int			k;

			CHECK_FOR_INTERRUPTS();
			if (nrows > 0 && t != thread)
			{
				emit_thread(rsinfo->setResult, rsinfo->setDesc, thread, events, nevents, rows);
				nrows = nevents = 0;
				MemoryContextReset(rows_cxt);
			}
			thread = t;
			if (nrows == max_rows)
			{
				max_rows *= 2;
				events = repalloc(events, sizeof(oc_qf_event) * 2 * max_rows);
				rows = repalloc(rows, sizeof(FactRow) * max_rows);
			}
			memset(&none, 0, sizeof(none));
			k = oc_qf_row_events(internal ? OC_QF_INTERNAL : inbound ? OC_QF_INBOUND : OC_QF_OUTBOUND,
								 agent && oc_qf_live_channel(label), at, &none, who);
			rows[nrows].channel = channel;
			rows[nrows].queue = (Datum) 0;
			if (!queue_null)
			{
				MemoryContext old = MemoryContextSwitchTo(rows_cxt);

				rows[nrows].queue = datumCopy(oc_lookup_key_datum(queue), false, -1);
				MemoryContextSwitchTo(old);
			}
			oc_qf_fill_events(&events[nevents], k, who, t, id, at, !queue_null, nrows);
			nevents += k;
			nrows++;
		}
		SPI_freetuptable(SPI_tuptable);
	}
	if (nrows > 0)
		emit_thread(rsinfo->setResult, rsinfo->setDesc, thread, events, nevents, rows);
	SPI_cursor_close(portal);
	SPI_finish();
	return (Datum) 0;
}
