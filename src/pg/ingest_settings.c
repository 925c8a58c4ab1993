/*-------------------------------------------------------------------------
 *
 * ingest_settings.c
 *	  The DBA's settings ingest applies, read once per transaction: the
 *	  stitching windows per channel (stitch_setting_override over the built-in
 *	  defaults), the business-key sources in force (top-level attribute
 *	  names and patterns: the built-in ones with the DBA's overrides), the
 *	  identity block list.
 *
 * A change to them applies to transactions that start after it commits
 * (docs/stitching.md).  They are read at their first use in a transaction
 * into one object in the transaction's memory, forgotten when it ends
 * (ingest_state.c calls oc_ingest_settings_forget from its callback).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "pg/ingest.h"
#include "pg/lookup_key.h"

/* A top-level attribute name read as a business key. */
typedef struct KeyAttribute
{
	char	   *attribute;
	char	   *name;
} KeyAttribute;

/* An enabled business-key pattern. */
typedef struct KeyPattern
{
	char	   *name;
	text	   *pattern;
	int			builtin;		/* index of the built-in pattern it is, or -1 */
} KeyPattern;

typedef struct IngestSettings
{
	MemoryContext cxt;			/* all of it, a child of the transaction's memory */
	bool		have_windows;
	oc_stitch_windows windows[OC_MAX_CHANNELS]; /* per oc_ingest.channel_oid */
	int64		max_recency;	/* the largest recency window of any channel */
	bool		have_patterns;
	KeyPattern *patterns;
	int			npatterns;
	bool		have_attributes;
	KeyAttribute *attributes;	/* sorted by attribute (strcmp) */
	int			nattributes;
	bool		have_blocks;
	text	  **blocks;			/* identity_blocklist patterns */
	int			nblocks;
} IngestSettings;

static IngestSettings *settings = NULL;

/* The saved plans of the queries that read them (read_settings). */
static SPIPlanPtr windows_plan = NULL;
static SPIPlanPtr blocks_plan = NULL;
static SPIPlanPtr patterns_plan = NULL;
static SPIPlanPtr attributes_plan = NULL;

/* The transaction's settings object (its parts are read when first used). */
static IngestSettings *
current(void)
{
	if (settings == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(TopTransactionContext,
												  "omnichannel settings",
												  ALLOCSET_SMALL_SIZES);

		settings = MemoryContextAllocZero(cxt, sizeof(IngestSettings));
		settings->cxt = cxt;
	}
	return settings;
}

/* The transaction ended: its memory, and the settings in it, are gone. */
void
oc_ingest_settings_forget(void)
{
	settings = NULL;
}

/* Microseconds of a window interval (months are refused by the table's CHECK). */
static int64
interval_usecs(Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY + (int64) iv->month * 30 * USECS_PER_DAY;
}

/*
 * Run one of the queries that read the settings: prepared once per backend
 * and kept (the plan cache plans it again when a table or view it reads
 * changes), not parsed and planned at every transaction's first use, which
 * cost an application inserting one message per transaction about 0.1 ms.
 */
static void
read_settings(SPIPlanPtr *plan, const char *sql, const char *what)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, 0, NULL);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the query that reads %s", what);
		*plan = p;
	}
	if (SPI_execute_plan(*plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read %s", what);
}

/* The stitching windows in force per channel: the overrides over the defaults. */
static IngestSettings *
load_windows(void)
{
	IngestSettings *s = current();

	if (s->have_windows)
		return s;
	memcpy(s->windows, oc_ingest.channel_windows, sizeof(s->windows));
	SPI_connect();
	read_settings(&windows_plan,
				  "SELECT channel, recency_window, subject_window, reopen_window "
				  "  FROM omnichannel.stitch_setting_override",
				  "omnichannel.stitch_setting_override");
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Oid			channel = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));

		for (int i = 0; i < oc_ingest.nchannels; i++)
		{
			Datum		d;

			if (oc_ingest.channel_oid[i] != channel)
				continue;
			d = SPI_getbinval(tup, desc, 2, &isnull);
			if (!isnull)
				s->windows[i].recency = interval_usecs(DatumGetIntervalP(d));
			d = SPI_getbinval(tup, desc, 3, &isnull);
			if (!isnull)
				s->windows[i].subject = interval_usecs(DatumGetIntervalP(d));
			d = SPI_getbinval(tup, desc, 4, &isnull);
			if (!isnull)
				s->windows[i].reopen = interval_usecs(DatumGetIntervalP(d));
		}
	}
	SPI_finish();
	s->max_recency = 0;
	for (int i = 0; i < oc_ingest.nchannels; i++)
		s->max_recency = Max(s->max_recency, s->windows[i].recency);
	s->have_windows = true;
	return s;
}

/* Stitching windows of a channel in this transaction. */
oc_stitch_windows
oc_ingest_windows(Datum channel)
{
	IngestSettings *s = load_windows();
	oc_stitch_windows none = {0, 0, OC_STITCH_REOPEN_WINDOW};

	for (int i = 0; i < oc_ingest.nchannels; i++)
		if (oc_ingest.channel_oid[i] == DatumGetObjectId(channel))
			return s->windows[i];
	return none;
}

/* The largest recency window of any channel in this transaction. */
int64
oc_ingest_max_recency(void)
{
	return load_windows()->max_recency;
}

/*
 * Does the contact point match the block list (identity_blocklist: the
 * built-in patterns and the DBA's)?  A blocked one never links customers.
 */
bool
oc_ingest_contact_blocked(Datum contact)
{
	IngestSettings *s = current();

	if (!s->have_blocks)
	{
		MemoryContext old;

		SPI_connect();
		read_settings(&blocks_plan, "SELECT pattern FROM omnichannel.identity_blocklist",
					  "omnichannel.identity_blocklist");
		old = MemoryContextSwitchTo(s->cxt);
		s->blocks = palloc(sizeof(text *) * Max(SPI_processed, 1));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			bool		isnull;

			s->blocks[i] = DatumGetTextPCopy(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));
		}
		s->nblocks = (int) SPI_processed;
		MemoryContextSwitchTo(old);
		SPI_finish();
		s->have_blocks = true;
	}
	/* the stored contact point is its text form, kind:value */
	for (int i = 0; i < s->nblocks; i++)
		if (DatumGetBool(DirectFunctionCall2Coll(texticregexeq, DEFAULT_COLLATION_OID, contact,
												 PointerGetDatum(s->blocks[i]))))
			return true;
	return false;
}

/*
 * The index of the built-in pattern that this is (same name, same text: not
 * a DBA's replacement), or -1.  A built-in one has a cheap pre-check.
 */
static int
builtin_index(const char *name, text *pattern)
{
	size_t		n;
	const oc_stitch_named *b = oc_stitch_builtin_key_patterns(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(b[i].name, name) == 0 &&
			strlen(b[i].from) == VARSIZE_ANY_EXHDR(pattern) &&
			memcmp(b[i].from, VARDATA_ANY(pattern), VARSIZE_ANY_EXHDR(pattern)) == 0)
			return (int) i;
	return -1;
}

/* The business-key patterns in force, in name order. */
static IngestSettings *
load_patterns(void)
{
	IngestSettings *s = current();
	MemoryContext old;

	if (s->have_patterns)
		return s;
	SPI_connect();
	read_settings(&patterns_plan,
				  "SELECT name, pattern FROM omnichannel.business_key_patterns "
				  " WHERE enabled AND pattern IS NOT NULL ORDER BY name",
				  "omnichannel.business_key_patterns");
	old = MemoryContextSwitchTo(s->cxt);
	s->patterns = palloc0(sizeof(KeyPattern) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		s->patterns[i].name = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i],
																SPI_tuptable->tupdesc, 1, &isnull));
		s->patterns[i].pattern = DatumGetTextPCopy(SPI_getbinval(SPI_tuptable->vals[i],
																 SPI_tuptable->tupdesc, 2, &isnull));
		s->patterns[i].builtin = builtin_index(s->patterns[i].name, s->patterns[i].pattern);
	}
	s->npatterns = (int) SPI_processed;
	MemoryContextSwitchTo(old);
	SPI_finish();
	s->have_patterns = true;
	return s;
}

static int
attribute_cmp(const void *a, const void *b)
{
	return strcmp(((const KeyAttribute *) a)->attribute, ((const KeyAttribute *) b)->attribute);
}

/* The top-level attribute names read as business keys, sorted. */
static IngestSettings *
load_attributes(void)
{
	IngestSettings *s = current();
	MemoryContext old;

	if (s->have_attributes)
		return s;
	SPI_connect();
	read_settings(&attributes_plan,
				  "SELECT attribute, name FROM omnichannel.business_key_attributes "
				  " WHERE enabled",
				  "omnichannel.business_key_attributes");
	old = MemoryContextSwitchTo(s->cxt);
	s->attributes = palloc0(sizeof(KeyAttribute) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		s->attributes[i].attribute = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		s->attributes[i].name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}
	s->nattributes = (int) SPI_processed;
	qsort(s->attributes, s->nattributes, sizeof(KeyAttribute), attribute_cmp);
	MemoryContextSwitchTo(old);
	SPI_finish();
	s->have_attributes = true;
	return s;
}

/*
 * The key name a top-level attribute gives (its bytes, not NUL-terminated),
 * or NULL when it is not read as a business key.
 */
const char *
oc_ingest_attribute_key(const char *attribute, int len)
{
	IngestSettings *s = load_attributes();
	char		buf[64];
	KeyAttribute probe;
	KeyAttribute *found;

	if (len <= 0 || len >= (int) sizeof(buf) || s->nattributes == 0)
		return NULL;
	memcpy(buf, attribute, len);
	buf[len] = '\0';
	probe.attribute = buf;
	found = bsearch(&probe, s->attributes, s->nattributes, sizeof(KeyAttribute), attribute_cmp);
	return found != NULL ? found->name : NULL;
}

/*
 * Before PostgreSQL 16 the regular expression engine takes its work space
 * from malloc(), not from a memory context: each match of a key pattern
 * allocates its automaton's state tables (about 240 kB for a built-in
 * pattern) and frees them.  In a backend that never freed a large block,
 * glibc's adaptive thresholds are still low (trim at 2 x 128 kB), so the
 * top of the heap goes back to the kernel after a match and is faulted in
 * again at the next (brk, page faults, a TLB flush): measured at half of an
 * ingest's time.  Once per backend, before its first match, one 4 MB block
 * is allocated and freed: glibc then raises its thresholds as it does after
 * any large free (requests under 4 MB from the heap, trim beyond 8 MB free),
 * and keeps adapting them; nothing is set for good (mallopt would switch
 * the adaptation off for the whole backend).
 */
static void
keep_regex_work_space(void)
{
#if PG_VERSION_NUM < 160000 && defined(__GLIBC__)
	static bool done = false;

	if (!done)
	{
		void	   *volatile block = malloc(4 * 1024 * 1024);

		free(block);
		done = true;
	}
#endif
}

/* substring(s FROM pattern): the first group or the whole match, or NULL. */
static char *
pattern_match(Datum s, text *pattern)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	keep_regex_work_space();
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
bool
oc_ingest_has_key(const BizKey *keys, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return true;
	return false;
}

/*
 * Add to keys[0..n) the first match of each enabled pattern whose name is
 * not there yet, in the first of texts[] (NULL entries skipped) that has
 * one; at most OC_MAX_KEYS in all.  Values are in their look-up form.
 * Returns the new count.
 */
int
oc_ingest_pattern_keys(Datum *texts, int ntexts, BizKey *keys, int n)
{
	IngestSettings *s = load_patterns();

	for (int p = 0; p < s->npatterns && n < OC_MAX_KEYS; p++)
	{
		if (oc_ingest_has_key(keys, n, s->patterns[p].name))
			continue;
		for (int w = 0; w < ntexts; w++)
		{
			char	   *value = NULL;
			int			found = -1;

			if (texts[w] == (Datum) 0)
				continue;
			if (s->patterns[p].builtin >= 0)
			{
				const char *t = VARDATA_ANY(DatumGetPointer(texts[w]));
				size_t		len = VARSIZE_ANY_EXHDR(DatumGetPointer(texts[w]));
				size_t		start;
				size_t		vlen;

				if (!oc_stitch_builtin_pattern_may_match((size_t) s->patterns[p].builtin, t, len))
					continue;	/* it cannot match: no regular expression */
				/* ASCII text: the engine's result without the engine */
				found = oc_stitch_builtin_pattern_find((size_t) s->patterns[p].builtin, t, len,
													   &start, &vlen);
				if (found == 0)
					continue;
				if (found == 1)
					value = pnstrdup(t + start, vlen);
			}
			if (found < 0)
				value = pattern_match(texts[w], s->patterns[p].pattern);
			if (value != NULL && oc_stitch_key_value_usable(value, strlen(value)))
			{
				keys[n].name = s->patterns[p].name;
				keys[n].value = oc_lookup_key_cstring(value, strlen(value));
				n++;
				break;
			}
		}
	}
	return n;
}

/* Are any business-key patterns enabled in this transaction? */
bool
oc_ingest_have_patterns(void)
{
	return load_patterns()->npatterns > 0;
}
