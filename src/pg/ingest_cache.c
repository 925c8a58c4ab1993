/*-------------------------------------------------------------------------
 *
 * ingest_oc_ingest.c
 *	  What ingest knows of the extension's tables, per backend: attribute
 *	  numbers, type and label OIDs, index probes and saved plans.
 *
 * Built at the first trigger call, from the schema of the table the trigger
 * fires on (the extension's own, extension.c checks), and again whenever the
 * catalog says something it names changed: a relcache invalidation of any of
 * its tables or indexes (REINDEX CONCURRENTLY gives an index a new OID, DROP
 * and CREATE EXTENSION new tables) or a change of an enum's labels (ALTER
 * TYPE channel ADD VALUE).  The callbacks only mark the cache stale; it is
 * rebuilt at the next trigger call, never under a plan that is running.
 * Plans are prepared under the owner's pinned search path (extension.c) and
 * name every object with its schema.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "core/queue_facts.h"
#include "core/stitch.h"
#include "pg/ingest.h"
#include "pg/omnichannel.h"

IngestCache oc_ingest;

/*
 * Prepare and keep one plan.  Generic plans: these are key look-ups whose
 * best plan never depends on the values, and a custom plan would be planned
 * again for every row.  Through SQL (Citus) custom plans: Citus plans a
 * distributed statement with its parameters' values, not generically.
 */
static SPIPlanPtr
prepare_plan(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes,
										  oc_ingest.via_sql ? CURSOR_OPT_CUSTOM_PLAN
										  : CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL)
		elog(ERROR, "could not prepare omnichannel ingest query: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "could not save omnichannel ingest query");
	return plan;
}

/* Attribute number of a column that must exist. */
static AttrNumber
column(TupleDesc tupdesc, const char *name)
{
	int			attnum = SPI_fnumber(tupdesc, name);

	if (attnum <= 0)
		elog(ERROR, "omnichannel.interaction has no column \"%s\"", name);
	return (AttrNumber) attnum;
}

/* Attribute number of a column of omnichannel.thread that must exist. */
static AttrNumber
thread_column(Oid thread_rel, const char *name)
{
	AttrNumber	attnum = get_attnum(thread_rel, name);

	if (attnum == InvalidAttrNumber)
		elog(ERROR, "omnichannel.thread has no column \"%s\"", name);
	return attnum;
}

/* Free saved plans of a previous build. */
static void
free_plans(void)
{
	SPIPlanPtr *plans[] = {
		&oc_ingest.new_customer, &oc_ingest.new_bare_customer, &oc_ingest.first_identifier,
		&oc_ingest.drop_customer,
		&oc_ingest.new_threads, &oc_ingest.touch_threads, &oc_ingest.sla_active, &oc_ingest.count_channels, &oc_ingest.count_days,
		&oc_ingest.sla_ingest, &oc_ingest.upsert_key,
		&oc_ingest.drop_empty_thread, &oc_ingest.upsert_subject, &oc_ingest.add_pending,
		&oc_ingest.drop_pending, &oc_ingest.late_merge,
		&oc_ingest.relate_thread, &oc_ingest.link_identifiers, &oc_ingest.refresh_facts,
		&oc_ingest.store_row, &oc_ingest.store_delivery
	};

	for (size_t i = 0; i < lengthof(plans); i++)
	{
		if (*plans[i] != NULL)
			SPI_freeplan(*plans[i]);
		*plans[i] = NULL;
	}
}

/* A hash table of fixed-size keys (the entry starts with the key) in memory cxt. */
HTAB *
oc_ingest_hash(const char *name, Size keysize, Size entrysize, MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* OID of a relation (table or index) of the extension's schema that must exist. */
static Oid
relation_in(Oid nsp, const char *name)
{
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "omnichannel.%s does not exist", name);
	/* a change to it makes the cache stale (relcache_changed) */
	if (oc_ingest.nrels < (int) lengthof(oc_ingest.rels))
		oc_ingest.rels[oc_ingest.nrels++] = relid;
	return relid;
}

/* The OID of an enum label (the enum must have it). */
static Oid
enum_label_oid(Oid enumtype, const char *label)
{
	return DatumGetObjectId(DirectFunctionCall2(enum_in, CStringGetDatum(label),
												ObjectIdGetDatum(enumtype)));
}

/* Remember thread_status and channel label OIDs (and channels' default windows). */
static void
cache_enum_labels(Oid status_type, Oid channel_type)
{
	static const char *const states[] = {"open", "pending", "on_hold", "solved", "closed"};
	CatCList   *list;

	for (int i = 0; i <= OC_THREAD_CLOSED; i++)
		oc_ingest.state_oid[i] = enum_label_oid(status_type, states[i]);

	list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(channel_type));
	oc_ingest.nchannels = 0;
	for (int i = 0; i < list->n_members && i < (int) lengthof(oc_ingest.channel_oid); i++)
	{
		HeapTuple	tup = &list->members[i]->tuple;
		Form_pg_enum en = (Form_pg_enum) GETSTRUCT(tup);

		oc_ingest.channel_oid[oc_ingest.nchannels] = en->oid;
		oc_ingest.channel_windows[oc_ingest.nchannels] =
			oc_stitch_default_windows(NameStr(en->enumlabel));
		oc_ingest.channel_live[oc_ingest.nchannels] = oc_qf_live_channel(NameStr(en->enumlabel));
		oc_ingest.channel_label[oc_ingest.nchannels] = en->enumlabel;
		oc_ingest.nchannels++;
	}
	ReleaseSysCacheList(list);
}

/* The label of a channel (cached; a label the cache lacks is looked up). */
const char *
oc_ingest_channel_label(Oid channel)
{
	for (int c = 0; c < oc_ingest.nchannels; c++)
		if (oc_ingest.channel_oid[c] == channel)
			return NameStr(oc_ingest.channel_label[c]);
	return DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(channel)));
}

/* Thread state of a thread_status value. */
oc_thread_state
oc_ingest_thread_state(Oid status)
{
	for (int i = 0; i <= OC_THREAD_CLOSED; i++)
		if (oc_ingest.state_oid[i] == status)
			return (oc_thread_state) i;
	return OC_THREAD_CLOSED;
}

/* A table or index the cache names changed (or all did): rebuild it. */
static void
relcache_changed(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == oc_ingest.relid)
	{
		oc_ingest.valid = false;
		return;
	}
	for (int i = 0; i < oc_ingest.nrels; i++)
		if (oc_ingest.rels[i] == relid)
		{
			oc_ingest.valid = false;
			return;
		}
}

/* An enum's labels changed (ALTER TYPE ... ADD VALUE, RENAME VALUE): rebuild. */
static void
enum_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	oc_ingest.valid = false;
}

/* Is the relation a Citus distributed table (in an open SPI connection)? */
static bool
citus_distributed(Oid relid)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};

	if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
		return false;
	if (SPI_execute_with_args("SELECT FROM pg_catalog.pg_dist_partition WHERE logicalrelid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read pg_catalog.pg_dist_partition");
	return SPI_processed > 0;
}

/*
 * (Re)build the cache for this interaction relation, unless it is current.
 * Called at the start of a trigger, never while one of its plans runs.
 */
void
oc_ingest_ensure_cache(Relation rel)
{
	static bool callbacks = false;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Oid			nsp = RelationGetNamespace(rel);
	Oid			thread_rel;
	Oid			customer_rel;
	Oid			identifier_rel;
	Oid			argtypes[7];
	bool		via_sql;

	if (oc_ingest.valid && oc_ingest.relid == RelationGetRelid(rel) &&
		oc_ingest.lookups_through_sql == oc_lookups_through_sql)
		return;
	if (!callbacks)
	{
		CacheRegisterRelcacheCallback(relcache_changed, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMOID, enum_changed, (Datum) 0);
		callbacks = true;
	}

	oc_check_sql_version();
	SPI_connect();
	free_plans();
	oc_ingest.relid = InvalidOid;
	oc_ingest.nrels = 0;

	oc_ingest.att_customer = column(tupdesc, "customer_id");
	oc_ingest.att_thread = column(tupdesc, "thread_id");
	oc_ingest.att_channel = column(tupdesc, "channel");
	oc_ingest.att_occurred = column(tupdesc, "occurred_at");
	oc_ingest.att_ended = column(tupdesc, "ended_at");
	oc_ingest.att_contact = column(tupdesc, "contact");
	oc_ingest.att_subject = column(tupdesc, "subject");
	oc_ingest.att_external = column(tupdesc, "external_id");
	oc_ingest.att_in_reply_to = column(tupdesc, "in_reply_to");
	oc_ingest.att_refs = column(tupdesc, "refs");
	oc_ingest.att_reason = column(tupdesc, "stitch_reason");
	oc_ingest.att_evidence = column(tupdesc, "stitch_evidence");
	oc_ingest.att_id = column(tupdesc, "id");
	oc_ingest.contact_type = TupleDescAttr(tupdesc, oc_ingest.att_contact - 1)->atttypid;
	oc_ingest.channel_type = TupleDescAttr(tupdesc, oc_ingest.att_channel - 1)->atttypid;

	thread_rel = relation_in(nsp, "thread");
	customer_rel = relation_in(nsp, "customer");
	identifier_rel = relation_in(nsp, "customer_identifier");
	oc_ingest.thread_seq = getIdentitySequence(thread_rel, 1, false);
	oc_ingest.interaction_seq = getIdentitySequence(relation_in(nsp, "interaction"),
													oc_ingest.att_id, false);
	oc_ingest.customer_seq = getIdentitySequence(customer_rel, 1, false);
	oc_ingest.att_identifier_customer = get_attnum(identifier_rel, "customer_id");
	oc_ingest.att_thread_customer = get_attnum(thread_rel, "customer_id");
	oc_ingest.att_customer_merged = get_attnum(customer_rel, "merged_into");
	if (oc_ingest.att_customer_merged == InvalidAttrNumber)
		elog(ERROR, "omnichannel.customer has no column \"merged_into\"");
	oc_ingest.att_thread_status = get_attnum(thread_rel, "status");
	oc_ingest.att_thread_opened = get_attnum(thread_rel, "opened_at");
	oc_ingest.att_thread_last = get_attnum(thread_rel, "last_activity_at");
	oc_ingest.att_thread_merged = get_attnum(thread_rel, "merged_into");
	if (oc_ingest.att_thread_merged == InvalidAttrNumber)
		elog(ERROR, "omnichannel.thread has no column \"merged_into\"");
	oc_ingest.att_body = column(tupdesc, "body");
	{
		Oid			pending_rel = relation_in(nsp, "pending_reference");

		oc_ingest.att_subject_thread = get_attnum(relation_in(nsp, "thread_subject"), "thread_id");
		oc_ingest.att_pending[0] = get_attnum(pending_rel, "customer_id");
		oc_ingest.att_pending[1] = get_attnum(pending_rel, "interaction_id");
	}
	oc_ingest.att_direction = column(tupdesc, "direction");
	oc_ingest.att_subject_key = column(tupdesc, "subject_key");
	oc_ingest.inbound_oid = enum_label_oid(TupleDescAttr(tupdesc, oc_ingest.att_direction - 1)->atttypid,
									   "inbound");
	oc_ingest.outbound_oid = enum_label_oid(TupleDescAttr(tupdesc, oc_ingest.att_direction - 1)->atttypid,
										"outbound");
	oc_ingest.att_agent = column(tupdesc, "agent");
	oc_ingest.att_queue = column(tupdesc, "queue");
	oc_ingest.att_thread_waiting = thread_column(thread_rel, "waiting_since");
	oc_ingest.att_thread_first_in = thread_column(thread_rel, "first_inbound_at");
	oc_ingest.att_thread_last_in = thread_column(thread_rel, "last_inbound_at");
	oc_ingest.att_thread_last_out = thread_column(thread_rel, "last_outbound_at");
	oc_ingest.channel_array_type = get_array_type(oc_ingest.channel_type);
	oc_ingest.att_attributes = column(tupdesc, "attributes");
	oc_ingest.att_business_keys = column(tupdesc, "business_keys");
	oc_ingest.att_key_thread = get_attnum(relation_in(nsp, "thread_key"), "thread_id");
	oc_ingest.att_key_value = get_attnum(relation_in(nsp, "thread_key"), "value");
	cache_enum_labels(get_atttype(thread_rel, oc_ingest.att_thread_status), oc_ingest.channel_type);

	/*
	 * Look rows up through SQL where they are not in the local relations (a
	 * Citus distributed table: its rows are in shards), or when told to.
	 */
	oc_ingest.lookups_through_sql = oc_lookups_through_sql;
	oc_ingest.distributed = citus_distributed(relation_in(nsp, "interaction"));
	via_sql = oc_ingest.via_sql = oc_lookups_through_sql || oc_ingest.distributed;
	oc_probe_init(&oc_ingest.by_delivery, relation_in(nsp, "interaction_external_id_key"), 2, via_sql);
	oc_probe_init(&oc_ingest.by_reference, relation_in(nsp, "interaction_external_id_key"), 1, via_sql);
	if (oc_ingest.distributed)
	{
		/* across customers: delivery_customer says which customer's shard to read */
		Oid			route = relation_in(nsp, "delivery_customer_pkey");

		oc_probe_route(&oc_ingest.by_delivery, route, "customer_id");
		oc_probe_route(&oc_ingest.by_reference, route, "customer_id");
	}
	oc_probe_init(&oc_ingest.by_contact, relation_in(nsp, "customer_identifier_pkey"), 1, via_sql);
	oc_probe_init(&oc_ingest.by_thread, relation_in(nsp, "thread_pkey"), 1, via_sql);
	oc_probe_init(&oc_ingest.by_thread_of, relation_in(nsp, "thread_customer_id_id_key"), 2, via_sql);
	oc_probe_init(&oc_ingest.by_customer, relation_in(nsp, "customer_pkey"), 1, via_sql);
	oc_probe_init(&oc_ingest.by_latest, relation_in(nsp, "interaction_customer_timeline_idx"), 1, via_sql);
	oc_probe_init(&oc_ingest.by_key, relation_in(nsp, "thread_key_pkey"), 3, via_sql);
	oc_probe_init(&oc_ingest.by_key_thread, relation_in(nsp, "thread_key_thread_idx"), 2, via_sql);
	oc_probe_init(&oc_ingest.by_thread_rows, relation_in(nsp, "interaction_thread_idx"), 1, via_sql);
	oc_probe_init(&oc_ingest.by_subject, relation_in(nsp, "thread_subject_pkey"), 2, via_sql);
	oc_probe_init(&oc_ingest.by_subject_row, relation_in(nsp, "thread_subject_pkey"), 3, via_sql);
	oc_probe_init(&oc_ingest.by_key_row, relation_in(nsp, "thread_key_pkey"), 4, via_sql);
	oc_probe_init(&oc_ingest.by_pending, relation_in(nsp, "pending_reference_pkey"), 1, via_sql);
	oc_probe_init(&oc_ingest.by_id, relation_in(nsp, "interaction_pkey"), 1, via_sql);
	/* a pending reference's referrer: its customer is known (oc_probe_of) */
	if (oc_ingest.distributed)
		oc_probe_route(&oc_ingest.by_id, InvalidOid, "customer_id");

	/* look-up rows, a statement's at once (flush_lookups) */
	argtypes[0] = INT8ARRAYOID;	/* customer ids */
	argtypes[1] = TEXTARRAYOID;	/* key names ('' for subjects) */
	argtypes[2] = TEXTARRAYOID;	/* key values or subject keys */
	argtypes[3] = INT8ARRAYOID;	/* thread ids */
	argtypes[4] = TIMESTAMPTZARRAYOID;	/* occurred_at */
	oc_ingest.upsert_subject = prepare_plan(
		"INSERT INTO omnichannel.thread_subject "
		"       (customer_id, subject_key, thread_id, first_seen_at) "
		"SELECT u.c, u.v, u.t, u.a "
		"  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
		"                  pg_catalog.unnest($3), pg_catalog.unnest($4), "
		"                  pg_catalog.unnest($5)) AS u(c, n, v, t, a) "
		"ON CONFLICT DO NOTHING",
		5, argtypes);

	argtypes[0] = TEXTOID;		/* external id */
	argtypes[1] = INT8OID;		/* customer id */
	argtypes[2] = INT8OID;		/* interaction id */
	oc_ingest.add_pending = prepare_plan(
		"INSERT INTO omnichannel.pending_reference (external_id, customer_id, interaction_id) "
		"VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		3, argtypes);
	oc_ingest.drop_pending = prepare_plan(
		"DELETE FROM omnichannel.pending_reference "
		" WHERE external_id OPERATOR(pg_catalog.=) $1 "
		"   AND customer_id OPERATOR(pg_catalog.=) $2 "
		"   AND interaction_id OPERATOR(pg_catalog.=) $3",
		3, argtypes);

	argtypes[0] = INT8OID;		/* keep */
	argtypes[1] = INT8OID;		/* absorb */
	argtypes[2] = JSONBOID;		/* evidence */
	oc_ingest.late_merge = prepare_plan(
		"SELECT omnichannel.late_arrival_merge($1, $2, $3)",
		3, argtypes);

	argtypes[0] = get_array_type(oc_ingest.contact_type);	/* identifiers */
	argtypes[1] = INT8ARRAYOID;	/* their customers */
	argtypes[2] = INT8ARRAYOID;	/* the interactions that carried them */
	oc_ingest.link_identifiers = prepare_plan(
		"SELECT omnichannel.link_identifiers($1, $2, $3)",
		3, argtypes);

	argtypes[0] = INT8OID;		/* thread */
	argtypes[1] = INT8OID;		/* related thread */
	oc_ingest.relate_thread = prepare_plan(
		"UPDATE omnichannel.thread SET related_to = $2 "
		" WHERE id OPERATOR(pg_catalog.=) $1 AND related_to IS NULL",
		2, argtypes);

	/* a customer and its first identifier, in one statement */
	argtypes[0] = oc_ingest.contact_type;
	argtypes[1] = INT8OID;
	oc_ingest.new_customer = prepare_plan(
		"WITH c AS (INSERT INTO omnichannel.customer (id) VALUES ($2) RETURNING id) "
		"INSERT INTO omnichannel.customer_identifier (contact, customer_id) "
		"SELECT $1, c.id FROM c ON CONFLICT (contact) DO NOTHING RETURNING customer_id",
		2, argtypes);

	oc_ingest.first_identifier = prepare_plan(
		"INSERT INTO omnichannel.customer_identifier (contact, customer_id) "
		"VALUES ($1, $2) ON CONFLICT (contact) DO NOTHING RETURNING customer_id",
		2, argtypes);

	argtypes[0] = INT8OID;
	oc_ingest.new_bare_customer = prepare_plan(
		"INSERT INTO omnichannel.customer (id) VALUES ($1)",
		1, argtypes);

	argtypes[0] = INT8OID;
	oc_ingest.drop_customer = prepare_plan(
		"DELETE FROM omnichannel.customer WHERE id OPERATOR(pg_catalog.=) $1",
		1, argtypes);

	argtypes[0] = INT8OID;
	/* the thread goes with the keys and subjects its opening row recorded */
	oc_ingest.drop_empty_thread = prepare_plan(
		"WITH gone AS ("
		"  DELETE FROM omnichannel.thread t WHERE t.id OPERATOR(pg_catalog.=) $1 "
		"     AND NOT EXISTS (SELECT FROM omnichannel.interaction i "
		"                      WHERE i.thread_id OPERATOR(pg_catalog.=) $1) "
		"  RETURNING t.id, t.customer_id), "
		"k AS (DELETE FROM omnichannel.thread_key k USING gone "
		"       WHERE k.customer_id OPERATOR(pg_catalog.=) gone.customer_id "
		"         AND k.thread_id OPERATOR(pg_catalog.=) gone.id), "
		"s AS (DELETE FROM omnichannel.thread_subject s USING gone "
		"       WHERE s.customer_id OPERATOR(pg_catalog.=) gone.customer_id "
		"         AND s.thread_id OPERATOR(pg_catalog.=) gone.id) "
		"SELECT FROM gone",
		1, argtypes);

	argtypes[0] = INT8ARRAYOID;
	argtypes[1] = TEXTARRAYOID;
	argtypes[2] = TEXTARRAYOID;
	argtypes[3] = INT8ARRAYOID;
	argtypes[4] = TIMESTAMPTZARRAYOID;
	oc_ingest.upsert_key = prepare_plan(
		"INSERT INTO omnichannel.thread_key "
		"       (customer_id, name, value, thread_id, first_seen_at) "
		"SELECT u.c, u.n, u.v, u.t, u.a "
		"  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
		"                  pg_catalog.unnest($3), pg_catalog.unnest($4), "
		"                  pg_catalog.unnest($5)) AS u(c, n, v, t, a) "
		"ON CONFLICT DO NOTHING",
		5, argtypes);

	/*
	 * A statement's activity and queue facts, one row per thread, in id
	 * order (flush_threads, thread_args; a NULL fact leaves the column as
	 * it is): the threads it opened are inserted, the others updated.
	 */
#define THREAD_ROWS_FROM \
	"pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), " \
	"pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), " \
	"pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), " \
	"pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12), " \
	"pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15)"
#define THREAD_ROWS_AS \
	"id, customer, min_at, max_at, subject, chan_list, first_in_channel, first_in, " \
	"first_reply, last_in, last_out, ends_with_reply, streak_start, last_in_channel, last_queue"
	{
		Oid			ft[17] = {
			INT8ARRAYOID,		/* $1 thread ids */
			INT8ARRAYOID,		/* $2 their customers */
			TIMESTAMPTZARRAYOID,	/* $3 earliest occurred_at joined */
			TIMESTAMPTZARRAYOID,	/* $4 latest occurred_at joined */
			TEXTARRAYOID,		/* $5 first subject */
			TEXTARRAYOID,		/* $6 channels used, comma-separated */
			oc_ingest.channel_array_type,	/* $7 channel of its first customer message ever */
			TIMESTAMPTZARRAYOID,	/* $8 earliest customer message */
			TIMESTAMPTZARRAYOID,	/* $9 earliest reply to a waiting customer */
			TIMESTAMPTZARRAYOID,	/* $10 latest customer message */
			TIMESTAMPTZARRAYOID,	/* $11 latest reply */
			BOOLARRAYOID,		/* $12 the company spoke last (NULL: no event) */
			TIMESTAMPTZARRAYOID,	/* $13 start of the customer's current wait */
			oc_ingest.channel_array_type,	/* $14 channel of the latest customer message */
			TEXTARRAYOID,		/* $15 queue of the latest customer message naming one */
			BOOLOID,			/* $16 (update) refresh the due times from the clocks */
		INT8ARRAYOID};			/* $17 (insert) related_to; $16 (insert) follow_up_of */

		/*
		 * A new thread's language and previous agent (when its first customer
		 * message came now) come from the customer and the customer's latest
		 * thread with an assignee.  On one node by correlated subqueries;
		 * through SQL (Citus, whose planner refuses a correlated subquery
		 * beside a set-returning function) from subqueries of the
		 * statement's customers, joined on the coordinator.  Both give the
		 * same rows (regress_sql).
		 */
#define NEW_THREADS_INSERT \
			"INSERT INTO omnichannel.thread AS t " \
			"       (id, customer_id, subject, channels, opened_at, last_activity_at, " \
			"        follow_up_of, related_to, first_inbound_at, first_response_at, " \
			"        last_inbound_at, last_outbound_at, waiting_since, waiting_channel, " \
			"        queue, language, preferred_agent) "
#define NEW_THREADS_COLUMNS \
			"u.id, u.customer, u.subject, " \
			"       pg_catalog.string_to_array(u.chan_list, ',')::omnichannel.channel[], " \
			"       u.min_at, u.max_at, u.follow_up_of, u.related_to, u.first_in, " \
			"       u.first_reply, " \
			"       u.last_in, u.last_out, u.streak_start, " \
			"       u.last_in_channel, u.last_queue, "
#define NEW_THREADS_ROWS \
			"  FROM ROWS FROM (" THREAD_ROWS_FROM ", pg_catalog.unnest($16), pg_catalog.unnest($17)) " \
			"       AS u(" THREAD_ROWS_AS ", follow_up_of, related_to) "
		oc_ingest.new_threads = prepare_plan(oc_ingest.via_sql ?
			NEW_THREADS_INSERT "SELECT DISTINCT ON (u.id) " NEW_THREADS_COLUMNS
			"       CASE WHEN u.first_in_channel IS NOT NULL THEN cu.language END, "
			"       CASE WHEN u.first_in_channel IS NOT NULL THEN o.assignee END "
			NEW_THREADS_ROWS
			"  LEFT JOIN (SELECT cu.id, cu.language FROM omnichannel.customer AS cu "
			"              WHERE cu.id OPERATOR(pg_catalog.=) ANY ($2)) AS cu "
			"         ON cu.id OPERATOR(pg_catalog.=) u.customer "
			"  LEFT JOIN (SELECT o.customer_id, o.id, o.assignee FROM omnichannel.thread AS o "
			"              WHERE o.customer_id OPERATOR(pg_catalog.=) ANY ($2) "
			"                AND o.assignee IS NOT NULL) AS o "
			"         ON o.customer_id OPERATOR(pg_catalog.=) u.customer "
			"        AND o.id OPERATOR(pg_catalog.<) u.id "
			/* per thread, the latest such thread */
			" ORDER BY u.id, o.id DESC NULLS LAST" :
			NEW_THREADS_INSERT "SELECT " NEW_THREADS_COLUMNS
			/* its first customer message came now: language, previous agent */
			"       CASE WHEN u.first_in_channel IS NOT NULL THEN "
			"            (SELECT cu.language FROM omnichannel.customer AS cu "
			"              WHERE cu.id OPERATOR(pg_catalog.=) u.customer) END, "
			"       CASE WHEN u.first_in_channel IS NOT NULL THEN "
			"            (SELECT o.assignee FROM omnichannel.thread AS o "
			"              WHERE o.customer_id OPERATOR(pg_catalog.=) u.customer "
			"                AND o.id OPERATOR(pg_catalog.<) u.id AND o.assignee IS NOT NULL "
			"              ORDER BY o.id DESC LIMIT 1) END "
			NEW_THREADS_ROWS
			" ORDER BY u.id",
			17, (Oid[]) {ft[0], ft[1], ft[2], ft[3], ft[4], ft[5], ft[6], ft[7], ft[8],
				ft[9], ft[10], ft[11], ft[12], ft[13], ft[14], INT8ARRAYOID, INT8ARRAYOID});

#define TOUCH_THREADS_SET \
			"UPDATE omnichannel.thread AS t " \
			"   SET last_activity_at = GREATEST(t.last_activity_at, u.max_at), " \
			"       opened_at = LEAST(t.opened_at, u.min_at), " \
			"       subject = COALESCE(t.subject, u.subject), " \
			"       channels = CASE WHEN u.chans IS NULL THEN t.channels " \
			"           ELSE t.channels OPERATOR(pg_catalog.||) ARRAY(" \
			"           SELECT c.c FROM pg_catalog.unnest(u.chans) WITH ORDINALITY AS c(c, n) " \
			"            WHERE NOT c.c OPERATOR(pg_catalog.=) ANY (t.channels) ORDER BY c.n) END, " \
			"       sla_policy_id = CASE WHEN $16 THEN COALESCE(t.sla_policy_id, d.policy_id) " \
			"                            ELSE t.sla_policy_id END, " \
			"       first_inbound_at = COALESCE(t.first_inbound_at, u.first_in), " \
			"       first_response_at = COALESCE(t.first_response_at, " \
			"           CASE WHEN u.first_reply OPERATOR(pg_catalog.>=) COALESCE(t.first_inbound_at, u.first_in) " \
			"                THEN u.first_reply END), " \
			"       last_inbound_at = GREATEST(t.last_inbound_at, u.last_in), " \
			"       last_outbound_at = GREATEST(t.last_outbound_at, u.last_out), " \
			/* a late reply dated before the message waiting does not answer it */ \
			"       waiting_since = CASE WHEN u.ends_with_reply AND u.last_out OPERATOR(pg_catalog.>=) " \
			"                                 COALESCE(t.waiting_since, '-infinity') THEN NULL " \
			"                            WHEN u.ends_with_reply THEN t.waiting_since " \
			"                            ELSE COALESCE(u.streak_start, t.waiting_since) END, " \
			"       waiting_channel = COALESCE(u.last_in_channel, t.waiting_channel), " \
			"       queue = COALESCE(u.last_queue, t.queue), " \
			"       first_response_due = CASE WHEN $16 THEN d.first_response_due ELSE t.first_response_due END, " \
			"       next_response_due = CASE WHEN $16 THEN d.next_response_due ELSE t.next_response_due END, " \
			"       periodic_update_due = CASE WHEN $16 THEN d.periodic_update_due ELSE t.periodic_update_due END, " \
			"       resolution_due = CASE WHEN $16 THEN d.resolution_due ELSE t.resolution_due END, " \
			"       sla_due_at = CASE WHEN $16 THEN d.sla_due_at ELSE t.sla_due_at END, " \
			"       sla_paused = CASE WHEN $16 THEN COALESCE(d.sla_paused, false) ELSE t.sla_paused END, " \
			/* a thread whose first customer message came now: language, previous agent */ \
			"       language = CASE WHEN t.language IS NOT NULL OR u.first_in_channel IS NULL " \
			"                       THEN t.language ELSE "
#define TOUCH_THREADS_PREFERRED \
			" END, " \
			"       preferred_agent = CASE WHEN t.preferred_agent IS NOT NULL OR u.first_in_channel IS NULL " \
			"                              THEN t.preferred_agent ELSE "
#define TOUCH_THREADS_ROWS(tail) \
			" END " \
			"  FROM (SELECT u.*, pg_catalog.string_to_array(u.chan_list, ',')::omnichannel.channel[] AS chans " \
			"          FROM ROWS FROM (" THREAD_ROWS_FROM ") AS u(" THREAD_ROWS_AS ")" tail ") AS u "
#define TOUCH_THREADS_WHERE \
			" WHERE t.id OPERATOR(pg_catalog.=) u.id " \
			"   AND t.customer_id OPERATOR(pg_catalog.=) u.customer " \
			"   AND (u.ends_with_reply IS NOT NULL OR $16 " \
			"        OR t.last_activity_at OPERATOR(pg_catalog.<) u.max_at " \
			"        OR t.opened_at OPERATOR(pg_catalog.>) u.min_at " \
			"        OR (t.subject IS NULL AND u.subject IS NOT NULL) " \
			"        OR NOT (u.chans OPERATOR(pg_catalog.<@) t.channels))"
		/* as new_threads: subqueries of the statement's customers through SQL */
		oc_ingest.touch_threads = prepare_plan(oc_ingest.via_sql ?
			TOUCH_THREADS_SET "cu.language" TOUCH_THREADS_PREFERRED "o.assignee"
			/* not flattened: Citus wants no stable cast inside the CASE of an UPDATE */
			TOUCH_THREADS_ROWS(" OFFSET 0")
			"  LEFT JOIN (SELECT cu.id, cu.language FROM omnichannel.customer AS cu "
			"              WHERE cu.id OPERATOR(pg_catalog.=) ANY ($2)) AS cu "
			"         ON cu.id OPERATOR(pg_catalog.=) u.customer "
			"  LEFT JOIN (SELECT DISTINCT ON (x.id) x.id, o.assignee "
			"               FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS x(id, customer) "
			"               JOIN (SELECT o.customer_id, o.id, o.assignee FROM omnichannel.thread AS o "
			"                      WHERE o.customer_id OPERATOR(pg_catalog.=) ANY ($2) "
			"                        AND o.assignee IS NOT NULL) AS o "
			"                 ON o.customer_id OPERATOR(pg_catalog.=) x.customer "
			"                AND o.id OPERATOR(pg_catalog.<) x.id "
			"              ORDER BY x.id, o.id DESC) AS o ON o.id OPERATOR(pg_catalog.=) u.id "
			"  LEFT JOIN (SELECT d.* FROM omnichannel.sla_running_dues AS d "
			"              WHERE $16 AND d.customer_id OPERATOR(pg_catalog.=) ANY ($2)) AS d "
			"         ON d.thread_id OPERATOR(pg_catalog.=) u.id "
			TOUCH_THREADS_WHERE
			/* on Citus: the shards of the statement's customers alone */
			"   AND t.customer_id OPERATOR(pg_catalog.=) ANY ($2)" :
			TOUCH_THREADS_SET
			"(SELECT cu.language FROM omnichannel.customer AS cu "
			"  WHERE cu.id OPERATOR(pg_catalog.=) t.customer_id)"
			TOUCH_THREADS_PREFERRED
			"(SELECT o.assignee FROM omnichannel.thread AS o "
			"  WHERE o.customer_id OPERATOR(pg_catalog.=) t.customer_id "
			"    AND o.id OPERATOR(pg_catalog.<) t.id "
			"    AND o.assignee IS NOT NULL "
			"  ORDER BY o.id DESC LIMIT 1)"
			TOUCH_THREADS_ROWS("")
			/* per thread through the running-clock index, whatever the row estimates */
			"  LEFT JOIN LATERAL omnichannel.sla_dues(u.customer, u.id) AS d ON $16 "
			TOUCH_THREADS_WHERE,
			16, ft);
	}

	/* the statement's rows per customer and channel, added to the rollup */
	{
		Oid			ct[8] = {INT8ARRAYOID, oc_ingest.channel_array_type, INT8ARRAYOID, INT8ARRAYOID,
		INT8ARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};

		oc_ingest.count_channels = prepare_plan(
			"INSERT INTO omnichannel.customer_channel AS c "
			"       (customer_id, channel, inbound, outbound, internal, first_at, last_at, "
			"        last_inbound_at) "
			"SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
			"       pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), "
			"       pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)) "
			"ON CONFLICT (customer_id, channel) DO UPDATE "
			"   SET inbound = c.inbound OPERATOR(pg_catalog.+) EXCLUDED.inbound, "
			"       outbound = c.outbound OPERATOR(pg_catalog.+) EXCLUDED.outbound, "
			"       internal = c.internal OPERATOR(pg_catalog.+) EXCLUDED.internal, "
			"       first_at = LEAST(c.first_at, EXCLUDED.first_at), "
			"       last_at = GREATEST(c.last_at, EXCLUDED.last_at), "
			"       last_inbound_at = GREATEST(c.last_inbound_at, EXCLUDED.last_inbound_at)",
			8, ct);
	}

	/* ... and per UTC day (days since 2000-01-01 in $1) and channel */
	{
		Oid			dt[5] = {INT8ARRAYOID, oc_ingest.channel_array_type, INT8ARRAYOID, INT8ARRAYOID,
		INT8ARRAYOID};

		oc_ingest.count_days = prepare_plan(
			"INSERT INTO omnichannel.channel_day AS c (day, channel, inbound, outbound, internal) "
			"SELECT '2000-01-01'::pg_catalog.date OPERATOR(pg_catalog.+) u.d::pg_catalog.int4, u.ch, u.i, u.o, u.n "
			"  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
			"                  pg_catalog.unnest($4), pg_catalog.unnest($5)) AS u(d, ch, i, o, n) "
			"ON CONFLICT (day, channel) DO UPDATE "
			"   SET inbound = c.inbound OPERATOR(pg_catalog.+) EXCLUDED.inbound, "
			"       outbound = c.outbound OPERATOR(pg_catalog.+) EXCLUDED.outbound, "
			"       internal = c.internal OPERATOR(pg_catalog.+) EXCLUDED.internal",
			5, dt);
	}

	/* is any SLA clock running, or could one start? */
	oc_ingest.sla_active = prepare_plan(
		"SELECT omnichannel.sla_any_policy_active() "
		"    OR EXISTS (SELECT 1 FROM omnichannel.sla_clock AS c WHERE c.stopped_at IS NULL)",
		0, NULL);

	/* the statement's events, classified, for the clock rules (ext/85_sla.sql) */
	{
		Oid			et[15] = {
			INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID,	/* id, thread, customer, at */
			BOOLARRAYOID, oc_ingest.channel_array_type, BOOLARRAYOID,	/* inbound, channel, awaiting */
			TIMESTAMPTZARRAYOID, INT8ARRAYOID,	/* the reply that follows: at, id */
			BOOLARRAYOID, BOOLARRAYOID,	/* first customer message ever, after one */
			INT8ARRAYOID, TIMESTAMPTZARRAYOID, INT8ARRAYOID,	/* threads to reopen, when, whose */
		BOOLOID};				/* one customer at a time (Citus) */

		oc_ingest.sla_ingest = prepare_plan(
			"SELECT omnichannel.sla_ingest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
			"                              $14, $15)",
			15, et);
	}

	/* the facts of threads a row older than their facts reached */
	argtypes[0] = argtypes[1] = INT8ARRAYOID;
	oc_ingest.refresh_facts = prepare_plan("SELECT omnichannel.refresh_queue_facts($1, $2)", 2, argtypes);

	/*
	 * A row of interaction_in, ingested, into interaction at once (so the
	 * statement's later rows find it): every column by position, which
	 * the two tables share (sql/distribute.sql checks).
	 */
	{
		StringInfoData sql;
		Oid		   *types = palloc(sizeof(Oid) * tupdesc->natts);
		int			n = 0;

		initStringInfo(&sql);
		appendStringInfoString(&sql, "INSERT INTO omnichannel.interaction VALUES (");
		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, i);

			if (att->attisdropped)
				elog(ERROR, "omnichannel.interaction_in has a dropped column");
			types[n++] = att->atttypid;
			appendStringInfo(&sql, "%s$%d", i > 0 ? ", " : "", n);
		}
		appendStringInfoChar(&sql, ')');
		oc_ingest.store_row = prepare_plan(sql.data, n, types);
	}
	if (oc_ingest.distributed)
	{
		Oid			dt[3] = {TEXTOID, oc_ingest.channel_type, INT8OID};

		/*
		 * An entry a stored row no longer answers (its interaction erased,
		 * or moved by an operator function that did not follow) found
		 * nothing in its customer's shard: it points here from now on.
		 */
		oc_ingest.store_delivery = prepare_plan(
			"INSERT INTO omnichannel.delivery_customer AS d (external_id, channel, customer_id) "
			"VALUES ($1, $2, $3) "
			"ON CONFLICT (external_id, channel) DO UPDATE SET customer_id = EXCLUDED.customer_id", 3, dt);
	}

	SPI_finish();
	oc_ingest.relid = RelationGetRelid(rel);
	oc_ingest.valid = true;
}

/* Run a saved plan that returns one boolean (NULL: false). */
bool
oc_ingest_run_bool(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	bool		isnull;
	Datum		d;

	if (oc_ingest_run(plan, values, nulls, SPI_OK_SELECT) != 1)
		elog(ERROR, "omnichannel ingest query returned no row");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

/* Run a saved plan; returns the number of rows. */
uint64
oc_ingest_run(SPIPlanPtr plan, Datum *values, const char *nulls, int expect)
{
	int			rc = SPI_execute_plan(plan, values, nulls, false, 0);

	if (rc != expect)
		elog(ERROR, "omnichannel ingest query failed: %s",
			 SPI_result_code_string(rc));
	return SPI_processed;
}

/* A one-dimensional array of n Datums of type elemtype (nulls may be NULL). */
Datum
oc_ingest_array(Datum *elems, bool *nulls, int n, Oid elemtype)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, elemtype,
											  typlen, typbyval, typalign));
}
