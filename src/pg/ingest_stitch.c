/*-------------------------------------------------------------------------
 *
 * ingest_stitch.c
 *	  The thread of a new interaction: the candidates (references, a thread
 *	  token, business keys, the base subject, the customer's latest
 *	  thread), found by index look-ups and from what earlier rows of the
 *	  statement recorded, and the decision of the server-free core
 *	  (src/core/stitch.c) over them; the evidence; late arrival (references
 *	  that waited for this interaction in pending_reference).
 *
 * Rules: docs/stitching.md.  Values a sender controls are looked up in
 * their look-up form (lookup_key.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"

#include "core/subject.h"
#include "pg/ingest.h"
#include "pg/lookup_key.h"

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
void
oc_ingest_check_times(HeapTuple tuple, TupleDesc tupdesc)
{
	AttrNumber	atts[2] = {oc_ingest.att_occurred, oc_ingest.att_ended};

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
int
oc_ingest_refs(HeapTuple tuple, TupleDesc tupdesc, RefKey *keys)
{
	bool		isnull;
	Datum		d;
	int			n = 0;

	d = heap_getattr(tuple, oc_ingest.att_in_reply_to, tupdesc, &isnull);
	if (!isnull)
	{
		keys[n].value = lookup_text(d);
		keys[n].via = OC_VIA_IN_REPLY_TO;
		keys[n].position = 0;
		n++;
	}

	d = heap_getattr(tuple, oc_ingest.att_refs, tupdesc, &isnull);
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
	AttrNumber	atts[2] = {oc_ingest.att_subject, oc_ingest.att_body};

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

/*
 * Add a key of the name with the JSON scalar's value (a string or a number,
 * in lookup form) unless it is a placeholder (oc_stitch_key_value_usable),
 * the name is already there, or there are OC_MAX_KEYS; returns the new count.
 */
static int
add_key(BizKey *keys, int n, const char *name, JsonbValue *jv)
{
	char	   *value;

	if (n >= OC_MAX_KEYS || (jv->type != jbvString && jv->type != jbvNumeric) ||
		oc_ingest_has_key(keys, n, name))
		return n;
	if (jv->type == jbvString)
		value = pnstrdup(jv->val.string.val, jv->val.string.len);
	else						/* 1.0 and 1 are one key */
		value = DatumGetCString(DirectFunctionCall1(numeric_out,
													DirectFunctionCall1(numeric_trim_scale,
																		NumericGetDatum(jv->val.numeric))));
	if (!oc_stitch_key_value_usable(value, strlen(value)))
		return n;				/* blank, 0, -: a placeholder, not a key */
	value = oc_lookup_key_cstring(value, strlen(value));
	keys[n].name = name;
	keys[n].value = value;
	return n + 1;
}

/*
 * The interaction's business keys: attributes->'keys' (an object of
 * scalars) first, then the first match of each enabled pattern in the
 * subject, else the first 64 kB of the body, for names not given yet.
 */
int
oc_ingest_keys(HeapTuple tuple, TupleDesc tupdesc, BizKey *keys)
{
	bool		isnull;
	Datum		attrs = heap_getattr(tuple, oc_ingest.att_attributes, tupdesc, &isnull);
	Datum		texts[2] = {(Datum) 0, (Datum) 0};
	int			n = 0;

	if (!isnull)
	{
		Jsonb	   *jb = DatumGetJsonbP(attrs);
		JsonbValue	k;
		JsonbValue *v;

		/* attributes->'keys' first: the integration named them */
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
				else if (tok == WJB_VALUE && name != NULL)
					n = add_key(keys, n, name, &jv);
			}
		}

		/* then the top-level attributes read as keys (business_key_attributes) */
		if (n < OC_MAX_KEYS && JB_ROOT_IS_OBJECT(jb))
		{
			JsonbIterator *it = JsonbIteratorInit(&jb->root);
			JsonbValue	jv;
			JsonbIteratorToken tok;
			const char *name = NULL;

			while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
			{
				if (tok == WJB_KEY)
					name = oc_ingest_attribute_key(jv.val.string.val, jv.val.string.len);
				else if (tok == WJB_VALUE && name != NULL)
					n = add_key(keys, n, name, &jv);
			}
		}
	}

	if (n < OC_MAX_KEYS && oc_ingest_have_patterns())
	{
		/* the subject, and the first 64 kB of the body, detoasted once */
		AttrNumber	where[2] = {oc_ingest.att_subject, oc_ingest.att_body};

		for (int w = 0; w < 2; w++)
		{
			Datum		d = heap_getattr(tuple, where[w], tupdesc, &isnull);

			texts[w] = isnull ? (Datum) 0 : PointerGetDatum(DatumGetTextPSlice(d, 0, 65536));
		}
		n = oc_ingest_pattern_keys(texts, 2, keys, n);
	}
	return n;
}

/* The keys as a JSON object for interaction.business_keys. */
Datum
oc_ingest_keys_jsonb(const BizKey *keys, int n)
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

/* At most this many values of one key name of a thread are read for a veto. */
#define OC_CONFLICT_ROWS 64

/*
 * Does the thread carry a business key of a name the interaction carries,
 * with other values only (stored: thread_key_thread_idx; or recorded by this
 * statement)?  Returns the index of the first such key of the interaction
 * and sets *other to a value the thread carries; -1 if none.  Keys of
 * threads merged into it are not looked at.
 */
static int
key_conflict(int64 customer, int64 thread, const BizKey *keys, int nkeys, Snapshot snap,
			 char **other)
{
	AttrNumber	atts[1] = {oc_ingest.att_key_value};
	Datum		vals[OC_CONFLICT_ROWS];
	bool		nulls[OC_CONFLICT_ROWS];

	for (int k = 0; k < nkeys; k++)
	{
		Datum		key[2] = {Int64GetDatum(thread), CStringGetTextDatum(keys[k].name)};
		bool		has_name = false;
		bool		has_value = false;
		int			nrows;

		nrows = oc_probe(&oc_ingest.by_key_thread, key, snap, 1, atts, vals, nulls,
						 OC_CONFLICT_ROWS);
		for (int r = 0; r < nrows && !has_value; r++)
		{
			char	   *value = TextDatumGetCString(vals[r]);

			if (strcmp(value, keys[k].value) == 0)
				has_value = true;
			else if (!has_name)
				*other = value;
			has_name = true;
		}
		if (!has_value)
		{
			const char *recorded = oc_ingest_lookup_thread_key(customer, keys[k].name, thread,
															   keys[k].value, &has_value);

			if (recorded != NULL && !has_name)
			{
				*other = pstrdup(recorded);
				has_name = true;
			}
		}
		if (has_name && !has_value)
			return k;
	}
	return -1;
}

/* Mark a candidate of the customer whose thread contradicts the interaction's keys. */
static void
note_conflict(oc_stitch_candidate *cands, int i, int64 customer, const BizKey *keys,
			  int nkeys, Snapshot snap, int *ckey, char **cval)
{
	ckey[i] = -1;
	if (nkeys > 0 && cands[i].customer_id == customer)
		ckey[i] = key_conflict(customer, cands[i].thread_id, keys, nkeys, snap, &cval[i]);
	cands[i].conflict = ckey[i] >= 0;
}

/* Is this thread already a recency candidate? */
static bool
recency_candidate(const oc_stitch_candidate *cands, size_t n, int64 thread)
{
	for (size_t i = 0; i < n; i++)
		if (cands[i].via == OC_VIA_RECENCY && cands[i].thread_id == thread)
			return true;
	return false;
}

/* Evidence: a key of the interaction, and the other value the thread carries. */
static void
append_conflict(StringInfo evidence, const BizKey *key, const char *other)
{
	appendStringInfoString(evidence, "\"key\": ");
	escape_json(evidence, key->name);
	appendStringInfoString(evidence, ", \"value\": ");
	escape_json(evidence, key->value);
	appendStringInfoString(evidence, ", \"thread_value\": ");
	if (other != NULL)
		escape_json(evidence, other);
	else
		appendStringInfoString(evidence, "null");
}

/*
 * Evidence: the subject and recency candidates a conflicting key vetoed,
 * "vetoed": [{"thread_id", "via", "key", "value", "thread_value"}], after
 * sep; false if there were none.
 */
static bool
append_vetoed(StringInfo evidence, const char *sep, const oc_stitch_decision *d,
			  const oc_stitch_candidate *cands, const BizKey *keys, const int *ckey,
			  char *const *cval)
{
	if (d->n_vetoed == 0)
		return false;
	appendStringInfo(evidence, "%s\"vetoed\": [", sep);
	for (int v = 0; v < d->n_vetoed; v++)
	{
		int			i = d->vetoed[v];

		appendStringInfo(evidence, "%s{\"thread_id\": " INT64_FORMAT ", \"via\": ",
						 v > 0 ? ", " : "", cands[i].thread_id);
		escape_json(evidence, via_name(cands[i].via));
		appendStringInfoString(evidence, ", ");
		append_conflict(evidence, &keys[ckey[i]], cval[i]);
		appendStringInfoChar(evidence, '}');
	}
	appendStringInfoChar(evidence, ']');
	return true;
}

/*
 * Gather the candidate threads (references, a token, business keys, the
 * base subject, the customer's latest thread) and let the core decide.
 * Marks the references that named no stored interaction in unresolved[].
 * Appends the evidence (JSON) to *evidence.
 */
Stitched
oc_ingest_decide(int64 customer_id, HeapTuple tuple, TupleDesc tupdesc,
			  RefKey *keys, int nkeys, bool *unresolved,
			  BizKey *bizkeys, int nbizkeys, const char *subject_key,
			  const oc_stitch_windows *windows, Snapshot snap, StringInfo evidence)
{
	/* an external id is unique per channel: at most 13 rows per key */
	const int	per_key = 16;
	AttrNumber	atts[3] = {oc_ingest.att_id, oc_ingest.att_thread, oc_ingest.att_customer};
	oc_stitch_decision decision;
	int			maxcands = nkeys * per_key + (nbizkeys + 1) * OC_KEY_THREADS +
		OC_STITCH_MAX_VETOED + 2;
	oc_stitch_candidate *cands = palloc0(sizeof(oc_stitch_candidate) * maxcands);
	/* of subject and recency candidates: the key their thread contradicts */
	int		   *ckey = palloc(sizeof(int) * maxcands);
	char	  **cval = palloc0(sizeof(char *) * maxcands);
	int			nvetoable = 0;
	Stitched	result;
	Datum	   *vals = palloc(sizeof(Datum) * 3 * per_key);
	bool	   *nulls = palloc(sizeof(bool) * 3 * per_key);
	size_t		ncands = 0;
	oc_stitch_input in;
	bool		isnull;
	int64		token_thread;

	in.customer_id = customer_id;
	in.occurred_at = DatumGetTimestampTz(heap_getattr(tuple, oc_ingest.att_occurred, tupdesc, &isnull));
	in.recency_window = windows->recency;
	in.subject_window = windows->subject;
	in.reopen_window = windows->reopen;

	for (int k = 0; k < nkeys; k++)
	{
		Datum		key = CStringGetTextDatum(keys[k].value);
		int			nrows = oc_probe(&oc_ingest.by_reference, &key, snap, 3, atts,
									 vals, nulls, per_key);

		unresolved[k] = (nrows == 0);
		for (int r = 0; r < nrows; r++)
		{
			oc_stitch_candidate *c = &cands[ncands];

			/* the thread's owner, state and span (a merged one's survivor) */
			if (!oc_ingest_thread_facts(DatumGetInt64(vals[r * 3 + 2]), DatumGetInt64(vals[r * 3 + 1]),
										snap, c))
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
		oc_ingest_thread_facts(0, token_thread, snap, &cands[ncands]))
		cands[ncands++].via = OC_VIA_TOKEN;

	/*
	 * Recency: the customer's most recently active thread that is still
	 * open, among its latest OC_RECENCY_ROWS interactions within the window.
	 */
	/* Business keys: threads of the customer that carried one of them. */
	if (!has_own_candidate(&in, cands, ncands))
	{
		AttrNumber	katt = oc_ingest.att_key_thread;
		Datum		kvals[OC_KEY_THREADS];
		bool		knulls[OC_KEY_THREADS];

		for (int k = 0; k < nbizkeys; k++)
		{
			Datum		key[3] = {Int64GetDatum(customer_id),
				CStringGetTextDatum(bizkeys[k].name),
			CStringGetTextDatum(bizkeys[k].value)};
			/* newest threads first (ids grow): at most OC_KEY_THREADS */
			int			nrows = oc_probe_dir(&oc_ingest.by_key, key, snap, true, 1, &katt,
										 kvals, knulls, OC_KEY_THREADS);

			nrows = oc_ingest_lookup_threads(false, customer_id, bizkeys[k].name,
										   bizkeys[k].value, kvals, nrows, OC_KEY_THREADS);

			for (int r = 0; r < nrows; r++)
				if (oc_ingest_thread_facts(customer_id, DatumGetInt64(kvals[r]), snap, &cands[ncands]))
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
		AttrNumber	satt = oc_ingest.att_subject_thread;
		Datum		svals[OC_KEY_THREADS];
		bool		snulls[OC_KEY_THREADS];
		Datum		key[2] = {Int64GetDatum(customer_id), CStringGetTextDatum(subject_key)};
		int			nrows = oc_probe_dir(&oc_ingest.by_subject, key, snap, true, 1, &satt,
									 svals, snulls, OC_KEY_THREADS);

		nrows = oc_ingest_lookup_threads(true, customer_id, NULL, subject_key,
									   svals, nrows, OC_KEY_THREADS);

		for (int r = 0; r < nrows; r++)
			if (oc_ingest_thread_facts(customer_id, DatumGetInt64(svals[r]), snap, &cands[ncands]))
			{
				cands[ncands].via = OC_VIA_SUBJECT;
				note_conflict(cands, (int) ncands, customer_id, bizkeys, nbizkeys, snap,
							  ckey, cval);
				ncands++;
			}
	}

	/*
	 * Recency: the customer's most recently active thread that is still
	 * open, among its latest OC_RECENCY_ROWS interactions.  An earlier one
	 * counts within this channel's window; a later one (this interaction
	 * arrives late) within the later one's channel window, as if they had
	 * arrived in order.
	 */
	if ((in.recency_window > 0 || oc_ingest_max_recency() > 0) &&
		!has_own_candidate(&in, cands, ncands))
	{
		Datum		key = Int64GetDatum(customer_id);
		AttrNumber	ratts[3] = {oc_ingest.att_thread, oc_ingest.att_occurred, oc_ingest.att_channel};
		Datum		rvals[3 * OC_RECENCY_ROWS];
		bool		rnulls[3 * OC_RECENCY_ROWS];
		int			want = 1;

		/*
		 * Usually the latest interaction decides; read further back only when
		 * it does not (a late arrival, or a thread no longer open).
		 */
		for (;;)
		{
			int			nrows = oc_probe_dir(&oc_ingest.by_latest, &key, snap, true, 3,
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
					if (at - in.occurred_at > oc_ingest_max_recency())
						continue;	/* much newer activity: look further back */
					window = oc_ingest_windows(rvals[3 * r + 2]).recency;
					if (at - in.occurred_at > window)
						continue;
				}
				else if (in.recency_window <= 0 ||
						 at < in.occurred_at - in.recency_window)
					decided = true; /* older than the window: nothing to find */
				if (!decided && thread != seen && oc_ingest_thread_facts(customer_id, thread, snap, c))
				{
					seen = thread;
					if ((c->state == OC_THREAD_OPEN || c->state == OC_THREAD_PENDING ||
						 c->state == OC_THREAD_ON_HOLD) &&
						!recency_candidate(cands, ncands, c->thread_id))
					{
						c->via = OC_VIA_RECENCY;
						c->window = window;
						note_conflict(cands, (int) ncands, customer_id, bizkeys, nbizkeys,
									  snap, ckey, cval);
						ncands++;
						/*
						 * A thread that contradicts the interaction's keys is
						 * vetoed: the next open one in the window may do.
						 */
						decided = !c->conflict || ++nvetoable >= OC_STITCH_MAX_VETOED;
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
		if (c->via == OC_VIA_IN_REPLY_TO || c->via == OC_VIA_REFS || c->via == OC_VIA_TOKEN)
		{
			/* strong evidence wins over a conflicting key: say so */
			char	   *other = NULL;
			int			k = nbizkeys > 0 ?
				key_conflict(customer_id, c->thread_id, bizkeys, nbizkeys, snap, &other) : -1;

			if (k >= 0)
			{
				appendStringInfoString(evidence, ", \"despite_conflicting_key\": {");
				append_conflict(evidence, &bizkeys[k], other);
				appendStringInfoChar(evidence, '}');
			}
		}
		if (c->state == OC_THREAD_SOLVED)
			appendStringInfoString(evidence, ", \"reopened\": true");
		if (decision.n_strangers > 0)
			appendStringInfo(evidence, ", \"other_customer_references\": %d",
							 decision.n_strangers);
		append_vetoed(evidence, ", ", &decision, cands, bizkeys, ckey, cval);
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
		if (append_vetoed(evidence, sep, &decision, cands, bizkeys, ckey, cval))
			sep = ", ";
		if (sep[0] == ',')
			appendStringInfoChar(evidence, '}');
	}
	return result;
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

/*
 * Record what the row did to its thread, for the statement's end to write
 * (ingest_write.c): its activity, a thread it opened, and the look-up rows
 * of its business keys and base subject (unless the tables have them
 * already).  Later rows of the same INSERT or COPY see all of it.
 */
void
oc_ingest_record_activity(bool open_new, Datum thread, Datum customer, HeapTuple tuple,
			 TupleDesc tupdesc, const BizKey *keys, int nkeys,
			 const char *subject_key, const Stitched *st, bool reopen, Snapshot snap)
{
	Datum		args[7];
	char		nulls[8] = "       ";
	bool		isnull;
	ThreadTouch *t;

	args[0] = thread;
	args[1] = customer;
	args[2] = heap_getattr(tuple, oc_ingest.att_subject, tupdesc, &isnull);
	if (isnull)
		nulls[2] = 'n';
	args[3] = heap_getattr(tuple, oc_ingest.att_channel, tupdesc, &isnull);
	args[4] = heap_getattr(tuple, oc_ingest.att_occurred, tupdesc, &isnull);

	t = oc_ingest_touch(DatumGetInt64(thread), DatumGetInt64(customer),
						DatumGetTimestampTz(args[4]), args[2], nulls[2] == 'n',
						DatumGetObjectId(args[3]), reopen && !open_new);
	if (open_new && !t->is_new)
	{
		/* written at the statement's end with what its rows made of it */
		t->is_new = true;
		t->follow_up_of = st->follow_up_of;
		t->related_to = st->related_to;
		oc_ingest_statement(false)->n_new_threads++;
	}

	/*
	 * Keys and subjects: a row per thread, written at the statement's end
	 * (flush_lookups) unless the table has it already.
	 */
	for (int k = 0; k < nkeys; k++)
	{
		Datum		kargs[4] = {customer, CStringGetTextDatum(keys[k].name),
			CStringGetTextDatum(keys[k].value), thread};

		if (!recorded(&oc_ingest.by_key_row, kargs, snap))
			oc_ingest_lookup_add(false, DatumGetInt64(customer), keys[k].name, keys[k].value,
					   DatumGetInt64(thread), DatumGetTimestampTz(args[4]));
	}
	if (subject_key != NULL)
	{
		Datum		sargs[3] = {customer, CStringGetTextDatum(subject_key), thread};

		if (!recorded(&oc_ingest.by_subject_row, sargs, snap))
			oc_ingest_lookup_add(true, DatumGetInt64(customer), NULL, subject_key,
					   DatumGetInt64(thread), DatumGetTimestampTz(args[4]));
	}
}

/*
 * The base subject of the interaction (normalize_subject), or NULL if it
 * has none, it folds to nothing, or the database is not UTF-8.
 */
char *
oc_ingest_subject_key(HeapTuple tuple, TupleDesc tupdesc)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, oc_ingest.att_subject, tupdesc, &isnull);
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

/*
 * Interactions stored before this one whose references named its external
 * id (pending_reference): their threads (the customer's own, not closed,
 * merges followed) and other customers' threads.  The pending rows found
 * are resolved and deleted.
 */
void
oc_ingest_late_references(Datum external, int64 customer, Snapshot snap, LateArrival *late)
{
	Datum		vals[2 * OC_KEY_THREADS];
	bool		nulls[2 * OC_KEY_THREADS];
	int			nrows = oc_probe(&oc_ingest.by_pending, &external, snap, 2, oc_ingest.att_pending,
								 vals, nulls, OC_KEY_THREADS);

	late->nthreads = late->nstrangers = 0;
	for (int r = 0; r < nrows; r++)
	{
		int64		owner = DatumGetInt64(vals[2 * r]);
		Datum		referrer = vals[2 * r + 1];
		AttrNumber	atts[2] = {oc_ingest.att_thread, oc_ingest.att_customer};
		Datum		found[2];
		bool		isnull[2];
		oc_stitch_candidate c;
		Datum		args[3] = {external, Int64GetDatum(owner), referrer};

		SPI_connect();
		oc_ingest_run(oc_ingest.drop_pending, args, NULL, SPI_OK_DELETE);
		SPI_finish();

		/* the referring row may be gone (skipped by ON CONFLICT, deleted) */
		if (oc_probe_of(&oc_ingest.by_id, Int64GetDatum(owner), &referrer, snap, 2, atts,
						found, isnull, 1) == 0 ||
			!oc_ingest_thread_facts(DatumGetInt64(found[1]), DatumGetInt64(found[0]), snap, &c) ||
			c.state == OC_THREAD_CLOSED)
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
void
oc_ingest_late_merge(int64 keep, int64 absorb, int64 interaction, int64 referrer, const char *external)
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
	oc_ingest_write_threads(NULL, NULL);	/* the merge reads and closes threads */
	SPI_connect();
	oc_ingest_run(oc_ingest.late_merge, args, NULL, SPI_OK_SELECT);
	oc_ingest_forget_caches();	/* ... and changed what the caches hold */
	SPI_finish();
}
