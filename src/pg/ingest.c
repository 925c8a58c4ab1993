/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  The triggers behind a plain INSERT or COPY into omnichannel.interaction:
 *	  resolve the customer, decide the thread, keep the thread current.
 *
 * BEFORE INSERT (oc_interaction_before_insert), each row:
 *	  1. A retried delivery ((external_id, channel) already stored) is given
 *	     the stored row's customer and thread and nothing else happens; the
 *	     unique index then makes ON CONFLICT DO NOTHING skip it (or, without
 *	     ON CONFLICT, raises the usual unique violation).
 *	  2. The customer: customer_id if given (it must exist); else the owner
 *	     of thread_id if given; else the customer of the contact point,
 *	     created on first sight (ingest_customer.c).
 *	  3. The thread: thread_id if given (it must exist and belong to the
 *	     customer; stitch_reason "manual" unless given); else the decision
 *	     of the server-free core over the candidates (ingest_stitch.c).
 *	     Opening a thread for an existing customer first takes the
 *	     customer's row lock and decides again (one thread, not two, when
 *	     two sessions stitch the same customer at once).  References that
 *	     found nothing wait in pending_reference; a message that earlier
 *	     rows named there joins (or merges) their threads: late arrival.
 *	  4. What the row did to its thread (activity, a new thread, its keys'
 *	     and subject's look-up rows) is recorded in the statement's state
 *	     (ingest_state.c), so that later rows of the same INSERT or COPY
 *	     see it, and written at the statement's end.
 * AFTER INSERT FOR EACH ROW of an opening row (oc_interaction_after_row),
 * else AFTER INSERT FOR EACH STATEMENT (oc_interaction_after_statement):
 *	  whichever fires first writes the statement's threads, once
 *	  (ingest_write.c).  The statement trigger then writes the look-up rows,
 *	  removes threads written early (before a late-arrival merge) that no
 *	  stored row joined, and ends the statement's state.
 *
 * Every trigger checks how it was fired and that it fires on the
 * extension's own table, and does its work as the table's owner under a
 * pinned search path (extension.c): a writer needs INSERT on the table only.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"

#include "pg/ingest.h"
#include "pg/lookup_key.h"
#include "pg/omnichannel.h"

PG_FUNCTION_INFO_V1(oc_interaction_before_insert);
PG_FUNCTION_INFO_V1(oc_interaction_after_statement);
PG_FUNCTION_INFO_V1(oc_interaction_after_row);

/*
 * While a row ingested through interaction_in is stored into interaction
 * (store_row_now), the triggers of interaction let it pass: it was ingested
 * already.
 */
static bool moving_rows = false;

static void store_row_now(HeapTuple row, TupleDesc tupdesc);
static void citus_coordinated_transaction(void);

/*
 * Refuse anything but a trigger fired as expected, on interaction or on
 * interaction_in (the way in: *way_in says which, checked once per call).
 */
static TriggerData *
check_trigger_call(FunctionCallInfo fcinfo, const char *name, bool before, bool row,
				   bool *way_in)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" was not called by trigger manager", name)));
	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		(row ? !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event)
		 : !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event)) ||
		(before ? !TRIGGER_FIRED_BEFORE(trigdata->tg_event)
		 : !TRIGGER_FIRED_AFTER(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired %s INSERT for each %s",
						name, before ? "BEFORE" : "AFTER", row ? "row" : "statement")));
	*way_in = oc_is_own_table(trigdata->tg_relation, "interaction_in");
	if (!*way_in)
		oc_check_own_table(trigdata, "interaction", name);
	return trigdata;
}

/* BEFORE INSERT: resolve the customer and decide the thread. */
Datum
oc_interaction_before_insert(PG_FUNCTION_ARGS)
{
	bool		way_in;
	TriggerData *trigdata = check_trigger_call(fcinfo, "interaction_before_insert", true, true,
											   &way_in);
	Relation	rel;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	bool		cust_null,
				direction_null,
				thread_null,
				contact_null,
				ext_null,
				reason_null,
				channel_null;
	Datum		customer,
				thread,
				contact,
				external,
				channel;
	const char *reason = NULL;
	StringInfoData evidence;
	RefKey	   *keys;
	int			nkeys;
	int			cols[7];
	Datum		vals[7];
	bool		nulls[7];
	int			ncols = 0;
	Snapshot	snap;
	BizKey		bizkeys[OC_MAX_KEYS];
	int			nbizkeys = 0;
	bool		open_new = false;
	bool		created = false;
	bool		reopen = false;
	char	   *subject_key = NULL;
	oc_stitch_windows windows;
	LateArrival late;
	Stitched	st;
	OcOwnerContext owner;
	HeapTuple	result;

	if (moving_rows && !way_in)
		return PointerGetDatum(trigdata->tg_trigtuple);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	tuple = trigdata->tg_trigtuple;

	/* everything below runs as the table's owner, as a foreign key's check does */
	oc_owner_enter(&owner, rel->rd_rel->relowner);
	initStringInfo(&evidence);
	keys = palloc(sizeof(RefKey) * OC_MAX_REFERENCES);
	oc_ingest_bypass_caches = false;	/* in case an error left it set */
	oc_ingest_ensure_cache(rel);
	if (way_in && oc_ingest.distributed)
		citus_coordinated_transaction();
	snap = oc_probe_snapshot();

	customer = heap_getattr(tuple, oc_ingest.att_customer, tupdesc, &cust_null);
	thread = heap_getattr(tuple, oc_ingest.att_thread, tupdesc, &thread_null);
	contact = heap_getattr(tuple, oc_ingest.att_contact, tupdesc, &contact_null);
	external = heap_getattr(tuple, oc_ingest.att_external, tupdesc, &ext_null);
	channel = heap_getattr(tuple, oc_ingest.att_channel, tupdesc, &channel_null);
	(void) heap_getattr(tuple, oc_ingest.att_reason, tupdesc, &reason_null);
	oc_ingest_check_times(tuple, tupdesc);

	/* interaction_in: the id interaction's identity would give, drawn as the owner */
	if (way_in)
	{
		bool		id_null;

		(void) heap_getattr(tuple, oc_ingest.att_id, tupdesc, &id_null);
		if (id_null)
		{
			/* in the tuple at once: what follows reads the row's id */
			int			col = oc_ingest.att_id;
			Datum		id = Int64GetDatum(nextval_internal(oc_ingest.interaction_seq, true));
			bool		no = false;

			tuple = heap_modify_tuple_by_cols(tuple, tupdesc, 1, &col, &id, &no);
		}
	}

	/* an over-long external id is stored (and found) as its look-up form */
	if (!ext_null && oc_lookup_key_differs(external))
	{
		external = oc_lookup_key_datum(external);
		cols[ncols] = oc_ingest.att_external;
		vals[ncols] = external;
		nulls[ncols++] = false;
	}

	/* 1. a retried delivery: borrow the stored row's customer and thread */
	if (!ext_null)
	{
		Datum		key[2] = {external, channel};
		AttrNumber	atts[3] = {oc_ingest.att_customer, oc_ingest.att_thread, oc_ingest.att_id};
		Datum		found[3];
		bool		found_null[3];

		if (oc_probe(&oc_ingest.by_delivery, key, snap, 3, atts, found, found_null, 1) > 0)
		{
			/* the way in skips it, as ON CONFLICT DO NOTHING would */
			if (way_in)
			{
				UnregisterSnapshot(snap);
				oc_owner_leave(&owner);
				return PointerGetDatum(NULL);
			}
			appendStringInfo(&evidence, "{\"duplicate_of\": " INT64_FORMAT "}",
							 DatumGetInt64(found[2]));
			customer = found[0];
			thread = found[1];
			cust_null = thread_null = false;
			reason = "manual";
			goto done;
		}
	}

	/* the interaction's business keys (stored, and used by stitching) */
	nbizkeys = oc_ingest_keys(tuple, tupdesc, bizkeys);

	/*
	 * 2. the customer.  A thread the writer names must exist (only the
	 * trigger opens threads, with ids from the sequence) and must belong to
	 * the customer, if one is named too.
	 */
	if (!thread_null)
	{
		oc_stitch_candidate named;
		int64		owner;

		/* any customer's: one named with it must match (below) */
		if (!oc_ingest_thread_facts(0, DatumGetInt64(thread), snap, &named))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("thread " INT64_FORMAT " does not exist",
							DatumGetInt64(thread))));
		if (named.thread_id != DatumGetInt64(thread))
		{
			/* the named thread was merged: the interaction goes to the survivor */
			appendStringInfo(&evidence, "{\"merged_thread\": " INT64_FORMAT
							 ", \"into\": " INT64_FORMAT "}",
							 DatumGetInt64(thread), named.thread_id);
			thread = Int64GetDatum(named.thread_id);
			if (reason_null)
				reason = "manual";
		}
		owner = named.customer_id;
		if (!cust_null && DatumGetInt64(customer) != owner)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("thread " INT64_FORMAT " belongs to customer " INT64_FORMAT ", not to customer " INT64_FORMAT,
							DatumGetInt64(thread), owner, DatumGetInt64(customer)),
					 errhint("Omit customer_id to take the thread's customer.")));
		customer = Int64GetDatum(owner);
		cust_null = false;
	}
	else if (!cust_null)
	{
		AttrNumber	att = oc_ingest.att_customer_merged;
		Datum		found;
		bool		found_null;

		if (oc_probe(&oc_ingest.by_customer, &customer, snap, 1, &att, &found, &found_null, 1) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("customer " INT64_FORMAT " does not exist",
							DatumGetInt64(customer))));
		if (!found_null)
		{
			/* a merged customer: the interaction goes to the survivor */
			customer = found;
		}
	}
	else
	{
		if (contact_null)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("interaction has neither a contact point nor a customer"),
					 errdetail("Every interaction must belong to a customer."),
					 errhint("Set \"contact\" to the customer's address on the channel, or set \"customer_id\".")));
		customer = Int64GetDatum(oc_ingest_resolve_customer(contact, snap, &created));
		cust_null = false;
	}

	/* the channel's windows, and the base subject where the subject rule is on */
	windows = oc_ingest_windows(channel);
	if (windows.subject > 0)
		subject_key = oc_ingest_subject_key(tuple, tupdesc);

	/* interactions stored earlier that named this one (late arrival) */
	memset(&late, 0, sizeof(late));
	if (!ext_null)
		oc_ingest_late_references(external, DatumGetInt64(customer), snap, &late);
	memset(&st, 0, sizeof(st));

	/* 3. the thread */
	if (!thread_null)
	{
		if (reason_null)
			reason = "manual";
	}
	else
	{
		bool	   *unresolved;

		nkeys = oc_ingest_refs(tuple, tupdesc, keys);
		unresolved = palloc0(sizeof(bool) * Max(nkeys, 1));
		st = oc_ingest_decide(DatumGetInt64(customer), tuple, tupdesc, keys, nkeys,
						   unresolved, bizkeys, nbizkeys, subject_key, &windows,
						   snap, &evidence);
		if (st.d.reason == OC_STITCH_NEW && late.nthreads > 0)
		{
			/* a reply stored before this message: join the reply's thread */
			resetStringInfo(&evidence);
			appendStringInfo(&evidence, "{\"via\": \"replied_by\", \"interaction_id\": " INT64_FORMAT
							 ", \"external_id\": ", late.referrer[0]);
			escape_json(&evidence, TextDatumGetCString(external));
			appendStringInfoChar(&evidence, '}');
			st.d.reason = OC_STITCH_REFERENCE;
			st.d.thread_id = late.threads[0];
			st.state = OC_THREAD_OPEN;
		}
		else if (st.d.reason == OC_STITCH_NEW && !created)
		{
			/*
			 * Opening a thread: first take the customer's stitching lock and
			 * decide again, so that two sessions stitching the same customer
			 * at once make one thread, not two.  The second waits for the
			 * first to commit and then sees its thread (READ COMMITTED); in
			 * REPEATABLE READ it could not, so it fails to serialize.
			 */
			Snapshot	fresh;
			Stitched	again;

			oc_ingest_lock_customer(customer, snap);
			fresh = IsolationUsesXactSnapshot() ?
				RegisterSnapshot(GetLatestSnapshot()) : oc_probe_snapshot();
			resetStringInfo(&evidence);
			oc_ingest_bypass_caches = true;
			again = oc_ingest_decide(DatumGetInt64(customer), tuple, tupdesc, keys, nkeys,
								  unresolved, bizkeys, nbizkeys, subject_key, &windows,
								  fresh, &evidence);
			oc_ingest_bypass_caches = false;
			UnregisterSnapshot(fresh);
			if (again.d.reason != OC_STITCH_NEW && IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent stitching"),
						 errdetail("A concurrent transaction added to a thread of customer " INT64_FORMAT " that this interaction would join.",
								   DatumGetInt64(customer)),
						 errhint("The transaction might succeed if retried.")));
			st = again;
		}
		if (st.d.reason == OC_STITCH_NEW)
		{
			thread = Int64GetDatum(nextval_internal(oc_ingest.thread_seq, true));
			open_new = true;
		}
		else
			thread = Int64GetDatum(st.d.thread_id);
		thread_null = false;
		reason = oc_stitch_reason_name(st.d.reason);
		reopen = st.state == OC_THREAD_SOLVED &&
			DatumGetObjectId(heap_getattr(tuple, oc_ingest.att_direction, tupdesc, &direction_null)) ==
			oc_ingest.inbound_oid;

		/* references that found nothing wait for the messages they name */
		{
			bool		id_null;
			Datum		id = heap_getattr(tuple, oc_ingest.att_id, tupdesc, &id_null);
			bool		connected = false;

			for (int k = 0; k < nkeys && !id_null; k++)
			{
				Datum		args[3] = {(Datum) 0, customer, id};

				if (!unresolved[k])
					continue;
				if (!connected)
					SPI_connect();
				connected = true;
				args[0] = CStringGetTextDatum(keys[k].value);
				oc_ingest_run(oc_ingest.add_pending, args, NULL, SPI_OK_INSERT);
			}
			if (connected)
				SPI_finish();
		}
	}

	/* the threads of replies stored before this message join its thread */
	for (int i = 0; i < late.nthreads; i++)
	{
		bool		id_null;
		Datum		id = heap_getattr(tuple, oc_ingest.att_id, tupdesc, &id_null);

		if (late.threads[i] != DatumGetInt64(thread) && !open_new)
			oc_ingest_late_merge(DatumGetInt64(thread), late.threads[i],
					   id_null ? 0 : DatumGetInt64(id), late.referrer[i],
					   TextDatumGetCString(external));
	}

	/* 4. open or touch the thread, record the keys */
	oc_ingest_record_activity(open_new, thread, customer, tuple, tupdesc, bizkeys, nbizkeys,
				 subject_key, &st, reopen, snap);

	/* more identifiers of the customer, carried in attributes */
	oc_ingest_link_identifiers(tuple, tupdesc, customer, snap);

	/* other customers' threads that named it are linked as related */
	for (int i = 0; i < late.nstrangers; i++)
	{
		Datum		args[2] = {Int64GetDatum(late.strangers[i]), thread};
		ThreadTouch *pending = oc_ingest_new_thread(late.strangers[i]);

		if (pending != NULL)
		{
			/* a thread this statement opened: it is written related */
			if (pending->related_to == 0)
				pending->related_to = DatumGetInt64(thread);
			continue;
		}
		SPI_connect();
		oc_ingest_run(oc_ingest.relate_thread, args, NULL, SPI_OK_UPDATE);
		SPI_finish();
	}

done:
	UnregisterSnapshot(snap);

	cols[ncols] = oc_ingest.att_customer;
	vals[ncols] = customer;
	nulls[ncols++] = false;
	cols[ncols] = oc_ingest.att_thread;
	vals[ncols] = thread;
	nulls[ncols++] = false;
	cols[ncols] = oc_ingest.att_business_keys;
	nulls[ncols] = (nbizkeys == 0);
	vals[ncols] = nbizkeys == 0 ? (Datum) 0 : oc_ingest_keys_jsonb(bizkeys, nbizkeys);
	ncols++;
	cols[ncols] = oc_ingest.att_subject_key;
	nulls[ncols] = (subject_key == NULL);
	vals[ncols] = subject_key == NULL ? (Datum) 0 : CStringGetTextDatum(subject_key);
	ncols++;
	if (reason != NULL)
	{
		cols[ncols] = oc_ingest.att_reason;
		vals[ncols] = CStringGetTextDatum(reason);
		nulls[ncols++] = false;
		cols[ncols] = oc_ingest.att_evidence;
		nulls[ncols] = (evidence.len == 0);
		vals[ncols] = nulls[ncols] ? (Datum) 0 :
			DirectFunctionCall1(jsonb_in, CStringGetDatum(evidence.data));
		ncols++;
	}

	result = heap_modify_tuple_by_cols(tuple, tupdesc, ncols, cols, vals, nulls);
	if (way_in)
		store_row_now(result, tupdesc);
	oc_owner_leave(&owner);
	return PointerGetDatum(result);
}

/*
 * On Citus, the writes of ingest (on the workers) are one transaction with
 * the statement's: Citus opens a transaction on a worker for a write of one
 * shard only inside a transaction block or a function, and a COPY into
 * interaction_in outside a block would commit each of its writes on the
 * spot (a new customer kept after the COPY failed; a row's foreign key to
 * the thread the statement writes at its end checked too early).  Citus's
 * own UseCoordinatedTransaction() makes it one, as BEGIN would; looked up
 * once, and an error if this Citus has none.
 */
static void
citus_coordinated_transaction(void)
{
	static void (*use_coordinated) (void) = NULL;

	if (use_coordinated == NULL)
	{
		use_coordinated = (void (*) (void))
			load_external_function("citus", "UseCoordinatedTransaction", false, NULL);
		if (use_coordinated == NULL && IsTransactionBlock())
			return;
		if (use_coordinated == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("this Citus cannot make ingest one transaction"),
					 errdetail("Its library has no function UseCoordinatedTransaction."),
					 errhint("Run the INSERT or COPY into omnichannel.interaction_in inside BEGIN ... COMMIT.")));
	}
	use_coordinated();
}

/*
 * interaction_in: the ingested row goes into interaction at once, so that
 * the statement's later rows find it as they would on interaction (on
 * Citus the insert goes to the customer's shard); interaction's triggers
 * let it pass (moving_rows).  The row stays in interaction_in too, for
 * RETURNING and the statement trigger, which then removes it.
 */
static void
store_row_now(HeapTuple row, TupleDesc tupdesc)
{
	Datum	   *values = palloc(sizeof(Datum) * tupdesc->natts);
	bool	   *isnull = palloc(sizeof(bool) * tupdesc->natts);
	char	   *nulls = palloc(tupdesc->natts + 1);

	heap_deform_tuple(row, tupdesc, values, isnull);
	for (int i = 0; i < tupdesc->natts; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';
	nulls[tupdesc->natts] = '\0';
	SPI_connect();
	moving_rows = true;
	PG_TRY();
	{
		oc_ingest_run(oc_ingest.store_row, values, nulls, SPI_OK_INSERT);
		/* on Citus, who holds the delivery (read by the look-ups across customers) */
		if (oc_ingest.distributed && !isnull[oc_ingest.att_external - 1])
		{
			Datum		d[3] = {values[oc_ingest.att_external - 1],
				values[oc_ingest.att_channel - 1], values[oc_ingest.att_customer - 1]};

			oc_ingest_run(oc_ingest.store_delivery, d, NULL, SPI_OK_INSERT);
		}
	}
	PG_FINALLY();
	{
		moving_rows = false;
	}
	PG_END_TRY();
	SPI_finish();
}

/* interaction_in's statement trigger: its rows are in interaction; remove them. */
static void
forget_rows_in(TriggerData *trigdata)
{
	SPI_connect();
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER ||
		SPI_execute("DELETE FROM omnichannel.interaction_in AS i USING new_rows AS n "
					" WHERE i.id OPERATOR(pg_catalog.=) n.id", false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not empty omnichannel.interaction_in");
	SPI_finish();
}

/*
 * AFTER INSERT FOR EACH ROW (opening rows only): write the statement's
 * threads before the row's foreign key to its thread is checked (under SET
 * CONSTRAINTS ... IMMEDIATE that check comes before any statement trigger).
 */
Datum
oc_interaction_after_row(PG_FUNCTION_ARGS)
{
	bool		way_in;
	TriggerData *trigdata = check_trigger_call(fcinfo, "interaction_after_row", false, true,
											   &way_in);
	OcOwnerContext owner;

	if (moving_rows && !way_in)
		PG_RETURN_POINTER(NULL);

	oc_owner_enter(&owner, trigdata->tg_relation->rd_rel->relowner);
	oc_ingest_write_statement(trigdata, "interaction_after_row");
	oc_owner_leave(&owner);
	PG_RETURN_POINTER(NULL);
}

/*
 * AFTER INSERT FOR EACH STATEMENT: write the statement's threads (unless an
 * opening row's trigger did) and its look-up rows; remove the threads
 * written before a late-arrival merge for rows that were not stored
 * (skipped by ON CONFLICT DO NOTHING) and that no other row joined; end the
 * statement's state.
 */
Datum
oc_interaction_after_statement(PG_FUNCTION_ARGS)
{
	bool		way_in;
	TriggerData *trigdata = check_trigger_call(fcinfo, "interaction_after_statement", false, false,
											   &way_in);
	IngestStatement *stmt;
	Snapshot	snap;
	OcOwnerContext owner;

	if (moving_rows && !way_in)
		PG_RETURN_POINTER(NULL);
	oc_owner_enter(&owner, trigdata->tg_relation->rd_rel->relowner);
	oc_ingest_write_statement(trigdata, "interaction_after_statement");
	if (way_in)
		forget_rows_in(trigdata);	/* (the statement's rows, its transition table) */
	oc_ingest_write_lookups();
	oc_ingest_write_links();
	stmt = oc_ingest_statement(false);
	if (stmt != NULL && stmt->opened.n > 0)
	{
		snap = oc_probe_snapshot();
		for (int i = 0; i < stmt->opened.n; i++)
		{
			Datum		key = Int64GetDatum(stmt->opened.ids[i]);
			AttrNumber	att = oc_ingest.att_id;
			Datum		found;
			bool		found_null;

			if (oc_probe(&oc_ingest.by_thread_rows, &key, snap, 1, &att, &found, &found_null, 1) == 0)
			{
				SPI_connect();
				oc_ingest_run(oc_ingest.drop_empty_thread, &key, NULL, SPI_OK_SELECT);
				SPI_finish();
			}
		}
		UnregisterSnapshot(snap);
	}
	oc_ingest_statement_end();
	oc_owner_leave(&owner);
	PG_RETURN_POINTER(NULL);
}
