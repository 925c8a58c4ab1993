/*-------------------------------------------------------------------------
 *
 * business_time.c
 *	  fmgr glue of the business-time functions: business_time_add,
 *	  business_time_between (each also with an "excluding" tstzmultirange
 *	  of pauses), is_open and next_open.
 *
 * The engine is the server-free core (src/core/business_time.c).  This
 * file converts PostgreSQL timestamptz (microseconds since 2000-01-01) to
 * the core's microseconds since 1970-01-01 and back, refuses intervals
 * with month or day parts and infinite timestamps, turns a multirange into
 * sorted half-open pauses, and implements the core's zone oracle with
 * PostgreSQL's own zone database (pg_tzset, pg_localtime,
 * pg_next_dst_boundary).
 *
 * Caching: a zone (pg_tz plus the core's transition table, about 12 kB) is
 * built once per backend per zone name and kept in TopMemoryContext; each
 * call site keeps in fn_extra the last few calendars it saw (an aligned
 * copy of the bytes and a checked view of them), so rows that share a
 * calendar are neither re-validated nor re-copied.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "core/business_hours.h"
#include "core/business_time.h"
#include "pg/business_hours_io.h"

/* Microseconds from 1970-01-01 to 2000-01-01. */
#define EPOCH_SHIFT		INT64CONST(946684800000000)
/* Calendars remembered per call site. */
#define CACHE_SLOTS		4

PG_FUNCTION_INFO_V1(oc_business_time_add);
PG_FUNCTION_INFO_V1(oc_business_time_add_excluding);
PG_FUNCTION_INFO_V1(oc_business_time_between);
PG_FUNCTION_INFO_V1(oc_business_time_between_excluding);
PG_FUNCTION_INFO_V1(oc_business_is_open);
PG_FUNCTION_INFO_V1(oc_business_next_open);

/* A zone built for one zone name, kept for the life of the backend. */
typedef struct zone_entry
{
	struct zone_entry *next;
	char		name[OC_BH_MAX_ZONE + 1];
	oc_zone		zone;
} zone_entry;

static zone_entry *zones = NULL;

/* One calendar remembered by a call site. */
typedef struct cal_slot
{
	Size		len;			/* bytes of the payload (no header) */
	char	   *bytes;			/* MAXALIGN'd copy */
	oc_bh_view	view;
	oc_zone    *zone;
} cal_slot;

/* The fn_extra cache of a call site. */
typedef struct cal_cache
{
	int			n;
	int			next;			/* slot to replace when full */
	cal_slot	slot[CACHE_SLOTS];
} cal_cache;

/* Zone oracle: UTC offset at an instant, from pg_localtime. */
static int32_t
pg_offset(void *ctx, int64_t t)
{
	pg_time_t	tt = (pg_time_t) t;
	struct pg_tm *tm = pg_localtime(&tt, (const pg_tz *) ctx);

	return tm ? (int32_t) tm->tm_gmtoff : 0;
}

/* Zone oracle: next transition, from pg_next_dst_boundary. */
static int
pg_next(void *ctx, int64_t t, int64_t *when, int32_t *before, int32_t *after)
{
	pg_time_t	tt = (pg_time_t) t,
				boundary;
	long int	bo,
				ao;
	int			bi,
				ai;

	if (pg_next_dst_boundary(&tt, &bo, &bi, &boundary, &ao, &ai,
							 (const pg_tz *) ctx) != 1)
		return 0;
	*when = (int64_t) boundary;
	*before = (int32_t) bo;
	*after = (int32_t) ao;
	return 1;
}

/* Zone oracle: a long walk can be cancelled (statement_timeout, a cancel). */
static void
pg_check_interrupts(void *ctx)
{
	CHECK_FOR_INTERRUPTS();
}

/* The backend-wide zone for a name (validated again against pg_tz). */
static oc_zone *
zone_for(const char *name)
{
	zone_entry *e;
	pg_tz	   *tz;
	oc_zone_oracle oracle;

	for (e = zones; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return &e->zone;
	tz = pg_tzset(name);
	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid business hours: time zone \"%s\" not recognized",
						name),
				 errhint("The zone database no longer knows this zone; recreate the calendar with a current zone name.")));
	e = MemoryContextAllocZero(TopMemoryContext, sizeof(zone_entry));
	strlcpy(e->name, name, sizeof(e->name));
	oracle.ctx = tz;
	oracle.utc_offset = pg_offset;
	oracle.next_transition = pg_next;
	oracle.check_interrupts = pg_check_interrupts;
	oc_zone_init(&e->zone, &oracle);
	e->next = zones;
	zones = e;
	return &e->zone;
}

/* The cached view and zone of the calendar in argument argno. */
static cal_slot *
get_calendar(FunctionCallInfo fcinfo, int argno)
{
	struct varlena *raw = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));
	const char *data = VARDATA_ANY(raw);
	Size		len = VARSIZE_ANY_EXHDR(raw);
	cal_cache  *cache = (cal_cache *) fcinfo->flinfo->fn_extra;
	cal_slot   *s;
	int			i;
	oc_bh_error err;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(cal_cache));
		fcinfo->flinfo->fn_extra = cache;
	}
	for (i = 0; i < cache->n; i++)
	{
		s = &cache->slot[i];
		if (s->len == len && memcmp(s->bytes, data, len) == 0)
			return s;
	}
	if (cache->n < CACHE_SLOTS)
		s = &cache->slot[cache->n++];
	else
	{
		s = &cache->slot[cache->next];
		cache->next = (cache->next + 1) % CACHE_SLOTS;
		pfree(s->bytes);
	}
	s->bytes = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len > 0 ? len : 1);
	memcpy(s->bytes, data, len);
	s->len = len;
	if (oc_bh_view_init((const uint8_t *) s->bytes, len, &s->view, &err) != OC_BH_OK)
	{
		s->len = (Size) -1;		/* never matches */
		oc_bh_report(&err);
	}
	s->zone = zone_for(s->view.zone);
	return s;
}

/* timestamptz -> core microseconds; refuses infinity. */
static int64_t
to_core(TimestampTz t)
{
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("business time is not defined for an infinite timestamp")));
	if (t > OC_BT_MAX_US - EPOCH_SHIFT)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for business time")));
	return (int64_t) t + EPOCH_SHIFT;
}

/* core microseconds -> timestamptz, or an out-of-range error. */
static TimestampTz
from_core(int64_t u)
{
	TimestampTz t = (TimestampTz) (u - EPOCH_SHIFT);

	if (!IS_VALID_TIMESTAMP(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return t;
}

/* A business duration: an interval without month or day parts. */
static int64_t
duration_of(const Interval *iv)
{
	if (iv->month != 0 || iv->day != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("business duration must not have month or day parts: \"%s\"",
						DatumGetCString(DirectFunctionCall1(interval_out,
															IntervalPGetDatum(iv)))),
				 errhint("Write business durations in hours, minutes and seconds, for example interval '72 hours' instead of '3 days'.")));
	return iv->time;
}

/* Raise the error of a core walk status other than OK and NEVER. */
static void
check_walk(int rc)
{
	if (rc == OC_BT_RANGE)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
}

/* Sorted half-open pauses of a tstzmultirange (palloc'd). */
static oc_bt_pause *
pauses_of(MultirangeType *mr, size_t *n)
{
	TypeCacheEntry *typcache;
	RangeType **ranges;
	int32		count,
				i;
	oc_bt_pause *p;
	size_t		k = 0;

	typcache = lookup_type_cache(MultirangeTypeGetOid(mr), TYPECACHE_MULTIRANGE_INFO);
	if (typcache->rngtype == NULL)
		elog(ERROR, "type %u is not a multirange type", MultirangeTypeGetOid(mr));
	multirange_deserialize(typcache->rngtype, mr, &count, &ranges);
	p = palloc(sizeof(oc_bt_pause) * (count > 0 ? count : 1));
	for (i = 0; i < count; i++)
	{
		RangeBound lower,
					upper;
		bool		empty;
		TimestampTz lv,
					uv;

		range_deserialize(typcache->rngtype, ranges[i], &lower, &upper, &empty);
		if (empty)
			continue;
		lv = DatumGetTimestampTz(lower.val);
		uv = DatumGetTimestampTz(upper.val);
		if (lower.infinite || TIMESTAMP_IS_NOBEGIN(lv))
			p[k].lo = OC_BT_NEG_INF;
		else if (TIMESTAMP_IS_NOEND(lv) || lv > OC_BT_MAX_US - EPOCH_SHIFT)
			continue;			/* starts at +infinity: pauses nothing */
		else
			p[k].lo = (int64_t) lv + EPOCH_SHIFT + (lower.inclusive ? 0 : 1);
		if (upper.infinite || TIMESTAMP_IS_NOEND(uv) ||
			uv > OC_BT_MAX_US - EPOCH_SHIFT)
			p[k].hi = OC_BT_POS_INF;
		else if (TIMESTAMP_IS_NOBEGIN(uv))
			continue;
		else
			p[k].hi = (int64_t) uv + EPOCH_SHIFT + (upper.inclusive ? 1 : 0);
		if (p[k].lo < p[k].hi)
			k++;
	}
	*n = k;
	return p;
}

/* Shared body of the two business_time_add variants. */
static Datum
add_common(FunctionCallInfo fcinfo, MultirangeType *mr)
{
	cal_slot   *cal = get_calendar(fcinfo, 0);
	int64_t		t = to_core(PG_GETARG_TIMESTAMPTZ(1));
	int64_t		d = duration_of(PG_GETARG_INTERVAL_P(2));
	oc_bt_pause *p = NULL;
	size_t		np = 0;
	int64_t		r;
	int			rc;

	if (mr)
		p = pauses_of(mr, &np);
	rc = oc_bt_add(&cal->view, cal->zone, t, d, p, np, &r);
	if (rc == OC_BT_NEVER)
		PG_RETURN_NULL();
	check_walk(rc);
	PG_RETURN_TIMESTAMPTZ(from_core(r));
}

/* Shared body of the two business_time_between variants. */
static Datum
between_common(FunctionCallInfo fcinfo, MultirangeType *mr)
{
	cal_slot   *cal = get_calendar(fcinfo, 0);
	int64_t		a = to_core(PG_GETARG_TIMESTAMPTZ(1));
	int64_t		b = to_core(PG_GETARG_TIMESTAMPTZ(2));
	oc_bt_pause *p = NULL;
	size_t		np = 0;
	int64_t		r;
	Interval   *result;

	if (mr)
		p = pauses_of(mr, &np);
	check_walk(oc_bt_between(&cal->view, cal->zone, a, b, p, np, &r));
	result = (Interval *) palloc(sizeof(Interval));
	result->time = r;
	result->day = 0;
	result->month = 0;
	PG_RETURN_INTERVAL_P(result);
}

/* business_time_add(business_hours, timestamptz, interval) */
Datum
oc_business_time_add(PG_FUNCTION_ARGS)
{
	return add_common(fcinfo, NULL);
}

/* business_time_add(business_hours, timestamptz, interval, tstzmultirange) */
Datum
oc_business_time_add_excluding(PG_FUNCTION_ARGS)
{
	return add_common(fcinfo, PG_GETARG_MULTIRANGE_P(3));
}

/* business_time_between(business_hours, timestamptz, timestamptz) */
Datum
oc_business_time_between(PG_FUNCTION_ARGS)
{
	return between_common(fcinfo, NULL);
}

/* business_time_between(business_hours, timestamptz, timestamptz, tstzmultirange) */
Datum
oc_business_time_between_excluding(PG_FUNCTION_ARGS)
{
	return between_common(fcinfo, PG_GETARG_MULTIRANGE_P(3));
}

/* is_open(business_hours, timestamptz) */
Datum
oc_business_is_open(PG_FUNCTION_ARGS)
{
	cal_slot   *cal = get_calendar(fcinfo, 0);
	int64_t		t = to_core(PG_GETARG_TIMESTAMPTZ(1));
	int			open;

	oc_bt_is_open(&cal->view, cal->zone, t, &open);
	PG_RETURN_BOOL(open != 0);
}

/* next_open(business_hours, timestamptz) */
Datum
oc_business_next_open(PG_FUNCTION_ARGS)
{
	cal_slot   *cal = get_calendar(fcinfo, 0);
	int64_t		t = to_core(PG_GETARG_TIMESTAMPTZ(1));
	int64_t		r;

	check_walk(oc_bt_next_open(&cal->view, cal->zone, t, &r));
	PG_RETURN_TIMESTAMPTZ(from_core(r));
}
