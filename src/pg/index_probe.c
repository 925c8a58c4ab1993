/*-------------------------------------------------------------------------
 *
 * index_probe.c
 *	  Equality look-ups through a btree index without the executor.
 *
 * The ingest triggers look rows up by key several times per inserted row
 * (a retried delivery, the contact point's customer, a referenced message,
 * a thread's owner).  Through SPI each look-up starts and stops an executor
 * and depends on a cached plan; here it is an index scan with scan keys
 * built once from the index's own operator families and collations, so
 * it is cheap and never turns into a sequential scan, whatever the table's
 * size when a plan would have been made.
 *
 * Visibility follows what an SPI query in a volatile function sees: the
 * command counter is advanced (rows inserted earlier by the same statement
 * become visible) and, in READ COMMITTED, a new snapshot is taken (rows
 * committed by others meanwhile become visible).
 *
 * A probe made with via_sql runs the same look-up as an SQL query instead
 * (SELECT ... WHERE key columns = $n ORDER BY them LIMIT, or SELECT ... FOR
 * NO KEY UPDATE), with a plan saved per set of columns asked for.  That is
 * what the look-ups must be where the table's rows are not in the local
 * relation: a Citus distributed table, whose rows are in shards on other
 * nodes (docs/scaling.md).  The setting omnichannel.lookups_through_sql
 * makes every look-up do so on one node too, so that tests can compare.
 *
 * A probe through SQL may be routed by another table (oc_probe_route): a
 * look-up across the values of a Citus table's distribution column asks
 * every shard, so a table distributed by the look-up's own key says first
 * which values hold rows, and the look-up then runs once per value, with
 * the distribution column equal too: on one shard each.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_operator.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pg/index_probe.h"

/* A saved plan of a probe through SQL, for one list of columns and direction. */
typedef struct OcProbePlan
{
	struct OcProbePlan *next;
	int			natts;			/* -1: the row lock */
	AttrNumber	atts[INDEX_MAX_KEYS * 2];
	bool		backward;
	LockTupleMode mode;
	SPIPlanPtr	plan;
	int16		typlen[INDEX_MAX_KEYS * 2];
	bool		typbyval[INDEX_MAX_KEYS * 2];
} OcProbePlan;

/* Forget a probe's SQL plans (the cache is rebuilt). */
static void
probe_sql_reset(OcIndexProbe *probe)
{
	for (OcProbePlan *p = probe->sql_plans; p != NULL; p = p->next)
		SPI_freeplan(p->plan);
	probe->sql_plans = NULL;
	if (probe->route_plan != NULL)
		SPI_freeplan((SPIPlanPtr) probe->route_plan);
	probe->route_plan = NULL;
	probe->routed = false;
	if (probe->sql_cxt != NULL)
		MemoryContextDelete(probe->sql_cxt);
	probe->sql_cxt = NULL;
	probe->sql_from = NULL;
	probe->sql_order[0] = probe->sql_order[1] = NULL;
}

/* The schema of an operator. */
static Oid
op_namespace(Oid opno)
{
	HeapTuple	tp = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Oid			nsp;

	if (!HeapTupleIsValid(tp))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	nsp = ((Form_pg_operator) GETSTRUCT(tp))->oprnamespace;
	ReleaseSysCache(tp);
	return nsp;
}

/* The quoted name of the index's key column i (a plain column). */
static const char *
key_column(Relation irel, Oid heap, int i)
{
	AttrNumber	col = irel->rd_index->indkey.values[i];

	if (col == InvalidAttrNumber)
		elog(ERROR, "index \"%s\" has an expression", RelationGetRelationName(irel));
	return quote_identifier(get_attname(heap, col, false));
}

/* The equality operator of an index's key column i (its operator family's). */
Oid
oc_index_key_equality(Relation irel, int i)
{
	Oid			opno = get_opfamily_member(irel->rd_opfamily[i], irel->rd_opcintype[i],
										   irel->rd_opcintype[i], BTEqualStrategyNumber);

	if (!OidIsValid(opno))
		elog(ERROR, "no equality operator for column %d of index \"%s\"",
			 i + 1, RelationGetRelationName(irel));
	return opno;
}

/*
 * "k1 OPERATOR(s.=) $1 AND k2 ..." for an index's first nkeys columns of
 * heap, each compared with the index's own equality operator.
 */
static void
append_key_equalities(StringInfo buf, Relation irel, Oid heap, int nkeys)
{
	for (int i = 0; i < nkeys; i++)
	{
		Oid			opno = oc_index_key_equality(irel, i);

		appendStringInfo(buf, "%s%s OPERATOR(%s.%s) $%d", i > 0 ? " AND " : "",
						 key_column(irel, heap, i),
						 quote_identifier(get_namespace_name(op_namespace(opno))),
						 get_opname(opno), i + 1);
	}
}

/*
 * Resolve the equality procedures and collations of an index's first nkeys
 * columns, and with via_sql the text of the same look-up as a query.
 */
void
oc_probe_init(OcIndexProbe *probe, Oid index, int nkeys, bool via_sql)
{
	Relation	irel = index_open(index, AccessShareLock);
	StringInfoData from;
	StringInfoData order[2];

	probe_sql_reset(probe);
	if (nkeys > IndexRelationGetNumberOfKeyAttributes(irel))
		elog(ERROR, "index \"%s\" has fewer than %d key columns",
			 RelationGetRelationName(irel), nkeys);
	probe->heap = IndexGetRelation(index, false);
	probe->index = index;
	probe->nkeys = nkeys;
	probe->via_sql = via_sql;
	initStringInfo(&from);
	initStringInfo(&order[0]);
	initStringInfo(&order[1]);
	appendStringInfo(&from, "FROM %s.%s WHERE ",
					 quote_identifier(get_namespace_name(get_rel_namespace(probe->heap))),
					 quote_identifier(get_rel_name(probe->heap)));
	for (int i = 0; i < nkeys; i++)
	{
		probe->eqproc[i] = get_opcode(oc_index_key_equality(irel, i));
		probe->collation[i] = irel->rd_indcollation[i];
		/* looked up once: the probe lives as long as the backend's cache */
		fmgr_info_cxt(probe->eqproc[i], &probe->eqinfo[i], TopMemoryContext);
		if (via_sql)
			probe->keytype[i] = get_atttype(probe->heap, irel->rd_index->indkey.values[i]);
	}
	if (via_sql)
	{
		/* the index's own equality operators, on the columns' types */
		append_key_equalities(&from, irel, probe->heap, nkeys);
		/* all the index's key columns order the rows as the scan does */
		for (int i = 0; i < IndexRelationGetNumberOfKeyAttributes(irel); i++)
		{
			const char *name = key_column(irel, probe->heap, i);

			appendStringInfo(&order[0], "%s%s", i > 0 ? ", " : "", name);
			appendStringInfo(&order[1], "%s%s DESC", i > 0 ? ", " : "", name);
		}
		probe->sql_cxt = AllocSetContextCreate(TopMemoryContext, "look-up plans (omnichannel)",
											   ALLOCSET_SMALL_SIZES);
		probe->sql_from = MemoryContextStrdup(probe->sql_cxt, from.data);
		probe->sql_order[0] = MemoryContextStrdup(probe->sql_cxt, order[0].data);
		probe->sql_order[1] = MemoryContextStrdup(probe->sql_cxt, order[1].data);
	}
	pfree(from.data);
	pfree(order[0].data);
	pfree(order[1].data);
	index_close(irel, AccessShareLock);
}

/*
 * Route a probe through SQL by another table: the first nkeys columns of
 * route_index equal the probe's keys, and its heap's column of the given
 * name holds the values of the probed table's column of the same name (its
 * distribution column) that have rows for them.  Without route_index the
 * caller names the value (oc_probe_of).
 */
void
oc_probe_route(OcIndexProbe *probe, Oid route_index, const char *column)
{
	Relation	irel;
	Oid			route_heap;
	AttrNumber	col = get_attnum(probe->heap, column);
	StringInfoData sql;
	char	   *from;
	Oid			argtypes[INDEX_MAX_KEYS];

	if (!probe->via_sql || col == InvalidAttrNumber)
		elog(ERROR, "cannot route look-up %s by column \"%s\"", probe->sql_from, column);
	probe->routed = true;
	probe->route_type = get_atttype(probe->heap, col);
	get_typlenbyval(probe->route_type, &probe->route_typlen, &probe->route_typbyval);
	/* the probed table's column equal too: on one shard */
	from = psprintf("%s AND %s OPERATOR(pg_catalog.=) $%d", probe->sql_from,
					quote_identifier(column), probe->nkeys + 2);
	probe->sql_from = MemoryContextStrdup(probe->sql_cxt, from);
	pfree(from);
	if (!OidIsValid(route_index))
		return;
	irel = index_open(route_index, AccessShareLock);
	route_heap = IndexGetRelation(route_index, false);
	if (get_attnum(route_heap, column) == InvalidAttrNumber)
		elog(ERROR, "cannot route look-up %s by column \"%s\"", probe->sql_from, column);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT DISTINCT %s FROM %s.%s WHERE ", quote_identifier(column),
					 quote_identifier(get_namespace_name(get_rel_namespace(route_heap))),
					 quote_identifier(get_rel_name(route_heap)));
	append_key_equalities(&sql, irel, route_heap, probe->nkeys);
	appendStringInfo(&sql, " ORDER BY 1");
	index_close(irel, AccessShareLock);
	memcpy(argtypes, probe->keytype, sizeof(Oid) * probe->nkeys);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	probe->route_plan = SPI_prepare(sql.data, probe->nkeys, argtypes);
	if (probe->route_plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql.data, SPI_result_code_string(SPI_result));
	SPI_keepplan((SPIPlanPtr) probe->route_plan);
	SPI_finish();
	pfree(sql.data);
}

/* The saved plan of a look-up through SQL: natts columns, or the lock (natts -1). */
static OcProbePlan *
probe_sql_plan(OcIndexProbe *probe, int natts, const AttrNumber *atts,
			   bool backward, LockTupleMode mode)
{
	OcProbePlan *p;
	StringInfoData sql;
	Oid			argtypes[INDEX_MAX_KEYS + 2];

	if (natts > INDEX_MAX_KEYS * 2)
		elog(ERROR, "too many columns for a look-up: %d", natts);
	for (p = probe->sql_plans; p != NULL; p = p->next)
		if (p->natts == natts && (natts < 0 ? p->mode == mode : p->backward == backward) &&
			(natts <= 0 || memcmp(p->atts, atts, sizeof(AttrNumber) * natts) == 0))
			return p;

	p = MemoryContextAllocZero(probe->sql_cxt, sizeof(OcProbePlan));
	p->natts = natts;
	p->backward = backward;
	p->mode = mode;
	initStringInfo(&sql);
	appendStringInfoString(&sql, natts < 0 ? "SELECT 1" : "SELECT ");
	for (int a = 0; a < natts; a++)
	{
		p->atts[a] = atts[a];
		get_typlenbyval(get_atttype(probe->heap, atts[a]), &p->typlen[a], &p->typbyval[a]);
		appendStringInfo(&sql, "%s%s", a > 0 ? ", " : "",
						 quote_identifier(get_attname(probe->heap, atts[a], false)));
	}
	appendStringInfo(&sql, " %s", probe->sql_from);
	if (natts < 0)
		appendStringInfo(&sql, " LIMIT 1 FOR %s",
						 mode == LockTupleExclusive ? "UPDATE" :
						 mode == LockTupleNoKeyExclusive ? "NO KEY UPDATE" :
						 mode == LockTupleShare ? "SHARE" : "KEY SHARE");
	else
		appendStringInfo(&sql, " ORDER BY %s LIMIT $%d",
						 probe->sql_order[backward ? 1 : 0], probe->nkeys + 1);
	memcpy(argtypes, probe->keytype, sizeof(Oid) * probe->nkeys);
	argtypes[probe->nkeys] = INT8OID;
	/* routed: the distribution column is $(nkeys + 2), in sql_from */
	argtypes[probe->nkeys + 1] = probe->route_type;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	p->plan = SPI_prepare(sql.data, probe->nkeys + (natts < 0 ? 0 : 1) +
						  (probe->routed ? 1 : 0), argtypes);
	if (p->plan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(p->plan);
	SPI_finish();
	pfree(sql.data);
	p->next = probe->sql_plans;
	probe->sql_plans = p;
	return p;
}

/*
 * Run a probe's plan (routed: for the distribution column's value route);
 * the caller reads SPI_tuptable and calls SPI_finish.
 */
static int
probe_sql_run(const OcIndexProbe *probe, OcProbePlan *p, const Datum *keys, int64 maxrows,
			  Datum route)
{
	Datum		args[INDEX_MAX_KEYS + 2];
	int			rc;

	memcpy(args, keys, sizeof(Datum) * probe->nkeys);
	args[probe->nkeys] = Int64GetDatum(maxrows);
	args[probe->nkeys + 1] = route;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/*
	 * A volatile query: CommandCounterIncrement and, in READ COMMITTED, a new
	 * snapshot per look-up (the index path takes one per row, before the
	 * row's own writes; what differs is only what a concurrent commit makes
	 * visible between two look-ups of one row).
	 */
	rc = SPI_execute_plan(p->plan, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "look-up %s failed: %s", probe->sql_from, SPI_result_code_string(rc));
	return (int) SPI_processed;
}

/*
 * The values of a routed probe's distribution column that hold rows for
 * keys, in order (palloc'd in the caller's memory; *n of them).
 */
static Datum *
probe_route_values(const OcIndexProbe *probe, const Datum *keys, int *n)
{
	MemoryContext caller = CurrentMemoryContext;
	Datum	   *vals;
	int			rc;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_plan((SPIPlanPtr) probe->route_plan, (Datum *) keys, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "route of look-up %s failed: %s", probe->sql_from, SPI_result_code_string(rc));
	*n = (int) SPI_processed;
	vals = MemoryContextAlloc(caller, sizeof(Datum) * Max(*n, 1));
	for (int r = 0; r < *n; r++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext spi = MemoryContextSwitchTo(caller);

		if (isnull)
			elog(ERROR, "route of look-up %s gave NULL", probe->sql_from);
		vals[r] = datumCopy(d, probe->route_typbyval, probe->route_typlen);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return vals;
}

/*
 * oc_probe_dir through SQL (rows into values/nulls, in the caller's memory);
 * route: the value of the distribution column, where the caller names it.
 */
static int
probe_sql(const OcIndexProbe *probe, const Datum *route, const Datum *keys, bool backward,
		  int natts, const AttrNumber *atts, Datum *values, bool *nulls, int maxrows)
{
	OcProbePlan *p = probe_sql_plan((OcIndexProbe *) probe, natts, atts, backward,
									LockTupleKeyShare);
	MemoryContext caller = CurrentMemoryContext;
	Datum		unrouted = (Datum) 0;
	Datum	   *routes = &unrouted;
	int			nroutes = 1;
	int			n = 0;

	if (probe->routed && probe->route_plan == NULL)
	{
		if (route == NULL)
			elog(ERROR, "look-up %s needs the value of its distribution column", probe->sql_from);
		unrouted = *route;
	}
	else if (probe->routed)
		routes = probe_route_values(probe, keys, &nroutes);
	for (int k = backward ? nroutes - 1 : 0;
		 (backward ? k >= 0 : k < nroutes) && n < maxrows;
		 k += backward ? -1 : 1)
	{
		int			got = probe_sql_run(probe, p, keys, maxrows - n, routes[k]);

		for (int r = 0; r < got; r++, n++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[r];

			for (int a = 0; a < natts; a++)
			{
				bool		isnull;
				Datum		d = SPI_getbinval(tuple, SPI_tuptable->tupdesc, a + 1, &isnull);
				MemoryContext spi = MemoryContextSwitchTo(caller);

				nulls[n * natts + a] = isnull;
				values[n * natts + a] = isnull ? (Datum) 0 :
					datumCopy(d, p->typbyval[a], p->typlen[a]);
				MemoryContextSwitchTo(spi);
			}
		}
		SPI_finish();
	}
	return n;
}

/* oc_probe_lock through SQL: SELECT ... FOR NO KEY UPDATE (or the mode). */
static bool
probe_sql_lock(const OcIndexProbe *probe, const Datum *keys, LockTupleMode mode)
{
	OcProbePlan *p;
	int			n;

	if (probe->routed)
		elog(ERROR, "a routed look-up cannot lock");
	p = probe_sql_plan((OcIndexProbe *) probe, -1, NULL, false, mode);
	n = probe_sql_run(probe, p, keys, 1, (Datum) 0);

	SPI_finish();
	return n > 0;
}

/* A registered snapshot seeing what the next SPI query would see. */
Snapshot
oc_probe_snapshot(void)
{
	CommandCounterIncrement();
	return RegisterSnapshot(GetTransactionSnapshot());
}

/*
 * Rows whose first nkeys index columns equal keys, in index order (or the
 * reverse, backward): copies heap attributes atts of at most maxrows rows
 * into values/nulls (natts per row); returns the number of rows found.
 */
int
oc_probe_dir(const OcIndexProbe *probe, const Datum *keys, Snapshot snap,
			 bool backward, int natts, const AttrNumber *atts, Datum *values,
			 bool *nulls, int maxrows)
{
	Relation	heap;
	Relation	irel;
	TupleDesc	desc;
	TupleTableSlot *slot;
	ScanKeyData skeys[INDEX_MAX_KEYS];
	IndexScanDesc scan;
	int			n = 0;

	if (probe->via_sql)
		return probe_sql(probe, NULL, keys, backward, natts, atts, values, nulls, maxrows);
	heap = table_open(probe->heap, AccessShareLock);
	irel = index_open(probe->index, AccessShareLock);
	desc = RelationGetDescr(heap);
	slot = table_slot_create(heap, NULL);
	for (int i = 0; i < probe->nkeys; i++)
		ScanKeyEntryInitializeWithInfo(&skeys[i], 0, i + 1, BTEqualStrategyNumber,
									   InvalidOid, probe->collation[i],
									   (FmgrInfo *) &probe->eqinfo[i], keys[i]);

	scan = index_beginscan(heap, irel, snap, probe->nkeys, 0);
	index_rescan(scan, skeys, probe->nkeys, NULL, 0);
	while (n < maxrows &&
		   index_getnext_slot(scan, backward ? BackwardScanDirection : ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		for (int a = 0; a < natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, atts[a] - 1);
			bool		isnull;
			Datum		d = slot_getattr(slot, atts[a], &isnull);

			nulls[n * natts + a] = isnull;
			values[n * natts + a] = isnull ? (Datum) 0 :
				datumCopy(d, att->attbyval, att->attlen);
		}
		n++;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(irel, AccessShareLock);
	table_close(heap, AccessShareLock);
	return n;
}

/*
 * oc_probe for a probe routed by a value the caller names (the distribution
 * column's; oc_probe_route without a route table).  The index path, where
 * nothing is distributed, does not need it.
 */
int
oc_probe_of(const OcIndexProbe *probe, Datum route, const Datum *keys, Snapshot snap,
			int natts, const AttrNumber *atts, Datum *values, bool *nulls, int maxrows)
{
	if (probe->via_sql)
		return probe_sql(probe, &route, keys, false, natts, atts, values, nulls, maxrows);
	return oc_probe_dir(probe, keys, snap, false, natts, atts, values, nulls, maxrows);
}

/* oc_probe_dir forward: the usual equality look-up. */
int
oc_probe(const OcIndexProbe *probe, const Datum *keys, Snapshot snap,
		 int natts, const AttrNumber *atts, Datum *values, bool *nulls,
		 int maxrows)
{
	return oc_probe_dir(probe, keys, snap, false, natts, atts, values, nulls,
						maxrows);
}

/*
 * Lock the row whose first nkeys index columns equal keys, as SELECT ... FOR
 * NO KEY UPDATE (or another mode) would: wait for a concurrent locker, then
 * lock the latest version in READ COMMITTED; in REPEATABLE READ or
 * SERIALIZABLE a row changed since the snapshot is a serialization failure.
 * Returns false if there is no such row (or it was deleted meanwhile).
 */
bool
oc_probe_lock(const OcIndexProbe *probe, const Datum *keys, Snapshot snap,
			  LockTupleMode mode)
{
	Relation	heap;
	Relation	irel;
	TupleTableSlot *slot;
	ScanKeyData skeys[INDEX_MAX_KEYS];
	IndexScanDesc scan;
	ItemPointerData tid;
	bool		found;

	if (probe->via_sql)
		return probe_sql_lock(probe, keys, mode);
	heap = table_open(probe->heap, RowShareLock);
	irel = index_open(probe->index, AccessShareLock);
	slot = table_slot_create(heap, NULL);
	for (int i = 0; i < probe->nkeys; i++)
		ScanKeyEntryInitializeWithInfo(&skeys[i], 0, i + 1, BTEqualStrategyNumber,
									   InvalidOid, probe->collation[i],
									   (FmgrInfo *) &probe->eqinfo[i], keys[i]);
	scan = index_beginscan(heap, irel, snap, probe->nkeys, 0);
	index_rescan(scan, skeys, probe->nkeys, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found)
		tid = slot->tts_tid;
	index_endscan(scan);

	if (found)
	{
		TM_FailureData tmfd;
		TM_Result	res;

		res = table_tuple_lock(heap, &tid, snap, slot, GetCurrentCommandId(true),
							   mode, LockWaitBlock,
							   IsolationUsesXactSnapshot() ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
							   &tmfd);
		switch (res)
		{
			case TM_Ok:
			case TM_SelfModified:
				break;
			case TM_Updated:
			case TM_Deleted:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent update")));
				/* READ COMMITTED followed the update chain: only a delete is left */
				found = false;
				break;
			default:
				elog(ERROR, "unexpected result %d locking a row of \"%s\"",
					 (int) res, RelationGetRelationName(heap));
		}
	}
	ExecDropSingleTupleTableSlot(slot);
	index_close(irel, AccessShareLock);
	table_close(heap, RowShareLock);
	return found;
}
