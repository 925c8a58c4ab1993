/*-------------------------------------------------------------------------
 *
 * business_time.c
 *	  The business-time engine: open periods of a calendar in UTC, and
 *	  walks over them forward (add, between, next_open) and backward
 *	  (add with a negative duration).
 *
 * A local day D (day number) yields its open periods: nothing on a
 * holiday; else the date's shift if there is one, else the weekday's
 * hours; minus the date's breaks.  Each local boundary is mapped to UTC
 * with oc_zone_local_to_utc (a time in a spring-forward gap moves forward
 * by the gap, an ambiguous fall-back time means its first occurrence), the
 * periods are clipped to the UTC span of the day itself ([start of D,
 * start of D+1)), then sorted and merged.  So a day's hours never spill
 * into another day, days never overlap, and a period's length is real
 * elapsed time (a 25-hour fall-back day open 00:00-24:00 counts 25 hours).
 *
 * Walks go day by day over those periods, cutting pauses out of them; a
 * whole week is skipped in O(1) (as the weekly total) when it has no
 * exception day, no zone transition and no pause, so durations of years
 * cost a handful of steps per exception.  Time zones: the oc_zone caches a
 * transition table (1900..2100) from the oracle at init; outside it the
 * oracle is asked directly.  The last segment used is remembered in the
 * zone, so consecutive calls on nearby instants never search.
 *
 *-------------------------------------------------------------------------
 */
#include "core/business_time.h"

#include <string.h>

#define USEC		1000000LL
#define DAY			86400LL
#define WEEK		(7 * DAY)
#define TAB_FROM	(-2208988800LL)		/* 1900-01-01 */
#define TAB_TO		(4102444800LL)	/* 2100-01-01 */
#define BIG_K		((int64_t) 1 << 40)
#define MAXP		(4 * OC_BH_MAX_INTERVALS + 4)

/* Floor division for possibly negative numerators (b > 0). */
static inline int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t		q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* ---- zone --------------------------------------------------------------- */

/* Fill the local-time bounds of a segment. */
static void
seg_finish(oc_tz_seg *s)
{
	int32_t		m = s->off > s->prev_off ? s->off : s->prev_off;

	s->llo = s->lo == INT64_MIN ? INT64_MIN : s->lo + m;
	s->lhi = s->hi == INT64_MAX ? INT64_MAX : s->hi + s->off;
}

/* Set up a zone over an oracle and build its transition table. */
void
oc_zone_init(oc_zone *z, const oc_zone_oracle *oracle)
{
	int64_t		t = TAB_FROM;

	memset(z, 0, sizeof(*z));
	z->oracle = *oracle;
	z->tab_lo = TAB_FROM;
	z->off0 = oracle->utc_offset(oracle->ctx, TAB_FROM);
	for (;;)
	{
		int64_t		when;
		int32_t		before,
					after;

		if (oracle->next_transition(oracle->ctx, t, &when, &before, &after) != 1 ||
			when <= t)
		{
			z->tab_hi = INT64_MAX;	/* no transition ever after t */
			break;
		}
		if (when >= TAB_TO || z->ntrans == OC_ZONE_TABLE_MAX)
		{
			z->tab_hi = when;
			break;
		}
		z->at[z->ntrans] = when;
		z->after[z->ntrans] = after;
		z->ntrans++;
		t = when;
	}
}

/* The segment containing u, from the table or the oracle. */
static void
seg_find(oc_zone *z, int64_t u, oc_tz_seg *s)
{
	if (u >= z->tab_lo && u < z->tab_hi)
	{
		int32_t		lo = 0,
					hi = z->ntrans;

		/* idx = number of transitions <= u */
		while (lo < hi)
		{
			int32_t		mid = (lo + hi) / 2;

			if (z->at[mid] <= u)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == 0)
		{
			s->lo = z->tab_lo;
			s->off = s->prev_off = z->off0;
		}
		else
		{
			s->lo = z->at[lo - 1];
			s->off = z->after[lo - 1];
			s->prev_off = lo >= 2 ? z->after[lo - 2] : z->off0;
		}
		s->hi = lo < z->ntrans ? z->at[lo] : z->tab_hi;
	}
	else
	{
		int64_t		start = u > INT64_MIN + 8 * DAY ? u - 8 * DAY : INT64_MIN;
		int			i;

		s->lo = start;
		s->off = s->prev_off = z->oracle.utc_offset(z->oracle.ctx, start);
		s->hi = INT64_MAX;
		for (i = 0; i < 64; i++)
		{
			int64_t		when;
			int32_t		before,
						after;

			if (z->oracle.next_transition(z->oracle.ctx, start, &when,
										  &before, &after) != 1 || when <= start)
				break;
			if (when > u)
			{
				s->hi = when;
				break;
			}
			s->lo = when;
			s->prev_off = before;
			s->off = after;
			start = when;
		}
	}
	seg_finish(s);
}

/* UTC offset in force at an instant (seconds). */
int32_t
oc_zone_offset(oc_zone *z, int64_t u)
{
	if (!(z->have_cur && u >= z->cur.lo && u < z->cur.hi))
	{
		seg_find(z, u, &z->cur);
		z->have_cur = 1;
	}
	return z->cur.off;
}

/* UTC second of a local time: gaps move forward, ambiguity -> first. */
int64_t
oc_zone_local_to_utc(oc_zone *z, int64_t L)
{
	oc_tz_seg	s;
	int32_t		prev = 0;
	int			i;

	if (z->have_cur && L >= z->cur.llo && L < z->cur.lhi)
		return L - z->cur.off;
	seg_find(z, L - 26 * 3600, &s);
	for (i = 0; i < 64; i++)
	{
		int64_t		c = L - s.off;

		if (i > 0 && c < s.lo)
			return L - prev;	/* in a gap: move forward by it */
		if (c < s.hi)
		{
			z->cur = s;
			z->have_cur = 1;
			return c;
		}
		prev = s.off;
		seg_find(z, s.hi, &s);
	}
	return L - s.off;
}

/* ---- calendar days ------------------------------------------------------ */

/* Index of the first element >= x in a sorted array. */
static int32_t
lower_bound(const int32_t *a, int32_t n, int64_t x)
{
	int32_t		lo = 0,
				hi = n;

	while (lo < hi)
	{
		int32_t		mid = (lo + hi) / 2;

		if (a[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Walk state: calendar, zone, and a cached "next exception day". */
typedef struct walk
{
	const oc_bh_view *v;
	oc_zone    *z;
	int64_t		exc_from;		/* next_exc is valid for days in */
	int64_t		exc_next;		/* [exc_from, exc_next] */
	uint32_t	steps;			/* for check_interrupts */
} walk;

/* One more step of a walk: let the caller cancel it now and then. */
static inline void
walk_step(walk *w)
{
	const oc_zone_oracle *o = &w->z->oracle;

	if (++w->steps % OC_BT_CHECK_EVERY == 0 && o->check_interrupts != NULL)
		o->check_interrupts(o->ctx);
}

/* Smallest day >= D that is a holiday, shift or break day (or INT64_MAX). */
static int64_t
next_exception(walk *w, int64_t D)
{
	const oc_bh_view *v = w->v;
	int64_t		best = INT64_MAX;
	int32_t		i;

	if (D >= w->exc_from && D <= w->exc_next)
		return w->exc_next;
	i = lower_bound(v->hol, v->nhol, D);
	if (i < v->nhol && v->hol[i] < best)
		best = v->hol[i];
	i = lower_bound(v->shift_day, v->nshift, D);
	if (i < v->nshift && v->shift_day[i] < best)
		best = v->shift_day[i];
	i = lower_bound(v->break_day, v->nbreak, D);
	if (i < v->nbreak && v->break_day[i] < best)
		best = v->break_day[i];
	w->exc_from = D;
	w->exc_next = best;
	return best;
}

/*
 * Local open intervals (seconds of day) of day D: returns their count and
 * points *iv at them (the weekly list itself, or buf).
 */
static int32_t
day_local(walk *w, int64_t D, int32_t *buf, const int32_t **iv)
{
	const oc_bh_view *v = w->v;
	const int32_t *base;
	int32_t		nb,
				i,
				k,
				wd = oc_bh_weekday(D);

	if (next_exception(w, D) != D)
	{
		*iv = v->week_iv + 2 * v->week_off[wd];
		return v->week_off[wd + 1] - v->week_off[wd];
	}
	i = lower_bound(v->hol, v->nhol, D);
	if (i < v->nhol && v->hol[i] == D)
	{
		*iv = buf;
		return 0;				/* holidays remove shifts and hours */
	}
	i = lower_bound(v->shift_day, v->nshift, D);
	if (i < v->nshift && v->shift_day[i] == D)
	{
		base = v->shift_iv + 2 * v->shift_off[i];
		nb = v->shift_off[i + 1] - v->shift_off[i];
	}
	else
	{
		base = v->week_iv + 2 * v->week_off[wd];
		nb = v->week_off[wd + 1] - v->week_off[wd];
	}
	i = lower_bound(v->break_day, v->nbreak, D);
	if (!(i < v->nbreak && v->break_day[i] == D))
	{
		*iv = base;
		return nb;
	}
	else
	{
		const int32_t *br = v->break_iv + 2 * v->break_off[i];
		int32_t		nbr = v->break_off[i + 1] - v->break_off[i];
		int32_t		j = 0,
					n = 0;

		for (k = 0; k < nb; k++)
		{
			int32_t		s = base[2 * k],
						e = base[2 * k + 1];

			while (j < nbr && br[2 * j + 1] <= s)
				j++;
			for (i = j; i < nbr && br[2 * i] < e && s < e; i++)
			{
				if (br[2 * i] > s)
				{
					buf[2 * n] = s;
					buf[2 * n + 1] = br[2 * i];
					n++;
				}
				if (br[2 * i + 1] > s)
					s = br[2 * i + 1];
			}
			if (s < e)
			{
				buf[2 * n] = s;
				buf[2 * n + 1] = e;
				n++;
			}
		}
		*iv = buf;
		return n;
	}
}

/*
 * Open periods of local day D in UTC seconds, sorted and disjoint, clipped
 * to the day's own UTC span [*ds, *de).  Returns the count.
 */
static int32_t
day_periods(walk *w, int64_t D, int64_t *per, int64_t *ds, int64_t *de)
{
	int32_t		buf[2 * MAXP];
	const int32_t *iv;
	int32_t		n = day_local(w, D, buf, &iv),
				i,
				m;
	int64_t		L0 = D * DAY;
	oc_zone    *z = w->z;

	*ds = oc_zone_local_to_utc(z, L0);
	if (z->have_cur && L0 >= z->cur.llo && L0 + DAY < z->cur.lhi)
	{
		/* the whole day has one offset */
		int64_t		base = L0 - z->cur.off;

		*de = base + DAY;
		for (i = 0; i < 2 * n; i++)
			per[i] = base + iv[i];
		return n;
	}
	*de = oc_zone_local_to_utc(z, L0 + DAY);
	m = 0;
	for (i = 0; i < n; i++)
	{
		int64_t		s = oc_zone_local_to_utc(z, L0 + iv[2 * i]);
		int64_t		e = oc_zone_local_to_utc(z, L0 + iv[2 * i + 1]);
		int32_t		j;

		if (s < *ds)
			s = *ds;
		if (e > *de)
			e = *de;
		if (s >= e)
			continue;
		/* insert sorted by start, then merge below */
		for (j = m; j > 0 && per[2 * (j - 1)] > s; j--)
		{
			per[2 * j] = per[2 * (j - 1)];
			per[2 * j + 1] = per[2 * (j - 1) + 1];
		}
		per[2 * j] = s;
		per[2 * j + 1] = e;
		m++;
	}
	n = 0;
	for (i = 0; i < m; i++)
	{
		if (n > 0 && per[2 * i] <= per[2 * (n - 1) + 1])
		{
			if (per[2 * i + 1] > per[2 * (n - 1) + 1])
				per[2 * (n - 1) + 1] = per[2 * i + 1];
			continue;
		}
		per[2 * n] = per[2 * i];
		per[2 * n + 1] = per[2 * i + 1];
		n++;
	}
	return n;
}

/* Local day whose UTC span contains instant u (microseconds). */
static int64_t
day_of(walk *w, int64_t u)
{
	int64_t		sec = floordiv(u, USEC);
	int64_t		D = floordiv(sec + oc_zone_offset(w->z, sec), DAY);

	if (u < oc_zone_local_to_utc(w->z, D * DAY) * USEC)
		return D - 1;
	if (u >= oc_zone_local_to_utc(w->z, (D + 1) * DAY) * USEC)
		return D + 1;
	return D;
}

/* Initialize a walk. */
static void
walk_init(walk *w, const oc_bh_view *v, oc_zone *z)
{
	w->v = v;
	w->z = z;
	w->exc_from = 1;
	w->exc_next = 0;			/* empty cache */
	w->steps = 0;
}

/*
 * How many whole weeks from the start of day D (UTC second ds) have one
 * offset and no exception day, stopping before UTC second limit.
 */
static int64_t
plain_weeks(walk *w, int64_t D, int64_t ds, int64_t limit)
{
	oc_tz_seg	s;
	int64_t		L0 = D * DAY,
				k = BIG_K,
				e,
				x;

	if (w->z->have_cur && ds >= w->z->cur.lo && ds < w->z->cur.hi)
		s = w->z->cur;
	else
	{
		seg_find(w->z, ds, &s);
		w->z->cur = s;
		w->z->have_cur = 1;
	}
	if (L0 < s.llo || L0 - s.off != ds)
		return 0;
	if (s.lhi != INT64_MAX)
	{
		x = floordiv(s.lhi - 1 - L0, DAY) / 7;
		if (x < k)
			k = x;
	}
	e = next_exception(w, D);
	if (e != INT64_MAX && (e - D) / 7 < k)
		k = (e - D) / 7;
	/* (D + 7k) * DAY - off <= limit */
	x = floordiv(limit + s.off - L0, DAY);
	x = x < 0 ? 0 : x / 7;
	if (x < k)
		k = x;
	return k;
}

/* Forward walk: mode 0 adds *d, mode 1 sums up to b.  See oc_bt_add. */
static int
walk_forward(walk *w, int64_t u, int64_t b, int mode, int64_t d,
			 const oc_bt_pause *P, size_t np, int64_t *result)
{
	size_t		pi = 0;
	int64_t		acc = 0;
	int64_t		W = w->v->week_seconds * USEC;
	int64_t		per[2 * MAXP];

	{
		size_t		lo = 0,
					hi = np;

		while (lo < hi)
		{
			size_t		mid = (lo + hi) / 2;

			if (P[mid].hi <= u)
				lo = mid + 1;
			else
				hi = mid;
		}
		pi = lo;
	}
	for (;;)
	{
		int64_t		D,
					ds,
					de;
		int32_t		n,
					i;

		walk_step(w);
		while (pi < np && P[pi].hi <= u)
			pi++;
		if (pi < np && P[pi].lo <= u)
		{
			/* inside a pause: jump to its end */
			if (P[pi].hi == OC_BT_POS_INF || (mode == 1 && P[pi].hi >= b))
			{
				if (mode == 1)
				{
					*result = acc;
					return OC_BT_OK;
				}
				return OC_BT_NEVER;
			}
			u = P[pi].hi;
			pi++;
			continue;
		}
		if (mode == 1 && u >= b)
		{
			*result = acc;
			return OC_BT_OK;
		}
		if (u > OC_BT_MAX_US)
			return OC_BT_RANGE;
		D = day_of(w, u);
		n = day_periods(w, D, per, &ds, &de);
		if (u == ds * USEC && W > 0 &&
			(mode == 0 ? d > W : b - u >= WEEK * USEC))
		{
			int64_t		limit = OC_BT_MAX_US / USEC,
						k;

			if (mode == 1 && b / USEC < limit)
				limit = floordiv(b, USEC);
			if (pi < np && floordiv(P[pi].lo, USEC) < limit)
				limit = floordiv(P[pi].lo, USEC);
			k = plain_weeks(w, D, ds, limit);
			if (mode == 0 && (d - 1) / W < k)
				k = (d - 1) / W;
			if (k >= 1)
			{
				if (mode == 0)
					d -= k * W;
				else
					acc += k * W;
				u = (ds + k * WEEK) * USEC;
				continue;
			}
		}
		for (i = 0; i < n; i++)
		{
			int64_t		S = per[2 * i] * USEC,
						E = per[2 * i + 1] * USEC;

			if (E <= u)
				continue;
			if (S < u)
				S = u;
			while (S < E)
			{
				int64_t		pe;

				while (pi < np && P[pi].hi <= S)
					pi++;
				if (pi < np && P[pi].lo <= S)
				{
					if (P[pi].hi >= E)
					{
						S = E;
						break;
					}
					S = P[pi].hi;
					continue;
				}
				pe = (pi < np && P[pi].lo < E) ? P[pi].lo : E;
				if (mode == 1)
				{
					if (S >= b)
					{
						*result = acc;
						return OC_BT_OK;
					}
					if (pe >= b)
					{
						*result = acc + (b - S);
						return OC_BT_OK;
					}
					acc += pe - S;
				}
				else
				{
					if (d < pe - S)
					{
						*result = S + d;
						return OC_BT_OK;
					}
					d -= pe - S;
				}
				S = pe;
			}
		}
		if (de * USEC > u)
			u = de * USEC;
		else
			u++;				/* cannot happen; guarantees progress */
	}
}

/* Backward walk: the instant m > 0 business microseconds before u. */
static int
walk_backward(walk *w, int64_t u, int64_t m, const oc_bt_pause *P,
			  size_t np, int64_t *result)
{
	int64_t		per[2 * MAXP];
	ptrdiff_t	pi;

	{
		size_t		lo = 0,
					hi = np;

		/* pi = last pause with lo < u */
		while (lo < hi)
		{
			size_t		mid = (lo + hi) / 2;

			if (P[mid].lo < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		pi = (ptrdiff_t) lo - 1;
	}
	for (;;)
	{
		int64_t		D,
					ds,
					de;
		int32_t		n,
					i;

		walk_step(w);
		while (pi >= 0 && P[pi].lo >= u)
			pi--;
		if (pi >= 0 && P[pi].hi >= u)
		{
			if (P[pi].lo == OC_BT_NEG_INF)
				return OC_BT_NEVER;
			u = P[pi].lo;
			pi--;
			continue;
		}
		if (u <= OC_BT_MIN_US)
			return OC_BT_RANGE;
		D = day_of(w, u - 1);
		n = day_periods(w, D, per, &ds, &de);
		for (i = n - 1; i >= 0; i--)
		{
			int64_t		S = per[2 * i] * USEC,
						E = per[2 * i + 1] * USEC;

			if (S >= u)
				continue;
			if (E > u)
				E = u;
			while (E > S)
			{
				int64_t		ps;

				while (pi >= 0 && P[pi].lo >= E)
					pi--;
				if (pi >= 0 && P[pi].hi >= E)
				{
					if (P[pi].lo <= S)
					{
						E = S;
						break;
					}
					E = P[pi].lo;
					continue;
				}
				ps = (pi >= 0 && P[pi].hi > S) ? P[pi].hi : S;
				if (m <= E - ps)
				{
					*result = E - m;
					return OC_BT_OK;
				}
				m -= E - ps;
				E = ps;
			}
		}
		if (ds * USEC < u)
			u = ds * USEC;
		else
			u--;
	}
}

/* Is the calendar open at t? */
int
oc_bt_is_open(const oc_bh_view *v, oc_zone *z, int64_t t, int *open)
{
	walk		w;
	int64_t		per[2 * MAXP],
				ds,
				de,
				D;
	int32_t		n,
				i;

	walk_init(&w, v, z);
	D = day_of(&w, t);
	n = day_periods(&w, D, per, &ds, &de);
	*open = 0;
	for (i = 0; i < n; i++)
		if (per[2 * i] * USEC <= t && t < per[2 * i + 1] * USEC)
			*open = 1;
	return OC_BT_OK;
}

/* t if open, else the next opening. */
int
oc_bt_next_open(const oc_bh_view *v, oc_zone *z, int64_t t, int64_t *result)
{
	walk		w;

	walk_init(&w, v, z);
	return walk_forward(&w, t, 0, 0, 0, NULL, 0, result);
}

/* The instant d business microseconds after (or -d before) t. */
int
oc_bt_add(const oc_bh_view *v, oc_zone *z, int64_t t, int64_t d,
		  const oc_bt_pause *pauses, size_t npauses, int64_t *result)
{
	walk		w;

	walk_init(&w, v, z);
	/* business time never exceeds real time: refuse the impossible at once */
	if (t > OC_BT_MAX_US || t < OC_BT_MIN_US)
		return OC_BT_RANGE;
	if (d >= 0)
	{
		if (d > OC_BT_MAX_US - t)
			return OC_BT_RANGE;
		return walk_forward(&w, t, 0, 0, d, pauses, npauses, result);
	}
	if (d == INT64_MIN || -d > t - OC_BT_MIN_US)
		return OC_BT_RANGE;
	return walk_backward(&w, t, -d, pauses, npauses, result);
}

/* Business microseconds in [a, b) minus pauses; negative if b < a. */
int
oc_bt_between(const oc_bh_view *v, oc_zone *z, int64_t a, int64_t b,
			  const oc_bt_pause *pauses, size_t npauses, int64_t *result)
{
	walk		w;
	int			rc;

	walk_init(&w, v, z);
	if (b >= a)
		return walk_forward(&w, a, b, 1, 0, pauses, npauses, result);
	rc = walk_forward(&w, b, a, 1, 0, pauses, npauses, result);
	*result = -*result;
	return rc;
}
