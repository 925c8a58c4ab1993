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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "executor/tuptable.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "pg/index_probe.h"

/* Resolve the equality procedures and collations of an index's first nkeys columns. */
void
oc_probe_init(OcIndexProbe *probe, Oid index, int nkeys)
{
	Relation	irel = index_open(index, AccessShareLock);

	if (nkeys > IndexRelationGetNumberOfKeyAttributes(irel))
		elog(ERROR, "index \"%s\" has fewer than %d key columns",
			 RelationGetRelationName(irel), nkeys);
	probe->heap = IndexGetRelation(index, false);
	probe->index = index;
	probe->nkeys = nkeys;
	for (int i = 0; i < nkeys; i++)
	{
		Oid			opno = get_opfamily_member(irel->rd_opfamily[i],
											   irel->rd_opcintype[i],
											   irel->rd_opcintype[i],
											   BTEqualStrategyNumber);

		if (!OidIsValid(opno))
			elog(ERROR, "no equality operator for column %d of index \"%s\"",
				 i + 1, RelationGetRelationName(irel));
		probe->eqproc[i] = get_opcode(opno);
		probe->collation[i] = irel->rd_indcollation[i];
		/* looked up once: the probe lives as long as the backend's cache */
		fmgr_info_cxt(probe->eqproc[i], &probe->eqinfo[i], TopMemoryContext);
	}
	index_close(irel, AccessShareLock);
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
	Relation	heap = table_open(probe->heap, AccessShareLock);
	Relation	irel = index_open(probe->index, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(heap);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	ScanKeyData skeys[INDEX_MAX_KEYS];
	IndexScanDesc scan;
	int			n = 0;

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
	Relation	heap = table_open(probe->heap, RowShareLock);
	Relation	irel = index_open(probe->index, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	ScanKeyData skeys[INDEX_MAX_KEYS];
	IndexScanDesc scan;
	ItemPointerData tid;
	bool		found;

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
