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
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "core/stitch.h"

PG_FUNCTION_INFO_V1(oc_thread_token);
PG_FUNCTION_INFO_V1(oc_default_recency_window);
PG_FUNCTION_INFO_V1(oc_default_subject_window);
PG_FUNCTION_INFO_V1(oc_default_reopen_window);

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
