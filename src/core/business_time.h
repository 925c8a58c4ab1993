/*-------------------------------------------------------------------------
 *
 * business_time.h
 *	  Server-free business-time engine: is a calendar open at an instant,
 *	  when does it next open, what instant lies d business microseconds
 *	  after (or before) another, how much business time lies between two
 *	  instants, optionally minus UTC pauses.
 *
 * Instants are int64 microseconds since 1970-01-01 00:00 UTC; durations are
 * real elapsed microseconds.  A calendar is an oc_bh_view (business_hours.h)
 * plus an oc_zone: the zone wraps a zone oracle (offset at an instant, next
 * transition after an instant) that the caller implements -- the glue with
 * PostgreSQL's pg_tz, the unit tests with glibc -- and caches a table of its
 * transitions so that the engine never asks the oracle twice for the same
 * thing.  The engine works over open periods (never minute by minute) and
 * jumps whole weeks that have no exception day, no zone transition and no
 * pause.  Rules (half-open intervals, gaps move forward, ambiguous times
 * mean their first occurrence, closing time -> next opening, ...):
 * docs/business-hours.md and DESIGN.md "Semantics decided".
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_CORE_BUSINESS_TIME_H
#define OC_CORE_BUSINESS_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "core/business_hours.h"

/* Supported instants (about 4713 BC .. 287000 AD), in microseconds. */
#define OC_BT_MIN_US		(-210866803200000000LL)
#define OC_BT_MAX_US		(9000000000000000000LL)
/* Pause bounds meaning "unbounded". */
#define OC_BT_NEG_INF		INT64_MIN
#define OC_BT_POS_INF		INT64_MAX
/* Transitions cached per zone (1900 .. 2100 fits every zone comfortably). */
#define OC_ZONE_TABLE_MAX	1024

typedef enum oc_bt_status
{
	OC_BT_OK = 0,
	OC_BT_NEVER,				/* an unbounded pause: there is no result */
	OC_BT_RANGE					/* the result would leave the supported range */
} oc_bt_status;

/* Time-zone rules, implemented by the caller. */
typedef struct oc_zone_oracle
{
	void	   *ctx;
	/* UTC offset (seconds east of Greenwich) in force at utc_seconds. */
	int32_t		(*utc_offset) (void *ctx, int64_t utc_seconds);
	/*
	 * First transition strictly after utc_seconds: 1 and *when, *before,
	 * *after (the offsets either side), or 0 if there is none.
	 */
	int			(*next_transition) (void *ctx, int64_t utc_seconds,
									int64_t *when, int32_t *before,
									int32_t *after);
	/*
	 * Optional (NULL: none): called every OC_BT_CHECK_EVERY steps of a long
	 * walk, so that the server can cancel it; it may not return (the walks
	 * hold nothing that would leak).
	 */
	void		(*check_interrupts) (void *ctx);
} oc_zone_oracle;

/* Walk steps (days, or whole weeks) between two check_interrupts calls. */
#define OC_BT_CHECK_EVERY	1024

/* A span of constant offset: [lo, hi) in UTC seconds. */
typedef struct oc_tz_seg
{
	int64_t		lo;
	int64_t		hi;
	int32_t		off;
	int32_t		prev_off;		/* offset before lo (= off if lo is not a transition) */
	int64_t		llo;			/* local times >= llo and < lhi map to L - off */
	int64_t		lhi;
} oc_tz_seg;

/* A zone: the oracle plus cached transitions (fill with oc_zone_init). */
typedef struct oc_zone
{
	oc_zone_oracle oracle;
	int64_t		tab_lo;			/* the table knows every transition in */
	int64_t		tab_hi;			/* [tab_lo, tab_hi) */
	int32_t		off0;			/* offset at tab_lo */
	int32_t		ntrans;
	int64_t		at[OC_ZONE_TABLE_MAX];
	int32_t		after[OC_ZONE_TABLE_MAX];
	oc_tz_seg	cur;			/* last segment used */
	int			have_cur;
} oc_zone;

/* A pause: [lo, hi) in UTC microseconds; OC_BT_NEG_INF/POS_INF unbounded. */
typedef struct oc_bt_pause
{
	int64_t		lo;
	int64_t		hi;
} oc_bt_pause;

/* Set up a zone over an oracle and build its transition table. */
extern void oc_zone_init(oc_zone *z, const oc_zone_oracle *oracle);

/* UTC offset in force at an instant (seconds). */
extern int32_t oc_zone_offset(oc_zone *z, int64_t utc_seconds);

/* UTC second of a local time: gaps move forward, ambiguity -> first. */
extern int64_t oc_zone_local_to_utc(oc_zone *z, int64_t local_seconds);

/* Is the calendar open at t? */
extern int	oc_bt_is_open(const oc_bh_view *v, oc_zone *z, int64_t t,
						  int *open);

/* t if open, else the next opening. */
extern int	oc_bt_next_open(const oc_bh_view *v, oc_zone *z, int64_t t,
							int64_t *result);

/*
 * The instant d business microseconds after t (d >= 0; d = 0 is
 * next_open; a result is always an instant at which the calendar is open),
 * or |d| before t (d < 0; landing on an opening gives that opening), not
 * counting the sorted, disjoint pauses.  OC_BT_NEVER if an unbounded pause
 * swallows the rest of the walk.
 */
extern int	oc_bt_add(const oc_bh_view *v, oc_zone *z, int64_t t, int64_t d,
					  const oc_bt_pause *pauses, size_t npauses,
					  int64_t *result);

/* Business microseconds in [a, b) minus pauses; negative if b < a. */
extern int	oc_bt_between(const oc_bh_view *v, oc_zone *z, int64_t a,
						  int64_t b, const oc_bt_pause *pauses,
						  size_t npauses, int64_t *result);

#endif							/* OC_CORE_BUSINESS_TIME_H */
