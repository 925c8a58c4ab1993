/*-------------------------------------------------------------------------
 *
 * business_hours.h
 *	  Server-free model of a working-time calendar: the JSON text form, the
 *	  compact binary form stored by the omnichannel.business_hours type, and
 *	  their validation.
 *
 * A calendar is an IANA time-zone name, weekly hours (Monday..Sunday, each a
 * sorted list of half-open [start, end) local times in seconds of the day),
 * holidays (whole local days), date-specific shifts (replace that date's
 * weekday hours; an empty list closes the date) and date-specific breaks
 * (subtracted).  Dates are day numbers: days since 1970-01-01 (proleptic
 * Gregorian), Monday is weekday 0.
 *
 * oc_bh_parse turns the JSON text into the binary form (sorted, merged,
 * validated); oc_bh_view_init checks a binary form from anywhere (disk,
 * fuzzer) and gives typed pointers into it without copying; oc_bh_print
 * prints the canonical JSON text.  The engine (business_time.h) reads a
 * view.  No PostgreSQL header is included: the glue (src/pg/
 * business_hours_io.c) maps the status codes to SQLSTATEs and validates the
 * zone name against PostgreSQL's zone database through a callback.  Buffers
 * returned by oc_bh_parse and oc_bh_print are malloc'd; free them with
 * oc_bh_free.  Rules: docs/business-hours.md.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_CORE_BUSINESS_HOURS_H
#define OC_CORE_BUSINESS_HOURS_H

#include <stddef.h>
#include <stdint.h>

/* First byte of the binary form; bump it if the layout ever changes. */
#define OC_BH_FORMAT_VERSION	1
/* Most intervals in one weekday, shift or break list. */
#define OC_BH_MAX_INTERVALS		96
/* Longest time-zone name, in bytes. */
#define OC_BH_MAX_ZONE			127
/* Seconds in a (local, nominal) day. */
#define OC_BH_DAY				86400
/* Accepted dates: 0001-01-01 .. 9999-12-31 as day numbers. */
#define OC_BH_MIN_DAY			(-719162)
#define OC_BH_MAX_DAY			2932896

/* One status per failure class, so that the glue can pick a SQLSTATE. */
typedef enum oc_bh_status
{
	OC_BH_OK = 0,
	OC_BH_SYNTAX,				/* not well-formed JSON (22P02) */
	OC_BH_INVALID,				/* well-formed, but not a valid calendar (22023) */
	OC_BH_BAD_FORMAT,			/* time or date not in its format (22007) */
	OC_BH_OUT_OF_RANGE,			/* time or date field out of range (22008) */
	OC_BH_CORRUPT,				/* binary form fails its checks (XX001) */
	OC_BH_NOMEM					/* out of memory (53200) */
} oc_bh_status;

/* What went wrong: status, a lower-case message fragment and a hint. */
typedef struct oc_bh_error
{
	oc_bh_status status;
	char		msg[512];		/* lower-case, no final period */
	char		hint[256];		/* a sentence ending with '.', or empty */
} oc_bh_error;

/*
 * Zone-name check: return 1 and write the canonical spelling of name into
 * canon (at most cap bytes with the NUL) if the zone exists, else 0.
 */
typedef int (*oc_bh_zone_check) (void *ctx, const char *name,
								 char *canon, size_t cap);

/* Typed, read-only view of a binary calendar (points into the buffer). */
typedef struct oc_bh_view
{
	int32_t		nweek;			/* weekly intervals, all weekdays */
	const int32_t *week_off;	/* [8]: first interval of weekday w, Mon=0 */
	const int32_t *week_iv;		/* [2*nweek]: start, end seconds of day */
	int32_t		nhol;
	const int32_t *hol;			/* [nhol]: holiday day numbers, ascending */
	int32_t		nshift;
	const int32_t *shift_day;	/* [nshift]: ascending day numbers */
	const int32_t *shift_off;	/* [nshift+1]: first interval of each */
	const int32_t *shift_iv;	/* start, end pairs */
	int32_t		nbreak;
	const int32_t *break_day;
	const int32_t *break_off;
	const int32_t *break_iv;
	const char *zone;			/* NUL-terminated zone name */
	int32_t		zone_len;
	int64_t		week_seconds;	/* total weekly open seconds (> 0) */
} oc_bh_view;

/* Parse the JSON text form into a new binary calendar (malloc'd). */
extern int	oc_bh_parse(const char *json, size_t len,
						oc_bh_zone_check zone_check, void *zone_ctx,
						uint8_t **out, size_t *outlen, oc_bh_error *err);

/* Check a binary calendar (4-byte aligned) and fill a view of it. */
extern int	oc_bh_view_init(const uint8_t *buf, size_t len, oc_bh_view *view,
							oc_bh_error *err);

/* Print the canonical JSON text of a calendar (malloc'd, NUL-terminated). */
extern int	oc_bh_print(const oc_bh_view *view, char **out, size_t *outlen,
						oc_bh_error *err);

/* Free a buffer returned by oc_bh_parse or oc_bh_print. */
extern void oc_bh_free(void *p);

/* Day number of a proleptic Gregorian date (no range check). */
extern int32_t oc_bh_days_from_civil(int32_t y, int32_t m, int32_t d);

/* Proleptic Gregorian date of a day number. */
extern void oc_bh_civil_from_days(int64_t z, int32_t *y, int32_t *m,
								  int32_t *d);

/* Weekday of a day number: Monday 0 .. Sunday 6. */
extern int	oc_bh_weekday(int64_t day);

#endif							/* OC_CORE_BUSINESS_HOURS_H */
