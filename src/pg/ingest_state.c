/*-------------------------------------------------------------------------
 *
 * ingest_state.c
 *	  What one INSERT or COPY keeps between its rows, in one object.
 *
 * The statement's rows look the same customers and threads up again and
 * again, and record what the statement end writes at once
 * (ingest_write.c): each joined thread's activity, the look-up rows of its
 * business keys and subjects.  All of it is one IngestStatement in one
 * memory context, a child of the transaction's:
 *
 *	- made by the first row of a statement that needs it;
 *	- deleted by the statement trigger when the statement ends
 *	  (oc_ingest_statement_end), so a transaction of many statements holds
 *	  one statement's state at a time;
 *	- deleted when the subtransaction it began in aborts (a failed statement
 *	  in a savepoint), and forgotten when the transaction ends (its memory
 *	  goes with it).  When an inner subtransaction aborts (a function the
 *	  statement called), only the caches are dropped: they may hold what
 *	  the aborted work made visible.
 *
 * The caches: a statement sees identities and threads as it first found
 * them (its own changes overlaid from the recorded activity); the decision
 * taken again under the customer's lock reads around them
 * (oc_ingest_bypass_caches).  The callbacks here also forget the
 * transaction's settings (ingest_settings.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/memutils.h"

#include "pg/ingest.h"

/* A contact point's customer, as the statement first found it. */
typedef struct ContactEntry
{
	uint32		hash;			/* hash key: hash of the contact point's bytes */
	int			n;
	struct varlena *contacts[4];	/* the contact points with that hash ... */
	int64		customers[4];	/* ... and their customers */
} ContactEntry;

/* A thread's stored facts, as the statement first found them. */
typedef struct ThreadEntry
{
	int64		thread;			/* hash key: the thread asked for */
	bool		found;
	oc_stitch_candidate facts;	/* as stored (a merged thread: its survivor) */
} ThreadEntry;

/* A key's recorded look-up rows. */
typedef struct LookupEntry
{
	uint32		hash;			/* hash key: of (subject, customer, name, value) */
	int			n;
	int			rows[OC_KEY_THREADS];	/* indexes into lookup_rows */
} LookupEntry;

/* The thread_key rows recorded for a (customer, key name). */
typedef struct LookupNameEntry
{
	uint32		hash;			/* hash key: of (customer, name) */
	int			n;
	int			max;
	int		   *rows;			/* indexes into lookup_rows */
} LookupNameEntry;

static IngestStatement *stmt = NULL;

/* Deciding again under the customer's lock: read around the caches. */
bool		oc_ingest_bypass_caches = false;

/* Drop the statement's caches (they are made again when next asked for). */
static void
forget_caches(void)
{
	if (stmt->cache_cxt != NULL)
		MemoryContextDelete(stmt->cache_cxt);
	stmt->cache_cxt = NULL;
	stmt->contacts = stmt->threads = NULL;
}

/* Drop the caches (the statement changed what they hold: a late merge). */
void
oc_ingest_forget_caches(void)
{
	if (stmt != NULL)
		forget_caches();
}

/* The transaction ended: its memory holds the state; forget it. */
static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			stmt = NULL;
			oc_ingest_bypass_caches = false;
			oc_ingest_settings_forget();
			break;
		default:
			break;
	}
}

/* A subtransaction aborted: see the file's header. */
static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB || stmt == NULL)
		return;
	oc_ingest_bypass_caches = false;
	if (stmt->subid >= mySubid)
	{
		oc_ingest_statement_end();
		return;
	}
	forget_caches();
	stmt->written = NULL;		/* (writing again is harmless, skipping is not) */
}

/* The current statement's state; made when create (else NULL if none). */
IngestStatement *
oc_ingest_statement(bool create)
{
	static bool callbacks = false;
	MemoryContext cxt;

	if (stmt != NULL || !create)
		return stmt;
	if (!callbacks)
	{
		RegisterXactCallback(xact_callback, NULL);
		RegisterSubXactCallback(subxact_callback, NULL);
		callbacks = true;
	}
	cxt = AllocSetContextCreate(TopTransactionContext, "omnichannel statement",
								ALLOCSET_DEFAULT_SIZES);
	stmt = MemoryContextAllocZero(cxt, sizeof(IngestStatement));
	stmt->cxt = cxt;
	stmt->subid = GetCurrentSubTransactionId();
	stmt->touches = oc_ingest_hash("omnichannel thread activity", sizeof(int64),
								   sizeof(ThreadTouch), cxt);
	return stmt;
}

/* The statement ended (or failed): delete its state. */
void
oc_ingest_statement_end(void)
{
	if (stmt != NULL)
		MemoryContextDelete(stmt->cxt);
	stmt = NULL;
}

/* Add a thread to a list of the statement. */
void
oc_ingest_list_add(ThreadList *list, int64 thread)
{
	if (list->n == list->max)
	{
		list->max = Max(16, list->max * 2);
		list->ids = list->ids == NULL ?
			MemoryContextAlloc(stmt->cxt, sizeof(int64) * list->max) :
			repalloc(list->ids, sizeof(int64) * list->max);
	}
	list->ids[list->n++] = thread;
}

/* Is the thread on the list? */
bool
oc_ingest_list_has(const ThreadList *list, int64 thread)
{
	for (int i = 0; i < list->n; i++)
		if (list->ids[i] == thread)
			return true;
	return false;
}

/* The statement's caches, made when first needed; false while bypassed. */
static bool
caches_ready(void)
{
	if (oc_ingest_bypass_caches)
		return false;
	oc_ingest_statement(true);
	if (stmt->cache_cxt != NULL)
		return true;
	stmt->cache_cxt = AllocSetContextCreate(stmt->cxt, "omnichannel statement caches",
											ALLOCSET_DEFAULT_SIZES);
	stmt->contacts = oc_ingest_hash("omnichannel contact points", sizeof(uint32),
									sizeof(ContactEntry), stmt->cache_cxt);
	stmt->threads = oc_ingest_hash("omnichannel threads", sizeof(int64), sizeof(ThreadEntry),
								   stmt->cache_cxt);
	return true;
}

/* The cache entry of a contact point, and the index of the contact in it (-1: none). */
static ContactEntry *
contact_entry(Datum contact, bool create, int *slot)
{
	struct varlena *v = (struct varlena *) PG_DETOAST_DATUM_PACKED(contact);
	uint32		h = hash_bytes((const unsigned char *) VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
	bool		found;
	ContactEntry *e = hash_search(stmt->contacts, &h, create ? HASH_ENTER : HASH_FIND, &found);

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

/* The customer the statement found for a contact point, if it did. */
bool
oc_ingest_cached_contact(Datum contact, int64 *customer)
{
	int			slot;
	ContactEntry *e;

	if (!caches_ready())
		return false;
	e = contact_entry(contact, false, &slot);
	if (e == NULL || slot < 0)
		return false;
	*customer = e->customers[slot];
	return true;
}

/* Remember the customer of a contact point for the rest of the statement. */
void
oc_ingest_cache_contact(Datum contact, int64 customer)
{
	int			slot;
	ContactEntry *e;
	MemoryContext old;

	if (!caches_ready())
		return;
	e = contact_entry(contact, true, &slot);
	if (slot >= 0 || e->n == (int) lengthof(e->contacts))
		return;
	old = MemoryContextSwitchTo(stmt->cache_cxt);
	e->contacts[e->n] = (struct varlena *) PG_DETOAST_DATUM_COPY(contact);
	e->customers[e->n++] = customer;
	MemoryContextSwitchTo(old);
}

/*
 * Facts about a thread for a candidate: owner, state, span; false if gone.
 * A thread merged into another stands for the survivor (merges never chain).
 * customer is the thread's, when known (0: not), so that on Citus the
 * look-up reads that customer's shard alone.
 */
static bool
stored_thread_facts(int64 customer, int64 thread, Snapshot snap, oc_stitch_candidate *c)
{
	AttrNumber	atts[5] = {oc_ingest.att_thread_customer, oc_ingest.att_thread_status,
		oc_ingest.att_thread_opened, oc_ingest.att_thread_last, oc_ingest.att_thread_merged};
	Datum		key = Int64GetDatum(thread);
	Datum		owned[2] = {Int64GetDatum(customer), Int64GetDatum(thread)};
	Datum		vals[5];
	bool		nulls[5];

	if (customer != 0 ? oc_probe(&oc_ingest.by_thread_of, owned, snap, 5, atts, vals, nulls, 1) == 0
		: oc_probe(&oc_ingest.by_thread, &key, snap, 5, atts, vals, nulls, 1) == 0)
		return false;
	if (!nulls[4])
	{
		thread = DatumGetInt64(vals[4]);
		key = Int64GetDatum(thread);
		if (oc_probe(&oc_ingest.by_thread, &key, snap, 5, atts, vals, nulls, 1) == 0)
			return false;
	}
	memset(c, 0, sizeof(*c));
	c->thread_id = thread;
	c->customer_id = DatumGetInt64(vals[0]);
	c->state = oc_ingest_thread_state(DatumGetObjectId(vals[1]));
	c->first_at = DatumGetTimestampTz(vals[2]);
	c->last_at = DatumGetTimestampTz(vals[3]);
	return true;
}

/* Overlay the statement's recorded activity on a thread's stored facts. */
static void
overlay_activity(oc_stitch_candidate *c)
{
	ThreadTouch *t;

	if (stmt == NULL)
		return;
	t = hash_search(stmt->touches, &c->thread_id, HASH_FIND, NULL);
	if (t == NULL)
		return;
	c->first_at = Min(c->first_at, t->min_at);
	c->last_at = Max(c->last_at, t->max_at);
	if (t->reopen && c->state == OC_THREAD_SOLVED)
		c->state = OC_THREAD_OPEN;
}

/*
 * A thread's facts as the statement sees them: as stored when it first
 * asked (cached), with what its rows recorded overlaid; a thread it opened
 * and has not written yet from that record.  False if there is no such
 * thread.
 */
bool
oc_ingest_thread_facts(int64 customer, int64 thread, Snapshot snap, oc_stitch_candidate *c)
{
	ThreadEntry *e;
	bool		found;
	ThreadTouch *t = oc_ingest_new_thread(thread);

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
	if (caches_ready())
	{
		e = hash_search(stmt->threads, &thread, HASH_ENTER, &found);
		if (!found)
			e->found = stored_thread_facts(customer, thread, snap, &e->facts);
		if (!e->found)
		{
			/* not stored yet: ask again next time (a thread opened since) */
			hash_search(stmt->threads, &thread, HASH_REMOVE, NULL);
			return false;
		}
		*c = e->facts;
	}
	else if (!stored_thread_facts(customer, thread, snap, c))
		return false;
	overlay_activity(c);
	return true;
}

/*
 * Record a row's activity on the thread it joined (or opened): the span,
 * the first subject, the channels in order of first use, a reopening.
 * Every joined row moves its thread's last activity, and an UPDATE per row
 * was the largest cost of a bulk load: the statement end writes them all
 * at once, and until then oc_ingest_thread_facts overlays them.
 */
ThreadTouch *
oc_ingest_touch(int64 thread, int64 customer, TimestampTz at, Datum subject,
				bool subject_null, Oid channel, bool reopen)
{
	bool		found;
	ThreadTouch *t;

	oc_ingest_statement(true);
	t = hash_search(stmt->touches, &thread, HASH_ENTER, &found);
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
		MemoryContext old = MemoryContextSwitchTo(stmt->cxt);

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
	return t;
}

/* A thread the statement opened and has not written yet, or NULL. */
ThreadTouch *
oc_ingest_new_thread(int64 thread)
{
	ThreadTouch *t;

	if (stmt == NULL || stmt->n_new_threads == 0)
		return NULL;
	t = hash_search(stmt->touches, &thread, HASH_FIND, NULL);
	return t != NULL && t->is_new ? t : NULL;
}

/*
 * The recorded activity is written (ingest_write.c): later rows of the
 * statement start a new record.  (Its memory stays until the statement
 * ends: a write in the middle of a statement happens only before a
 * late-arrival merge.)
 */
void
oc_ingest_touches_written(void)
{
	if (stmt == NULL)
		return;
	hash_destroy(stmt->touches);
	stmt->touches = oc_ingest_hash("omnichannel thread activity", sizeof(int64),
								   sizeof(ThreadTouch), stmt->cxt);
	stmt->n_new_threads = 0;
}

/*
 * Look-up rows (thread_key, thread_subject) the statement's rows record,
 * written with one INSERT per table at its end; until then the look-ups of
 * later rows see them here.
 */
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

	if (stmt == NULL && !create)
		return NULL;
	oc_ingest_statement(true);
	if (stmt->lookup_index == NULL)
	{
		if (!create)
			return NULL;
		stmt->lookup_index = oc_ingest_hash("omnichannel look-up rows", sizeof(uint32),
											sizeof(LookupEntry), stmt->cxt);
	}
	h = lookup_hash(subject, customer, name, value);
	e = hash_search(stmt->lookup_index, &h, create ? HASH_ENTER : HASH_FIND, &found);
	if (e != NULL && create && !found)
		e->n = 0;
	return e;
}

/* Threads the statement recorded for a key, added to vals (n of max, no repeats). */
int
oc_ingest_lookup_threads(bool subject, int64 customer, const char *name, const char *value,
						 Datum *vals, int n, int max)
{
	LookupEntry *e = lookup_entry(subject, customer, name, value, false);

	for (int i = 0; e != NULL && i < e->n && n < max; i++)
	{
		const LookupRow *r = &stmt->lookup_rows[e->rows[i]];
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

/* The index entry of a (customer, key name), or NULL. */
static LookupNameEntry *
lookup_name_entry(int64 customer, const char *name, bool create)
{
	uint32		h;
	bool		found;
	LookupNameEntry *e;

	if (stmt == NULL || (stmt->lookup_names == NULL && !create))
		return NULL;
	if (stmt->lookup_names == NULL)
		stmt->lookup_names = oc_ingest_hash("omnichannel look-up rows by name", sizeof(uint32),
											sizeof(LookupNameEntry), stmt->cxt);
	h = hash_combine(hash_bytes_extended((const unsigned char *) &customer, sizeof(customer), 2),
					 hash_bytes((const unsigned char *) name, strlen(name)));
	e = hash_search(stmt->lookup_names, &h, create ? HASH_ENTER : HASH_FIND, &found);
	if (e != NULL && create && !found)
	{
		e->n = 0;
		e->max = 0;
		e->rows = NULL;
	}
	return e;
}

/*
 * What the statement recorded of a thread's values of a business key: sets
 * *has_value if it recorded this value, and returns another value it
 * recorded, or NULL.
 */
const char *
oc_ingest_lookup_thread_key(int64 customer, const char *name, int64 thread,
							const char *value, bool *has_value)
{
	LookupNameEntry *e = lookup_name_entry(customer, name, false);
	const char *other = NULL;

	for (int i = 0; e != NULL && i < e->n; i++)
	{
		const LookupRow *r = &stmt->lookup_rows[e->rows[i]];

		if (r->thread != thread || r->customer != customer || strcmp(r->name, name) != 0)
			continue;
		if (strcmp(r->value, value) == 0)
			*has_value = true;
		else if (other == NULL)
			other = r->value;
	}
	return other;
}

/* Record a look-up row unless the statement already did. */
void
oc_ingest_lookup_add(bool subject, int64 customer, const char *name, const char *value,
					 int64 thread, TimestampTz at)
{
	LookupEntry *e = lookup_entry(subject, customer, name, value, true);
	MemoryContext old;
	LookupRow  *r;

	for (int i = 0; i < e->n; i++)
		if (stmt->lookup_rows[e->rows[i]].thread == thread &&
			lookup_row_is(&stmt->lookup_rows[e->rows[i]], subject, customer, name, value))
			return;
	old = MemoryContextSwitchTo(stmt->cxt);
	if (stmt->n_lookup_rows == stmt->max_lookup_rows)
	{
		stmt->max_lookup_rows = Max(256, stmt->max_lookup_rows * 2);
		stmt->lookup_rows = stmt->lookup_rows == NULL ?
			palloc(sizeof(LookupRow) * stmt->max_lookup_rows) :
			repalloc(stmt->lookup_rows, sizeof(LookupRow) * stmt->max_lookup_rows);
	}
	r = &stmt->lookup_rows[stmt->n_lookup_rows];
	r->subject = subject;
	r->customer = customer;
	r->name = name != NULL ? pstrdup(name) : NULL;
	r->value = pstrdup(value);
	r->thread = thread;
	r->at = at;
	MemoryContextSwitchTo(old);
	if (e->n < OC_KEY_THREADS)
		e->rows[e->n++] = stmt->n_lookup_rows;
	if (!subject)
	{
		/* every key row of the statement, for the conflicting-key veto */
		LookupNameEntry *ne = lookup_name_entry(customer, name, true);

		if (ne->n == ne->max)
		{
			ne->max = Max(4, ne->max * 2);
			ne->rows = ne->rows == NULL ?
				MemoryContextAlloc(stmt->cxt, sizeof(int) * ne->max) :
				repalloc(ne->rows, sizeof(int) * ne->max);
		}
		ne->rows[ne->n++] = stmt->n_lookup_rows;
	}
	stmt->n_lookup_rows++;
}
