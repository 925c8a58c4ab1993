/*-------------------------------------------------------------------------
 *
 * ingest_write.c
 *	  What a statement's rows did, written at its end: threads (activity,
 *	  queue facts, SLA clocks), the rollups, the look-up rows.
 *
 * The threads are written by whichever trigger fires first: the row
 * trigger of the first row that opened a thread (before that row's foreign
 * key to its thread is checked, see "Ingest_threads" in ext/20_model.sql),
 * else the statement trigger; also before a late-arrival merge in the
 * middle of a statement (oc_ingest_late_merge), with what the rows recorded
 * so far.  The statement's stored rows (its transition table) are read into
 * events and classified per thread by the server-free core
 * (src/core/queue_facts.c); then one INSERT writes the threads it opened,
 * the SLA clock rules run (omnichannel.sla_ingest) when a policy is active
 * or clocks run, and one UPDATE writes the threads it joined, in thread id
 * order (so that concurrent statements lock in one order).  The look-up
 * rows are written by the statement trigger.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "pg/ingest.h"
#include "pg/lookup_key.h"

/*
 * What the statement end writes of one thread: the activity its rows
 * recorded (touch, or NULL), and the queue facts its stored rows add.
 */
typedef struct ThreadFlush
{
	int64		thread;			/* hash key */
	int64		customer;
	ThreadTouch *touch;			/* the rows' activity, or NULL */
	bool		is_new;			/* opened by the statement: written by an INSERT */
	bool		has_row;		/* a stored row of the statement is in it */
	bool		known;			/* prior and status are valid (stored) */
	bool		dues_only;		/* the UPDATE writes only its due times */
	bool		late;			/* a row older than what it knew: recompute its facts */
	oc_qf_prior prior;			/* its facts before the statement */
	Oid			status;
	int			nevents;		/* its events in the sorted event array */
	oc_qf_facts facts;
} ThreadFlush;

/* The statement's stored rows per customer and channel (customer_channel). */
typedef struct ChannelKey
{
	int64		customer;
	Oid			channel;
	int32		pad;			/* zero: the key is hashed as bytes */
} ChannelKey;

typedef struct ChannelCount
{
	ChannelKey	key;			/* hash key */
	int64		n[3];			/* inbound, outbound, internal */
	TimestampTz first_at;
	TimestampTz last_at;
	TimestampTz last_inbound_at;	/* 0: none */
	bool		has_inbound;
} ChannelCount;

static void
count_channel(HTAB *counts, int64 customer, Oid channel, oc_qf_direction d, TimestampTz at)
{
	ChannelKey	key;
	bool		found;
	ChannelCount *c;

	memset(&key, 0, sizeof(key));
	key.customer = customer;
	key.channel = channel;
	c = hash_search(counts, &key, HASH_ENTER, &found);
	if (!found)
	{
		memset(c->n, 0, sizeof(c->n));
		c->first_at = c->last_at = at;
		c->has_inbound = false;
		c->last_inbound_at = 0;
	}
	c->n[d]++;
	c->first_at = Min(c->first_at, at);
	c->last_at = Max(c->last_at, at);
	if (d == OC_QF_INBOUND && (!c->has_inbound || at > c->last_inbound_at))
	{
		c->has_inbound = true;
		c->last_inbound_at = at;
	}
}

/* A stored row of the statement, as the facts need it. */
typedef struct FlushRow
{
	int64		customer;
	Oid			channel;
	text	   *queue;			/* NULL if none */
} FlushRow;

static int
flush_cmp(const void *a, const void *b)
{
	int64		x = (*(ThreadFlush *const *) a)->thread;
	int64		y = (*(ThreadFlush *const *) b)->thread;

	return x < y ? -1 : x > y;
}

/* The flush entry of a thread; its stored facts are read when first needed. */
static ThreadFlush *
flush_entry(HTAB *threads, int64 thread, int64 customer, bool read_prior, Snapshot snap)
{
	bool		found;
	ThreadFlush *f = hash_search(threads, &thread, HASH_ENTER, &found);

	if (!found)
	{
		f->customer = customer;
		f->touch = NULL;
		f->is_new = f->has_row = f->known = f->dues_only = f->late = false;
		f->nevents = 0;
		memset(&f->prior, 0, sizeof(f->prior));
		memset(&f->facts, 0, sizeof(f->facts));
	}
	if (read_prior && !f->known && !f->is_new)
	{
		AttrNumber	atts[5] = {oc_ingest.att_thread_status, oc_ingest.att_thread_waiting,
			oc_ingest.att_thread_first_in, oc_ingest.att_thread_last_in, oc_ingest.att_thread_last_out};
		Datum		key[2] = {Int64GetDatum(f->customer), Int64GetDatum(thread)};
		Datum		v[5];
		bool		n[5];

		if (oc_probe(&oc_ingest.by_thread_of, key, snap, 5, atts, v, n, 1) > 0)
		{
			f->known = true;
			f->status = DatumGetObjectId(v[0]);
			f->prior.waiting = !n[1];
			f->prior.has_first_in = !n[2];
			f->prior.has_last_in = !n[3];
			f->prior.last_in = n[3] ? 0 : DatumGetTimestampTz(v[3]);
			f->prior.has_last_out = !n[4];
			f->prior.last_out = n[4] ? 0 : DatumGetTimestampTz(v[4]);
		}
	}
	return f;
}

/* Columns of Datums and nulls, n rows each: column k is v + k * n. */
typedef struct Cols
{
	Datum	   *v;
	bool	   *n;
} Cols;

static Cols
cols_alloc(int ncols, int nrows)
{
	Cols		c;

	c.v = palloc(sizeof(Datum) * (Size) ncols * Max(nrows, 1));
	c.n = palloc0(sizeof(bool) * (Size) ncols * Max(nrows, 1));
	return c;
}

/*
 * Read the statement's stored rows (the transition table) into events: the
 * customer-visible ones, the live sessions doubled, the rows their threads'
 * stored facts already cover left out (oc_qf_row_events).  Marks every
 * thread a stored row is in.
 */
static int
read_events(Tuplestorestate *store, TupleDesc desc, HTAB *threads, HTAB *counts,
			HTAB *day_counts, Snapshot snap, oc_qf_event **events_out, FlushRow **rows_out)
{
	TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	int			max_events = 256;
	int			max_rows = 256;
	int			nevents = 0;
	int			nrows = 0;
	oc_qf_event *events = palloc(sizeof(oc_qf_event) * max_events);
	FlushRow   *rows = palloc(sizeof(FlushRow) * max_rows);
	int			ptr = tuplestore_alloc_read_pointer(store, EXEC_FLAG_REWIND);

	tuplestore_select_read_pointer(store, ptr);
	tuplestore_rescan(store);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		bool		isnull;
		int64		thread = DatumGetInt64(slot_getattr(slot, oc_ingest.att_thread, &isnull));
		int64		customer = DatumGetInt64(slot_getattr(slot, oc_ingest.att_customer, &isnull));
		Oid			dir = DatumGetObjectId(slot_getattr(slot, oc_ingest.att_direction, &isnull));
		oc_qf_direction d = dir == oc_ingest.inbound_oid ? OC_QF_INBOUND :
			dir == oc_ingest.outbound_oid ? OC_QF_OUTBOUND : OC_QF_INTERNAL;
		ThreadFlush *f = flush_entry(threads, thread, customer, d != OC_QF_INTERNAL, snap);
		int64		id;
		TimestampTz at;
		Oid			channel;
		Datum		queue;
		bool		queue_null;
		bool		live = false;
		bool		inbound[2];
		int			k;

		CHECK_FOR_INTERRUPTS();

		f->has_row = true;
		at = DatumGetTimestampTz(slot_getattr(slot, oc_ingest.att_occurred, &isnull));
		channel = DatumGetObjectId(slot_getattr(slot, oc_ingest.att_channel, &isnull));
		count_channel(counts, customer, channel, d, at);
		/* the UTC day: days since 2000-01-01, as a date is stored */
		count_channel(day_counts, at >= 0 ? at / USECS_PER_DAY : -((-at - 1) / USECS_PER_DAY) - 1,
					  channel, d, at);
		if (d == OC_QF_INTERNAL || !(f->known || f->is_new))
			continue;

		/*
		 * A row older than the thread's latest known message cannot be added
		 * to its facts (the rows after it are not in this statement): they
		 * are recomputed from the whole thread instead (its SLA clocks stay
		 * as they ran, as for any row no newer than the thread's facts).
		 */
		if (f->known && ((f->prior.has_last_in && at < f->prior.last_in) ||
						 (f->prior.has_last_out && at < f->prior.last_out)))
			f->late = true;
		id = DatumGetInt64(slot_getattr(slot, oc_ingest.att_id, &isnull));
		(void) slot_getattr(slot, oc_ingest.att_agent, &isnull);
		if (!isnull)
			for (int c = 0; c < oc_ingest.nchannels; c++)
				if (oc_ingest.channel_oid[c] == channel)
					live = oc_ingest.channel_live[c];
		k = oc_qf_row_events(d, live, at, &f->prior, inbound);
		if (k == 0)
			continue;
		queue = slot_getattr(slot, oc_ingest.att_queue, &queue_null);
		if (nrows == max_rows)
		{
			max_rows *= 2;
			rows = repalloc(rows, sizeof(FlushRow) * max_rows);
		}
		rows[nrows].customer = customer;
		rows[nrows].channel = channel;
		/* (an over-long queue name is kept in look-up form: it is indexed) */
		rows[nrows].queue = queue_null ? NULL :
			DatumGetTextPCopy(oc_lookup_key_datum(queue));
		if (nevents + k > max_events)
		{
			max_events *= 2;
			events = repalloc(events, sizeof(oc_qf_event) * max_events);
		}
		oc_qf_fill_events(&events[nevents], k, inbound, thread, id, at, !queue_null, nrows);
		nevents += k;
		nrows++;
	}
	tuplestore_select_read_pointer(store, 0);
	ExecDropSingleTupleTableSlot(slot);
	*events_out = events;
	*rows_out = rows;
	return nevents;
}

static int
channel_count_cmp(const void *a, const void *b)
{
	const ChannelCount *x = *(ChannelCount *const *) a;
	const ChannelCount *y = *(ChannelCount *const *) b;

	if (x->key.customer != y->key.customer)
		return x->key.customer < y->key.customer ? -1 : 1;
	return x->key.channel < y->key.channel ? -1 : x->key.channel > y->key.channel;
}

/*
 * Add the statement's rows to a rollup (customer_channel, or channel_day: the
 * key's first part is then the day): one INSERT ... ON CONFLICT.
 */
static void
write_channel_counts(HTAB *counts, SPIPlanPtr plan)
{
	long		n = hash_get_num_entries(counts);
	ChannelCount **all;
	HASH_SEQ_STATUS seq;
	ChannelCount *c;
	Cols		cols;
	Datum		args[8];
	static const Oid types[8] = {INT8OID, InvalidOid, INT8OID, INT8OID, INT8OID,
	TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	int			i = 0;

	if (n == 0)
		return;
	all = palloc(sizeof(ChannelCount *) * n);
	hash_seq_init(&seq, counts);
	while ((c = hash_seq_search(&seq)) != NULL)
		all[i++] = c;
	qsort(all, n, sizeof(ChannelCount *), channel_count_cmp);
	cols = cols_alloc(8, (int) n);
	for (i = 0; i < n; i++)
	{
		c = all[i];
		cols.v[0 * n + i] = Int64GetDatum(c->key.customer);
		cols.v[1 * n + i] = ObjectIdGetDatum(c->key.channel);
		for (int d = 0; d < 3; d++)
			cols.v[(2 + d) * n + i] = Int64GetDatum(c->n[d]);
		cols.v[5 * n + i] = TimestampTzGetDatum(c->first_at);
		cols.v[6 * n + i] = TimestampTzGetDatum(c->last_at);
		cols.v[7 * n + i] = TimestampTzGetDatum(c->last_inbound_at);
		cols.n[7 * n + i] = !c->has_inbound;
	}
	for (int k = 0; k < 8; k++)
		args[k] = oc_ingest_array(cols.v + k * n, cols.n + k * n, (int) n,
							 types[k] == InvalidOid ? oc_ingest.channel_type : types[k]);
	oc_ingest_run(plan, args, NULL, SPI_OK_INSERT);
}

/* The statement's classified events, as the arguments of sla_ingest(). */
static void
event_args(const oc_qf_event *events, int nevents, const FlushRow *rows,
		   Datum *args, char *nulls)
{
	static const Oid types[11] = {INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID,
	BOOLOID, InvalidOid, BOOLOID, TIMESTAMPTZOID, INT8OID, BOOLOID, BOOLOID};
	Cols		e = cols_alloc(11, nevents);

	for (int i = 0; i < nevents; i++)
	{
		const oc_qf_event *ev = &events[i];

		e.v[0 * nevents + i] = Int64GetDatum(ev->id);
		e.v[1 * nevents + i] = Int64GetDatum(ev->thread);
		e.v[2 * nevents + i] = Int64GetDatum(rows[ev->row].customer);
		e.v[3 * nevents + i] = TimestampTzGetDatum(ev->at);
		e.v[4 * nevents + i] = BoolGetDatum(ev->inbound);
		e.v[5 * nevents + i] = ObjectIdGetDatum(rows[ev->row].channel);
		e.v[6 * nevents + i] = BoolGetDatum(ev->awaiting);
		e.v[7 * nevents + i] = TimestampTzGetDatum(ev->next_out_at);
		e.n[7 * nevents + i] = !ev->has_next_out;
		e.v[8 * nevents + i] = Int64GetDatum(ev->next_out_id);
		e.n[8 * nevents + i] = !ev->has_next_out;
		e.v[9 * nevents + i] = BoolGetDatum(ev->first_in);
		e.v[10 * nevents + i] = BoolGetDatum(ev->after_in);
	}
	for (int c = 0; c < 11; c++)
	{
		nulls[c] = nevents == 0 ? 'n' : ' ';
		if (nevents > 0)
			args[c] = oc_ingest_array(e.v + c * nevents, e.n + c * nevents, nevents,
								 types[c] == InvalidOid ? oc_ingest.channel_type : types[c]);
	}
}

/*
 * The 15 per-thread columns the INSERT of new threads and the UPDATE of the
 * others take (see their plans in ingest_cache.c): id, customer, the rows'
 * activity (NULL without), and the queue facts (NULL without events); a
 * new thread's first reply and streak start are its first response and
 * waiting since (oc_qf_columns_of: its events are its whole history).
 */
#define THREAD_COLS 15

static void
thread_args(ThreadFlush **all, int n, const FlushRow *rows, Datum *args)
{
	static const Oid types[THREAD_COLS] = {INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		TEXTOID, TEXTOID, InvalidOid, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, BOOLOID, TIMESTAMPTZOID, InvalidOid, TEXTOID};
	Cols		c = cols_alloc(THREAD_COLS, n);

#define COL(k) (c.v + (k) * n)
#define NUL(k) (c.n + (k) * n)
	for (int i = 0; i < n; i++)
	{
		ThreadFlush *f = all[i];
		ThreadTouch *t = f->dues_only ? NULL : f->touch;
		oc_qf_facts *q = &f->facts;
		bool		ev = !f->dues_only && f->nevents > 0;

		COL(0)[i] = Int64GetDatum(f->thread);
		COL(1)[i] = Int64GetDatum(f->customer);
		NUL(2)[i] = NUL(3)[i] = NUL(5)[i] = (t == NULL);
		NUL(4)[i] = (t == NULL || t->subject == NULL);
		if (t != NULL)
		{
			StringInfoData chans;

			COL(2)[i] = TimestampTzGetDatum(t->min_at);
			COL(3)[i] = TimestampTzGetDatum(t->max_at);
			COL(4)[i] = PointerGetDatum(t->subject);
			initStringInfo(&chans);
			for (int k = 0; k < t->nchannels; k++)
			{
				if (k > 0)
					appendStringInfoChar(&chans, ',');
				appendStringInfoString(&chans, oc_ingest_channel_label(t->channels[k]));
			}
			COL(5)[i] = CStringGetTextDatum(chans.data);
		}
		NUL(6)[i] = !ev || q->first_in_row < 0;
		if (!NUL(6)[i])
			COL(6)[i] = ObjectIdGetDatum(rows[q->first_in_row].channel);
		NUL(7)[i] = !ev || !q->has_first_in;
		COL(7)[i] = TimestampTzGetDatum(q->first_in);
		NUL(8)[i] = !ev || !q->has_first_reply;
		COL(8)[i] = TimestampTzGetDatum(q->first_reply);
		if (ev && f->is_new)
		{
			/* a new thread's events are its whole history: its columns */
			oc_qf_columns whole;

			oc_qf_columns_of(q, &whole);
			NUL(8)[i] = !whole.has_first_response;
			COL(8)[i] = TimestampTzGetDatum(whole.first_response);
			NUL(12)[i] = !whole.waiting;
			COL(12)[i] = TimestampTzGetDatum(whole.waiting_since);
		}
		NUL(9)[i] = !ev || !q->has_last_in;
		COL(9)[i] = TimestampTzGetDatum(q->last_in);
		NUL(10)[i] = !ev || !q->has_last_out;
		COL(10)[i] = TimestampTzGetDatum(q->last_out);
		NUL(11)[i] = !ev;
		COL(11)[i] = BoolGetDatum(q->ends_with_reply);
		if (!(ev && f->is_new))
		{
			NUL(12)[i] = !ev || !q->has_streak_start;
			COL(12)[i] = TimestampTzGetDatum(q->streak_start);
		}
		NUL(13)[i] = !ev || q->last_in_row < 0;
		if (!NUL(13)[i])
			COL(13)[i] = ObjectIdGetDatum(rows[q->last_in_row].channel);
		NUL(14)[i] = !ev || q->last_queue_row < 0;
		if (!NUL(14)[i])
			COL(14)[i] = PointerGetDatum(rows[q->last_queue_row].queue);
	}
	for (int k = 0; k < THREAD_COLS; k++)
		args[k] = oc_ingest_array(COL(k), NUL(k), n,
							 types[k] == InvalidOid ? oc_ingest.channel_type : types[k]);
#undef COL
#undef NUL
}

/*
 * Write what the statement did to its threads, in thread id order (so that
 * concurrent statements lock in one order).  store is the transition table
 * of its stored rows; NULL in the middle of a statement (before a
 * late-arrival merge), when only what its rows recorded so far is written.
 *   1. the threads it opened: one INSERT, with their activity and queue
 *      facts (a thread no stored row is in is never written);
 *   2. the SLA clock rules (sla_ingest), when a policy is active or clocks
 *      run: reopen the threads a customer message reopens, stop and start
 *      clocks;
 *   3. the other threads it touched: one UPDATE with their activity, queue
 *      facts and, when clocks run, due times (those of the new threads too).
 * Like all of ingest, this runs as the interaction table's owner (the
 * trigger entry points switch, see extension.c).
 */
void
oc_ingest_write_threads(Tuplestorestate *store, TupleDesc desc)
{
	IngestStatement *stmt = oc_ingest_statement(true);
	HTAB	   *table = stmt->touches;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "omnichannel thread flush",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	HTAB	   *threads;
	HTAB	   *counts;
	HTAB	   *day_counts;
	HASH_SEQ_STATUS seq;
	ThreadFlush *f;
	ThreadFlush **all;
	ThreadFlush **fresh;
	ThreadFlush **stale;
	oc_qf_event *events = NULL;
	FlushRow   *rows = NULL;
	int			nevents = 0;
	int			n = 0;
	int			nfresh = 0;
	int			nstale = 0;
	int			nreopen = 0;
	Datum	   *reopen_ids;
	Datum	   *reopen_ats;
	Datum	   *reopen_customers;
	bool		dues = false;
	Snapshot	snap;

	threads = oc_ingest_hash("omnichannel thread flush", sizeof(int64), sizeof(ThreadFlush), cxt);
	counts = oc_ingest_hash("omnichannel channel counts", sizeof(ChannelKey), sizeof(ChannelCount), cxt);
	day_counts = oc_ingest_hash("omnichannel day counts", sizeof(ChannelKey), sizeof(ChannelCount), cxt);

	/* the activity recorded by the rows, and the threads they opened */
	if (table != NULL)
	{
		ThreadTouch *t;

		hash_seq_init(&seq, table);
		while ((t = hash_seq_search(&seq)) != NULL)
		{
			f = flush_entry(threads, t->thread, t->customer, false, NULL);
			f->touch = t;
			f->is_new = t->is_new;
		}
	}

	/* the stored rows' events, classified per thread */
	snap = oc_probe_snapshot();
	if (store != NULL)
		nevents = read_events(store, desc, threads, counts, day_counts, snap, &events, &rows);
	oc_qf_sort(events, nevents);
	for (int i = 0; i < nevents;)
	{
		int			j = i;

		while (j < nevents && events[j].thread == events[i].thread)
			j++;
		f = hash_search(threads, &events[i].thread, HASH_FIND, NULL);
		f->nevents = j - i;
		oc_qf_classify(events + i, j - i, &f->prior, &f->facts);
		i = j;
	}

	all = palloc(sizeof(ThreadFlush *) * Max(hash_get_num_entries(threads), 1));
	hash_seq_init(&seq, threads);
	while ((f = hash_seq_search(&seq)) != NULL)
		all[n++] = f;
	if (n == 0)
	{
		UnregisterSnapshot(snap);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return;
	}
	qsort(all, n, sizeof(ThreadFlush *), flush_cmp);

	/*
	 * New threads no stored row is in (rows ON CONFLICT skipped) are not
	 * written; their look-up rows are dropped too (flush_lookups).  Threads
	 * written in the middle of the statement may still end up empty: the
	 * statement trigger deletes them then (remember_opened).
	 */
	fresh = palloc(sizeof(ThreadFlush *) * n);
	stale = palloc(sizeof(ThreadFlush *) * n);
	reopen_ids = palloc(sizeof(Datum) * n);
	reopen_ats = palloc(sizeof(Datum) * n);
	reopen_customers = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		f = all[i];
		if (f->is_new && store != NULL && !f->has_row)
		{
			oc_ingest_list_add(&stmt->discarded, f->thread);
			continue;
		}
		if (f->is_new)
		{
			fresh[nfresh++] = f;
			if (store == NULL)
				oc_ingest_list_add(&stmt->opened, f->thread);
		}
		else
			stale[nstale++] = f;

		/* a customer message reopens a solved (the stitching said so), pending or on-hold thread */
		if (f->touch != NULL && f->touch->reopen)
		{
			reopen_ids[nreopen] = Int64GetDatum(f->thread);
			reopen_customers[nreopen] = Int64GetDatum(f->customer);
			reopen_ats[nreopen++] = TimestampTzGetDatum(f->touch->min_at);
		}
		else if (f->known && f->nevents > 0 && f->facts.has_first_in &&
				 (f->status == oc_ingest.state_oid[OC_THREAD_PENDING] ||
				  f->status == oc_ingest.state_oid[OC_THREAD_ON_HOLD]))
		{
			reopen_ids[nreopen] = Int64GetDatum(f->thread);
			reopen_customers[nreopen] = Int64GetDatum(f->customer);
			reopen_ats[nreopen++] = TimestampTzGetDatum(f->facts.first_in);
		}
	}

	SPI_connect();

	/* 1. the new threads */
	if (nfresh > 0)
	{
		Datum		args[THREAD_COLS + 2];
		Cols		links = cols_alloc(2, nfresh);

		thread_args(fresh, nfresh, rows, args);
		for (int i = 0; i < nfresh; i++)
		{
			links.v[i] = Int64GetDatum(fresh[i]->touch->follow_up_of);
			links.n[i] = fresh[i]->touch->follow_up_of == 0;
			links.v[nfresh + i] = Int64GetDatum(fresh[i]->touch->related_to);
			links.n[nfresh + i] = fresh[i]->touch->related_to == 0;
		}
		args[THREAD_COLS] = oc_ingest_array(links.v, links.n, nfresh, INT8OID);
		args[THREAD_COLS + 1] = oc_ingest_array(links.v + nfresh, links.n + nfresh, nfresh, INT8OID);
		oc_ingest_run(oc_ingest.new_threads, args, NULL, SPI_OK_INSERT);
	}

	/* 2. the clocks */
	/* (through SQL sla_ingest asks itself, for the statement's customers alone) */
	if (nreopen > 0 ||
		(nevents > 0 && (oc_ingest.via_sql || oc_ingest_run_bool(oc_ingest.sla_active, NULL, NULL))))
	{
		Datum		args[15];
		char		nulls[15];

		event_args(events, nevents, rows, args, nulls);
		nulls[11] = nulls[12] = nulls[13] = nreopen == 0 ? 'n' : ' ';
		if (nreopen > 0)
		{
			args[11] = oc_ingest_array(reopen_ids, NULL, nreopen, INT8OID);
			args[12] = oc_ingest_array(reopen_ats, NULL, nreopen, TIMESTAMPTZOID);
			args[13] = oc_ingest_array(reopen_customers, NULL, nreopen, INT8OID);
		}
		/* on Citus each customer's clocks are moved on its shard */
		args[14] = BoolGetDatum(oc_ingest.via_sql);
		nulls[14] = ' ';
		dues = oc_ingest_run_bool(oc_ingest.sla_ingest, args, nulls);
	}

	/* 3. the threads that were there, and the new ones' due times */
	if (nstale > 0 || (dues && nfresh > 0))
	{
		Datum		args[THREAD_COLS + 1];
		int			m = 0;

		if (dues)
		{
			/* the new threads too (their activity and facts are written) */
			for (int i = 0; i < nfresh; i++)
				stale[nstale + i] = fresh[i];
			m = nfresh;
			qsort(stale, nstale + m, sizeof(ThreadFlush *), flush_cmp);
			for (int i = 0; i < nstale + m; i++)
				stale[i]->dues_only = stale[i]->is_new;	/* the rest is written */
		}
		thread_args(stale, nstale + m, rows, args);
		args[THREAD_COLS] = BoolGetDatum(dues);
		oc_ingest_run(oc_ingest.touch_threads, args, NULL, SPI_OK_UPDATE);
	}
	/* ... and the facts of those a row older than their facts reached */
	{
		Datum	   *late = palloc(sizeof(Datum) * n);
		Datum	   *whose = palloc(sizeof(Datum) * n);
		int			nlate = 0;

		for (int i = 0; i < nstale; i++)
			if (stale[i]->late)
			{
				whose[nlate] = Int64GetDatum(stale[i]->customer);
				late[nlate++] = Int64GetDatum(stale[i]->thread);
			}
		if (nlate > 0)
		{
			Datum		args[2] = {oc_ingest_array(late, NULL, nlate, INT8OID),
			oc_ingest_array(whose, NULL, nlate, INT8OID)};

			oc_ingest_run(oc_ingest.refresh_facts, args, NULL, SPI_OK_SELECT);
		}
	}
	/* 4. the rollups: per customer and channel, per UTC day and channel, in key order */
	write_channel_counts(counts, oc_ingest.count_channels);
	write_channel_counts(day_counts, oc_ingest.count_days);
	SPI_finish();

	/* the statement's activity is written */
	oc_ingest_touches_written();
	UnregisterSnapshot(snap);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* Write the recorded look-up rows: one INSERT per table. */
void
oc_ingest_write_lookups(void)
{
	IngestStatement *stmt = oc_ingest_statement(false);
	Datum	   *cols[5];
	int			n[2] = {0, 0};

	if (stmt == NULL || stmt->n_lookup_rows == 0)
		return;
	SPI_connect();
	for (int subject = 0; subject <= 1; subject++)
	{
		Oid			types[5] = {INT8OID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID};
		Datum		args[5];
		int			c0 = 0;

		for (int c = 0; c < 5; c++)
			cols[c] = palloc(sizeof(Datum) * stmt->n_lookup_rows);
		for (int i = 0; i < stmt->n_lookup_rows; i++)
		{
			LookupRow  *r = &stmt->lookup_rows[i];
			int			k = n[subject];

			if (r->subject != (subject == 1) || oc_ingest_list_has(&stmt->discarded, r->thread))
				continue;
			cols[0][k] = Int64GetDatum(r->customer);
			cols[1][k] = CStringGetTextDatum(r->subject ? "" : r->name);
			cols[2][k] = CStringGetTextDatum(r->value);
			cols[3][k] = Int64GetDatum(r->thread);
			cols[4][k] = TimestampTzGetDatum(r->at);
			n[subject]++;
		}
		if (n[subject] == 0)
			continue;
		for (int c = 0; c < 5; c++)
		{
			int16		typlen;
			bool		typbyval;
			char		typalign;

			get_typlenbyvalalign(types[c], &typlen, &typbyval, &typalign);
			args[c0++] = PointerGetDatum(construct_array(cols[c], n[subject], types[c],
														 typlen, typbyval, typalign));
		}
		oc_ingest_run(subject ? oc_ingest.upsert_subject : oc_ingest.upsert_key, args, NULL, SPI_OK_INSERT);
	}
	SPI_finish();
}

/*
 * How a small statement's writes are planned.  The functions they call
 * (sla_ingest and the clock rules in ext/85_sla.sql) take the statement's
 * rows as arrays.  For a few rows (one message an application inserts) the
 * plan made once per session for any arrays (generic) serves best: left to
 * PostgreSQL (plan_cache_mode auto), several of their statements would be
 * planned anew for every message, which costs more than running them.  Up
 * to OC_GENERIC_PLAN_ROWS rows (where the two cost about the same on the
 * ingest benchmark's rows) the statement's own writes run with generic
 * plans (a GUC nest level, undone at leave or by the abort of an error);
 * a larger statement is left to PostgreSQL's choice.  Through SQL (Citus)
 * the setting is left alone: Citus plans a distributed statement with its
 * parameters' values.
 */
#define OC_GENERIC_PLAN_ROWS 1000

static int
plan_mode_enter(int64 nrows)
{
	int			level = NewGUCNestLevel();

	if (!oc_ingest.via_sql && nrows <= OC_GENERIC_PLAN_ROWS)
		(void) set_config_option("plan_cache_mode", "force_generic_plan",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return level;
}

static void
plan_mode_leave(int level)
{
	AtEOXact_GUC(true, level);
}

/*
 * Write the statement's threads, once: the row trigger of its first opening
 * row and its statement trigger both call this with the transition table
 * they share, which identifies the statement.
 */
void
oc_ingest_write_statement(TriggerData *trigdata, const char *fname)
{
	IngestStatement *stmt;
	int			plans;

	if (trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired with a transition table of the new rows",
						fname)));
	stmt = oc_ingest_statement(true);
	if (stmt->written == trigdata->tg_newtable)
		return;
	oc_ingest_ensure_cache(trigdata->tg_relation);
	plans = plan_mode_enter(tuplestore_tuple_count(trigdata->tg_newtable));
	oc_ingest_write_threads(trigdata->tg_newtable, RelationGetDescr(trigdata->tg_relation));
	plan_mode_leave(plans);
	stmt->written = trigdata->tg_newtable;
}
