/*-------------------------------------------------------------------------
 *
 * stitch_sql.c
 *	  SQL-callable helpers of the stitching rules: thread_token() prints the
 *	  token that outbound messages carry so that a reply finds its thread,
 *	  and default_{recency,subject,reopen}_window() expose the built-in
 *	  windows that the stitch_settings view shows beside the DBA's overrides.
 *
 * Both formats live in the server-free core (src/core/stitch.c), so the
 * token printed here is exactly the one the ingest trigger recognizes.
 * check_key_pattern() is the CHECK of business_key_pattern_override: a pattern
 * ingest applies to every subject and body must compile and match in time
 * that grows with the text, not beyond it.  builtin_key_attributes() and
 * builtin_key_patterns() list the built-in business-key sources of the
 * core, which the views business_key_attributes and business_key_patterns
 * (read by ingest) show beside the DBA's overrides.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "regex/regex.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "core/stitch.h"

PG_FUNCTION_INFO_V1(oc_thread_token);
PG_FUNCTION_INFO_V1(oc_default_recency_window);
PG_FUNCTION_INFO_V1(oc_default_subject_window);
PG_FUNCTION_INFO_V1(oc_default_reopen_window);
PG_FUNCTION_INFO_V1(oc_check_key_pattern);
PG_FUNCTION_INFO_V1(oc_builtin_key_attributes);
PG_FUNCTION_INFO_V1(oc_builtin_key_patterns);

/* thread_token(thread bigint) -> text: "[#T123]". */
Datum
oc_thread_token(PG_FUNCTION_ARGS)
{
	int64		thread = PG_GETARG_INT64(0);
	char		token[OC_STITCH_TOKEN_MAX];

	if (thread <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid thread id " INT64_FORMAT, thread),
				 errdetail("Thread ids are positive.")));
	oc_stitch_format_token(thread, token, sizeof(token));
	PG_RETURN_TEXT_P(cstring_to_text(token));
}

/* default_recency_window(channel) -> interval: the built-in window of a channel label. */
Datum
oc_default_recency_window(PG_FUNCTION_ARGS)
{
	char	   *channel = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(0)));
	Interval   *result = palloc0(sizeof(Interval));

	result->time = oc_stitch_default_recency_window(channel);
	PG_RETURN_INTERVAL_P(result);
}

/* The channel argument's built-in windows. */
static oc_stitch_windows
channel_windows(FunctionCallInfo fcinfo)
{
	return oc_stitch_default_windows(DatumGetCString(DirectFunctionCall1(enum_out,
																		 PG_GETARG_DATUM(0))));
}

/* A window in whole days when it is one (30 days, not 720:00:00). */
static Interval *
window_interval(int64 usecs)
{
	Interval   *result = palloc0(sizeof(Interval));

	if (usecs > 0 && usecs % USECS_PER_DAY == 0)
		result->day = (int32) (usecs / USECS_PER_DAY);
	else
		result->time = usecs;
	return result;
}

/* default_subject_window(channel) -> interval (0: the subject rule is off). */
Datum
oc_default_subject_window(PG_FUNCTION_ARGS)
{
	PG_RETURN_INTERVAL_P(window_interval(channel_windows(fcinfo).subject));
}

/* default_reopen_window(channel) -> interval. */
Datum
oc_default_reopen_window(PG_FUNCTION_ARGS)
{
	PG_RETURN_INTERVAL_P(window_interval(channel_windows(fcinfo).reopen));
}

/*
 * check_key_pattern(pattern text) -> true, or an error saying what is wrong:
 * the pattern does not compile (as substring(text FROM pattern) reads it),
 * or it uses a back-reference or a lookahead/lookbehind constraint.  Those
 * are the constructs PostgreSQL's regular expressions cannot match with a
 * finite automaton; with them the time to match grows without bound in the
 * length of the text (a back-reference pattern kept one INSERT of a 10 kB
 * body busy past 20 s), and the texts come from senders.
 */
Datum
oc_check_key_pattern(PG_FUNCTION_ARGS)
{
	text	   *pattern = PG_GETARG_TEXT_PP(0);
	char	   *str = text_to_cstring(pattern);
	int			len = VARSIZE_ANY_EXHDR(pattern);
	pg_wchar   *wide = palloc((len + 1) * sizeof(pg_wchar));
	int			wlen = pg_mb2wchar_with_len(VARDATA_ANY(pattern), wide, len);
	regex_t		re;
	int			rc;
	long		info;

	rc = pg_regcomp(&re, wide, wlen, REG_ADVANCED, DEFAULT_COLLATION_OID);
	if (rc != REG_OKAY)
	{
		char		msg[100];

		pg_regerror(rc, &re, msg, sizeof(msg));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("invalid business key pattern \"%s\": %s", str, msg)));
	}
	info = re.re_info;
	pg_regfree(&re);
	if (info & REG_UBACKREF)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("business key pattern \"%s\" uses a back-reference", str),
				 errdetail("Ingest matches every pattern against each subject and body, and a back-reference can take time far beyond the length of the text."),
				 errhint("Write the pattern without \\1 to \\9 and \\k; a pattern that finds the key without repeating an earlier group does the same job.")));
	if (info & REG_ULOOKAROUND)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_REGULAR_EXPRESSION),
				 errmsg("business key pattern \"%s\" uses a lookahead or lookbehind constraint", str),
				 errdetail("Ingest matches every pattern against each subject and body, and these constraints can take time far beyond the length of the text."),
				 errhint("Use \\m, \\M or \\y for word boundaries, and a group around the key to leave out what surrounds it.")));
	PG_RETURN_BOOL(true);
}

/* Rows (a, b) of a built-in list, into the SRF's tuplestore. */
static void
named_rows(FunctionCallInfo fcinfo, const oc_stitch_named *list, size_t n, bool from_first)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	for (size_t i = 0; i < n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(from_first ? list[i].from : list[i].name);
		values[1] = CStringGetTextDatum(from_first ? list[i].name : list[i].from);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* builtin_key_attributes() -> TABLE (attribute text, name text). */
Datum
oc_builtin_key_attributes(PG_FUNCTION_ARGS)
{
	size_t		n;
	const oc_stitch_named *list = oc_stitch_builtin_key_attributes(&n);

	named_rows(fcinfo, list, n, true);
	return (Datum) 0;
}

/*
 * builtin_key_patterns() -> TABLE (name text, pattern text).  The patterns
 * are written in UTF-8: a database in another encoding has none built in.
 */
Datum
oc_builtin_key_patterns(PG_FUNCTION_ARGS)
{
	size_t		n;
	const oc_stitch_named *list = oc_stitch_builtin_key_patterns(&n);

	named_rows(fcinfo, list, GetDatabaseEncoding() == PG_UTF8 ? n : 0, false);
	return (Datum) 0;
}
