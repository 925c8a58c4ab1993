/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  What the units of ingest share (private to src/pg/ingest*.c).
 *
 * Ingest is a plain INSERT or COPY into omnichannel.interaction; three
 * triggers do the work (ingest.c).  The units, in the order a row meets them:
 *
 *	ingest_cache.c     per backend: the tables' layout, index probes, enum
 *	                   labels and saved plans, rebuilt when the catalog says
 *	                   they changed (relcache and syscache callbacks)
 *	ingest_settings.c  per transaction: stitching windows, business-key
 *	                   patterns, the identity block list
 *	ingest_state.c     per statement: what its rows looked up and recorded,
 *	                   in one memory context deleted at its end
 *	ingest_customer.c  the customer of a contact point, created on first sight
 *	ingest_stitch.c    the thread: candidates by index look-ups, the core's
 *	                   decision (src/core/stitch.c), evidence, late arrival
 *	ingest_write.c     at the statement's end: threads (activity, queue facts,
 *	                   SLA clocks), rollups and look-up rows, one INSERT or
 *	                   UPDATE per table
 *
 * All of it runs as the interaction table's owner under a pinned search
 * path (extension.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMNICHANNEL_INGEST_H
#define OMNICHANNEL_INGEST_H

#include "access/htup.h"
#include "lib/stringinfo.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/hsearch.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "core/queue_facts.h"
#include "core/stitch.h"
#include "pg/index_probe.h"

/* At most this many references (in_reply_to plus the latest refs) are looked up. */
#define OC_MAX_REFERENCES 100
/* The recency rule looks at most at the customer's latest this many interactions. */
#define OC_RECENCY_ROWS 16
/* At most this many business keys per interaction, and threads per key. */
#define OC_MAX_KEYS 16
#define OC_KEY_THREADS 8
/* At most this many channels (labels of omnichannel.channel) are known. */
#define OC_MAX_CHANNELS 32

/* ---- ingest_cache.c ----------------------------------------------------- */

/* Per-backend cache of attribute numbers, type OIDs, index probes and saved plans. */
typedef struct IngestCache
{
	bool		valid;			/* false: rebuild before use */
	Oid			relid;			/* omnichannel.interaction it was built for */
	bool		lookups_through_sql;	/* the setting it was built with */
	int			nrels;
	Oid			rels[48];		/* every table and index it names (invalidation) */
	Oid			customer_seq;	/* sequence behind customer.id */
	Oid			thread_seq;		/* sequence behind thread.id */
	Oid			interaction_seq;	/* ... interaction.id (interaction_in's rows) */
	Oid			contact_type;
	Oid			channel_type;
	Oid			channel_array_type;
	Oid			inbound_oid;	/* direction 'inbound' */
	Oid			outbound_oid;	/* direction 'outbound' */
	/* interaction */
	AttrNumber	att_id;
	AttrNumber	att_customer;
	AttrNumber	att_thread;
	AttrNumber	att_channel;
	AttrNumber	att_direction;
	AttrNumber	att_occurred;
	AttrNumber	att_ended;
	AttrNumber	att_contact;
	AttrNumber	att_agent;
	AttrNumber	att_queue;
	AttrNumber	att_subject;
	AttrNumber	att_body;
	AttrNumber	att_external;
	AttrNumber	att_in_reply_to;
	AttrNumber	att_refs;
	AttrNumber	att_attributes;
	AttrNumber	att_business_keys;
	AttrNumber	att_subject_key;
	AttrNumber	att_reason;
	AttrNumber	att_evidence;
	/* thread, customer and the look-up tables */
	AttrNumber	att_identifier_customer;	/* customer_identifier.customer_id */
	AttrNumber	att_customer_merged;	/* customer.merged_into */
	AttrNumber	att_thread_customer;	/* thread.customer_id */
	AttrNumber	att_thread_status;
	AttrNumber	att_thread_opened;
	AttrNumber	att_thread_last;
	AttrNumber	att_thread_merged;	/* thread.merged_into */
	AttrNumber	att_thread_waiting; /* thread.waiting_since */
	AttrNumber	att_thread_first_in;	/* thread.first_inbound_at */
	AttrNumber	att_thread_last_in; /* thread.last_inbound_at */
	AttrNumber	att_thread_last_out;	/* thread.last_outbound_at */
	AttrNumber	att_key_thread; /* thread_key.thread_id */
	AttrNumber	att_key_value;	/* thread_key.value */
	AttrNumber	att_subject_thread; /* thread_subject.thread_id */
	AttrNumber	att_pending[2]; /* pending_reference customer_id, interaction_id */
	/* index probes */
	OcIndexProbe by_delivery;	/* interaction (external_id, channel) */
	OcIndexProbe by_reference;	/* interaction (external_id) */
	OcIndexProbe by_id;			/* interaction (id) */
	OcIndexProbe by_latest;		/* interaction (customer_id, occurred_at, id) */
	OcIndexProbe by_thread_rows;	/* interaction (thread_id, customer_id, occurred_at) */
	OcIndexProbe by_contact;	/* customer_identifier (contact) */
	OcIndexProbe by_customer;	/* customer (id) */
	OcIndexProbe by_thread;		/* thread (id) */
	OcIndexProbe by_thread_of;	/* thread (customer_id, id): one shard on Citus */
	OcIndexProbe by_key;		/* thread_key (customer_id, name, value) */
	OcIndexProbe by_key_thread;	/* thread_key (thread_id, name) */
	OcIndexProbe by_key_row;	/* thread_key, the whole key */
	OcIndexProbe by_subject;	/* thread_subject (customer_id, subject_key) */
	OcIndexProbe by_subject_row;	/* thread_subject, the whole key */
	OcIndexProbe by_pending;	/* pending_reference (external_id) */
	/* enum labels */
	Oid			state_oid[OC_THREAD_CLOSED + 1];	/* thread_status labels */
	int			nchannels;
	Oid			channel_oid[OC_MAX_CHANNELS];	/* channel labels ... */
	oc_stitch_windows channel_windows[OC_MAX_CHANNELS]; /* ... their built-in windows */
	bool		channel_live[OC_MAX_CHANNELS];	/* ... whether agents take them live */
	NameData	channel_label[OC_MAX_CHANNELS]; /* ... and their labels */
	/* saved plans */
	SPIPlanPtr	new_customer;
	SPIPlanPtr	new_bare_customer;
	SPIPlanPtr	first_identifier;	/* new_customer in two statements (via SQL) */
	bool		via_sql;		/* look-ups and writes for Citus */
	bool		distributed;	/* interaction is a Citus distributed table */
	SPIPlanPtr	store_delivery; /* who holds a stored delivery (Citus) */
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
	SPIPlanPtr	refresh_facts;
	SPIPlanPtr	store_row;		/* interaction_in: a row into interaction */
} IngestCache;

extern IngestCache oc_ingest;

extern void oc_ingest_ensure_cache(Relation rel);
extern uint64 oc_ingest_run(SPIPlanPtr plan, Datum *values, const char *nulls, int expect);
extern bool oc_ingest_run_bool(SPIPlanPtr plan, Datum *values, const char *nulls);
extern HTAB *oc_ingest_hash(const char *name, Size keysize, Size entrysize, MemoryContext cxt);
extern Datum oc_ingest_array(Datum *elems, bool *nulls, int n, Oid elemtype);
extern const char *oc_ingest_channel_label(Oid channel);
extern oc_thread_state oc_ingest_thread_state(Oid status);

/* ---- ingest_settings.c -------------------------------------------------- */

/* A business key of the new interaction. */
typedef struct BizKey
{
	const char *name;
	char	   *value;
} BizKey;

extern oc_stitch_windows oc_ingest_windows(Datum channel);
extern int64 oc_ingest_max_recency(void);
extern bool oc_ingest_contact_blocked(Datum contact);
extern int	oc_ingest_pattern_keys(Datum *texts, int ntexts, BizKey *keys, int n);
extern bool oc_ingest_have_patterns(void);
extern const char *oc_ingest_attribute_key(const char *attribute, int len);
extern bool oc_ingest_has_key(const BizKey *keys, int n, const char *name);
extern void oc_ingest_settings_forget(void);

/* ---- ingest_state.c ----------------------------------------------------- */

/* A thread's activity recorded by the statement's rows (oc_ingest_touch). */
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
	Oid			channels[OC_MAX_CHANNELS];	/* channels in order of first use */
} ThreadTouch;

/* A look-up row (thread_key, thread_subject) recorded by the statement. */
typedef struct LookupRow
{
	bool		subject;		/* thread_subject, else thread_key */
	int64		customer;
	char	   *name;			/* key name; NULL for a subject */
	char	   *value;			/* key value, or the subject key */
	int64		thread;
	TimestampTz at;
} LookupRow;

/* A list of thread ids. */
typedef struct ThreadList
{
	int64	   *ids;
	int			n;
	int			max;
} ThreadList;

/*
 * Everything one statement (an INSERT or a COPY) keeps between its rows:
 * one object, in one memory context, made by its first row and deleted by
 * its statement trigger, or by the abort of the (sub)transaction it began in.
 */
typedef struct IngestStatement
{
	MemoryContext cxt;			/* all of it */
	SubTransactionId subid;		/* the subtransaction it began in */
	/* what its rows looked up, as they first found it (see ingest_state.c) */
	MemoryContext cache_cxt;
	HTAB	   *contacts;		/* contact point -> customer */
	HTAB	   *threads;		/* thread -> stored facts */
	/* what its rows recorded, written at its end (ingest_write.c) */
	HTAB	   *touches;		/* thread -> ThreadTouch */
	int			n_new_threads;	/* touches with is_new */
	LookupRow  *lookup_rows;
	int			n_lookup_rows;
	int			max_lookup_rows;
	HTAB	   *lookup_index;
	HTAB	   *lookup_names;	/* thread_key rows by (customer, name) */
	ThreadList	opened;			/* new threads written before its end (a late merge) */
	ThreadList	discarded;		/* new threads of rows ON CONFLICT skipped */
	Tuplestorestate *written;	/* transition table whose threads are written */
	/* identifiers its rows carried in attributes, linked at its end */
	int			n_links;
	int			max_links;
	Datum	   *link_contacts;
	Datum	   *link_customers;
	Datum	   *link_interactions;
} IngestStatement;

extern bool oc_ingest_bypass_caches;

extern IngestStatement *oc_ingest_statement(bool create);
extern void oc_ingest_statement_end(void);
extern void oc_ingest_forget_caches(void);
extern void oc_ingest_list_add(ThreadList *list, int64 thread);
extern bool oc_ingest_list_has(const ThreadList *list, int64 thread);
extern bool oc_ingest_cached_contact(Datum contact, int64 *customer);
extern void oc_ingest_cache_contact(Datum contact, int64 customer);
extern bool oc_ingest_thread_facts(int64 customer, int64 thread, Snapshot snap,
								   oc_stitch_candidate *c);
extern ThreadTouch *oc_ingest_touch(int64 thread, int64 customer, TimestampTz at, Datum subject,
									bool subject_null, Oid channel, bool reopen);
extern ThreadTouch *oc_ingest_new_thread(int64 thread);
extern void oc_ingest_touches_written(void);
extern int	oc_ingest_lookup_threads(bool subject, int64 customer, const char *name,
									 const char *value, Datum *vals, int n, int max);
extern const char *oc_ingest_lookup_thread_key(int64 customer, const char *name, int64 thread,
											   const char *value, bool *has_value);
extern void oc_ingest_lookup_add(bool subject, int64 customer, const char *name,
								 const char *value, int64 thread, TimestampTz at);

/* ---- ingest_customer.c -------------------------------------------------- */

extern int64 oc_ingest_resolve_customer(Datum contact, Snapshot snap, bool *created);
extern void oc_ingest_lock_customer(Datum customer, Snapshot snap);
extern void oc_ingest_link_identifiers(HeapTuple tuple, TupleDesc tupdesc, Datum customer,
									   Snapshot snap);
extern void oc_ingest_write_links(void);

/* ---- ingest_stitch.c ---------------------------------------------------- */

/* One reference key and how the new interaction named it. */
typedef struct RefKey
{
	char	   *value;
	oc_stitch_via via;
	int			position;
} RefKey;

/* What the decision made of the new interaction, beyond the core's decision. */
typedef struct Stitched
{
	oc_stitch_decision d;
	oc_thread_state state;		/* of the chosen thread */
	int64		follow_up_of;	/* for a new thread: the thread it follows up, or 0 */
	int64		related_to;		/* for a new thread: a stranger's thread named, or 0 */
} Stitched;

/* Late arrival: what earlier interactions' references to this one found. */
typedef struct LateArrival
{
	int			nthreads;
	int64		threads[OC_KEY_THREADS];	/* the customer's threads, ascending */
	int64		referrer[OC_KEY_THREADS];	/* an interaction in each that named this one */
	int			nstrangers;
	int64		strangers[OC_KEY_THREADS];	/* other customers' threads that named it */
} LateArrival;

extern void oc_ingest_check_times(HeapTuple tuple, TupleDesc tupdesc);
extern int	oc_ingest_refs(HeapTuple tuple, TupleDesc tupdesc, RefKey *keys);
extern int	oc_ingest_keys(HeapTuple tuple, TupleDesc tupdesc, BizKey *keys);
extern Datum oc_ingest_keys_jsonb(const BizKey *keys, int n);
extern char *oc_ingest_subject_key(HeapTuple tuple, TupleDesc tupdesc);
extern Stitched oc_ingest_decide(int64 customer_id, HeapTuple tuple, TupleDesc tupdesc,
								 RefKey *keys, int nkeys, bool *unresolved,
								 BizKey *bizkeys, int nbizkeys, const char *subject_key,
								 const oc_stitch_windows *windows, Snapshot snap,
								 StringInfo evidence);
extern void oc_ingest_record_activity(bool open_new, Datum thread, Datum customer,
									  HeapTuple tuple, TupleDesc tupdesc,
									  const BizKey *keys, int nkeys, const char *subject_key,
									  const Stitched *st, bool reopen, Snapshot snap);
extern void oc_ingest_late_references(Datum external, int64 customer, Snapshot snap,
									  LateArrival *late);
extern void oc_ingest_late_merge(int64 keep, int64 absorb, int64 interaction,
								 int64 referrer, const char *external);

/* ---- ingest_write.c ----------------------------------------------------- */

extern void oc_ingest_write_threads(Tuplestorestate *store, TupleDesc desc);
extern void oc_ingest_write_lookups(void);
extern void oc_ingest_write_statement(TriggerData *trigdata, const char *fname);

#endif							/* OMNICHANNEL_INGEST_H */
