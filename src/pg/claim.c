/*-------------------------------------------------------------------------
 *
 * claim.c
 *	  claim_pick(agent, fits, cutoff, available): the thread a claim takes,
 *	  found and locked without the executor (the hot path of claim_next).
 *
 * claim_next (ext/86_queue.sql) locks the agent, works out what fits its
 * spare capacity and who is available, and then needs the first thread in
 * dispatch order that the agent may take and that no one else holds.  In
 * SQL that was a query planned per call (its arrays decide the plan) and a
 * statement per candidate; here it is one ordered scan of the dispatch
 * index (thread_dispatch_idx), or for an agent serving some queues one
 * scan per queue of thread_queue_dispatch_idx merged in dispatch order,
 * each candidate tested and locked as SELECT ... FOR NO KEY UPDATE SKIP
 * LOCKED would: a row another transaction holds is skipped, a row changed
 * since the snapshot is locked in its latest version and tested again.
 *
 * The test is not written here: it is omnichannel.claim_eligible() (with
 * the thread still open and unassigned), the SQL function the Citus path
 * inlines into its shard queries, parsed once per backend into an
 * expression over parameters ($1 the thread's row, $2 the agent, $3 fits,
 * $4 cutoff, $5 available) and evaluated per candidate: one definition of
 * who may take a thread.  A change to any function, or to the thread or
 * agent table, drops the parsed expression (freed at the next parse, and
 * never while a claim of the backend runs: a claim's test may claim again).
 *
 * Only where the thread table's rows are in the local relation: on Citus
 * (and under omnichannel.lookups_through_sql) claim_next runs its SQL path.
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
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/params.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pg/index_probe.h"
#include "pg/omnichannel.h"

PG_FUNCTION_INFO_V1(oc_claim_pick);

#define CLAIM_NPARAMS 5

/*
 * An agent serving more queues than this reads the whole dispatch order
 * (the test leaves out the other queues): a scan per queue holds a buffer
 * pin and some memory each.
 */
#define CLAIM_MAX_QUEUE_SCANS 64

/* The parsed test, per backend. */
static MemoryContext claim_cxt = NULL;
static Expr *claim_test = NULL;
static Oid	claim_test_types[CLAIM_NPARAMS];
static Oid	claim_thread_rel = InvalidOid;
static Oid	claim_agent_rel = InvalidOid;	/* the table of $2's row type */
static bool claim_test_row = false;	/* uses $1 whole, not only its fields */
static uint64 claim_invalidations = 0;
/*
 * Claims of this backend running now: a claim's test may run code that
 * claims again (an owner's claim_eligible() calling claim_next); an inner
 * claim that parses a new test then keeps it for itself alone, since the
 * kept tree belongs to the outer claim until it ends.
 */
static int	claim_users = 0;

/*
 * Any function or the thread table changed: parse the test again at the
 * next claim.  (The tree is freed then, not here: a claim may be using it
 * when an invalidation arrives.)
 */
static void
claim_forget(Datum arg, int cacheid, uint32 hashvalue)
{
	claim_test = NULL;
	claim_invalidations++;
}

static void
claim_rel_changed(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == claim_thread_rel || relid == claim_agent_rel)
		claim_forget(arg, 0, 0);
}

/*
 * The thread's fields ($1.field, once claim_eligible() is inlined) as
 * columns of the scanned row: read from the slot as it is deformed, not
 * from a copy of the row per candidate.
 */
static Node *
thread_fields_to_vars(Node *node, void *context)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, FieldSelect))
	{
		FieldSelect *fs = (FieldSelect *) node;

		if (IsA(fs->arg, Param) && ((Param *) fs->arg)->paramkind == PARAM_EXTERN &&
			((Param *) fs->arg)->paramid == 1)
			return (Node *) makeVar(1, fs->fieldnum, fs->resulttype, fs->resulttypmod,
									fs->resultcollid, 0);
	}
	return expression_tree_mutator(node, thread_fields_to_vars, context);
}

/* Whether the expression still uses the thread's whole row ($1). */
static bool
uses_thread_row(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXTERN &&
		((Param *) node)->paramid == 1)
		return true;
	return expression_tree_walker(node, uses_thread_row, context);
}

/*
 * The test a candidate must pass, as an expression over the five
 * parameters: still open and unassigned, and claim_eligible().
 */
static Expr *
claim_test_expr(Oid nsp, Oid thread_rel, const Oid *types, bool *row)
{
	static bool callbacks = false;
	char	   *sql;
	List	   *raw;
	Query	   *query;
	Expr	   *expr;
	MemoryContext old;
	uint64		generation;
	Oid			agent_rel;

	if (claim_test != NULL && thread_rel == claim_thread_rel &&
		memcmp(types, claim_test_types, sizeof(claim_test_types)) == 0)
	{
		*row = claim_test_row;
		return claim_test;
	}
	if (!callbacks)
	{
		claim_cxt = AllocSetContextCreate(CacheMemoryContext, "claim test (omnichannel)",
										  ALLOCSET_SMALL_SIZES);
		CacheRegisterSyscacheCallback(PROCOID, claim_forget, (Datum) 0);
		CacheRegisterRelcacheCallback(claim_rel_changed, (Datum) 0);
		callbacks = true;
	}
	generation = claim_invalidations;

	sql = psprintf("SELECT ($1).status OPERATOR(pg_catalog.=) 'open' AND ($1).assignee IS NULL"
				   " AND %s.claim_eligible($1, $2, $3, $4, $5)",
				   quote_identifier(get_namespace_name(nsp)));
	/*
	 * Parsed, and claim_eligible() inlined, under the pinned search path
	 * whoever calls: the expression is kept for the backend's later claims,
	 * which run with the owner's rights.
	 */
	oc_pinned_path_push();
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	query = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql, types,
									  CLAIM_NPARAMS, NULL);
	if (query->commandType != CMD_SELECT || list_length(query->targetList) != 1)
		elog(ERROR, "unexpected form of the claim test");	/* cannot happen */
	/* inlines claim_eligible() (a plain SQL expression) and folds constants */
	expr = expression_planner((Expr *) linitial_node(TargetEntry, query->targetList)->expr);
	expr = (Expr *) thread_fields_to_vars((Node *) expr, NULL);
	PopOverrideSearchPath();
	pfree(sql);

	*row = uses_thread_row((Node *) expr, NULL);
	agent_rel = get_typ_typrelid(types[1]);
	/*
	 * kept unless something changed while it was parsed (this claim uses
	 * it), or an outer claim of this backend uses the kept one
	 */
	if (claim_invalidations == generation && claim_users == 0)
	{
		MemoryContextReset(claim_cxt);
		old = MemoryContextSwitchTo(claim_cxt);
		claim_test = copyObject(expr);
		MemoryContextSwitchTo(old);
		claim_test_row = *row;
		memcpy(claim_test_types, types, sizeof(claim_test_types));
		claim_thread_rel = thread_rel;
		claim_agent_rel = agent_rel;
	}
	return expr;
}

/* One ordered scan of a dispatch index (one queue's, or all threads'). */
typedef struct ClaimScan
{
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		have;			/* slot holds the scan's next row */
} ClaimScan;

/* How the merged scans compare rows: the index's order columns. */
typedef struct ClaimOrder
{
	int			ncols;
	AttrNumber	att[INDEX_MAX_KEYS];
	FmgrInfo   *cmp[INDEX_MAX_KEYS];
	Oid			collation[INDEX_MAX_KEYS];
	int16		option[INDEX_MAX_KEYS];
} ClaimOrder;

/* The order columns of an index from its column first on (plain columns). */
static void
claim_order_of(Relation irel, int first, ClaimOrder *order)
{
	int			nkeys = IndexRelationGetNumberOfKeyAttributes(irel);

	order->ncols = 0;
	for (int i = first; i < nkeys; i++)
	{
		int			k = order->ncols++;

		order->att[k] = irel->rd_index->indkey.values[i];
		if (order->att[k] == InvalidAttrNumber)
			elog(ERROR, "index \"%s\" orders by an expression", RelationGetRelationName(irel));
		order->cmp[k] = index_getprocinfo(irel, i + 1, BTORDER_PROC);
		order->collation[k] = irel->rd_indcollation[i];
		order->option[k] = irel->rd_indoption[i];
	}
}

/* <0, 0, >0: row a comes before, with, after row b in the index's order. */
static int
claim_compare(const ClaimOrder *order, TupleTableSlot *a, TupleTableSlot *b)
{
	for (int k = 0; k < order->ncols; k++)
	{
		bool		anull;
		bool		bnull;
		Datum		av = slot_getattr(a, order->att[k], &anull);
		Datum		bv = slot_getattr(b, order->att[k], &bnull);
		int			c;

		if (anull || bnull)
		{
			if (anull && bnull)
				continue;
			c = anull ? 1 : -1;
			if (order->option[k] & INDOPTION_NULLS_FIRST)
				c = -c;
			return c;
		}
		c = DatumGetInt32(FunctionCall2Coll(order->cmp[k], order->collation[k], av, bv));
		if (order->option[k] & INDOPTION_DESC)
			INVERT_COMPARE_RESULT(c);
		if (c != 0)
			return c;
	}
	return 0;
}

/*
 * An index of the thread table by name, in the extension's schema, opened;
 * NULL if it is missing or not usable (being built or dropped concurrently,
 * or invalid after a failed CREATE INDEX CONCURRENTLY), unless required.
 */
static Relation
claim_index(Oid nsp, const char *name, Oid thread_rel, bool required)
{
	Oid			index = get_relname_relid(name, nsp);
	Relation	irel;

	if (OidIsValid(index) && IndexGetRelation(index, true) == thread_rel)
	{
		/* kept until the transaction ends, as the executor does */
		irel = index_open(index, AccessShareLock);
		if (irel->rd_index->indisvalid && irel->rd_index->indisready &&
			irel->rd_index->indislive)
			return irel;
		index_close(irel, NoLock);
	}
	if (required)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index \"%s.%s\" is missing or not valid", get_namespace_name(nsp), name),
				 errdetail("claim_next reads the open unassigned threads in dispatch order through it."),
				 errhint("REINDEX it, or create it again as the extension's install script defines it.")));
	return NULL;
}

/* Whether the test holds for the row in slot (the parameters' other four set). */
static bool
claim_passes(ExprState *test, ExprContext *econtext, ParamListInfo params,
			 bool row, TupleTableSlot *slot)
{
	MemoryContext old;
	Datum		result;
	bool		isnull;

	ResetExprContext(econtext);
	econtext->ecxt_scantuple = slot;
	if (row)
	{
		old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
		params->params[0].value = ExecFetchSlotHeapTupleDatum(slot);
		params->params[0].isnull = false;
		MemoryContextSwitchTo(old);
	}
	result = ExecEvalExprSwitchContext(test, econtext, &isnull);
	return !isnull && DatumGetBool(result);
}

/*
 * The scan of a claim: the first thread in dispatch order that passes the
 * test (expr) and no one holds, locked; *found says whether there is one.
 */
static Datum
claim_scan(Oid nsp, Relation heap, HeapTupleHeader agent, Expr *expr,
		   bool row, const Oid *types, FunctionCallInfo fcinfo, bool *found)
{
	Oid			thread_rel = RelationGetRelid(heap);
	ExprState  *test;
	ExprContext *econtext;
	ParamListInfo params;
	Datum		queues_d;
	bool		queues_null;
	ArrayType  *queues_a;
	RegProcedure queue_eq = InvalidOid;
	Datum	   *queues = NULL;
	int			nqueues = 0;
	Relation	irel;
	ClaimOrder	order;
	ClaimScan  *scans;
	int			nscans;
	TupleTableSlot *lockslot;
	Snapshot	snap;
	Datum		picked = (Datum) 0;

	*found = false;
	params = makeParamList(CLAIM_NPARAMS);
	params->numParams = CLAIM_NPARAMS;
	for (int i = 0; i < CLAIM_NPARAMS; i++)
	{
		/* $1, the thread, is set per row; the others are the (STRICT) arguments */
		params->params[i].ptype = types[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].isnull = false;
		params->params[i].value = i > 0 ? PG_GETARG_DATUM(i - 1) : (Datum) 0;
	}
	test = ExecInitExprWithParams(expr, params);
	econtext = CreateStandaloneExprContext();
	econtext->ecxt_param_list_info = params;

	/*
	 * The agent's queues: none, every thread; some, theirs and the ones with
	 * none ('' in the index), each scanned once (a NULL element names none)
	 */
	queues_d = GetAttributeByName(agent, "queues", &queues_null);
	queues_a = queues_null ? NULL : DatumGetArrayTypeP(queues_d);
	if (queues_a != NULL &&
		ArrayGetNItems(ARR_NDIM(queues_a), ARR_DIMS(queues_a)) <= CLAIM_MAX_QUEUE_SCANS)
	{
		Datum	   *elems;
		bool	   *elemnulls;
		int			nelems;

		deconstruct_array(queues_a, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &elemnulls, &nelems);
		queues = palloc(sizeof(Datum) * (nelems + 1));
		for (int i = 0; i < nelems; i++)
		{
			bool		seen = elemnulls[i] || VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i])) == 0;

			CHECK_FOR_INTERRUPTS();
			for (int j = 0; j < nqueues && !seen; j++)
				seen = DatumGetBool(DirectFunctionCall2Coll(texteq, DEFAULT_COLLATION_OID,
															queues[j], elems[i]));
			if (!seen)
				queues[nqueues++] = elems[i];
		}
		/* any queue named at all: the threads with none too */
		if (nelems > 0)
			queues[nqueues++] = CStringGetTextDatum("");
	}

	snap = RegisterSnapshot(GetLatestSnapshot());
	/* without the queues' index, the whole dispatch order (the test filters) */
	irel = nqueues > 0 ? claim_index(nsp, "thread_queue_dispatch_idx", thread_rel, false) : NULL;
	if (irel == NULL)
	{
		irel = claim_index(nsp, "thread_dispatch_idx", thread_rel, true);
		nqueues = 0;
		nscans = 1;
		order.ncols = 0;
	}
	else
	{
		nscans = nqueues;
		claim_order_of(irel, 1, &order);
		/* COALESCE(queue, '') = the queue: the index's own equality */
		queue_eq = get_opcode(oc_index_key_equality(irel, 0));
	}
	scans = palloc0(sizeof(ClaimScan) * nscans);
	for (int s = 0; s < nscans; s++)
	{
		ScanKeyData key;
		int			nkeys = 0;

		scans[s].slot = table_slot_create(heap, NULL);
		if (nqueues > 0)
		{
			ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid,
								   irel->rd_indcollation[0], queue_eq, queues[s]);
			nkeys = 1;
		}
		scans[s].scan = index_beginscan(heap, irel, snap, nkeys, 0);
		index_rescan(scans[s].scan, nkeys > 0 ? &key : NULL, nkeys, NULL, 0);
		scans[s].have = index_getnext_slot(scans[s].scan, ForwardScanDirection, scans[s].slot);
	}
	lockslot = table_slot_create(heap, NULL);

	for (;;)
	{
		int			next = -1;

		CHECK_FOR_INTERRUPTS();
		/* the first row in dispatch order among the scans' next rows */
		for (int s = 0; s < nscans; s++)
			if (scans[s].have &&
				(next < 0 || claim_compare(&order, scans[s].slot, scans[next].slot) < 0))
				next = s;
		if (next < 0)
			break;

		if (claim_passes(test, econtext, params, row, scans[next].slot))
		{
			ItemPointerData tid = scans[next].slot->tts_tid;
			TM_FailureData tmfd;
			TM_Result	res;

			/*
			 * FOR NO KEY UPDATE SKIP LOCKED, in its latest version.  A row
			 * taken or changed meanwhile fails the test after its lock and
			 * stays locked, not claimed, until this transaction ends, as in
			 * the SQL path.
			 */
			res = table_tuple_lock(heap, &tid, snap, lockslot, GetCurrentCommandId(true),
								   LockTupleNoKeyExclusive, LockWaitSkip,
								   TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS |
								   TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
			if (res == TM_Ok && claim_passes(test, econtext, params, row, lockslot))
			{
				picked = ExecFetchSlotHeapTupleDatum(lockslot);
				*found = true;
				break;
			}
			if (res == TM_Invisible)
				elog(ERROR, "attempted to lock invisible tuple of \"%s\"",
					 RelationGetRelationName(heap));
			/* TM_WouldBlock: another claim holds it; updated or deleted: gone */
		}
		scans[next].have = index_getnext_slot(scans[next].scan, ForwardScanDirection,
											  scans[next].slot);
	}

	for (int s = 0; s < nscans; s++)
	{
		index_endscan(scans[s].scan);
		ExecDropSingleTupleTableSlot(scans[s].slot);
	}
	ExecDropSingleTupleTableSlot(lockslot);
	UnregisterSnapshot(snap);
	index_close(irel, NoLock);
	FreeExprContext(econtext, true);
	return picked;
}

Datum
oc_claim_pick(PG_FUNCTION_ARGS)
{
	Oid			nsp = get_func_namespace(fcinfo->flinfo->fn_oid);
	Oid			thread_rel = get_relname_relid("thread", nsp);
	HeapTupleHeader agent = PG_GETARG_HEAPTUPLEHEADER(0);
	Oid			types[CLAIM_NPARAMS];
	Expr	   *expr;
	bool		row;
	Relation	heap;
	Datum		picked = (Datum) 0;
	bool		found = false;

	if (!OidIsValid(thread_rel))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"%s.thread\" does not exist", get_namespace_name(nsp))));
	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("claim_next requires READ COMMITTED"),
				 errdetail("A claim must see assignments committed while it waited for a lock.")));
	/* what SELECT ... FOR NO KEY UPDATE of the table would ask of the caller */
	if (pg_class_aclcheck(thread_rel, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		pg_class_aclcheck(thread_rel, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(thread_rel));

	/* locked before the test is looked at: a change to the table is seen */
	heap = table_open(thread_rel, RowShareLock);
	if (check_enable_rls(thread_rel, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("claim_next does not apply row-level security of table \"%s\"",
						RelationGetRelationName(heap)),
				 errhint("Claims run as the extension's owner; do not force row-level security on it.")));

	types[0] = get_rel_type_id(thread_rel);
	for (int i = 1; i < CLAIM_NPARAMS; i++)
		types[i] = get_fn_expr_argtype(fcinfo->flinfo, i - 1);
	expr = claim_test_expr(nsp, thread_rel, types, &row);

	claim_users++;
	PG_TRY();
	{
		picked = claim_scan(nsp, heap, agent, expr, row, types, fcinfo, &found);
	}
	PG_FINALLY();
	{
		claim_users--;
	}
	PG_END_TRY();
	table_close(heap, NoLock);	/* the row locks hold until the end */
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(picked);
}

