/*-------------------------------------------------------------------------
 *
 * test_business_time.c
 *	  Unit tests of the server-free business-hours parser/printer and the
 *	  business-time engine.
 *
 * The zone oracle here is glibc (setenv TZ, localtime_r's tm_gmtoff, and a
 * day-step scan plus bisection for transitions): Debian's PostgreSQL reads
 * the same system tzdata, so the engine sees the same rules as in the
 * server.  Expected instants are written in UTC and were computed by hand
 * from zdump output (see the comments).  Covers: parse errors and their
 * classes, canonical printing and its round trip, binary corruption,
 * each rule (half-open, closing -> next opening, negative walks, holidays
 * removing shifts, breaks, shifts, 24:00), DST in Europe/Warsaw,
 * Europe/Bucharest, America/Sao_Paulo (midnight transitions) and
 * Australia/Lord_Howe (30-minute shift), pauses, long durations, and a
 * deterministic random property test (add/between inverse, additivity).
 *
 *-------------------------------------------------------------------------
 */
#define _DEFAULT_SOURCE
#include "core/business_hours.h"
#include "core/business_time.h"
#include "unit.h"

#include <stdlib.h>
#include <time.h>

#define US 1000000LL
#define H (3600 * US)
#define M (60 * US)

/* ---- glibc zone oracle --------------------------------------------------- */

static char cur_tz[128];

/* Make glibc use zone name. */
static void
use_tz(const char *name)
{
	if (strcmp(cur_tz, name) != 0)
	{
		snprintf(cur_tz, sizeof(cur_tz), "%s", name);
		setenv("TZ", name, 1);
		tzset();
	}
}

/* Oracle: offset at t. */
static int32_t
g_offset(void *ctx, int64_t t)
{
	time_t		tt = (time_t) t;
	struct tm	tm;

	use_tz((const char *) ctx);
	if (!localtime_r(&tt, &tm))
		return 0;
	return (int32_t) tm.tm_gmtoff;
}

/* Oracle: next transition after t (week-step scan, then bisection). */
static int
g_next(void *ctx, int64_t t, int64_t *when, int32_t *before, int32_t *after)
{
	int32_t		o0 = g_offset(ctx, t);
	int64_t		lo = t,
				hi;
	int64_t		limit = t + 100LL * 366 * 86400;

	for (hi = t + 7 * 86400; hi < limit; hi += 7 * 86400)
		if (g_offset(ctx, hi) != o0)
			break;
	if (hi >= limit)
		return 0;
	lo = hi - 7 * 86400;
	while (hi - lo > 1)
	{
		int64_t		mid = lo + (hi - lo) / 2;

		if (g_offset(ctx, mid) != o0)
			hi = mid;
		else
			lo = mid;
	}
	*when = hi;
	*before = o0;
	*after = g_offset(ctx, hi);
	return 1;
}

/* A calendar and its zone, for the tests. */
typedef struct cal
{
	uint8_t    *bin;
	oc_bh_view	v;
	oc_zone    *z;
} cal;

static oc_zone *zcache[16];
static char zname[16][64];
static int	nz = 0;

/* check_interrupts of the zone oracle: counts the calls. */
static long checks = 0;

static void
count_check(void *ctx __attribute__((unused)))
{
	checks++;
}

/* The oc_zone of a zone name (built once). */
static oc_zone *
zone(const char *name)
{
	int			i;
	oc_zone_oracle o;

	for (i = 0; i < nz; i++)
		if (strcmp(zname[i], name) == 0)
			return zcache[i];
	snprintf(zname[nz], sizeof(zname[nz]), "%s", name);
	o.ctx = zname[nz];
	o.utc_offset = g_offset;
	o.next_transition = g_next;
	o.check_interrupts = count_check;
	zcache[nz] = malloc(sizeof(oc_zone));
	oc_zone_init(zcache[nz], &o);
	return zcache[nz++];
}

/* Parse a calendar (aborts the test program on failure). */
static cal
mk(const char *json)
{
	cal			c;
	size_t		len;
	oc_bh_error err;

	if (oc_bh_parse(json, strlen(json), NULL, NULL, &c.bin, &len, &err) != OC_BH_OK ||
		oc_bh_view_init(c.bin, len, &c.v, &err) != OC_BH_OK)
	{
		printf("# cannot parse %s: %s\n", json, err.msg);
		exit(2);
	}
	c.z = zone(c.v.zone);
	return c;
}

/* UTC "YYYY-MM-DD HH:MM[:SS]" -> microseconds. */
static int64_t
T(const char *s)
{
	int			y,
				mo,
				d,
				h,
				mi,
				sec = 0;

	if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) < 5)
		exit(3);
	return ((int64_t) oc_bh_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * US;
}

/* business_time_add, with RANGE/NEVER as sentinel values. */
static int64_t
add(cal *c, int64_t t, int64_t d)
{
	int64_t		r;
	int			rc = oc_bt_add(&c->v, c->z, t, d, NULL, 0, &r);

	return rc == OC_BT_OK ? r : (rc == OC_BT_NEVER ? -1 : -2);
}

/* business_time_between. */
static int64_t
btw(cal *c, int64_t a, int64_t b)
{
	int64_t		r = 0;

	oc_bt_between(&c->v, c->z, a, b, NULL, 0, &r);
	return r;
}

/* is_open. */
static int
isopen(cal *c, int64_t t)
{
	int			o;

	oc_bt_is_open(&c->v, c->z, t, &o);
	return o;
}

/* Expect a parse failure with a status and a message fragment. */
static void
bad(const char *json, oc_bh_status st, const char *frag)
{
	uint8_t    *bin = NULL;
	size_t		len;
	oc_bh_error err;
	int			rc = oc_bh_parse(json, strlen(json), NULL, NULL, &bin, &len, &err);
	char		name[300];

	snprintf(name, sizeof(name), "refused: %.200s", json);
	if (!CHECK(rc == (int) st && strstr(err.msg, frag) != NULL && bin == NULL, name))
		printf("#   got status %d msg \"%s\"\n", rc, err.msg);
}

/* Expect a calendar to print as canon, and canon to print as itself. */
static void
canon(const char *json, const char *expected)
{
	cal			c = mk(json);
	char	   *out,
			   *out2;
	size_t		len;
	oc_bh_error err;
	cal			c2;

	oc_bh_print(&c.v, &out, &len, &err);
	CHECK_STR(out, expected, "canonical text");
	c2 = mk(out);
	oc_bh_print(&c2.v, &out2, &len, &err);
	CHECK_STR(out2, out, "canonical text round-trips");
	free(out);
	free(out2);
	free(c.bin);
	free(c2.bin);
}

#define WEEKDAYS_9_17 "\"mon\":[[\"09:00\",\"17:00\"]],\"tue\":[[\"09:00\",\"17:00\"]],\"wed\":[[\"09:00\",\"17:00\"]],\"thu\":[[\"09:00\",\"17:00\"]],\"fri\":[[\"09:00\",\"17:00\"]]"
#define ALLDAY "\"mon\":[[\"00:00\",\"24:00\"]],\"tue\":[[\"00:00\",\"24:00\"]],\"wed\":[[\"00:00\",\"24:00\"]],\"thu\":[[\"00:00\",\"24:00\"]],\"fri\":[[\"00:00\",\"24:00\"]],\"sat\":[[\"00:00\",\"24:00\"]],\"sun\":[[\"00:00\",\"24:00\"]]"

/* Parser: refusals and canonical form. */
static void
test_parser(void)
{
	bad("", OC_BH_SYNTAX, "expected");
	bad("{", OC_BH_SYNTAX, "expected");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]}} x", OC_BH_SYNTAX, "end of input");
	bad("[]", OC_BH_INVALID, "must be a JSON object");
	bad("{\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]}}", OC_BH_INVALID, "\"time_zone\" is missing");
	bad("{\"time_zone\":\"UTC\"}", OC_BH_INVALID, "\"hours\" is missing");
	bad("{\"time_zone\":\"UTC\",\"hours\":{}}", OC_BH_INVALID, "no working hours");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[]}}", OC_BH_INVALID, "no working hours");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"extra\":1}", OC_BH_INVALID, "unknown key \"extra\"");
	bad("{\"time_zone\":\"UTC\",\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]}}", OC_BH_INVALID, "duplicate key \"time_zone\"");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"monday\":[[\"09:00\",\"17:00\"]]}}", OC_BH_INVALID, "unknown weekday \"monday\"");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]],\"mon\":[]}}", OC_BH_INVALID, "duplicate weekday \"mon\"");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"25:00\",\"26:00\"]]}}", OC_BH_OUT_OF_RANGE, "time \"25:00\" out of range in \"hours\".\"mon\"");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"9:00\",\"17:00\"]]}}", OC_BH_BAD_FORMAT, "invalid time \"9:00\"");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:60\",\"17:00\"]]}}", OC_BH_OUT_OF_RANGE, "09:60");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"24:00\",\"24:00\"]]}}", OC_BH_INVALID, "only as the end");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"23:00\",\"24:30\"]]}}", OC_BH_OUT_OF_RANGE, "24:30");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"17:00\",\"09:00\"]]}}", OC_BH_INVALID, "does not end after it starts");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"09:00\"]]}}", OC_BH_INVALID, "does not end after it starts");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"13:00\"],[\"12:00\",\"17:00\"]]}}", OC_BH_INVALID, "overlap");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"13:00\",\"14:00\"]]}}", OC_BH_INVALID, "more than two times");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[9,17]]}}", OC_BH_INVALID, "pairs of strings");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"holidays\":[\"2026-02-30\"]}", OC_BH_OUT_OF_RANGE, "2026-02-30");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"holidays\":[\"2026/12/25\"]}", OC_BH_BAD_FORMAT, "invalid date");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"holidays\":\"2026-12-25\"}", OC_BH_INVALID, "must be a list");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"breaks\":{\"monday\":[]}}", OC_BH_BAD_FORMAT, "in \"breaks\"");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"shifts\":{\"2026-01-01\":[],\"2026-01-01\":[]}}", OC_BH_INVALID, "duplicate date");
	bad("{\"time_zone\":\"Europe/Warsaw; rm\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]}}", OC_BH_INVALID, "not recognized");
	bad("{\"time_zone\":\"\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]}}", OC_BH_INVALID, "not recognized");
	bad("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]} \"x\":1}", OC_BH_SYNTAX, "expected");

	canon("{\"hours\":{\"tue\":[[\"13:00\",\"17:00\"],[\"08:00\",\"12:00\"]],\"mon\":[[\"09:00\",\"12:00\"],[\"12:00\",\"17:00:30\"]]},"
		  "\"time_zone\":\"Europe/Warsaw\",\"holidays\":[\"2026-12-26\",\"2026-12-25\",\"2026-12-25\"],"
		  "\"shifts\":{\"2026-12-27\":[[\"10:00\",\"14:00\"]],\"2026-12-20\":[]},\"breaks\":{\"2026-12-24\":[[\"12:00\",\"24:00\"]]}}",
		  "{\"time_zone\": \"Europe/Warsaw\", \"hours\": {\"mon\": [[\"09:00\", \"17:00:30\"]], \"tue\": [[\"08:00\", \"12:00\"], [\"13:00\", \"17:00\"]]}, "
		  "\"holidays\": [\"2026-12-25\", \"2026-12-26\"], \"breaks\": {\"2026-12-24\": [[\"12:00\", \"24:00\"]]}, "
		  "\"shifts\": {\"2026-12-20\": [], \"2026-12-27\": [[\"10:00\", \"14:00\"]]}}");
	canon(" { \"time_zone\" : \"UTC\" , \"hours\" : { \"sun\" : [ [ \"00:00:01\" , \"24:00:00\" ] ] } } ",
		  "{\"time_zone\": \"UTC\", \"hours\": {\"sun\": [[\"00:00:01\", \"24:00\"]]}}");
	canon("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"\\u0030\\u0039:00\",\"17:00\"]]}}",
		  "{\"time_zone\": \"UTC\", \"hours\": {\"mon\": [[\"09:00\", \"17:00\"]]}}");

	/* binary corruption is detected */
	{
		cal			c = mk("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"17:00\"]]},\"holidays\":[\"2026-01-01\",\"2026-01-02\"]}");
		size_t		len = 16 * 4 + 2 * 4 + 2 * 4 + 4 + 4 + 4;
		oc_bh_view	v;
		oc_bh_error err;
		int32_t    *w = (int32_t *) c.bin;
		int32_t		save;

		CHECK_INT(oc_bh_view_init(c.bin, len, &v, &err), OC_BH_OK, "binary form accepted");
		CHECK_INT(oc_bh_view_init(c.bin, len - 4, &v, &err), OC_BH_CORRUPT, "short binary refused");
		save = w[16];
		w[16] = 70000;
		CHECK_INT(oc_bh_view_init(c.bin, len, &v, &err), OC_BH_CORRUPT, "bad interval refused");
		w[16] = save;
		save = w[18];
		w[18] = w[19];
		CHECK_INT(oc_bh_view_init(c.bin, len, &v, &err), OC_BH_CORRUPT, "unsorted holidays refused");
		w[18] = save;
		c.bin[0] = 2;
		CHECK_INT(oc_bh_view_init(c.bin, len, &v, &err), OC_BH_CORRUPT, "unknown version refused");
		free(c.bin);
	}
}

/* Rules without DST. */
static void
test_rules(void)
{
	cal			c = mk("{\"time_zone\":\"Europe/Warsaw\",\"hours\":{" WEEKDAYS_9_17 "},"
					   "\"holidays\":[\"2026-12-25\",\"2026-12-28\"],"
					   "\"breaks\":{\"2026-12-22\":[[\"12:00\",\"13:00\"]],\"2026-12-23\":[[\"08:00\",\"10:00\"],[\"16:00\",\"18:00\"]]},"
					   "\"shifts\":{\"2026-12-27\":[[\"10:00\",\"14:00\"]],\"2026-12-28\":[[\"10:00\",\"14:00\"]],\"2026-12-21\":[]}}");

	/* Friday 2026-03-27 16:55 CET = 15:55Z; +1h -> Monday 09:55 CEST = 07:55Z */
	CHECK_INT(add(&c, T("2026-03-27 15:55"), H), T("2026-03-30 07:55"), "Friday 16:55 + 1h = Monday 09:55");
	CHECK_INT(btw(&c, T("2026-03-27 15:55"), T("2026-03-30 07:55")), H, "between Friday 16:55 and Monday 09:55 = 1h");
	/* closing time -> next opening */
	CHECK_INT(add(&c, T("2026-03-27 15:00"), H), T("2026-03-30 07:00"), "ends at closing -> next opening");
	CHECK_INT(add(&c, T("2026-03-27 15:00"), H - 1), T("2026-03-27 15:59:59") + 999999, "one microsecond less stays Friday");
	/* d = 0 */
	CHECK_INT(add(&c, T("2026-03-27 12:00"), 0), T("2026-03-27 12:00"), "add 0 when open = t");
	CHECK_INT(add(&c, T("2026-03-28 12:00"), 0), T("2026-03-30 07:00"), "add 0 when closed = next opening");
	/* half-open */
	CHECK(isopen(&c, T("2026-03-27 08:00")), "open at the opening");
	CHECK(!isopen(&c, T("2026-03-27 16:00")), "closed at the closing");
	CHECK(isopen(&c, T("2026-03-27 16:00") - 1), "open a microsecond before closing");
	/* negative */
	CHECK_INT(add(&c, T("2026-03-30 08:00"), -H), T("2026-03-30 07:00"), "-1h landing on the opening gives the opening");
	CHECK_INT(add(&c, T("2026-03-30 08:00"), -2 * H), T("2026-03-27 15:00"), "-2h walks back to Friday 16:00 CET");
	CHECK_INT(add(&c, T("2026-03-28 12:00"), -30 * M), T("2026-03-27 15:30"), "-30min from Saturday = Friday 16:30");
	CHECK_INT(btw(&c, T("2026-03-30 07:55"), T("2026-03-27 15:55")), -H, "between is negative when b < a");
	/* shifts, holidays, breaks: week of 2026-12-21 (CET, UTC+1) */
	CHECK_INT(btw(&c, T("2026-12-21 00:00"), T("2026-12-22 00:00")), 0, "empty shift closes Monday 21st");
	CHECK_INT(btw(&c, T("2026-12-22 00:00"), T("2026-12-23 00:00")), 7 * H, "break 12-13 on Tuesday 22nd");
	CHECK_INT(btw(&c, T("2026-12-23 00:00"), T("2026-12-24 00:00")), 6 * H, "breaks 08-10 and 16-18 on 23rd");
	CHECK_INT(btw(&c, T("2026-12-25 00:00"), T("2026-12-26 00:00")), 0, "holiday Friday 25th");
	CHECK_INT(btw(&c, T("2026-12-27 00:00"), T("2026-12-28 00:00")), 4 * H, "shift on Sunday 27th");
	CHECK_INT(btw(&c, T("2026-12-27 23:00"), T("2026-12-28 23:00")), 0, "holiday wins over the shift on the 28th");
	CHECK_INT(add(&c, T("2026-12-24 15:30"), H), T("2026-12-27 09:30"), "Thursday 16:30 + 1h -> Sunday shift 10:30 CET");
	CHECK_INT(btw(&c, T("2026-12-20 00:00"), T("2027-01-03 00:00")), (0 + 7 + 6 + 8 + 0 + 4 + 0 + 8 + 8 + 8 + 8) * H, "two weeks with exceptions");
	/* long durations and week skipping */
	CHECK_INT(add(&c, T("2026-03-27 15:55"), 400 * H), T("2026-06-05 14:55"), "400h = 10 weeks");
	CHECK_INT(btw(&c, T("2026-01-05 08:00"), T("2027-01-04 08:00")), (52 * 40 - 8 - 8 - 1 - 2 - 8 + 4) * H, "a year with exceptions");
	{
		int64_t		a = T("2026-01-05 08:00");
		int64_t		d = (int64_t) 40 * 52 * 100 * H;
		int64_t		r = add(&c, a, d);

		CHECK(r > T("2125-01-01 00:00") && r < T("2126-06-01 00:00"), "100 years of 40h weeks");
		CHECK_INT(btw(&c, a, r), d, "between(a, add(a, 100 years)) = d");
	}
	free(c.bin);
	c = mk("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"09:00\",\"09:01\"]]}}");
	CHECK_INT(add(&c, T("2026-01-05 08:00"), INT64_MAX), -2, "absurd duration is out of range");
	free(c.bin);
}

/* 24:00, a day split in two, intervals written as two across midnight. */
static void
test_midnight(void)
{
	cal			c = mk("{\"time_zone\":\"UTC\",\"hours\":{\"mon\":[[\"22:00\",\"24:00\"]],\"tue\":[[\"00:00\",\"06:00\"]]}}");

	/* 2026-03-30 is a Monday */
	CHECK_INT(add(&c, T("2026-03-30 23:00"), 2 * H), T("2026-03-31 01:00"), "overnight shift written as two intervals");
	CHECK(isopen(&c, T("2026-03-31 00:00")), "open at midnight Tuesday");
	CHECK_INT(btw(&c, T("2026-03-30 00:00"), T("2026-04-01 00:00")), 8 * H, "2h + 6h");
	CHECK_INT(add(&c, T("2026-03-31 06:00"), 0), T("2026-04-06 22:00"), "next opening a week later");
	free(c.bin);
}

/* DST in four zones. */
static void
test_dst(void)
{
	cal			w = mk("{\"time_zone\":\"Europe/Warsaw\",\"hours\":{" ALLDAY "}}");
	cal			b = mk("{\"time_zone\":\"Europe/Bucharest\",\"hours\":{" ALLDAY "}}");
	cal			s = mk("{\"time_zone\":\"America/Sao_Paulo\",\"hours\":{" ALLDAY "}}");
	cal			l = mk("{\"time_zone\":\"Australia/Lord_Howe\",\"hours\":{" ALLDAY "}}");
	cal			g = mk("{\"time_zone\":\"Europe/Warsaw\",\"hours\":{\"sun\":[[\"01:00\",\"04:00\"]]}}");
	cal			g2 = mk("{\"time_zone\":\"Europe/Warsaw\",\"hours\":{\"sun\":[[\"02:30\",\"05:00\"]]}}");
	cal			g3 = mk("{\"time_zone\":\"Europe/Warsaw\",\"hours\":{\"sun\":[[\"02:00\",\"02:30\"],[\"03:00\",\"04:00\"]]}}");
	cal			sp = mk("{\"time_zone\":\"America/Sao_Paulo\",\"hours\":{\"sat\":[[\"22:00\",\"24:00\"]],\"sun\":[[\"00:00\",\"02:00\"]]}}");

	/* Warsaw: 2026-03-29 01:00Z 02:00 CET -> 03:00 CEST; 2026-10-25 01:00Z back */
	CHECK_INT(btw(&w, T("2026-03-28 23:00"), T("2026-03-29 22:00")), 23 * H, "Warsaw spring-forward day is 23h");
	CHECK_INT(btw(&w, T("2026-10-24 22:00"), T("2026-10-25 23:00")), 25 * H, "Warsaw fall-back day is 25h");
	CHECK_INT(add(&w, T("2026-03-28 23:00"), 24 * H), T("2026-03-29 23:00"), "24h from midnight = 01:00 Monday local");
	CHECK_INT(oc_zone_local_to_utc(w.z, (int64_t) oc_bh_days_from_civil(2026, 3, 29) * 86400 + 9000) * US,
			  T("2026-03-29 01:30"), "02:30 in the gap -> 03:30 CEST");
	CHECK_INT(oc_zone_local_to_utc(w.z, (int64_t) oc_bh_days_from_civil(2026, 10, 25) * 86400 + 9000) * US,
			  T("2026-10-25 00:30"), "ambiguous 02:30 -> first occurrence (CEST)");
	/* Sunday 01:00-04:00 on the gap day: 00:00Z .. 02:00Z */
	CHECK_INT(btw(&g, T("2026-03-28 00:00"), T("2026-03-30 00:00")), 2 * H, "01:00-04:00 across the gap is 2h");
	CHECK_INT(add(&g, T("2026-03-28 12:00"), 0), T("2026-03-29 00:00"), "opens 01:00 CET");
	CHECK_INT(btw(&g, T("2026-10-24 00:00"), T("2026-10-26 00:00")), 4 * H, "01:00-04:00 across fall-back is 4h");
	/* 02:30-05:00: gap start moves to 03:30 CEST (01:30Z); end 05:00 CEST = 03:00Z */
	CHECK_INT(btw(&g2, T("2026-03-28 00:00"), T("2026-03-30 00:00")), 90 * M, "02:30-05:00 on the gap day is 1.5h");
	CHECK_INT(add(&g2, T("2026-03-28 00:00"), 0), T("2026-03-29 01:30"), "opening in the gap moves forward");
	/* fall-back: 02:30 first occurrence 00:30Z .. 05:00 CET 04:00Z */
	CHECK_INT(btw(&g2, T("2026-10-24 00:00"), T("2026-10-26 00:00")), 210 * M, "02:30-05:00 on fall-back day is 3.5h");
	/* 02:00-02:30 maps to [01:00Z,01:30Z), 03:00-04:00 to [01:00Z, 02:00Z): union 1h */
	CHECK_INT(btw(&g3, T("2026-03-28 00:00"), T("2026-03-30 00:00")), H, "overlapping gap images count once");
	/* Bucharest: 2026-03-29 01:00Z 03:00 EET -> 04:00 EEST */
	CHECK_INT(btw(&b, T("2026-03-28 22:00"), T("2026-03-29 21:00")), 23 * H, "Bucharest spring-forward day is 23h");
	CHECK_INT(btw(&b, T("2026-10-24 21:00"), T("2026-10-25 22:00")), 25 * H, "Bucharest fall-back day is 25h");
	/* Sao Paulo: 2018-11-04 03:00Z midnight -> 01:00; 2019-02-17 02:00Z 24:00 -> 23:00 */
	CHECK_INT(btw(&s, T("2018-11-04 03:00"), T("2018-11-05 02:00")), 23 * H, "Sao Paulo 2018-11-04 has 23h");
	CHECK_INT(oc_zone_local_to_utc(s.z, (int64_t) oc_bh_days_from_civil(2018, 11, 4) * 86400) * US,
			  T("2018-11-04 03:00"), "missing midnight -> 01:00 -02");
	CHECK_INT(btw(&sp, T("2018-11-03 00:00"), T("2018-11-05 00:00")), 3 * H, "Sat 22-24 (2h) + Sun 00-02 across the midnight gap (1h)");
	CHECK_INT(add(&sp, T("2018-11-04 01:00"), 2 * H), T("2018-11-04 03:00") + 0 * H, "22:00 -03 + 2h = Sunday 01:00 -02 (gap) opening");
	CHECK_INT(btw(&s, T("2019-02-16 03:00"), T("2019-02-17 03:00")), 24 * H, "all-day open counts real elapsed time");
	CHECK_INT(btw(&s, T("2019-02-16 02:00"), T("2019-02-17 03:00")), 25 * H, "Sao Paulo 2019-02-16 from local midnight -02 is 25h");
	CHECK_INT(btw(&sp, T("2019-02-16 00:00"), T("2019-02-18 00:00")), 3 * H + 2 * H, "Sat 22-24 over the repeated hour = 3h, Sunday 2h");
	/* Lord Howe: 2026-04-04 15:00Z 02:00 +11 -> 01:30 +1030; 2026-10-03 15:30Z 02:00 -> 02:30 */
	CHECK_INT(btw(&l, T("2026-04-04 13:00"), T("2026-04-05 13:30")), 24 * H + 30 * M, "Lord Howe fall-back day is 24.5h");
	CHECK_INT(btw(&l, T("2026-10-03 13:30"), T("2026-10-04 13:00")), 23 * H + 30 * M, "Lord Howe spring-forward day is 23.5h");
	CHECK_INT(oc_zone_local_to_utc(l.z, (int64_t) oc_bh_days_from_civil(2026, 10, 4) * 86400 + 2 * 3600 + 15 * 60) * US,
			  T("2026-10-03 15:45"), "Lord Howe 02:15 in the gap -> 02:45 +11");
	free(w.bin);
	free(b.bin);
	free(s.bin);
	free(l.bin);
	free(g.bin);
	free(g2.bin);
	free(g3.bin);
	free(sp.bin);
}

/* Pauses. */
static void
test_pauses(void)
{
	cal			c = mk("{\"time_zone\":\"UTC\",\"hours\":{" WEEKDAYS_9_17 "}}");
	oc_bt_pause p[3];
	int64_t		r;

	/* Monday 2026-03-30 */
	p[0].lo = T("2026-03-30 10:00");
	p[0].hi = T("2026-03-30 11:00") + 1;
	CHECK_INT(oc_bt_add(&c.v, c.z, T("2026-03-30 09:00"), 2 * H, p, 1, &r), OC_BT_OK, "add with a pause");
	CHECK_INT(r, T("2026-03-30 12:00") + 1, "a pause is subtracted to the microsecond");
	oc_bt_between(&c.v, c.z, T("2026-03-30 09:00"), T("2026-03-30 17:00"), p, 1, &r);
	CHECK_INT(r, 7 * H - 1, "between minus a pause");
	p[0].hi = OC_BT_POS_INF;
	CHECK_INT(oc_bt_add(&c.v, c.z, T("2026-03-30 09:00"), 2 * H, p, 1, &r), OC_BT_NEVER, "unbounded pause: no due time");
	CHECK_INT(oc_bt_add(&c.v, c.z, T("2026-03-30 09:00"), 30 * M, p, 1, &r), OC_BT_OK, "due before the pause starts");
	CHECK_INT(r, T("2026-03-30 09:30"), "due before the pause starts: value");
	oc_bt_between(&c.v, c.z, T("2026-03-30 09:00"), T("2026-04-30 17:00"), p, 1, &r);
	CHECK_INT(r, H, "between stops at an unbounded pause");
	p[0].lo = OC_BT_NEG_INF;
	p[0].hi = T("2026-03-30 10:00");
	CHECK_INT(oc_bt_add(&c.v, c.z, T("2026-03-30 12:00"), -3 * H, p, 1, &r), OC_BT_NEVER, "backward into an unbounded pause");
	CHECK_INT(oc_bt_add(&c.v, c.z, T("2026-03-30 12:00"), -2 * H, p, 1, &r), OC_BT_OK, "backward to the end of a pause");
	CHECK_INT(r, T("2026-03-30 10:00"), "backward lands on the pause end");
	/* a three-week pause is skipped in one step */
	p[0].lo = T("2026-03-31 00:00");
	p[0].hi = T("2026-04-21 12:00");
	oc_bt_add(&c.v, c.z, T("2026-03-30 16:00"), 2 * H, p, 1, &r);
	CHECK_INT(r, T("2026-04-21 13:00"), "long pause");
	free(c.bin);
}

/* Tiny deterministic PRNG. */
static uint64_t rng = 88172645463325252ULL;
static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random calendars: add/between inverse, additivity, open results. */
static void
test_properties(void)
{
	static const char *zones[] = {"Europe/Warsaw", "Europe/Bucharest", "America/Sao_Paulo", "Australia/Lord_Howe", "UTC"};
	int			iter,
				fails_inv = 0,
				fails_add = 0,
				fails_open = 0,
				fails_neg = 0,
				n = 0;

	for (iter = 0; iter < 300; iter++)
	{
		char		json[4096];
		size_t		k = 0;
		int			w,
					i;
		cal			c;

		k += (size_t) snprintf(json + k, sizeof(json) - k, "{\"time_zone\":\"%s\",\"hours\":{", zones[rnd() % 5]);
		for (w = 0; w < 7; w++)
		{
			int			t = 0,
						first = 1;
			static const char *wd[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

			k += (size_t) snprintf(json + k, sizeof(json) - k, "%s\"%s\":[", w ? "," : "", wd[w]);
			while (t < 86400 && rnd() % 4 != 0)
			{
				int			s = t + (int) (rnd() % 6) * 1800;
				int			e = s + 1800 * (1 + (int) (rnd() % 10));

				if (s >= 86400)
					break;
				if (e > 86400)
					e = 86400;
				k += (size_t) snprintf(json + k, sizeof(json) - k, "%s[\"%02d:%02d\",\"%02d:%02d\"]",
									   first ? "" : ",", s / 3600, s / 60 % 60, e / 3600, e / 60 % 60);
				first = 0;
				t = e + 1800;
			}
			if (w == 0 && first)
				k += (size_t) snprintf(json + k, sizeof(json) - k, "[\"02:30\",\"03:30\"]");
			k += (size_t) snprintf(json + k, sizeof(json) - k, "]");
		}
		k += (size_t) snprintf(json + k, sizeof(json) - k, "},\"holidays\":[");
		for (i = 0; i < 5; i++)
		{
			int32_t		y,
						m,
						d;

			oc_bh_civil_from_days(oc_bh_days_from_civil(2018, 1, 1) + (int32_t) (rnd() % 3300), &y, &m, &d);
			k += (size_t) snprintf(json + k, sizeof(json) - k, "%s\"%04d-%02d-%02d\"", i ? "," : "", y, m, d);
		}
		k += (size_t) snprintf(json + k, sizeof(json) - k, "],\"shifts\":{");
		for (i = 0; i < 3; i++)
		{
			int32_t		y,
						m,
						d;

			oc_bh_civil_from_days(oc_bh_days_from_civil(2018, 1, 1) + i * 1100 + (int32_t) (rnd() % 1000), &y, &m, &d);
			k += (size_t) snprintf(json + k, sizeof(json) - k, "%s\"%04d-%02d-%02d\":[[\"01:00\",\"03:00\"]]", i ? "," : "", y, m, d);
		}
		snprintf(json + k, sizeof(json) - k, "}}");
		c = mk(json);
		for (i = 0; i < 20; i++)
		{
			int64_t		a = T("2018-01-01 00:00") + (int64_t) (rnd() % (3300ULL * 86400)) * US + (int64_t) (rnd() % US);
			int64_t		d = (int64_t) (rnd() % (3ULL * 7 * 86400)) * US + (int64_t) (rnd() % US);
			int64_t		b = T("2018-01-01 00:00") + (int64_t) (rnd() % (3300ULL * 86400)) * US;
			int64_t		cc = T("2018-01-01 00:00") + (int64_t) (rnd() % (3300ULL * 86400)) * US;
			int64_t		r = add(&c, a, d);
			int64_t		x;

			n++;
			if (isopen(&c, a) && btw(&c, a, r) != d)
				fails_inv++;
			if (d > 0 && !isopen(&c, r))
				fails_open++;
			if (btw(&c, a, b) + btw(&c, b, cc) != btw(&c, a, cc))
				fails_add++;
			x = add(&c, a, -d - 1);
			if (x < 0 || btw(&c, x, a) != d + 1)
				fails_neg++;
		}
		free(c.bin);
	}
	CHECK_INT(fails_inv, 0, "property: between(a, add(a, d)) = d for open a");
	CHECK_INT(fails_open, 0, "property: add(a, d > 0) is open");
	CHECK_INT(fails_add, 0, "property: between(a,b) + between(b,c) = between(a,c)");
	CHECK_INT(fails_neg, 0, "property: between(add(a, -m), a) = m");
	CHECK_INT(n, 6000, "property cases run");
}

/* A long walk lets the caller cancel it: check_interrupts is called. */
static void
test_interrupts(void)
{
	cal			c = mk("{\"time_zone\": \"Europe/Warsaw\", \"hours\": {\"mon\": [[\"09:00\", \"10:00\"]]},"
					   " \"holidays\": [\"2026-12-28\", \"2027-01-04\"]}");
	int64_t		r;

	checks = 0;
	r = add(&c, T("2026-11-30 12:00"), 1 * H);
	CHECK_INT(checks, 0, "a short walk is not interrupted");
	CHECK(r > 0, "a short walk finishes");
	r = add(&c, T("3000-01-01 00:00"), -((int64_t) 40000) * H);
	CHECK(checks > 0, "a walk over centuries offers to be cancelled");
	CHECK(r > 0, "and still finishes when not cancelled");
	free(c.bin);
}

int
main(void)
{
	test_parser();
	test_rules();
	test_midnight();
	test_dst();
	test_pauses();
	test_properties();
	test_interrupts();
	while (nz > 0)
		free(zcache[--nz]);
	return unit_done();
}
