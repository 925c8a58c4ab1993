/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  The triggers behind a plain INSERT or COPY into omnichannel.interaction:
 *	  resolve the customer, decide the thread, keep the thread current.
 *
 * BEFORE INSERT (oc_interaction_before_insert)
 *	  1. A retried delivery ((external_id, channel) already stored) is given
 *	     the stored row's customer and thread and nothing else happens; the
 *	     unique index then makes ON CONFLICT DO NOTHING skip it (or, without
 *	     ON CONFLICT, raises the usual unique violation).
 *	  2. The customer: customer_id if given (it must exist); else the owner of thread_id if
 *	     given; else the customer of the contact point, created on first
 *	     sight.  Two sessions seeing a new contact point at once are
 *	     serialized by the primary key of customer_identifier (INSERT ... ON
 *	     CONFLICT DO NOTHING after creating the customer): the loser waits
 *	     for the winner, deletes the customer it had just made and takes the
 *	     winner's.  No advisory locks, so bulk loads do not fill the lock
 *	     table.
 *	  3. The thread: thread_id if given (it must exist and belong to the
 *	     customer; stitch_reason "manual" unless given); else the
 *	     decision of the server-free core (src/core/stitch.c) over the
 *	     candidates found by index look-ups.
 *	     Opening a thread for an existing customer first takes the
 *	     customer's row lock and decides again (one thread, not two, when
 *	     two sessions stitch the same customer at once).  References that
 *	     found nothing wait in pending_reference; a message that earlier
 *	     rows named there joins (or merges) their threads: late arrival.
 *	  4. The thread is opened (a new one: its id from the thread sequence,
 *	     recorded as the statement's) or its activity recorded (last
 *	     activity, channels used, a solved thread to reopen), and the
 *	     interaction's business keys and base subject are recorded against
 *	     it, so that later rows of the same INSERT or COPY find them.
 * AFTER INSERT FOR EACH ROW of an opening row (oc_interaction_after_row),
 * else AFTER INSERT FOR EACH STATEMENT (oc_interaction_after_statement)
 *	  Whichever fires first writes the statement's threads once, from the
 *	  transition table of its stored rows (flush_threads): the rows are
 *	  classified per thread by the server-free core (src/core/queue_facts.c),
 *	  the threads the statement opened are inserted with their activity and
 *	  queue facts, the SLA clock rules run (omnichannel.sla_ingest, when a
 *	  policy is active or clocks run), and the other threads are updated,
 *	  one statement each.  The row trigger exists for SET CONSTRAINTS ...
 *	  IMMEDIATE, which checks each row's foreign key to its thread before any
 *	  statement trigger.  Threads opened for rows that ON CONFLICT DO NOTHING
 *	  skipped are never written; the statement trigger writes the key and
 *	  subject look-up rows and removes threads written early (before a
 *	  late-arrival merge) that no stored row joined.
 *
 * Look-ups are index probes without the executor (index_probe.c); the few
 * writes go through SPI plans prepared once per backend.  Both are rebuilt
 * when the interaction table is a different relation (extension dropped
 * and created again).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "datatype/timestamp.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "core/queue_facts.h"
#include "core/stitch.h"
#include "core/subject.h"
#include "pg/index_probe.h"
#include "pg/lookup_key.h"
#include "pg/omnichannel.h"

PG_FUNCTION_INFO_V1(oc_interaction_before_insert);
PG_FUNCTION_INFO_V1(oc_interaction_after_statement);
PG_FUNCTION_INFO_V1(oc_interaction_after_row);

/* At most this many references (in_reply_to plus the latest refs) are looked up. */
#define OC_MAX_REFERENCES 100
/* The recency rule looks at most at the customer's latest this many interactions. */
#define OC_RECENCY_ROWS 16
/* At most this many business keys per interaction, and threads per key. */
#define OC_MAX_KEYS 16
#define OC_KEY_THREADS 8

/* Per-backend cache of attribute numbers, type OIDs, index probes and saved plans. */
typedef struct IngestCache
{
	Oid			relid;			/* omnichannel.interaction it was built for */
	Oid			customer_seq;	/* sequence behind customer.id */
	Oid			thread_seq;		/* sequence behind thread.id */
	Oid			contact_type;
	Oid			channel_type;
	AttrNumber	att_customer;
	AttrNumber	att_thread;
	AttrNumber	att_channel;
	AttrNumber	att_occurred;
	AttrNumber	att_ended;
	AttrNumber	att_contact;
	AttrNumber	att_subject;
	AttrNumber	att_external;
	AttrNumber	att_in_reply_to;
	AttrNumber	att_refs;
	AttrNumber	att_reason;
	AttrNumber	att_evidence;
	AttrNumber	att_id;
	AttrNumber	att_identifier_customer;	/* customer_identifier.customer_id */
	AttrNumber	att_thread_customer;	/* thread.customer_id */
	AttrNumber	att_customer_merged;	/* customer.merged_into */
	OcIndexProbe by_delivery;	/* interaction (external_id, channel) */
	OcIndexProbe by_reference;	/* interaction (external_id) */
	OcIndexProbe by_contact;	/* customer_identifier (contact) */
	OcIndexProbe by_thread;		/* thread (id) */
	OcIndexProbe by_customer;	/* customer (id) */
	OcIndexProbe by_latest;		/* interaction (customer_id, occurred_at, id) */
	AttrNumber	att_thread_status;
	AttrNumber	att_thread_opened;
	AttrNumber	att_thread_last;
	AttrNumber	att_thread_merged;	/* thread.merged_into */
	AttrNumber	att_body;
	AttrNumber	att_direction;
	AttrNumber	att_subject_key;
	OcIndexProbe by_subject;	/* thread_subject (customer_id, subject_key) */
	AttrNumber	att_subject_thread; /* thread_subject.thread_id */
	OcIndexProbe by_pending;	/* pending_reference (external_id) */
	AttrNumber	att_pending[2]; /* pending_reference customer_id, interaction_id */
	OcIndexProbe by_id;			/* interaction (id) */
	Oid			inbound_oid;	/* direction 'inbound' */
	Oid			outbound_oid;	/* direction 'outbound' */
	AttrNumber	att_agent;
	AttrNumber	att_queue;
	AttrNumber	att_thread_waiting; /* thread.waiting_since */
	AttrNumber	att_thread_first_in;	/* thread.first_inbound_at */
	AttrNumber	att_thread_last_in; /* thread.last_inbound_at */
	AttrNumber	att_thread_last_out;	/* thread.last_outbound_at */
	Oid			channel_array_type;
	AttrNumber	att_attributes;
	AttrNumber	att_business_keys;
	AttrNumber	att_key_thread;	/* thread_key.thread_id */
	OcIndexProbe by_key;		/* thread_key (customer_id, name, value) */
	OcIndexProbe by_key_row;	/* thread_key, the whole key */
	OcIndexProbe by_subject_row;	/* thread_subject, the whole key */
	OcIndexProbe by_thread_rows;	/* interaction (thread_id, occurred_at) */
	Oid			state_oid[OC_THREAD_CLOSED + 1];	/* thread_status labels */
	int			nchannels;
	Oid			channel_oid[32];	/* channel labels ... */
	oc_stitch_windows channel_windows[32];	/* ... and their built-in windows */
	bool		channel_live[32];	/* ... and whether agents take them live */
	NameData	channel_label[32];	/* ... and their labels */
	SPIPlanPtr	new_customer;
	SPIPlanPtr	new_bare_customer;
	SPIPlanPtr	drop_customer;
	SPIPlanPtr	new_threads;
	SPIPlanPtr	touch_threads;
	SPIPlanPtr	sla_active;
	SPIPlanPtr	count_channels;
	SPIPlanPtr	count_days;
	SPIPlanPtr	sla_ingest;
	SPIPlanPtr	upsert_key;
	SPIPlanPtr	drop_empty_thread;
	SPIPlanPtr	upsert_subject;
	SPIPlanPtr	add_pending;
	SPIPlanPtr	drop_pending;
	SPIPlanPtr	late_merge;
	SPIPlanPtr	relate_thread;
	SPIPlanPtr	link_identifiers;
} IngestCache;

static IngestCache cache;

/* A thread's activity recorded by the statement's rows (see touch_thread). */
typedef struct ThreadTouch
{
	int64		thread;			/* hash key */
	int64		customer;
	TimestampTz min_at;
	TimestampTz max_at;
	text	   *subject;		/* the first subject seen, or NULL */
	bool		reopen;			/* an inbound row joined it while solved */
	bool		is_new;			/* opened by a row of the statement, not yet written */
	int64		follow_up_of;	/* new: the closed thread it follows up, or 0 */
	int64		related_to;		/* new: another customer's thread it names, or 0 */
	int			nchannels;
	Oid			channels[32];	/* channels in order of first use */
} ThreadTouch;

static void touch_overlay(oc_stitch_candidate *c);
static ThreadTouch *new_thread_of(int64 thread);
static void touch_subxact_abort(SubTransactionId mySubid);
static void flushed_forget(void);
static uint64 run_plan(SPIPlanPtr plan, Datum *values, const char *nulls, int expect);
static void lookup_forget(void);
static int	lookup_pending_threads(bool subject, int64 customer, const char *name,
								   const char *value, Datum *vals, int n, int max);


/*
 * Prepare and keep one plan.  Generic plans: these are key look-ups whose
 * best plan never depends on the values, and a custom plan would be planned
 * again for every row.
 */
static SPIPlanPtr
prepare_plan(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes,
										  CURSOR_OPT_GENERIC_PLAN);

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
		&cache.new_customer, &cache.new_bare_customer, &cache.drop_customer,
		&cache.new_threads, &cache.touch_threads, &cache.sla_active, &cache.count_channels, &cache.count_days,
		&cache.sla_ingest, &cache.upsert_key,
		&cache.drop_empty_thread, &cache.upsert_subject, &cache.add_pending,
		&cache.drop_pending, &cache.late_merge,
		&cache.relate_thread, &cache.link_identifiers
	};

	for (size_t i = 0; i < lengthof(plans); i++)
	{
		if (*plans[i] != NULL)
			SPI_freeplan(*plans[i]);
		*plans[i] = NULL;
	}
}

/* A hash table of fixed-size keys (the entry starts with the key) in memory cxt. */
static HTAB *
blob_hash(const char *name, Size keysize, Size entrysize, MemoryContext cxt)
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
		cache.state_oid[i] = enum_label_oid(status_type, states[i]);

	list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(channel_type));
	cache.nchannels = 0;
	for (int i = 0; i < list->n_members && i < (int) lengthof(cache.channel_oid); i++)
	{
		HeapTuple	tup = &list->members[i]->tuple;
		Form_pg_enum en = (Form_pg_enum) GETSTRUCT(tup);

		cache.channel_oid[cache.nchannels] = en->oid;
		cache.channel_windows[cache.nchannels] =
			oc_stitch_default_windows(NameStr(en->enumlabel));
		cache.channel_live[cache.nchannels] = oc_qf_live_channel(NameStr(en->enumlabel));
		cache.channel_label[cache.nchannels] = en->enumlabel;
		cache.nchannels++;
	}
	ReleaseSysCacheList(list);
}

/* The label of a channel (cached; a label the cache lacks is looked up). */
static const char *
channel_label(Oid channel)
{
	for (int c = 0; c < cache.nchannels; c++)
		if (cache.channel_oid[c] == channel)
			return NameStr(cache.channel_label[c]);
	return DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(channel)));
}

/* Thread state of a thread_status value. */
static oc_thread_state
thread_state(Oid status)
{
	for (int i = 0; i <= OC_THREAD_CLOSED; i++)
		if (cache.state_oid[i] == status)
			return (oc_thread_state) i;
	return OC_THREAD_CLOSED;
}

/* Microseconds of a window interval (months are refused by the table's CHECK). */
static int64
interval_usecs(Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY + (int64) iv->month * 30 * USECS_PER_DAY;
}

/*
 * The stitching windows in force per channel (the DBA's overrides in
 * stitch_setting, else the built-in defaults), read once per transaction
 * like the business-key patterns.
 */
static oc_stitch_windows txn_windows[32];
static int64 txn_max_recency;	/* the largest recency window of any channel */
static LocalTransactionId windows_lxid = InvalidLocalTransactionId;

static void
load_windows(void)
{
	if (windows_lxid == MyProc->lxid)
		return;
	memcpy(txn_windows, cache.channel_windows, sizeof(txn_windows));
	SPI_connect();
	if (SPI_execute("SELECT channel, recency_window, subject_window, reopen_window "
					"  FROM omnichannel.stitch_setting", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read omnichannel.stitch_setting");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			channel = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));

		for (int i = 0; i < cache.nchannels; i++)
		{
			Datum		d;

			if (cache.channel_oid[i] != channel)
				continue;
			d = SPI_getbinval(tup, desc, 2, &isnull);
			if (!isnull)
				txn_windows[i].recency = interval_usecs(DatumGetIntervalP(d));
			d = SPI_getbinval(tup, desc, 3, &isnull);
			if (!isnull)
				txn_windows[i].subject = interval_usecs(DatumGetIntervalP(d));
			d = SPI_getbinval(tup, desc, 4, &isnull);
			if (!isnull)
				txn_windows[i].reopen = interval_usecs(DatumGetIntervalP(d));
		}
	}
	SPI_finish();
	txn_max_recency = 0;
	for (int i = 0; i < cache.nchannels; i++)
		txn_max_recency = Max(txn_max_recency, txn_windows[i].recency);
	windows_lxid = MyProc->lxid;
}

/* Stitching windows of a channel in this transaction. */
static oc_stitch_windows
channel_windows(Datum channel)
{
	oc_stitch_windows none = {0, 0, OC_STITCH_REOPEN_WINDOW};

	load_windows();
	for (int i = 0; i < cache.nchannels; i++)
		if (cache.channel_oid[i] == DatumGetObjectId(channel))
			return txn_windows[i];
	return none;
}

/* (Re)build the cache for this interaction relation; caller is SPI-connected. */
static void
ensure_cache(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Oid			nsp = RelationGetNamespace(rel);
	Oid			thread_rel;
	Oid			customer_rel;
	Oid			identifier_rel;
	Oid			argtypes[7];

	if (cache.relid == RelationGetRelid(rel))
		return;

	oc_check_sql_version();
	free_plans();
	cache.relid = InvalidOid;

	cache.att_customer = column(tupdesc, "customer_id");
	cache.att_thread = column(tupdesc, "thread_id");
	cache.att_channel = column(tupdesc, "channel");
	cache.att_occurred = column(tupdesc, "occurred_at");
	cache.att_ended = column(tupdesc, "ended_at");
	cache.att_contact = column(tupdesc, "contact");
	cache.att_subject = column(tupdesc, "subject");
	cache.att_external = column(tupdesc, "external_id");
	cache.att_in_reply_to = column(tupdesc, "in_reply_to");
	cache.att_refs = column(tupdesc, "refs");
	cache.att_reason = column(tupdesc, "stitch_reason");
	cache.att_evidence = column(tupdesc, "stitch_evidence");
	cache.att_id = column(tupdesc, "id");
	cache.contact_type = TupleDescAttr(tupdesc, cache.att_contact - 1)->atttypid;
	cache.channel_type = TupleDescAttr(tupdesc, cache.att_channel - 1)->atttypid;

	thread_rel = relation_in(nsp, "thread");
	customer_rel = relation_in(nsp, "customer");
	identifier_rel = relation_in(nsp, "customer_identifier");
	cache.thread_seq = getIdentitySequence(thread_rel, 1, false);
	cache.customer_seq = getIdentitySequence(customer_rel, 1, false);
	cache.att_identifier_customer = get_attnum(identifier_rel, "customer_id");
	cache.att_thread_customer = get_attnum(thread_rel, "customer_id");
	cache.att_customer_merged = get_attnum(customer_rel, "merged_into");
	if (cache.att_customer_merged == InvalidAttrNumber)
		elog(ERROR, "omnichannel.customer has no column \"merged_into\"");
	cache.att_thread_status = get_attnum(thread_rel, "status");
	cache.att_thread_opened = get_attnum(thread_rel, "opened_at");
	cache.att_thread_last = get_attnum(thread_rel, "last_activity_at");
	cache.att_thread_merged = get_attnum(thread_rel, "merged_into");
	if (cache.att_thread_merged == InvalidAttrNumber)
		elog(ERROR, "omnichannel.thread has no column \"merged_into\"");
	cache.att_body = column(tupdesc, "body");
	{
		Oid			pending_rel = relation_in(nsp, "pending_reference");

		cache.att_subject_thread = get_attnum(relation_in(nsp, "thread_subject"), "thread_id");
		cache.att_pending[0] = get_attnum(pending_rel, "customer_id");
		cache.att_pending[1] = get_attnum(pending_rel, "interaction_id");
	}
	cache.att_direction = column(tupdesc, "direction");
	cache.att_subject_key = column(tupdesc, "subject_key");
	cache.inbound_oid = enum_label_oid(TupleDescAttr(tupdesc, cache.att_direction - 1)->atttypid,
									   "inbound");
	cache.outbound_oid = enum_label_oid(TupleDescAttr(tupdesc, cache.att_direction - 1)->atttypid,
										"outbound");
	cache.att_agent = column(tupdesc, "agent");
	cache.att_queue = column(tupdesc, "queue");
	cache.att_thread_waiting = thread_column(thread_rel, "waiting_since");
	cache.att_thread_first_in = thread_column(thread_rel, "first_inbound_at");
	cache.att_thread_last_in = thread_column(thread_rel, "last_inbound_at");
	cache.att_thread_last_out = thread_column(thread_rel, "last_outbound_at");
	cache.channel_array_type = get_array_type(cache.channel_type);
	cache.att_attributes = column(tupdesc, "attributes");
	cache.att_business_keys = column(tupdesc, "business_keys");
	cache.att_key_thread = get_attnum(relation_in(nsp, "thread_key"), "thread_id");
	cache_enum_labels(get_atttype(thread_rel, cache.att_thread_status), cache.channel_type);

	oc_probe_init(&cache.by_delivery, relation_in(nsp, "interaction_external_id_key"), 2);
	oc_probe_init(&cache.by_reference, relation_in(nsp, "interaction_external_id_key"), 1);
	oc_probe_init(&cache.by_contact, relation_in(nsp, "customer_identifier_pkey"), 1);
	oc_probe_init(&cache.by_thread, relation_in(nsp, "thread_pkey"), 1);
	oc_probe_init(&cache.by_customer, relation_in(nsp, "customer_pkey"), 1);
	oc_probe_init(&cache.by_latest, relation_in(nsp, "interaction_customer_timeline_idx"), 1);
	oc_probe_init(&cache.by_key, relation_in(nsp, "thread_key_pkey"), 3);
	oc_probe_init(&cache.by_thread_rows, relation_in(nsp, "interaction_thread_idx"), 1);
	oc_probe_init(&cache.by_subject, relation_in(nsp, "thread_subject_pkey"), 2);
	oc_probe_init(&cache.by_subject_row, relation_in(nsp, "thread_subject_pkey"), 3);
	oc_probe_init(&cache.by_key_row, relation_in(nsp, "thread_key_pkey"), 4);
	oc_probe_init(&cache.by_pending, relation_in(nsp, "pending_reference_pkey"), 1);
	oc_probe_init(&cache.by_id, relation_in(nsp, "interaction_pkey"), 1);

	/* look-up rows, a statement's at once (flush_lookups) */
	argtypes[0] = INT8ARRAYOID;	/* customer ids */
	argtypes[1] = TEXTARRAYOID;	/* key names ('' for subjects) */
	argtypes[2] = TEXTARRAYOID;	/* key values or subject keys */
	argtypes[3] = INT8ARRAYOID;	/* thread ids */
	argtypes[4] = TIMESTAMPTZARRAYOID;	/* occurred_at */
	cache.upsert_subject = prepare_plan(
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
	cache.add_pending = prepare_plan(
		"INSERT INTO omnichannel.pending_reference (external_id, customer_id, interaction_id) "
		"VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		3, argtypes);
	cache.drop_pending = prepare_plan(
		"DELETE FROM omnichannel.pending_reference "
		" WHERE external_id OPERATOR(pg_catalog.=) $1 "
		"   AND customer_id OPERATOR(pg_catalog.=) $2 "
		"   AND interaction_id OPERATOR(pg_catalog.=) $3",
		3, argtypes);

	argtypes[0] = INT8OID;		/* keep */
	argtypes[1] = INT8OID;		/* absorb */
	argtypes[2] = JSONBOID;		/* evidence */
	cache.late_merge = prepare_plan(
		"SELECT omnichannel.late_arrival_merge($1, $2, $3)",
		3, argtypes);

	argtypes[0] = INT8OID;		/* customer */
	argtypes[1] = JSONBOID;		/* attributes->'identifiers' */
	argtypes[2] = INT8OID;		/* interaction */
	cache.link_identifiers = prepare_plan(
		"SELECT omnichannel.link_identifiers($1, $2, $3)",
		3, argtypes);

	argtypes[0] = INT8OID;		/* thread */
	argtypes[1] = INT8OID;		/* related thread */
	cache.relate_thread = prepare_plan(
		"UPDATE omnichannel.thread SET related_to = $2 "
		" WHERE id OPERATOR(pg_catalog.=) $1 AND related_to IS NULL",
		2, argtypes);

	/* a customer and its first identifier, in one statement */
	argtypes[0] = cache.contact_type;
	argtypes[1] = INT8OID;
	cache.new_customer = prepare_plan(
		"WITH c AS (INSERT INTO omnichannel.customer (id) VALUES ($2) RETURNING id) "
		"INSERT INTO omnichannel.customer_identifier (contact, customer_id) "
		"SELECT $1, c.id FROM c ON CONFLICT (contact) DO NOTHING RETURNING customer_id",
		2, argtypes);

	argtypes[0] = INT8OID;
	cache.new_bare_customer = prepare_plan(
		"INSERT INTO omnichannel.customer (id) VALUES ($1)",
		1, argtypes);

	argtypes[0] = INT8OID;
	cache.drop_customer = prepare_plan(
		"DELETE FROM omnichannel.customer WHERE id OPERATOR(pg_catalog.=) $1",
		1, argtypes);

	argtypes[0] = INT8OID;
	/* the thread goes with the keys and subjects its opening row recorded */
	cache.drop_empty_thread = prepare_plan(
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
	cache.upsert_key = prepare_plan(
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
			cache.channel_array_type,	/* $7 channel of its first customer message ever */
			TIMESTAMPTZARRAYOID,	/* $8 earliest customer message */
			TIMESTAMPTZARRAYOID,	/* $9 earliest reply to a waiting customer */
			TIMESTAMPTZARRAYOID,	/* $10 latest customer message */
			TIMESTAMPTZARRAYOID,	/* $11 latest reply */
			BOOLARRAYOID,		/* $12 the company spoke last (NULL: no event) */
			TIMESTAMPTZARRAYOID,	/* $13 start of the customer's current wait */
			cache.channel_array_type,	/* $14 channel of the latest customer message */
			TEXTARRAYOID,		/* $15 queue of the latest customer message naming one */
			BOOLOID,			/* $16 (update) refresh the due times from the clocks */
		INT8ARRAYOID};			/* $17 (insert) related_to; $16 (insert) follow_up_of */

		cache.new_threads = prepare_plan(
			"INSERT INTO omnichannel.thread AS t "
			"       (id, customer_id, subject, channels, opened_at, last_activity_at, "
			"        follow_up_of, related_to, first_inbound_at, first_response_at, "
			"        last_inbound_at, last_outbound_at, waiting_since, waiting_channel, "
			"        queue, language, preferred_agent) "
			"SELECT u.id, u.customer, u.subject, "
			"       pg_catalog.string_to_array(u.chan_list, ',')::omnichannel.channel[], "
			"       u.min_at, u.max_at, u.follow_up_of, u.related_to, u.first_in, "
			"       CASE WHEN u.first_reply OPERATOR(pg_catalog.>=) u.first_in THEN u.first_reply END, "
			"       u.last_in, u.last_out, "
			"       CASE WHEN NOT u.ends_with_reply THEN u.streak_start END, "
			"       u.last_in_channel, u.last_queue, "
			/* its first customer message came now: language, previous agent */
			"       CASE WHEN u.first_in_channel IS NOT NULL THEN "
			"            (SELECT cu.language FROM omnichannel.customer AS cu "
			"              WHERE cu.id OPERATOR(pg_catalog.=) u.customer) END, "
			"       CASE WHEN u.first_in_channel IS NOT NULL THEN "
			"            (SELECT o.assignee FROM omnichannel.thread AS o "
			"              WHERE o.customer_id OPERATOR(pg_catalog.=) u.customer "
			"                AND o.id OPERATOR(pg_catalog.<) u.id AND o.assignee IS NOT NULL "
			"              ORDER BY o.id DESC LIMIT 1) END "
			"  FROM ROWS FROM (" THREAD_ROWS_FROM ", pg_catalog.unnest($16), pg_catalog.unnest($17)) "
			"       AS u(" THREAD_ROWS_AS ", follow_up_of, related_to) "
			" ORDER BY u.id",
			17, (Oid[]) {ft[0], ft[1], ft[2], ft[3], ft[4], ft[5], ft[6], ft[7], ft[8],
				ft[9], ft[10], ft[11], ft[12], ft[13], ft[14], INT8ARRAYOID, INT8ARRAYOID});

		cache.touch_threads = prepare_plan(
			"UPDATE omnichannel.thread AS t "
			"   SET last_activity_at = GREATEST(t.last_activity_at, u.max_at), "
			"       opened_at = LEAST(t.opened_at, u.min_at), "
			"       subject = COALESCE(t.subject, u.subject), "
			"       channels = CASE WHEN u.chans IS NULL THEN t.channels "
			"           ELSE t.channels OPERATOR(pg_catalog.||) ARRAY("
			"           SELECT c.c FROM pg_catalog.unnest(u.chans) WITH ORDINALITY AS c(c, n) "
			"            WHERE NOT c.c OPERATOR(pg_catalog.=) ANY (t.channels) ORDER BY c.n) END, "
			"       sla_policy_id = CASE WHEN $16 THEN COALESCE(t.sla_policy_id, d.policy_id) "
			"                            ELSE t.sla_policy_id END, "
			/* a thread whose first customer message came now: language, previous agent */
			"       language = CASE WHEN t.language IS NOT NULL OR u.first_in_channel IS NULL "
			"                       THEN t.language "
			"                       ELSE (SELECT cu.language FROM omnichannel.customer AS cu "
			"                              WHERE cu.id OPERATOR(pg_catalog.=) t.customer_id) END, "
			"       preferred_agent = CASE WHEN t.preferred_agent IS NOT NULL OR u.first_in_channel IS NULL "
			"                              THEN t.preferred_agent "
			"                              ELSE (SELECT o.assignee FROM omnichannel.thread AS o "
			"                                     WHERE o.customer_id OPERATOR(pg_catalog.=) t.customer_id "
			"                                       AND o.id OPERATOR(pg_catalog.<) t.id "
			"                                       AND o.assignee IS NOT NULL "
			"                                     ORDER BY o.id DESC LIMIT 1) END, "
			"       first_inbound_at = COALESCE(t.first_inbound_at, u.first_in), "
			"       first_response_at = COALESCE(t.first_response_at, "
			"           CASE WHEN u.first_reply OPERATOR(pg_catalog.>=) COALESCE(t.first_inbound_at, u.first_in) "
			"                THEN u.first_reply END), "
			"       last_inbound_at = GREATEST(t.last_inbound_at, u.last_in), "
			"       last_outbound_at = GREATEST(t.last_outbound_at, u.last_out), "
			/* a late reply dated before the message waiting does not answer it */
			"       waiting_since = CASE WHEN u.ends_with_reply AND u.last_out OPERATOR(pg_catalog.>=) "
			"                                 COALESCE(t.waiting_since, '-infinity') THEN NULL "
			"                            WHEN u.ends_with_reply THEN t.waiting_since "
			"                            ELSE COALESCE(u.streak_start, t.waiting_since) END, "
			"       waiting_channel = COALESCE(u.last_in_channel, t.waiting_channel), "
			"       queue = COALESCE(u.last_queue, t.queue), "
			"       first_response_due = CASE WHEN $16 THEN d.first_response_due ELSE t.first_response_due END, "
			"       next_response_due = CASE WHEN $16 THEN d.next_response_due ELSE t.next_response_due END, "
			"       periodic_update_due = CASE WHEN $16 THEN d.periodic_update_due ELSE t.periodic_update_due END, "
			"       resolution_due = CASE WHEN $16 THEN d.resolution_due ELSE t.resolution_due END, "
			"       sla_due_at = CASE WHEN $16 THEN d.sla_due_at ELSE t.sla_due_at END, "
			"       sla_paused = CASE WHEN $16 THEN COALESCE(d.sla_paused, false) ELSE t.sla_paused END "
			"  FROM (SELECT u.*, pg_catalog.string_to_array(u.chan_list, ',')::omnichannel.channel[] AS chans "
			"          FROM ROWS FROM (" THREAD_ROWS_FROM ") AS u(" THREAD_ROWS_AS ")) AS u "
			/* per thread through the running-clock index, whatever the row estimates */
			"  LEFT JOIN LATERAL omnichannel.sla_dues(u.id) AS d ON $16 "
			" WHERE t.id OPERATOR(pg_catalog.=) u.id "
			"   AND t.customer_id OPERATOR(pg_catalog.=) u.customer "
			"   AND (u.ends_with_reply IS NOT NULL OR $16 "
			"        OR t.last_activity_at OPERATOR(pg_catalog.<) u.max_at "
			"        OR t.opened_at OPERATOR(pg_catalog.>) u.min_at "
			"        OR (t.subject IS NULL AND u.subject IS NOT NULL) "
			"        OR NOT (u.chans OPERATOR(pg_catalog.<@) t.channels))",
			16, ft);
	}

	/* the statement's rows per customer and channel, added to the rollup */
	{
		Oid			ct[8] = {INT8ARRAYOID, cache.channel_array_type, INT8ARRAYOID, INT8ARRAYOID,
		INT8ARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};

		cache.count_channels = prepare_plan(
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
		Oid			dt[5] = {INT8ARRAYOID, cache.channel_array_type, INT8ARRAYOID, INT8ARRAYOID,
		INT8ARRAYOID};

		cache.count_days = prepare_plan(
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
	cache.sla_active = prepare_plan(
		"SELECT EXISTS (SELECT FROM omnichannel.sla_policy AS p WHERE p.active) "
		"    OR EXISTS (SELECT FROM omnichannel.sla_clock AS c WHERE c.stopped_at IS NULL)",
		0, NULL);

	/* the statement's events, classified, for the clock rules (ext/85_sla.sql) */
	{
		Oid			et[13] = {
			INT8ARRAYOID, INT8ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID,	/* id, thread, customer, at */
			BOOLARRAYOID, cache.channel_array_type, BOOLARRAYOID,	/* inbound, channel, awaiting */
			TIMESTAMPTZARRAYOID, INT8ARRAYOID,	/* the reply that follows: at, id */
			BOOLARRAYOID, BOOLARRAYOID,	/* first customer message ever, after one */
		INT8ARRAYOID, TIMESTAMPTZARRAYOID};	/* threads to reopen, and when */

		cache.sla_ingest = prepare_plan(
			"SELECT omnichannel.sla_ingest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
			13, et);
	}

	cache.relid = RelationGetRelid(rel);
}

/* Run a saved plan that returns one boolean (NULL: false). */
static bool
spi_bool(SPIPlanPtr plan, Datum *values, const char *nulls)
{
	bool		isnull;
	Datum		d;

	if (run_plan(plan, values, nulls, SPI_OK_SELECT) != 1)
		elog(ERROR, "omnichannel ingest query returned no row");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(d);
}

/* Run a saved plan; returns the number of rows. */
static uint64
run_plan(SPIPlanPtr plan, Datum *values, const char *nulls, int expect)
{
	int			rc = SPI_execute_plan(plan, values, nulls, false, 0);

	if (rc != expect)
		elog(ERROR, "omnichannel ingest query failed: %s",
			 SPI_result_code_string(rc));
	return SPI_processed;
}

/*
 * Statement caches: what the rows of one statement look up again and again
 * (the customer of a contact point, the stored facts of a thread) is read
 * once and remembered until the statement ends: a bulk load names the same
 * customers and threads many times.  A statement sees identities and threads
 * as it first found them (its own changes are overlaid); the decision taken
 * again under the customer's lock reads around the caches.  The caches live
 * in the transaction's memory and are dropped at the end of each statement
 * (the statement trigger), when a subtransaction aborts (a failed statement
 * inside a savepoint leaves no stale entry), and with the transaction.
 */
typedef struct ContactEntry
{
	uint32		hash;			/* hash key: hash of the contact point's bytes */
	int			n;
	struct varlena *contacts[4];	/* the contact points with that hash ... */
	int64		customers[4];	/* ... and their customers */
} ContactEntry;

typedef struct ThreadEntry
{
	int64		thread;			/* hash key: the thread asked for */
	bool		found;
	oc_stitch_candidate facts;	/* as stored (a merged thread: its survivor) */
} ThreadEntry;

static MemoryContext stmt_cxt = NULL;
static HTAB *stmt_contacts = NULL;
static HTAB *stmt_threads = NULL;
static LocalTransactionId stmt_lxid = InvalidLocalTransactionId;
static bool stmt_cache_bypass = false;	/* deciding again under the lock */

/* Forget the statement caches. */
static void
stmt_cache_reset(void)
{
	if (stmt_cxt != NULL && stmt_lxid == MyProc->lxid)
		MemoryContextDelete(stmt_cxt);
	stmt_cxt = NULL;
	stmt_contacts = stmt_threads = NULL;
}

static void
stmt_cache_subxact(SubXactEvent event, SubTransactionId mySubid,
				   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		stmt_cache_reset();
		lookup_forget();
		touch_subxact_abort(mySubid);
		flushed_forget();		/* (writing again is harmless, skipping is not) */
	}
}

static void
ensure_subxact_callback(void)
{
	static bool registered = false;

	if (!registered)
	{
		RegisterSubXactCallback(stmt_cache_subxact, NULL);
		registered = true;
	}
}

/* The statement caches, created on first use in a transaction. */
static bool
stmt_cache_ready(void)
{
	if (stmt_cache_bypass)
		return false;
	if (stmt_lxid != MyProc->lxid)
	{
		stmt_cxt = NULL;		/* went with the previous transaction's memory */
		stmt_contacts = stmt_threads = NULL;
	}
	if (stmt_cxt != NULL)
		return true;
	ensure_subxact_callback();
	stmt_cxt = AllocSetContextCreate(TopTransactionContext, "omnichannel statement caches",
									 ALLOCSET_DEFAULT_SIZES);
	stmt_lxid = MyProc->lxid;
	stmt_contacts = blob_hash("omnichannel contact points", sizeof(uint32),
							  sizeof(ContactEntry), stmt_cxt);
	stmt_threads = blob_hash("omnichannel threads", sizeof(int64), sizeof(ThreadEntry),
							 stmt_cxt);
	return true;
}

/* The cache entry of a contact point, and the index of the contact in it (-1: none). */
static ContactEntry *
contact_entry(Datum contact, bool create, int *slot)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(contact);
	uint32		h = hash_bytes((const unsigned char *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	bool		found;
	ContactEntry *e = hash_search(stmt_contacts, &h, create ? HASH_ENTER : HASH_FIND, &found);

	*slot = -1;
	if (e == NULL)
		return NULL;
	if (create && !found)
		e->n = 0;
	for (int i = 0; i < e->n; i++)
		if (VARSIZE_ANY_EXHDR(e->contacts[i]) == VARSIZE_ANY_EXHDR(v) &&
			memcmp(VARDATA_ANY(e->contacts[i]), VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v)) == 0)
			*slot = i;
	return e;
}

/* Remember the customer of a contact point for the rest of the statement. */
static void
remember_contact(Datum contact, int64 customer)
{
	int			slot;
	ContactEntry *e;
	MemoryContext old;

	if (!stmt_cache_ready())
		return;
	e = contact_entry(contact, true, &slot);
	if (slot >= 0 || e->n == (int) lengthof(e->contacts))
		return;
	old = MemoryContextSwitchTo(stmt_cxt);
	e->contacts[e->n] = (struct varlena *) PG_DETOAST_DATUM_COPY(contact);
	e->customers[e->n++] = customer;
	MemoryContextSwitchTo(old);
}

/* The customer linked to a contact point, if any. */
static bool
customer_of_contact(Datum contact, Snapshot snap, int64 *customer)
{
	AttrNumber	att = cache.att_identifier_customer;
	Datum		value;
	bool		isnull;

	if (stmt_cache_ready())
	{
		int			slot;
		ContactEntry *e = contact_entry(contact, false, &slot);

		if (e != NULL && slot >= 0)
		{
			*customer = e->customers[slot];
			return true;
		}
	}
	if (oc_probe(&cache.by_contact, &contact, snap, 1, &att, &value, &isnull, 1) == 0)
		return false;
	*customer = DatumGetInt64(value);
	remember_contact(contact, *customer);
	return true;
}

/*
 * The block list (identity_blocklist: built-in patterns and the DBA's), read
 * once per transaction: a contact point that matches never links customers.
 */
static text **block_patterns = NULL;
static int	n_block_patterns = 0;
static LocalTransactionId block_lxid = InvalidLocalTransactionId;

static bool
contact_blocked(Datum contact)
{
	if (block_lxid != MyProc->lxid)
	{
		MemoryContext old;

		SPI_connect();
		if (SPI_execute("SELECT pattern FROM omnichannel.identity_blocklist", true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read omnichannel.identity_blocklist");
		old = MemoryContextSwitchTo(TopTransactionContext);
		block_patterns = palloc(sizeof(text *) * Max(SPI_processed, 1));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			block_patterns[i] = DatumGetTextPCopy(SPI_getbinval(SPI_tuptable->vals[i],
																SPI_tuptable->tupdesc, 1, &isnull));
		}
		n_block_patterns = (int) SPI_processed;
		MemoryContextSwitchTo(old);
		SPI_finish();
		block_lxid = MyProc->lxid;
	}
	/* the stored contact point is its text form, kind:value */
	for (int i = 0; i < n_block_patterns; i++)
		if (DatumGetBool(DirectFunctionCall2Coll(texticregexeq, DEFAULT_COLLATION_OID, contact,
												 PointerGetDatum(block_patterns[i]))))
			return true;
	return false;
}

/*
 * The customer of a contact point, created (with its identifier) on first
 * sight.  A blocked contact point (noreply@, a placeholder) is never linked:
 * each interaction from it gets a customer of its own.
 */
static int64
resolve_customer(Datum contact, Snapshot snap, bool *created)
{
	Datum		args[2];
	int64		customer;
	bool		linked;

	if (customer_of_contact(contact, snap, &customer))
		return customer;

	SPI_connect();
	customer = nextval_internal(cache.customer_seq, true);
	args[0] = contact;
	args[1] = Int64GetDatum(customer);
	if (contact_blocked(contact))
	{
		run_plan(cache.new_bare_customer, &args[1], NULL, SPI_OK_INSERT);
		SPI_finish();
		*created = true;
		return customer;
	}
	linked = run_plan(cache.new_customer, args, NULL, SPI_OK_INSERT_RETURNING) == 1;

	/*
	 * If not linked, another transaction linked this contact point first and
	 * has committed (the insert waited for it): drop our customer and take
	 * theirs, which a new snapshot sees in READ COMMITTED; in REPEATABLE READ
	 * the insert has already raised a serialization failure.  (The customer
	 * is inserted by the same statement, before its identifier, so every
	 * foreign key holds at its end, also under SET CONSTRAINTS ALL
	 * IMMEDIATE.)
	 */
	if (!linked)
		run_plan(cache.drop_customer, &args[1], NULL, SPI_OK_DELETE);
	SPI_finish();
	*created = linked;
	if (linked)
		remember_contact(contact, customer);
	if (!linked)
	{
		Snapshot	fresh = oc_probe_snapshot();

		linked = customer_of_contact(contact, fresh, &customer);
		UnregisterSnapshot(fresh);
		if (!linked)
			elog(ERROR, "contact point vanished while resolving its customer");
	}
	return customer;
}

/* One reference key and how the new interaction named it. */
typedef struct RefKey
{
	char	   *value;
	oc_stitch_via via;
	int			position;
} RefKey;

/* The look-up form of a text datum, as a C string (lookup_key.c). */
static char *
lookup_text(Datum d)
{
	text	   *t = DatumGetTextPP(d);

	return oc_lookup_key_cstring(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/*
 * occurred_at and ended_at must be finite: infinity would count in no day
 * of the rollups and in no business hours.
 */
static void
check_times(HeapTuple tuple, TupleDesc tupdesc)
{
	AttrNumber	atts[2] = {cache.att_occurred, cache.att_ended};

	for (int i = 0; i < 2; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, atts[i], tupdesc, &isnull);

		if (!isnull && TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(d)))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("%s of an interaction must be a finite time", i == 0 ? "occurred_at" : "ended_at"),
					 errdetail("It is %s.", TIMESTAMP_IS_NOBEGIN(DatumGetTimestampTz(d)) ? "-infinity" : "infinity")));
	}
}

/* Collect in_reply_to and the latest refs as look-up keys. */
static int
collect_refs(HeapTuple tuple, TupleDesc tupdesc, RefKey *keys)
{
	bool		isnull;
	Datum		d;
	int			n = 0;

	d = heap_getattr(tuple, cache.att_in_reply_to, tupdesc, &isnull);
	if (!isnull)
	{
		keys[n].value = lookup_text(d);
		keys[n].via = OC_VIA_IN_REPLY_TO;
		keys[n].position = 0;
		n++;
	}

	d = heap_getattr(tuple, cache.att_refs, tupdesc, &isnull);
	if (!isnull)
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *enulls;
		int			nelems;

		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &enulls, &nelems);
		/* the latest references are the nearest: keep those */
		for (int i = nelems - 1; i >= 0 && n < OC_MAX_REFERENCES; i--)
		{
			if (enulls[i])
				continue;
			keys[n].value = lookup_text(elems[i]);
			keys[n].via = OC_VIA_REFS;
			keys[n].position = i;
			n++;
		}
	}
	return n;
}

/*
 * Facts about a thread for a candidate: owner, state, span; false if gone.
 * A thread merged into another stands for the survivor (merges never chain).
 */
static bool
stored_thread_facts(int64 thread, Snapshot snap, oc_stitch_candidate *c);

static bool
thread_facts(int64 thread, Snapshot snap, oc_stitch_candidate *c)
{
	ThreadEntry *e = NULL;
	bool		found;
	ThreadTouch *t = new_thread_of(thread);

	if (t != NULL)
	{
		/* opened by an earlier row of this statement, written at its end */
		memset(c, 0, sizeof(*c));
		c->thread_id = thread;
		c->customer_id = t->customer;
		c->state = OC_THREAD_OPEN;
		c->first_at = t->min_at;
		c->last_at = t->max_at;
		return true;
	}
	if (stmt_cache_ready())
	{
		e = hash_search(stmt_threads, &thread, HASH_ENTER, &found);
		if (!found)
			e->found = stored_thread_facts(thread, snap, &e->facts);
		if (!e->found)
		{
			/* not stored yet: ask again next time (a thread opened since) */
			hash_search(stmt_threads, &thread, HASH_REMOVE, NULL);
			return false;
		}
		*c = e->facts;
	}
	else if (!stored_thread_facts(thread, snap, c))
		return false;
	touch_overlay(c);
	return true;
}

/* thread_facts() as stored, without the statement's own activity. */
static bool
stored_thread_facts(int64 thread, Snapshot snap, oc_stitch_candidate *c)
{
	AttrNumber	atts[5] = {cache.att_thread_customer, cache.att_thread_status,
		cache.att_thread_opened, cache.att_thread_last, cache.att_thread_merged};
	Datum		key = Int64GetDatum(thread);
	Datum		vals[5];
	bool		nulls[5];

	if (oc_probe(&cache.by_thread, &key, snap, 5, atts, vals, nulls, 1) == 0)
		return false;
	if (!nulls[4])
	{
		thread = DatumGetInt64(vals[4]);
		key = Int64GetDatum(thread);
		if (oc_probe(&cache.by_thread, &key, snap, 5, atts, vals, nulls, 1) == 0)
			return false;
	}
	memset(c, 0, sizeof(*c));
	c->thread_id = thread;
	c->customer_id = DatumGetInt64(vals[0]);
	c->state = thread_state(DatumGetObjectId(vals[1]));
	c->first_at = DatumGetTimestampTz(vals[2]);
	c->last_at = DatumGetTimestampTz(vals[3]);
	return true;
}

/* Could one of the candidates be chosen (then weaker rules need not look)? */
static bool
has_own_candidate(const oc_stitch_input *in, const oc_stitch_candidate *cands, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (oc_stitch_eligible(in, &cands[i]))
			return true;
	return false;
}

/* A thread token in the subject, else in the first 64 kB of the body. */
static bool
find_token(HeapTuple tuple, TupleDesc tupdesc, int64 *thread)
{
	AttrNumber	atts[2] = {cache.att_subject, cache.att_body};

	for (int i = 0; i < 2; i++)
	{
		bool		isnull;
		Datum		d = heap_getattr(tuple, atts[i], tupdesc, &isnull);
		text	   *t;

		if (isnull)
			continue;
		t = DatumGetTextPSlice(d, 0, 65536);
		if (oc_stitch_find_token(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), thread))
			return true;
	}
	return false;
}

/* A business key of the new interaction. */
typedef struct BizKey
{
	char	   *name;
	char	   *value;
} BizKey;

/* The enabled business-key patterns, read once per transaction. */
typedef struct KeyPattern
{
	char	   *name;
	text	   *pattern;
} KeyPattern;

static KeyPattern *key_patterns = NULL;
static int	n_key_patterns = 0;
static LocalTransactionId key_patterns_lxid = InvalidLocalTransactionId;
static MemoryContext key_patterns_cxt = NULL;

/* (Re)read business_key_pattern at the first use in a transaction. */
static void
load_key_patterns(void)
{
	MemoryContext old;

	if (key_patterns_lxid == MyProc->lxid && key_patterns_cxt != NULL)
		return;
	if (key_patterns_cxt == NULL)
		key_patterns_cxt = AllocSetContextCreate(TopMemoryContext,
												 "omnichannel business-key patterns",
												 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(key_patterns_cxt);
	key_patterns = NULL;
	n_key_patterns = 0;

	SPI_connect();
	if (SPI_execute("SELECT name, pattern FROM omnichannel.business_key_pattern "
					" WHERE enabled ORDER BY name", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read omnichannel.business_key_pattern");
	old = MemoryContextSwitchTo(key_patterns_cxt);
	key_patterns = palloc0(sizeof(KeyPattern) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		key_patterns[i].name = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc, 1, &isnull));
		key_patterns[i].pattern = DatumGetTextPCopy(SPI_getbinval(SPI_tuptable->vals[i],
																  SPI_tuptable->tupdesc, 2, &isnull));
	}
	n_key_patterns = (int) SPI_processed;
	MemoryContextSwitchTo(old);
	SPI_finish();
	key_patterns_lxid = MyProc->lxid;
}

/* substring(s FROM pattern): the first group or the whole match, or NULL. */
static char *
pattern_match(Datum s, text *pattern)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, 2, DEFAULT_COLLATION_OID, NULL, NULL);
	fcinfo->args[0].value = s;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = PointerGetDatum(pattern);
	fcinfo->args[1].isnull = false;
	result = textregexsubstr(fcinfo);
	if (fcinfo->isnull)
		return NULL;
	return TextDatumGetCString(result);
}

/* Is name already among the first n keys? */
static bool
has_key(const BizKey *keys, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return true;
	return false;
}

/*
 * The interaction's business keys: attributes->'keys' (an object of
 * scalars) first, then the first match of each enabled pattern in the
 * subject, else the first 64 kB of the body, for names not given yet.
 */
static int
collect_keys(HeapTuple tuple, TupleDesc tupdesc, BizKey *keys)
{
	bool		isnull;
	Datum		attrs = heap_getattr(tuple, cache.att_attributes, tupdesc, &isnull);
	Datum		texts[2] = {(Datum) 0, (Datum) 0};
	int			n = 0;

	if (!isnull)
	{
		Jsonb	   *jb = DatumGetJsonbP(attrs);
		JsonbValue	k;
		JsonbValue *v;

		k.type = jbvString;
		k.val.string.val = "keys";
		k.val.string.len = 4;
		v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &k);
		if (v != NULL && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		{
			JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
			JsonbValue	jv;
			JsonbIteratorToken tok;
			char	   *name = NULL;

			while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
			{
				if (tok == WJB_KEY)
					name = oc_lookup_key_cstring(jv.val.string.val, jv.val.string.len);
				else if (tok == WJB_VALUE && name != NULL && n < OC_MAX_KEYS &&
						 (jv.type == jbvString || jv.type == jbvNumeric))
				{
					char	   *value = jv.type == jbvString ?
						pnstrdup(jv.val.string.val, jv.val.string.len) :
						DatumGetCString(DirectFunctionCall1(numeric_out,
															NumericGetDatum(jv.val.numeric)));

					value = oc_lookup_key_cstring(value, strlen(value));

					if (value[0] != '\0' && !has_key(keys, n, name))
					{
						keys[n].name = name;
						keys[n].value = value;
						n++;
					}
				}
			}
		}
	}

	load_key_patterns();
	if (n_key_patterns > 0)
	{
		/* the subject, and the first 64 kB of the body, detoasted once */
		AttrNumber	where[2] = {cache.att_subject, cache.att_body};

		for (int w = 0; w < 2; w++)
		{
			Datum		d = heap_getattr(tuple, where[w], tupdesc, &isnull);

			texts[w] = isnull ? (Datum) 0 : PointerGetDatum(DatumGetTextPSlice(d, 0, 65536));
		}
	}
	for (int p = 0; p < n_key_patterns && n < OC_MAX_KEYS; p++)
	{
		if (has_key(keys, n, key_patterns[p].name))
			continue;
		for (int w = 0; w < 2; w++)
		{
			char	   *value;

			if (texts[w] == (Datum) 0)
				continue;
			value = pattern_match(texts[w], key_patterns[p].pattern);
			if (value != NULL && value[0] != '\0')
			{
				value = oc_lookup_key_cstring(value, strlen(value));
				keys[n].name = key_patterns[p].name;
				keys[n].value = value;
				n++;
				break;
			}
		}
	}
	return n;
}

/* The keys as a JSON object for interaction.business_keys. */
static Datum
keys_jsonb(const BizKey *keys, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, keys[i].name);
		appendStringInfoString(&buf, ": ");
		escape_json(&buf, keys[i].value);
	}
	appendStringInfoChar(&buf, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

/* How a candidate was found, as the evidence spells it. */
static const char *
via_name(oc_stitch_via via)
{
	switch (via)
	{
		case OC_VIA_IN_REPLY_TO:
			return "in_reply_to";
		case OC_VIA_REFS:
			return "refs";
		case OC_VIA_TOKEN:
			return "token";
		case OC_VIA_BUSINESS_KEY:
			return "business_key";
		case OC_VIA_SUBJECT:
			return "subject";
		case OC_VIA_RECENCY:
			return "recency";
	}
	return "reference";
}

/* What the decision made of the new interaction, beyond the core's decision. */
typedef struct Stitched
{
	oc_stitch_decision d;
	oc_thread_state state;		/* of the chosen thread */
	int64		follow_up_of;	/* for a new thread: the thread it follows up, or 0 */
	int64		related_to;		/* for a new thread: a stranger's thread named, or 0 */
} Stitched;

/*
 * Gather the candidate threads (references, a token, business keys, the
 * base subject, the customer's latest thread) and let the core decide.
 * Marks the references that named no stored interaction in unresolved[].
 * Appends the evidence (JSON) to *evidence.
 */
static Stitched
decide_thread(int64 customer_id, HeapTuple tuple, TupleDesc tupdesc,
			  RefKey *keys, int nkeys, bool *unresolved,
			  BizKey *bizkeys, int nbizkeys, const char *subject_key,
			  const oc_stitch_windows *windows, Snapshot snap, StringInfo evidence)
{
	/* an external id is unique per channel: at most 13 rows per key */
	const int	per_key = 16;
	AttrNumber	atts[3] = {cache.att_id, cache.att_thread, cache.att_customer};
	oc_stitch_decision decision;
	oc_stitch_candidate *cands = palloc0(sizeof(oc_stitch_candidate) *
										 (nkeys * per_key + (nbizkeys + 1) * OC_KEY_THREADS + 2));
	Stitched	result;
	Datum	   *vals = palloc(sizeof(Datum) * 3 * per_key);
	bool	   *nulls = palloc(sizeof(bool) * 3 * per_key);
	size_t		ncands = 0;
	oc_stitch_input in;
	bool		isnull;
	int64		token_thread;

	in.customer_id = customer_id;
	in.occurred_at = DatumGetTimestampTz(heap_getattr(tuple, cache.att_occurred, tupdesc, &isnull));
	in.recency_window = windows->recency;
	in.subject_window = windows->subject;
	in.reopen_window = windows->reopen;

	for (int k = 0; k < nkeys; k++)
	{
		Datum		key = CStringGetTextDatum(keys[k].value);
		int			nrows = oc_probe(&cache.by_reference, &key, snap, 3, atts,
									 vals, nulls, per_key);

		unresolved[k] = (nrows == 0);
		for (int r = 0; r < nrows; r++)
		{
			oc_stitch_candidate *c = &cands[ncands];

			/* the thread's owner, state and span (a merged one's survivor) */
			if (!thread_facts(DatumGetInt64(vals[r * 3 + 1]), snap, c))
				continue;
			ncands++;
			c->interaction_id = DatumGetInt64(vals[r * 3]);
			c->via = keys[k].via;
			c->position = keys[k].position;
			c->external_id = keys[k].value;
		}
	}

	/*
	 * Weaker rules cannot win over a candidate of a stronger one that
	 * belongs to this customer: skip their look-ups then.
	 */
	if (!has_own_candidate(&in, cands, ncands) &&
		find_token(tuple, tupdesc, &token_thread) &&
		thread_facts(token_thread, snap, &cands[ncands]))
		cands[ncands++].via = OC_VIA_TOKEN;

	/*
	 * Recency: the customer's most recently active thread that is still
	 * open, among its latest OC_RECENCY_ROWS interactions within the window.
	 */
	/* Business keys: threads of the customer that carried one of them. */
	if (!has_own_candidate(&in, cands, ncands))
	{
		AttrNumber	katt = cache.att_key_thread;
		Datum		kvals[OC_KEY_THREADS];
		bool		knulls[OC_KEY_THREADS];

		for (int k = 0; k < nbizkeys; k++)
		{
			Datum		key[3] = {Int64GetDatum(customer_id),
				CStringGetTextDatum(bizkeys[k].name),
			CStringGetTextDatum(bizkeys[k].value)};
			/* newest threads first (ids grow): at most OC_KEY_THREADS */
			int			nrows = oc_probe_dir(&cache.by_key, key, snap, true, 1, &katt,
										 kvals, knulls, OC_KEY_THREADS);

			nrows = lookup_pending_threads(false, customer_id, bizkeys[k].name,
										   bizkeys[k].value, kvals, nrows, OC_KEY_THREADS);

			for (int r = 0; r < nrows; r++)
				if (thread_facts(DatumGetInt64(kvals[r]), snap, &cands[ncands]))
				{
					cands[ncands].via = OC_VIA_BUSINESS_KEY;
					cands[ncands].position = k;
					ncands++;
				}
		}
	}

	/* Subject: open threads of the customer that carried the same base subject. */
	if (subject_key != NULL && in.subject_window > 0 && !has_own_candidate(&in, cands, ncands))
	{
		AttrNumber	satt = cache.att_subject_thread;
		Datum		svals[OC_KEY_THREADS];
		bool		snulls[OC_KEY_THREADS];
		Datum		key[2] = {Int64GetDatum(customer_id), CStringGetTextDatum(subject_key)};
		int			nrows = oc_probe_dir(&cache.by_subject, key, snap, true, 1, &satt,
									 svals, snulls, OC_KEY_THREADS);

		nrows = lookup_pending_threads(true, customer_id, NULL, subject_key,
									   svals, nrows, OC_KEY_THREADS);

		for (int r = 0; r < nrows; r++)
			if (thread_facts(DatumGetInt64(svals[r]), snap, &cands[ncands]))
				cands[ncands++].via = OC_VIA_SUBJECT;
	}

	/*
	 * Recency: the customer's most recently active thread that is still
	 * open, among its latest OC_RECENCY_ROWS interactions.  An earlier one
	 * counts within this channel's window; a later one (this interaction
	 * arrives late) within the later one's channel window, as if they had
	 * arrived in order.
	 */
	if ((in.recency_window > 0 || txn_max_recency > 0) &&
		!has_own_candidate(&in, cands, ncands))
	{
		Datum		key = Int64GetDatum(customer_id);
		AttrNumber	ratts[3] = {cache.att_thread, cache.att_occurred, cache.att_channel};
		Datum		rvals[3 * OC_RECENCY_ROWS];
		bool		rnulls[3 * OC_RECENCY_ROWS];
		int			want = 1;

		/*
		 * Usually the latest interaction decides; read further back only when
		 * it does not (a late arrival, or a thread no longer open).
		 */
		for (;;)
		{
			int			nrows = oc_probe_dir(&cache.by_latest, &key, snap, true, 3,
											 ratts, rvals, rnulls, want);
			bool		decided = false;
			int64		seen = 0;

			for (int r = 0; r < nrows && !decided; r++)
			{
				int64		thread = DatumGetInt64(rvals[3 * r]);
				TimestampTz at = DatumGetTimestampTz(rvals[3 * r + 1]);
				oc_stitch_candidate *c = &cands[ncands];
				int64		window = in.recency_window;

				if (at > in.occurred_at)
				{
					if (at - in.occurred_at > txn_max_recency)
						continue;	/* much newer activity: look further back */
					window = channel_windows(rvals[3 * r + 2]).recency;
					if (at - in.occurred_at > window)
						continue;
				}
				else if (in.recency_window <= 0 ||
						 at < in.occurred_at - in.recency_window)
					decided = true; /* older than the window: nothing to find */
				if (!decided && thread != seen && thread_facts(thread, snap, c))
				{
					seen = thread;
					if (c->state == OC_THREAD_OPEN || c->state == OC_THREAD_PENDING ||
						c->state == OC_THREAD_ON_HOLD)
					{
						c->via = OC_VIA_RECENCY;
						c->window = window;
						ncands++;
						decided = true;
					}
				}
			}
			if (decided || nrows < want || want == OC_RECENCY_ROWS)
				break;
			want = OC_RECENCY_ROWS;
		}
	}

	oc_stitch_decide(&in, cands, ncands, &decision);
	result.d = decision;
	result.state = decision.chosen >= 0 ? cands[decision.chosen].state : OC_THREAD_OPEN;
	result.follow_up_of = decision.follow_up >= 0 ? cands[decision.follow_up].thread_id : 0;
	result.related_to = decision.related >= 0 ? cands[decision.related].thread_id : 0;

	if (decision.chosen >= 0)
	{
		const oc_stitch_candidate *c = &cands[decision.chosen];

		appendStringInfoString(evidence, "{\"via\": ");
		switch (c->via)
		{
			case OC_VIA_IN_REPLY_TO:
			case OC_VIA_REFS:
				escape_json(evidence, c->via == OC_VIA_IN_REPLY_TO ? "in_reply_to" : "refs");
				appendStringInfoString(evidence, ", \"external_id\": ");
				escape_json(evidence, c->external_id);
				appendStringInfo(evidence, ", \"interaction_id\": " INT64_FORMAT,
								 c->interaction_id);
				break;
			case OC_VIA_TOKEN:
				{
					char		token[OC_STITCH_TOKEN_MAX];

					oc_stitch_format_token(c->thread_id, token, sizeof(token));
					appendStringInfoString(evidence, "\"token\", \"token\": ");
					escape_json(evidence, token);
				}
				break;
			case OC_VIA_BUSINESS_KEY:
				appendStringInfoString(evidence, "\"business_key\", \"key\": ");
				escape_json(evidence, bizkeys[c->position].name);
				appendStringInfoString(evidence, ", \"value\": ");
				escape_json(evidence, bizkeys[c->position].value);
				break;
			case OC_VIA_SUBJECT:
				appendStringInfoString(evidence, "\"subject\", \"subject_key\": ");
				escape_json(evidence, subject_key);
				appendStringInfo(evidence,
								 ", \"idle_seconds\": " INT64_FORMAT
								 ", \"window_seconds\": " INT64_FORMAT,
								 (in.occurred_at - c->last_at) / USECS_PER_SEC,
								 in.subject_window / USECS_PER_SEC);
				break;
			case OC_VIA_RECENCY:
				appendStringInfo(evidence,
								 "\"recency\", \"idle_seconds\": " INT64_FORMAT
								 ", \"window_seconds\": " INT64_FORMAT,
								 (in.occurred_at - c->last_at) / USECS_PER_SEC,
								 (c->window > 0 ? c->window : in.recency_window) / USECS_PER_SEC);
				break;
		}
		if (c->state == OC_THREAD_SOLVED)
			appendStringInfoString(evidence, ", \"reopened\": true");
		if (decision.n_strangers > 0)
			appendStringInfo(evidence, ", \"other_customer_references\": %d",
							 decision.n_strangers);
		appendStringInfoChar(evidence, '}');
	}
	else
	{
		/* a new thread: say what it follows up or is related to */
		const char *sep = "{";

		if (result.follow_up_of != 0)
		{
			appendStringInfo(evidence, "%s\"follow_up_of\": " INT64_FORMAT
							 ", \"follow_up_via\": ",
							 sep, result.follow_up_of);
			escape_json(evidence, via_name(cands[decision.follow_up].via));
			sep = ", ";
		}
		if (result.related_to != 0)
		{
			appendStringInfo(evidence, "%s\"related_to\": " INT64_FORMAT, sep,
							 result.related_to);
			sep = ", ";
		}
		if (decision.n_strangers > 0)
		{
			appendStringInfo(evidence, "%s\"other_customer_references\": %d",
							 sep, decision.n_strangers);
			sep = ", ";
		}
		if (sep[0] == ',')
			appendStringInfoChar(evidence, '}');
	}
	return result;
}

/* Refuse anything but a row-level trigger fired as expected. */
static TriggerData *
check_trigger_call(FunctionCallInfo fcinfo, const char *name, bool before, bool row)
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
	oc_check_own_table(trigdata, "interaction", name);
	return trigdata;
}

/*
 * Threads this backend opened in the current transaction whose opening row
 * might not have been stored (ON CONFLICT DO NOTHING skips a row after its
 * BEFORE trigger ran).  The statement trigger removes those left empty.
 */
typedef struct ThreadList
{
	int64	   *ids;			/* in the transaction's memory */
	int			n;
	int			max;
	LocalTransactionId lxid;	/* the transaction it belongs to */
} ThreadList;

/* The list's length in this transaction (a list of an earlier one is empty). */
static int
thread_list_len(ThreadList *list)
{
	if (list->lxid != MyProc->lxid)
	{
		/* a new transaction: the old array went with its memory context */
		list->ids = NULL;
		list->n = list->max = 0;
		list->lxid = MyProc->lxid;
	}
	return list->n;
}

static void
thread_list_add(ThreadList *list, int64 thread)
{
	if (thread_list_len(list) == list->max)
	{
		list->max = Max(16, list->max * 2);
		list->ids = list->ids == NULL ?
			MemoryContextAlloc(TopTransactionContext, sizeof(int64) * list->max) :
			repalloc(list->ids, sizeof(int64) * list->max);
	}
	list->ids[list->n++] = thread;
}

static ThreadList opened = {NULL, 0, 0, InvalidLocalTransactionId};

/* Remember a thread written in the middle of the current statement. */
static void
remember_opened(int64 thread)
{
	thread_list_add(&opened, thread);
}

/*
 * Open the new thread or record activity on the joined one (reopening a
 * solved thread an inbound interaction joined), and record the interaction's
 * business keys and subject key against it.  Done in the BEFORE trigger so
 * that later rows of the same INSERT or COPY find the thread and its keys.
 */
/*
 * Thread activity of the current statement, written once at its end.
 *
 * Every joined row moves its thread's last activity (and maybe its span,
 * channels, subject, status); an UPDATE per row was the largest cost of a
 * bulk load.  Rows record the activity here instead and the statement
 * trigger writes one UPDATE for all threads, in thread id order.  Until
 * then thread_facts() overlays it, so later rows of the statement decide as
 * if it were written.  The table lives in the transaction's memory; a
 * statement that fails takes its transaction (or subtransaction) with it,
 * and what a failed subtransaction recorded only widens a thread's span the
 * way a row skipped by ON CONFLICT does.
 */

static HTAB *touches = NULL;
static MemoryContext touch_cxt = NULL;
static LocalTransactionId touches_lxid = InvalidLocalTransactionId;
static SubTransactionId touches_subid = InvalidSubTransactionId;
static int	n_new_threads = 0;	/* entries with is_new */

static void ensure_subxact_callback(void);

/* The statement's touch table, NULL if none yet (or create it). */
static HTAB *
touch_table(bool create)
{
	if (touches_lxid != MyProc->lxid)
	{
		touches = NULL;			/* went with the previous transaction's memory */
		touch_cxt = NULL;
		n_new_threads = 0;
	}
	if (touches == NULL && create)
	{
		ensure_subxact_callback();
		touch_cxt = AllocSetContextCreate(TopTransactionContext, "omnichannel thread activity",
										  ALLOCSET_DEFAULT_SIZES);
		touches = blob_hash("omnichannel thread activity", sizeof(int64),
							sizeof(ThreadTouch), touch_cxt);
		touches_lxid = MyProc->lxid;
		touches_subid = GetCurrentSubTransactionId();
		n_new_threads = 0;
	}
	return touches;
}

/* Forget the touch table (written, or its statement failed). */
static void
touch_forget(void)
{
	if (touch_cxt != NULL && touches_lxid == MyProc->lxid)
		MemoryContextDelete(touch_cxt);
	touch_cxt = NULL;
	touches = NULL;
	n_new_threads = 0;
}

/* A subtransaction aborted: its statement's activity and unwritten threads go with it. */
static void
touch_subxact_abort(SubTransactionId mySubid)
{
	if (touches != NULL && touches_lxid == MyProc->lxid && touches_subid >= mySubid)
		touch_forget();
}

/* A thread the statement opened and has not written yet, or NULL. */
static ThreadTouch *
new_thread_of(int64 thread)
{
	HTAB	   *table = n_new_threads > 0 ? touch_table(false) : NULL;
	ThreadTouch *t;

	if (table == NULL)
		return NULL;
	t = hash_search(table, &thread, HASH_FIND, NULL);
	return t != NULL && t->is_new ? t : NULL;
}

/* Record a row's activity on a thread it joined. */
static void
touch_thread(int64 thread, int64 customer, TimestampTz at, Datum subject,
			 bool subject_null, Oid channel, bool reopen)
{
	bool		found;
	ThreadTouch *t = hash_search(touch_table(true), &thread, HASH_ENTER, &found);

	if (!found)
	{
		t->customer = customer;
		t->min_at = t->max_at = at;
		t->subject = NULL;
		t->reopen = false;
		t->is_new = false;
		t->follow_up_of = t->related_to = 0;
		t->nchannels = 0;
	}
	t->min_at = Min(t->min_at, at);
	t->max_at = Max(t->max_at, at);
	t->reopen |= reopen;
	if (t->subject == NULL && !subject_null)
	{
		MemoryContext old = MemoryContextSwitchTo(touch_cxt);

		t->subject = DatumGetTextPCopy(subject);
		MemoryContextSwitchTo(old);
	}
	for (int i = 0; i <= t->nchannels; i++)
	{
		if (i == t->nchannels && i < (int) lengthof(t->channels))
		{
			t->channels[t->nchannels++] = channel;
			break;
		}
		if (i < t->nchannels && t->channels[i] == channel)
			break;
	}
}

/* Overlay the statement's recorded activity on a thread's stored facts. */
static void
touch_overlay(oc_stitch_candidate *c)
{
	HTAB	   *table = touch_table(false);
	ThreadTouch *t;

	if (table == NULL)
		return;
	t = hash_search(table, &c->thread_id, HASH_FIND, NULL);
	if (t == NULL)
		return;
	c->first_at = Min(c->first_at, t->min_at);
	c->last_at = Max(c->last_at, t->max_at);
	if (t->reopen && c->state == OC_THREAD_SOLVED)
		c->state = OC_THREAD_OPEN;
}

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
		f->is_new = f->has_row = f->known = f->dues_only = false;
		f->nevents = 0;
		memset(&f->prior, 0, sizeof(f->prior));
		memset(&f->facts, 0, sizeof(f->facts));
	}
	if (read_prior && !f->known && !f->is_new)
	{
		AttrNumber	atts[5] = {cache.att_thread_status, cache.att_thread_waiting,
			cache.att_thread_first_in, cache.att_thread_last_in, cache.att_thread_last_out};
		Datum		key = Int64GetDatum(thread);
		Datum		v[5];
		bool		n[5];

		if (oc_probe(&cache.by_thread, &key, snap, 5, atts, v, n, 1) > 0)
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

/* A one-dimensional array of n Datums of type elemtype (nulls may be NULL). */
static Datum
make_array(Datum *elems, bool *nulls, int n, Oid elemtype)
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
		int64		thread = DatumGetInt64(slot_getattr(slot, cache.att_thread, &isnull));
		int64		customer = DatumGetInt64(slot_getattr(slot, cache.att_customer, &isnull));
		Oid			dir = DatumGetObjectId(slot_getattr(slot, cache.att_direction, &isnull));
		oc_qf_direction d = dir == cache.inbound_oid ? OC_QF_INBOUND :
			dir == cache.outbound_oid ? OC_QF_OUTBOUND : OC_QF_INTERNAL;
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
		at = DatumGetTimestampTz(slot_getattr(slot, cache.att_occurred, &isnull));
		channel = DatumGetObjectId(slot_getattr(slot, cache.att_channel, &isnull));
		count_channel(counts, customer, channel, d, at);
		/* the UTC day: days since 2000-01-01, as a date is stored */
		count_channel(day_counts, at >= 0 ? at / USECS_PER_DAY : -((-at - 1) / USECS_PER_DAY) - 1,
					  channel, d, at);
		if (d == OC_QF_INTERNAL || !(f->known || f->is_new))
			continue;
		id = DatumGetInt64(slot_getattr(slot, cache.att_id, &isnull));
		(void) slot_getattr(slot, cache.att_agent, &isnull);
		if (!isnull)
			for (int c = 0; c < cache.nchannels; c++)
				if (cache.channel_oid[c] == channel)
					live = cache.channel_live[c];
		k = oc_qf_row_events(d, live, at, &f->prior, inbound);
		if (k == 0)
			continue;
		queue = slot_getattr(slot, cache.att_queue, &queue_null);
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
		for (int i = 0; i < k; i++)
		{
			oc_qf_event *e;

			if (nevents == max_events)
			{
				max_events *= 2;
				events = repalloc(events, sizeof(oc_qf_event) * max_events);
			}
			e = &events[nevents++];
			memset(e, 0, sizeof(*e));
			e->thread = thread;
			e->at = at;
			e->id = id;
			e->seq = i;
			e->inbound = inbound[i];
			e->has_queue = !queue_null;
			e->row = nrows;
		}
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
		args[k] = make_array(cols.v + k * n, cols.n + k * n, (int) n,
							 types[k] == InvalidOid ? cache.channel_type : types[k]);
	run_plan(plan, args, NULL, SPI_OK_INSERT);
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
			args[c] = make_array(e.v + c * nevents, e.n + c * nevents, nevents,
								 types[c] == InvalidOid ? cache.channel_type : types[c]);
	}
}

/*
 * The 15 per-thread columns the INSERT of new threads and the UPDATE of the
 * others take (see their plans in ensure_cache): id, customer, the rows'
 * activity (NULL without), and the queue facts (NULL without events).
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
				appendStringInfoString(&chans, channel_label(t->channels[k]));
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
		NUL(9)[i] = !ev || !q->has_last_in;
		COL(9)[i] = TimestampTzGetDatum(q->last_in);
		NUL(10)[i] = !ev || !q->has_last_out;
		COL(10)[i] = TimestampTzGetDatum(q->last_out);
		NUL(11)[i] = !ev;
		COL(11)[i] = BoolGetDatum(q->ends_with_reply);
		NUL(12)[i] = !ev || !q->has_streak_start;
		COL(12)[i] = TimestampTzGetDatum(q->streak_start);
		NUL(13)[i] = !ev || q->last_in_row < 0;
		if (!NUL(13)[i])
			COL(13)[i] = ObjectIdGetDatum(rows[q->last_in_row].channel);
		NUL(14)[i] = !ev || q->last_queue_row < 0;
		if (!NUL(14)[i])
			COL(14)[i] = PointerGetDatum(rows[q->last_queue_row].queue);
	}
	for (int k = 0; k < THREAD_COLS; k++)
		args[k] = make_array(COL(k), NUL(k), n,
							 types[k] == InvalidOid ? cache.channel_type : types[k]);
#undef COL
#undef NUL
}

/*
 * Threads the statement opened for rows that were not stored (never
 * written), until flush_lookups drops their look-up rows.
 */
static ThreadList discarded = {NULL, 0, 0, InvalidLocalTransactionId};

/* Was the thread discarded by this statement? */
static bool
is_discarded(int64 thread)
{
	for (int i = 0; i < thread_list_len(&discarded); i++)
		if (discarded.ids[i] == thread)
			return true;
	return false;
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
static void
flush_threads(Tuplestorestate *store, TupleDesc desc)
{
	HTAB	   *table = touch_table(false);
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
	bool		dues = false;
	Snapshot	snap;

	threads = blob_hash("omnichannel thread flush", sizeof(int64), sizeof(ThreadFlush), cxt);
	counts = blob_hash("omnichannel channel counts", sizeof(ChannelKey), sizeof(ChannelCount), cxt);
	day_counts = blob_hash("omnichannel day counts", sizeof(ChannelKey), sizeof(ChannelCount), cxt);

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
	for (int i = 0; i < n; i++)
	{
		f = all[i];
		if (f->is_new && store != NULL && !f->has_row)
		{
			thread_list_add(&discarded, f->thread);
			continue;
		}
		if (f->is_new)
		{
			fresh[nfresh++] = f;
			if (store == NULL)
				remember_opened(f->thread);
		}
		else
			stale[nstale++] = f;

		/* a customer message reopens a solved (the stitching said so), pending or on-hold thread */
		if (f->touch != NULL && f->touch->reopen)
		{
			reopen_ids[nreopen] = Int64GetDatum(f->thread);
			reopen_ats[nreopen++] = TimestampTzGetDatum(f->touch->min_at);
		}
		else if (f->known && f->nevents > 0 && f->facts.has_first_in &&
				 (f->status == cache.state_oid[OC_THREAD_PENDING] ||
				  f->status == cache.state_oid[OC_THREAD_ON_HOLD]))
		{
			reopen_ids[nreopen] = Int64GetDatum(f->thread);
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
		args[THREAD_COLS] = make_array(links.v, links.n, nfresh, INT8OID);
		args[THREAD_COLS + 1] = make_array(links.v + nfresh, links.n + nfresh, nfresh, INT8OID);
		run_plan(cache.new_threads, args, NULL, SPI_OK_INSERT);
	}

	/* 2. the clocks */
	if (nreopen > 0 || (nevents > 0 && spi_bool(cache.sla_active, NULL, NULL)))
	{
		Datum		args[13];
		char		nulls[13];

		event_args(events, nevents, rows, args, nulls);
		nulls[11] = nulls[12] = nreopen == 0 ? 'n' : ' ';
		if (nreopen > 0)
		{
			args[11] = make_array(reopen_ids, NULL, nreopen, INT8OID);
			args[12] = make_array(reopen_ats, NULL, nreopen, TIMESTAMPTZOID);
		}
		dues = spi_bool(cache.sla_ingest, args, nulls);
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
		run_plan(cache.touch_threads, args, NULL, SPI_OK_UPDATE);
	}
	/* 4. the rollups: per customer and channel, per UTC day and channel, in key order */
	write_channel_counts(counts, cache.count_channels);
	write_channel_counts(day_counts, cache.count_days);
	SPI_finish();

	/* the statement's activity is written */
	if (table != NULL)
		touch_forget();
	UnregisterSnapshot(snap);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/*
 * Look-up rows (thread_key, thread_subject) the statement's rows record,
 * written with one INSERT per table at its end; until then the look-ups
 * of later rows see them here.  Dropped with a failed subtransaction (what
 * they point at went with it) or the transaction.
 */
typedef struct LookupRow
{
	bool		subject;		/* thread_subject, else thread_key */
	int64		customer;
	char	   *name;			/* key name; NULL for a subject */
	char	   *value;			/* key value, or the subject key */
	int64		thread;
	TimestampTz at;
} LookupRow;

typedef struct LookupEntry
{
	uint32		hash;			/* hash key: of (subject, customer, name, value) */
	int			n;
	int			rows[OC_KEY_THREADS];	/* indexes into lookup_rows */
} LookupEntry;

static LookupRow *lookup_rows = NULL;
static int	n_lookup_rows = 0;
static int	max_lookup_rows = 0;
static HTAB *lookup_index = NULL;
static LocalTransactionId lookup_lxid = InvalidLocalTransactionId;

static void
lookup_forget(void)
{
	lookup_rows = NULL;
	n_lookup_rows = max_lookup_rows = 0;
	lookup_index = NULL;		/* its memory goes with the transaction */
}

static uint32
lookup_hash(bool subject, int64 customer, const char *name, const char *value)
{
	uint32		h = hash_bytes_extended((const unsigned char *) &customer, sizeof(customer), subject);

	if (name != NULL)
		h = hash_combine(h, hash_bytes((const unsigned char *) name, strlen(name)));
	return hash_combine(h, hash_bytes((const unsigned char *) value, strlen(value)));
}

static bool
lookup_row_is(const LookupRow *r, bool subject, int64 customer, const char *name,
			  const char *value)
{
	return r->subject == subject && r->customer == customer &&
		(subject || strcmp(r->name, name) == 0) && strcmp(r->value, value) == 0;
}

/* The index entry of a key, or NULL. */
static LookupEntry *
lookup_entry(bool subject, int64 customer, const char *name, const char *value, bool create)
{
	uint32		h;
	bool		found;
	LookupEntry *e;

	if (lookup_lxid != MyProc->lxid)
		lookup_forget();
	if (lookup_index == NULL)
	{
		if (!create)
			return NULL;
		lookup_index = blob_hash("omnichannel look-up rows", sizeof(uint32),
								 sizeof(LookupEntry), TopTransactionContext);
		lookup_lxid = MyProc->lxid;
	}
	h = lookup_hash(subject, customer, name, value);
	e = hash_search(lookup_index, &h, create ? HASH_ENTER : HASH_FIND, &found);
	if (e != NULL && create && !found)
		e->n = 0;
	return e;
}

/* Threads the statement recorded for a key, added to vals (n of max, no repeats). */
static int
lookup_pending_threads(bool subject, int64 customer, const char *name, const char *value,
					   Datum *vals, int n, int max)
{
	LookupEntry *e = lookup_entry(subject, customer, name, value, false);

	for (int i = 0; e != NULL && i < e->n && n < max; i++)
	{
		const LookupRow *r = &lookup_rows[e->rows[i]];
		bool		seen = false;

		if (!lookup_row_is(r, subject, customer, name, value))
			continue;
		for (int k = 0; k < n && !seen; k++)
			seen = DatumGetInt64(vals[k]) == r->thread;
		if (!seen)
			vals[n++] = Int64GetDatum(r->thread);
	}
	return n;
}

/* Record a look-up row unless the statement already did; true if recorded now. */
static bool
lookup_add(bool subject, int64 customer, const char *name, const char *value,
		   int64 thread, TimestampTz at)
{
	LookupEntry *e = lookup_entry(subject, customer, name, value, true);
	MemoryContext old;
	LookupRow  *r;

	for (int i = 0; i < e->n; i++)
		if (lookup_rows[e->rows[i]].thread == thread &&
			lookup_row_is(&lookup_rows[e->rows[i]], subject, customer, name, value))
			return false;
	old = MemoryContextSwitchTo(TopTransactionContext);
	if (n_lookup_rows == max_lookup_rows)
	{
		max_lookup_rows = Max(256, max_lookup_rows * 2);
		lookup_rows = lookup_rows == NULL ? palloc(sizeof(LookupRow) * max_lookup_rows) :
			repalloc(lookup_rows, sizeof(LookupRow) * max_lookup_rows);
	}
	r = &lookup_rows[n_lookup_rows];
	r->subject = subject;
	r->customer = customer;
	r->name = name != NULL ? pstrdup(name) : NULL;
	r->value = pstrdup(value);
	r->thread = thread;
	r->at = at;
	MemoryContextSwitchTo(old);
	if (e->n < OC_KEY_THREADS)
		e->rows[e->n++] = n_lookup_rows;
	n_lookup_rows++;
	return true;
}

/* Write the recorded look-up rows: one INSERT per table. */
static void
flush_lookups(void)
{
	Datum	   *cols[5];
	int			n[2] = {0, 0};

	if (lookup_lxid != MyProc->lxid)
		lookup_forget();
	if (n_lookup_rows == 0)
		return;
	SPI_connect();
	for (int subject = 0; subject <= 1; subject++)
	{
		Oid			types[5] = {INT8OID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID};
		Datum		args[5];
		int			c0 = 0;

		for (int c = 0; c < 5; c++)
			cols[c] = palloc(sizeof(Datum) * n_lookup_rows);
		for (int i = 0; i < n_lookup_rows; i++)
		{
			LookupRow  *r = &lookup_rows[i];
			int			k = n[subject];

			if (r->subject != (subject == 1) || is_discarded(r->thread))
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
		run_plan(subject ? cache.upsert_subject : cache.upsert_key, args, NULL, SPI_OK_INSERT);
	}
	SPI_finish();
	lookup_forget();
	discarded.n = 0;
}

/* Does the look-up table already hold this whole key? */
static bool
recorded(const OcIndexProbe *probe, const Datum *key, Snapshot snap)
{
	AttrNumber	att = 1;
	Datum		value;
	bool		isnull;

	return oc_probe(probe, key, snap, 1, &att, &value, &isnull, 1) > 0;
}

static void
write_thread(bool open_new, Datum thread, Datum customer, HeapTuple tuple,
			 TupleDesc tupdesc, const BizKey *keys, int nkeys,
			 const char *subject_key, const Stitched *st, bool reopen, Snapshot snap)
{
	Datum		args[7];
	char		nulls[8] = "       ";
	bool		isnull;

	args[0] = thread;
	args[1] = customer;
	args[2] = heap_getattr(tuple, cache.att_subject, tupdesc, &isnull);
	if (isnull)
		nulls[2] = 'n';
	args[3] = heap_getattr(tuple, cache.att_channel, tupdesc, &isnull);
	args[4] = heap_getattr(tuple, cache.att_occurred, tupdesc, &isnull);

	touch_thread(DatumGetInt64(thread), DatumGetInt64(customer),
				 DatumGetTimestampTz(args[4]), args[2], nulls[2] == 'n',
				 DatumGetObjectId(args[3]), reopen && !open_new);
	if (open_new)
	{
		/* written at the statement's end with what its rows made of it */
		int64		id = DatumGetInt64(thread);
		ThreadTouch *t = hash_search(touch_table(false), &id, HASH_FIND, NULL);

		t->is_new = true;
		t->follow_up_of = st->follow_up_of;
		t->related_to = st->related_to;
		n_new_threads++;
	}

	/*
	 * Keys and subjects: a row per thread, written at the statement's end
	 * (flush_lookups) unless the table has it already.
	 */
	for (int k = 0; k < nkeys; k++)
	{
		Datum		kargs[4] = {customer, CStringGetTextDatum(keys[k].name),
			CStringGetTextDatum(keys[k].value), thread};

		if (!recorded(&cache.by_key_row, kargs, snap))
			lookup_add(false, DatumGetInt64(customer), keys[k].name, keys[k].value,
					   DatumGetInt64(thread), DatumGetTimestampTz(args[4]));
	}
	if (subject_key != NULL)
	{
		Datum		sargs[3] = {customer, CStringGetTextDatum(subject_key), thread};

		if (!recorded(&cache.by_subject_row, sargs, snap))
			lookup_add(true, DatumGetInt64(customer), NULL, subject_key,
					   DatumGetInt64(thread), DatumGetTimestampTz(args[4]));
	}
}

/*
 * The base subject of the interaction (normalize_subject), or NULL if it
 * has none, it folds to nothing, or the database is not UTF-8.
 */
static char *
subject_key_of(HeapTuple tuple, TupleDesc tupdesc)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, cache.att_subject, tupdesc, &isnull);
	text	   *t;
	char		out[OC_SUBJ_BUFSIZE];
	size_t		len;

	if (isnull || GetDatabaseEncoding() != PG_UTF8)
		return NULL;
	t = DatumGetTextPSlice(d, 0, OC_SUBJ_MAX_INPUT + 3);
	if (oc_subject_normalize(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), out, sizeof(out),
							 &len, NULL) != OC_SUBJ_OK || len == 0)
		return NULL;
	return oc_lookup_key_cstring(out, len);
}

/* Late arrival: what earlier interactions' references to this one found. */
typedef struct LateArrival
{
	int			nthreads;
	int64		threads[OC_KEY_THREADS];	/* the customer's threads, ascending */
	int64		referrer[OC_KEY_THREADS];	/* an interaction in each that named this one */
	int			nstrangers;
	int64		strangers[OC_KEY_THREADS];	/* other customers' threads that named it */
} LateArrival;

/*
 * Interactions stored before this one whose references named its external
 * id (pending_reference): their threads (the customer's own, not closed,
 * merges followed) and other customers' threads.  The pending rows found
 * are resolved and deleted.
 */
static void
late_references(Datum external, int64 customer, Snapshot snap, LateArrival *late)
{
	Datum		vals[2 * OC_KEY_THREADS];
	bool		nulls[2 * OC_KEY_THREADS];
	int			nrows = oc_probe(&cache.by_pending, &external, snap, 2, cache.att_pending,
								 vals, nulls, OC_KEY_THREADS);

	late->nthreads = late->nstrangers = 0;
	for (int r = 0; r < nrows; r++)
	{
		int64		owner = DatumGetInt64(vals[2 * r]);
		Datum		referrer = vals[2 * r + 1];
		AttrNumber	att = cache.att_thread;
		Datum		thread;
		bool		isnull;
		oc_stitch_candidate c;
		Datum		args[3] = {external, Int64GetDatum(owner), referrer};

		SPI_connect();
		run_plan(cache.drop_pending, args, NULL, SPI_OK_DELETE);
		SPI_finish();

		/* the referring row may be gone (skipped by ON CONFLICT, deleted) */
		if (oc_probe(&cache.by_id, &referrer, snap, 1, &att, &thread, &isnull, 1) == 0 ||
			!thread_facts(DatumGetInt64(thread), snap, &c) || c.state == OC_THREAD_CLOSED)
			continue;
		if (owner != customer || c.customer_id != customer)
		{
			late->strangers[late->nstrangers++] = c.thread_id;
			continue;
		}
		for (int i = 0; i <= late->nthreads; i++)
		{
			if (i == late->nthreads)
			{
				late->threads[i] = c.thread_id;
				late->referrer[i] = DatumGetInt64(referrer);
				late->nthreads++;
				break;
			}
			if (late->threads[i] == c.thread_id)
				break;
			if (late->threads[i] > c.thread_id)
			{
				memmove(&late->threads[i + 1], &late->threads[i],
						sizeof(int64) * (late->nthreads - i));
				memmove(&late->referrer[i + 1], &late->referrer[i],
						sizeof(int64) * (late->nthreads - i));
				late->threads[i] = c.thread_id;
				late->referrer[i] = DatumGetInt64(referrer);
				late->nthreads++;
				break;
			}
		}
	}
}

/* Merge a thread whose interactions named this late one into the final thread. */
static void
late_merge(int64 keep, int64 absorb, int64 interaction, int64 referrer, const char *external)
{
	StringInfoData ev;
	Datum		args[3];

	initStringInfo(&ev);
	appendStringInfo(&ev, "{\"via\": \"late_arrival\", \"interaction_id\": " INT64_FORMAT
					 ", \"referenced_by\": " INT64_FORMAT ", \"external_id\": ",
					 interaction, referrer);
	escape_json(&ev, external);
	appendStringInfoChar(&ev, '}');
	args[0] = Int64GetDatum(keep);
	args[1] = Int64GetDatum(absorb);
	args[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(ev.data));
	flush_threads(NULL, NULL);	/* the merge reads and closes threads */
	SPI_connect();
	run_plan(cache.late_merge, args, NULL, SPI_OK_SELECT);
	stmt_cache_reset();			/* ... and changed what the cache holds */
	SPI_finish();
}

/* Take the customer's stitching lock (its row, FOR NO KEY UPDATE, until commit). */
static void
lock_customer(Datum customer, Snapshot snap)
{
	(void) oc_probe_lock(&cache.by_customer, &customer, snap, LockTupleNoKeyExclusive);
}

/*
 * attributes->'identifiers': more identifiers of the interaction's customer
 * (a web form's e-mail and phone, a CRM id), linked by link_identifiers().
 */
static void
link_identifiers(HeapTuple tuple, TupleDesc tupdesc, Datum customer)
{
	bool		isnull;
	Datum		attrs = heap_getattr(tuple, cache.att_attributes, tupdesc, &isnull);
	Jsonb	   *jb;
	JsonbValue	k;
	JsonbValue *v;
	Datum		args[3];
	bool		id_null;

	if (isnull)
		return;
	jb = DatumGetJsonbP(attrs);
	k.type = jbvString;
	k.val.string.val = "identifiers";
	k.val.string.len = strlen("identifiers");
	v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &k);
	if (v == NULL || v->type == jbvNull)
		return;
	args[0] = customer;
	args[1] = JsonbPGetDatum(JsonbValueToJsonb(v));
	args[2] = heap_getattr(tuple, cache.att_id, tupdesc, &id_null);
	SPI_connect();
	run_plan(cache.link_identifiers, args, id_null ? "  n" : NULL, SPI_OK_SELECT);
	SPI_finish();
}

/* BEFORE INSERT: resolve the customer and decide the thread. */
Datum
oc_interaction_before_insert(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = check_trigger_call(fcinfo, "interaction_before_insert", true, true);
	Relation	rel = trigdata->tg_relation;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	HeapTuple	tuple = trigdata->tg_trigtuple;
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

	/* everything below runs as the table's owner, as a foreign key's check does */
	oc_owner_enter(&owner, rel->rd_rel->relowner);
	initStringInfo(&evidence);
	keys = palloc(sizeof(RefKey) * OC_MAX_REFERENCES);
	stmt_cache_bypass = false;	/* in case an error left it set */

	if (cache.relid != RelationGetRelid(rel))
	{
		SPI_connect();
		ensure_cache(rel);
		SPI_finish();
	}
	snap = oc_probe_snapshot();

	customer = heap_getattr(tuple, cache.att_customer, tupdesc, &cust_null);
	thread = heap_getattr(tuple, cache.att_thread, tupdesc, &thread_null);
	contact = heap_getattr(tuple, cache.att_contact, tupdesc, &contact_null);
	external = heap_getattr(tuple, cache.att_external, tupdesc, &ext_null);
	channel = heap_getattr(tuple, cache.att_channel, tupdesc, &channel_null);
	(void) heap_getattr(tuple, cache.att_reason, tupdesc, &reason_null);
	check_times(tuple, tupdesc);

	/* an over-long external id is stored (and found) as its look-up form */
	if (!ext_null && oc_lookup_key_differs(external))
	{
		external = oc_lookup_key_datum(external);
		cols[ncols] = cache.att_external;
		vals[ncols] = external;
		nulls[ncols++] = false;
	}

	/* 1. a retried delivery: borrow the stored row's customer and thread */
	if (!ext_null)
	{
		Datum		key[2] = {external, channel};
		AttrNumber	atts[3] = {cache.att_customer, cache.att_thread, cache.att_id};
		Datum		found[3];
		bool		found_null[3];

		if (oc_probe(&cache.by_delivery, key, snap, 3, atts, found, found_null, 1) > 0)
		{
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
	nbizkeys = collect_keys(tuple, tupdesc, bizkeys);

	/*
	 * 2. the customer.  A thread the writer names must exist (only the
	 * trigger opens threads, with ids from the sequence) and must belong to
	 * the customer, if one is named too.
	 */
	if (!thread_null)
	{
		oc_stitch_candidate named;
		int64		owner;

		if (!thread_facts(DatumGetInt64(thread), snap, &named))
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
		AttrNumber	att = cache.att_customer_merged;
		Datum		found;
		bool		found_null;

		if (oc_probe(&cache.by_customer, &customer, snap, 1, &att, &found, &found_null, 1) == 0)
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
		customer = Int64GetDatum(resolve_customer(contact, snap, &created));
		cust_null = false;
	}

	/* the channel's windows, and the base subject where the subject rule is on */
	windows = channel_windows(channel);
	if (windows.subject > 0)
		subject_key = subject_key_of(tuple, tupdesc);

	/* interactions stored earlier that named this one (late arrival) */
	memset(&late, 0, sizeof(late));
	if (!ext_null)
		late_references(external, DatumGetInt64(customer), snap, &late);
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

		nkeys = collect_refs(tuple, tupdesc, keys);
		unresolved = palloc0(sizeof(bool) * Max(nkeys, 1));
		st = decide_thread(DatumGetInt64(customer), tuple, tupdesc, keys, nkeys,
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

			lock_customer(customer, snap);
			fresh = IsolationUsesXactSnapshot() ?
				RegisterSnapshot(GetLatestSnapshot()) : oc_probe_snapshot();
			resetStringInfo(&evidence);
			stmt_cache_bypass = true;
			again = decide_thread(DatumGetInt64(customer), tuple, tupdesc, keys, nkeys,
								  unresolved, bizkeys, nbizkeys, subject_key, &windows,
								  fresh, &evidence);
			stmt_cache_bypass = false;
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
			thread = Int64GetDatum(nextval_internal(cache.thread_seq, true));
			open_new = true;
		}
		else
			thread = Int64GetDatum(st.d.thread_id);
		thread_null = false;
		reason = oc_stitch_reason_name(st.d.reason);
		reopen = st.state == OC_THREAD_SOLVED &&
			DatumGetObjectId(heap_getattr(tuple, cache.att_direction, tupdesc, &direction_null)) ==
			cache.inbound_oid;

		/* references that found nothing wait for the messages they name */
		{
			bool		id_null;
			Datum		id = heap_getattr(tuple, cache.att_id, tupdesc, &id_null);
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
				run_plan(cache.add_pending, args, NULL, SPI_OK_INSERT);
			}
			if (connected)
				SPI_finish();
		}
	}

	/* the threads of replies stored before this message join its thread */
	for (int i = 0; i < late.nthreads; i++)
	{
		bool		id_null;
		Datum		id = heap_getattr(tuple, cache.att_id, tupdesc, &id_null);

		if (late.threads[i] != DatumGetInt64(thread) && !open_new)
			late_merge(DatumGetInt64(thread), late.threads[i],
					   id_null ? 0 : DatumGetInt64(id), late.referrer[i],
					   TextDatumGetCString(external));
	}

	/* 4. open or touch the thread, record the keys */
	write_thread(open_new, thread, customer, tuple, tupdesc, bizkeys, nbizkeys,
				 subject_key, &st, reopen, snap);

	/* more identifiers of the customer, carried in attributes */
	link_identifiers(tuple, tupdesc, customer);

	/* other customers' threads that named it are linked as related */
	for (int i = 0; i < late.nstrangers; i++)
	{
		Datum		args[2] = {Int64GetDatum(late.strangers[i]), thread};
		ThreadTouch *pending = new_thread_of(late.strangers[i]);

		if (pending != NULL)
		{
			/* a thread this statement opened: it is written related */
			if (pending->related_to == 0)
				pending->related_to = DatumGetInt64(thread);
			continue;
		}
		SPI_connect();
		run_plan(cache.relate_thread, args, NULL, SPI_OK_UPDATE);
		SPI_finish();
	}

done:
	UnregisterSnapshot(snap);

	cols[ncols] = cache.att_customer;
	vals[ncols] = customer;
	nulls[ncols++] = false;
	cols[ncols] = cache.att_thread;
	vals[ncols] = thread;
	nulls[ncols++] = false;
	cols[ncols] = cache.att_business_keys;
	nulls[ncols] = (nbizkeys == 0);
	vals[ncols] = nbizkeys == 0 ? (Datum) 0 : keys_jsonb(bizkeys, nbizkeys);
	ncols++;
	cols[ncols] = cache.att_subject_key;
	nulls[ncols] = (subject_key == NULL);
	vals[ncols] = subject_key == NULL ? (Datum) 0 : CStringGetTextDatum(subject_key);
	ncols++;
	if (reason != NULL)
	{
		cols[ncols] = cache.att_reason;
		vals[ncols] = CStringGetTextDatum(reason);
		nulls[ncols++] = false;
		cols[ncols] = cache.att_evidence;
		nulls[ncols] = (evidence.len == 0);
		vals[ncols] = nulls[ncols] ? (Datum) 0 :
			DirectFunctionCall1(jsonb_in, CStringGetDatum(evidence.data));
		ncols++;
	}

	result = heap_modify_tuple_by_cols(tuple, tupdesc, ncols, cols, vals, nulls);
	oc_owner_leave(&owner);
	return PointerGetDatum(result);
}

/*
 * The statement's threads are written once, by whichever trigger fires
 * first: the row trigger of the first row that opened a thread (before the
 * foreign keys' checks of that row, see ingest_threads in ext/20_model.sql),
 * else the statement trigger.  Both see the statement's stored rows in the
 * transition table they share, which identifies the statement.
 */
static Tuplestorestate *flushed_store = NULL;
static LocalTransactionId flushed_lxid = InvalidLocalTransactionId;

/* Forget which statement was written (it ended, or failed). */
static void
flushed_forget(void)
{
	flushed_store = NULL;
}

static void
flush_statement(TriggerData *trigdata, const char *fname)
{
	if (trigdata->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired with a transition table of the new rows",
						fname)));
	if (flushed_store == trigdata->tg_newtable && flushed_lxid == MyProc->lxid)
		return;
	if (cache.relid != RelationGetRelid(trigdata->tg_relation))
	{
		SPI_connect();
		ensure_cache(trigdata->tg_relation);
		SPI_finish();
	}
	flush_threads(trigdata->tg_newtable, RelationGetDescr(trigdata->tg_relation));
	flushed_store = trigdata->tg_newtable;
	flushed_lxid = MyProc->lxid;
}

/*
 * AFTER INSERT FOR EACH ROW (opening rows only): write the statement's
 * threads before the row's foreign key to its thread is checked (under SET
 * CONSTRAINTS ... IMMEDIATE that check comes before any statement trigger).
 */
Datum
oc_interaction_after_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = check_trigger_call(fcinfo, "interaction_after_row", false, true);
	OcOwnerContext owner;

	oc_owner_enter(&owner, trigdata->tg_relation->rd_rel->relowner);
	flush_statement(trigdata, "interaction_after_row");
	oc_owner_leave(&owner);
	PG_RETURN_POINTER(NULL);
}

/*
 * AFTER INSERT FOR EACH STATEMENT: remove the threads opened by this
 * statement's BEFORE triggers for rows that were not stored (skipped by ON
 * CONFLICT DO NOTHING) and that no other row joined.
 */
Datum
oc_interaction_after_statement(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = check_trigger_call(fcinfo, "interaction_after_statement", false, false);
	Snapshot	snap;
	OcOwnerContext owner;

	oc_owner_enter(&owner, trigdata->tg_relation->rd_rel->relowner);
	flush_statement(trigdata, "interaction_after_statement");
	flushed_forget();
	flush_lookups();
	discarded.n = 0;
	stmt_cache_reset();
	if (thread_list_len(&opened) == 0 ||
		cache.relid != RelationGetRelid(trigdata->tg_relation))
	{
		opened.n = 0;
		oc_owner_leave(&owner);
		PG_RETURN_POINTER(NULL);
	}

	snap = oc_probe_snapshot();
	for (int i = 0; i < opened.n; i++)
	{
		Datum		key = Int64GetDatum(opened.ids[i]);
		AttrNumber	att = cache.att_id;
		Datum		found;
		bool		found_null;

		if (oc_probe(&cache.by_thread_rows, &key, snap, 1, &att, &found, &found_null, 1) == 0)
		{
			SPI_connect();
			run_plan(cache.drop_empty_thread, &key, NULL, SPI_OK_SELECT);
			SPI_finish();
		}
	}
	UnregisterSnapshot(snap);
	opened.n = 0;
	oc_owner_leave(&owner);
	PG_RETURN_POINTER(NULL);
}
