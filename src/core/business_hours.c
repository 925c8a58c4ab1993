/*-------------------------------------------------------------------------
 *
 * business_hours.c
 *	  JSON text form <-> compact binary form of a working-time calendar.
 *
 * The server-free core of the omnichannel.business_hours type.  The parser
 * is a small recursive-descent JSON reader that knows the calendar schema
 * (so nesting is bounded): a top-level object with "time_zone" (required),
 * "hours" (required, at least one interval in the week), "holidays",
 * "breaks" and "shifts".  Every list is sorted, adjacent intervals are
 * merged, duplicate holidays are folded, and everything else odd is refused
 * with a message that names the key and the value: unknown or duplicate
 * keys, wrong JSON types, malformed or out-of-range times and dates, start
 * >= end, overlapping intervals, "24:00" as a start, an empty week.
 *
 * Binary form (native byte order, 4-byte aligned, all int32 after the first
 * word): byte 0 the format version, bytes 1-3 zero; then nweek, week_off[8],
 * nhol, nshift, nshift_iv, nbreak, nbreak_iv, zone_len; then the arrays
 * week_iv[2*nweek], hol[nhol], shift_day[nshift], shift_off[nshift+1],
 * shift_iv[2*nshift_iv], break_day[nbreak], break_off[nbreak+1],
 * break_iv[2*nbreak_iv]; then the zone name, a NUL, zero padding to 4.
 * oc_bh_view_init re-checks every invariant, so a corrupt or hostile
 * buffer is refused, never trusted.
 *
 *-------------------------------------------------------------------------
 */
#include "core/business_hours.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_WORDS	16
#define STRBUF		160			/* decoded JSON strings we care about */

static const char *const weekday_names[7] = {
	"mon", "tue", "wed", "thu", "fri", "sat", "sun"
};

/* A growable array of int32. */
typedef struct ivec
{
	int32_t    *v;
	size_t		n;
	size_t		cap;
} ivec;

/* A date-keyed interval list under construction. */
typedef struct dayent
{
	int32_t		day;
	size_t		off;			/* first interval in the pool */
	size_t		n;
} dayent;

/* Everything the parser collects before building the binary form. */
typedef struct builder
{
	char		zone[OC_BH_MAX_ZONE + 1];
	int			have_zone;
	int			have_hours;
	ivec		week[7];		/* start,end pairs per weekday */
	ivec		hol;
	ivec		pool_shift;		/* start,end pairs */
	ivec		pool_break;
	dayent	   *shifts;
	size_t		nshifts;
	size_t		capshifts;
	dayent	   *breaks;
	size_t		nbreaks;
	size_t		capbreaks;
} builder;

/* Parser state over the input text. */
typedef struct parser
{
	const char *s;
	size_t		len;
	size_t		pos;
	oc_bh_error *err;
	int			nomem;
} parser;

#if defined(__GNUC__)
#define OC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define OC_PRINTF(f, a)
#endif

static int	set_err(oc_bh_error *err, oc_bh_status st, const char *hint,
					const char *fmt,...) OC_PRINTF(4, 5);

/* Set an error (message fragment printf-style); returns the status. */
static int
set_err(oc_bh_error *err, oc_bh_status st, const char *hint,
		const char *fmt,...)
{
	va_list		ap;

	err->status = st;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->hint, sizeof(err->hint), "%s", hint ? hint : "");
	return st;
}

/* Append one value to an ivec; 0 on out of memory. */
static int
ivec_push(ivec *a, int32_t x)
{
	if (a->n == a->cap)
	{
		size_t		nc = a->cap ? a->cap * 2 : 16;
		int32_t    *nv = realloc(a->v, nc * sizeof(int32_t));

		if (!nv)
			return 0;
		a->v = nv;
		a->cap = nc;
	}
	a->v[a->n++] = x;
	return 1;
}

/* Release a builder's arrays. */
static void
builder_free(builder *b)
{
	int			i;

	for (i = 0; i < 7; i++)
		free(b->week[i].v);
	free(b->hol.v);
	free(b->pool_shift.v);
	free(b->pool_break.v);
	free(b->shifts);
	free(b->breaks);
}

/* Day number of y-m-d (Howard Hinnant's days_from_civil). */
int32_t
oc_bh_days_from_civil(int32_t y, int32_t m, int32_t d)
{
	int64_t		yy = (int64_t) y - (m <= 2);
	int64_t		era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t		yoe = yy - era * 400;
	int64_t		doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t		doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (int32_t) (era * 146097 + doe - 719468);
}

/* Date of a day number (Howard Hinnant's civil_from_days). */
void
oc_bh_civil_from_days(int64_t z, int32_t *y, int32_t *m, int32_t *d)
{
	int64_t		era,
				doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int32_t) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int32_t) (mp < 10 ? mp + 3 : mp - 9);
	*y = (int32_t) (yoe + era * 400 + (*m <= 2));
}

/* Weekday of a day number, Monday 0 (1970-01-01 was a Thursday). */
int
oc_bh_weekday(int64_t day)
{
	int64_t		w = (day + 3) % 7;

	return (int) (w < 0 ? w + 7 : w);
}

/* ---- JSON reading -------------------------------------------------------- */

/* Skip JSON white space. */
static void
skip_ws(parser *p)
{
	while (p->pos < p->len &&
		   (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
			p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

/* Describe the byte at the current position for a syntax error. */
static int
syntax(parser *p, const char *what)
{
	if (p->pos >= p->len)
		return set_err(p->err, OC_BH_SYNTAX, NULL,
					   "expected %s at end of input", what);
	if ((unsigned char) p->s[p->pos] >= 0x20 &&
		(unsigned char) p->s[p->pos] < 0x7f)
		return set_err(p->err, OC_BH_SYNTAX, NULL,
					   "expected %s at character %zu, found \"%c\"",
					   what, p->pos + 1, p->s[p->pos]);
	return set_err(p->err, OC_BH_SYNTAX, NULL,
				   "expected %s at character %zu", what, p->pos + 1);
}

/* Consume one expected punctuation character (after white space). */
static int
expect(parser *p, char c, const char *what)
{
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == c)
	{
		p->pos++;
		return OC_BH_OK;
	}
	return syntax(p, what);
}

/* Peek at the next non-space character, or 0 at end. */
static char
peek(parser *p)
{
	skip_ws(p);
	return p->pos < p->len ? p->s[p->pos] : 0;
}

/* Parse 4 hex digits. */
static int
hex4(parser *p, unsigned *out)
{
	unsigned	v = 0;
	int			i;

	if (p->pos + 4 > p->len)
		return 0;
	for (i = 0; i < 4; i++)
	{
		char		c = p->s[p->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned) (c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned) (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned) (c - 'A' + 10);
		else
			return 0;
	}
	p->pos += 4;
	*out = v;
	return 1;
}

/*
 * Read a JSON string into buf (decoded, NUL-terminated; truncated to cap-1
 * bytes, *truncated set).  Control bytes and invalid escapes are syntax
 * errors; the decoded text is only ever compared with ASCII tokens.
 */
static int
read_string(parser *p, char *buf, size_t cap, int *truncated)
{
	size_t		n = 0;

	*truncated = 0;
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return syntax(p, "a string");
	p->pos++;
	for (;;)
	{
		unsigned char c;
		char		tmp[4];
		size_t		tn = 0,
					k;

		if (p->pos >= p->len)
			return syntax(p, "the end of a string");
		c = (unsigned char) p->s[p->pos];
		if (c == '"')
		{
			p->pos++;
			break;
		}
		if (c < 0x20)
			return set_err(p->err, OC_BH_SYNTAX, NULL,
						   "control character in a string at character %zu",
						   p->pos + 1);
		if (c == '\\')
		{
			unsigned	u;

			p->pos++;
			if (p->pos >= p->len)
				return syntax(p, "an escape");
			c = (unsigned char) p->s[p->pos++];
			switch (c)
			{
				case '"':
				case '\\':
				case '/':
					tmp[tn++] = (char) c;
					break;
				case 'b':
					tmp[tn++] = '\b';
					break;
				case 'f':
					tmp[tn++] = '\f';
					break;
				case 'n':
					tmp[tn++] = '\n';
					break;
				case 'r':
					tmp[tn++] = '\r';
					break;
				case 't':
					tmp[tn++] = '\t';
					break;
				case 'u':
					if (!hex4(p, &u))
						return set_err(p->err, OC_BH_SYNTAX, NULL,
									   "invalid \\u escape at character %zu",
									   p->pos);
					/* keep it simple: non-ASCII becomes '?' (never valid) */
					tmp[tn++] = (u > 0 && u < 0x80) ? (char) u : '?';
					break;
				default:
					p->pos--;
					return syntax(p, "a valid escape");
			}
		}
		else
		{
			tmp[tn++] = (char) c;
			p->pos++;
		}
		for (k = 0; k < tn; k++)
		{
			if (n + 1 < cap)
				buf[n++] = tmp[k];
			else
				*truncated = 1;
		}
	}
	buf[n] = '\0';
	return OC_BH_OK;
}

/* Quote a decoded string for a message: printable ASCII kept, else '?'. */
static const char *
shown(const char *s, int truncated, char *out, size_t cap)
{
	size_t		i,
				n = 0;

	for (i = 0; s[i] && n + 4 < cap && i < 60; i++)
	{
		unsigned char c = (unsigned char) s[i];

		out[n++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char) c : '?';
	}
	if (truncated || s[i])
	{
		out[n++] = '.';
		out[n++] = '.';
		out[n++] = '.';
	}
	out[n] = '\0';
	return out;
}

/* Name the JSON type of the value at the current position. */
static const char *
value_kind(parser *p)
{
	switch (peek(p))
	{
		case '"':
			return "a string";
		case '{':
			return "an object";
		case '[':
			return "an array";
		case 't':
		case 'f':
			return "a boolean";
		case 'n':
			return "null";
		case 0:
			return "nothing";
		default:
			return "a number";
	}
}

/* Refuse a value of the wrong JSON type (or a syntax error if malformed). */
static int
wrong_type(parser *p, const char *where, const char *want)
{
	char		c = peek(p);

	if (c == 0 || !(c == '"' || c == '{' || c == '[' || c == 't' ||
					c == 'f' || c == 'n' || c == '-' || (c >= '0' && c <= '9')))
		return syntax(p, "a value");
	return set_err(p->err, OC_BH_INVALID, NULL, "%s must be %s, not %s",
				   where, want, value_kind(p));
}

/* ---- calendar fields ------------------------------------------------------ */

/* Parse "HH:MM" or "HH:MM:SS" into seconds of the day (0..86400). */
static int
parse_time(parser *p, const char *s, int truncated, const char *where,
		   int32_t *out)
{
	char		sh[80];
	size_t		n = strlen(s);
	int			h,
				m,
				sec = 0;

#define D2(i) ((s[i] >= '0' && s[i] <= '9' && s[(i) + 1] >= '0' && s[(i) + 1] <= '9'))
	if (truncated || !((n == 5 && D2(0) && s[2] == ':' && D2(3)) ||
					   (n == 8 && D2(0) && s[2] == ':' && D2(3) &&
						s[5] == ':' && D2(6))))
		return set_err(p->err, OC_BH_BAD_FORMAT,
					   "Times are written \"HH:MM\" or \"HH:MM:SS\", 24-hour clock.",
					   "invalid time \"%s\" in %s",
					   shown(s, truncated, sh, sizeof(sh)), where);
#undef D2
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (n == 8)
		sec = (s[6] - '0') * 10 + (s[7] - '0');
	if (h > 24 || m > 59 || sec > 59 || (h == 24 && (m != 0 || sec != 0)))
		return set_err(p->err, OC_BH_OUT_OF_RANGE,
					   "Hours go from 00 to 23 (and \"24:00\" as an end), minutes and seconds from 00 to 59.",
					   "time \"%s\" out of range in %s", s, where);
	*out = h * 3600 + m * 60 + sec;
	return OC_BH_OK;
}

/* Parse "YYYY-MM-DD" into a day number. */
static int
parse_date(parser *p, const char *s, int truncated, const char *where,
		   int32_t *out)
{
	char		sh[80];
	size_t		n = strlen(s);
	int			y,
				m,
				d,
				i,
				mdays;
	static const int mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (truncated || n != 10 || s[4] != '-' || s[7] != '-')
		goto bad;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			goto bad;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1)
		goto range;
	mdays = mlen[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		mdays = 29;
	if (d > mdays)
		goto range;
	*out = oc_bh_days_from_civil(y, m, d);
	return OC_BH_OK;
bad:
	return set_err(p->err, OC_BH_BAD_FORMAT,
				   "Dates are written \"YYYY-MM-DD\".",
				   "invalid date \"%s\" in %s",
				   shown(s, truncated, sh, sizeof(sh)), where);
range:
	return set_err(p->err, OC_BH_OUT_OF_RANGE, NULL,
				   "date \"%s\" out of range in %s", s, where);
}

/* Compare start,end pairs by start, for qsort. */
static int
cmp_pair(const void *a, const void *b)
{
	int32_t		x = ((const int32_t *) a)[0];
	int32_t		y = ((const int32_t *) b)[0];

	return (x > y) - (x < y);
}

/* Compare int32, for qsort. */
static int
cmp_i32(const void *a, const void *b)
{
	int32_t		x = *(const int32_t *) a;
	int32_t		y = *(const int32_t *) b;

	return (x > y) - (x < y);
}

/* Format seconds of day as HH:MM or HH:MM:SS. */
static void
fmt_time(int32_t t, char *buf)
{
	if (t % 60)
		sprintf(buf, "%02d:%02d:%02d", (int) (t / 3600), (int) (t / 60 % 60), (int) (t % 60));
	else
		sprintf(buf, "%02d:%02d", (int) (t / 3600), (int) (t / 60 % 60));
}

/*
 * Parse a list of [start, end] pairs at the current position, appending
 * sorted, merged pairs to *pool; *count receives how many.
 */
static int
parse_intervals(parser *p, const char *where, ivec *pool, size_t *count)
{
	int32_t		tmp[2 * OC_BH_MAX_INTERVALS];
	size_t		n = 0,
				i,
				out;
	int			rc;

	if (peek(p) != '[')
		return wrong_type(p, where, "a list of [start, end] pairs");
	p->pos++;
	if (peek(p) == ']')
		p->pos++;
	else
	{
		for (;;)
		{
			char		a[STRBUF],
						b[STRBUF];
			int			ta,
						tb;
			int32_t		s,
						e;

			if (peek(p) != '[')
				return wrong_type(p, where, "a list of [start, end] pairs");
			p->pos++;
			if (peek(p) != '"')
				return wrong_type(p, where, "a list of [start, end] pairs of strings");
			if ((rc = read_string(p, a, sizeof(a), &ta)) != OC_BH_OK)
				return rc;
			if ((rc = expect(p, ',', "\",\"")) != OC_BH_OK)
				return rc;
			if (peek(p) != '"')
				return wrong_type(p, where, "a list of [start, end] pairs of strings");
			if ((rc = read_string(p, b, sizeof(b), &tb)) != OC_BH_OK)
				return rc;
			if (peek(p) != ']')
			{
				if (peek(p) == ',')
					return set_err(p->err, OC_BH_INVALID, NULL,
								   "an interval in %s has more than two times", where);
				return syntax(p, "\"]\"");
			}
			p->pos++;
			if ((rc = parse_time(p, a, ta, where, &s)) != OC_BH_OK)
				return rc;
			if ((rc = parse_time(p, b, tb, where, &e)) != OC_BH_OK)
				return rc;
			if (s == OC_BH_DAY)
				return set_err(p->err, OC_BH_INVALID,
							   "Write a shift that runs past midnight as two intervals, one on each day.",
							   "\"%s\" is allowed only as the end of an interval in %s",
							   a, where);
			if (s >= e)
				return set_err(p->err, OC_BH_INVALID,
							   "Write a shift that runs past midnight as two intervals, one on each day.",
							   "interval [\"%s\", \"%s\"] in %s does not end after it starts",
							   a, b, where);
			if (n == OC_BH_MAX_INTERVALS)
				return set_err(p->err, OC_BH_INVALID, NULL,
							   "more than %d intervals in %s",
							   OC_BH_MAX_INTERVALS, where);
			tmp[2 * n] = s;
			tmp[2 * n + 1] = e;
			n++;
			if (peek(p) == ',')
			{
				p->pos++;
				continue;
			}
			if ((rc = expect(p, ']', "\",\" or \"]\"")) != OC_BH_OK)
				return rc;
			break;
		}
	}
	qsort(tmp, n, 2 * sizeof(int32_t), cmp_pair);
	out = 0;
	for (i = 0; i < n; i++)
	{
		if (out > 0 && tmp[2 * i] < tmp[2 * (out - 1) + 1])
		{
			char		s1[16],
						e1[16],
						s2[16],
						e2[16];

			fmt_time(tmp[2 * (out - 1)], s1);
			fmt_time(tmp[2 * (out - 1) + 1], e1);
			fmt_time(tmp[2 * i], s2);
			fmt_time(tmp[2 * i + 1], e2);
			return set_err(p->err, OC_BH_INVALID, NULL,
						   "intervals [\"%s\", \"%s\"] and [\"%s\", \"%s\"] overlap in %s",
						   s1, e1, s2, e2, where);
		}
		if (out > 0 && tmp[2 * i] == tmp[2 * (out - 1) + 1])
		{
			/* adjacent: merge */
			tmp[2 * (out - 1) + 1] = tmp[2 * i + 1];
			continue;
		}
		tmp[2 * out] = tmp[2 * i];
		tmp[2 * out + 1] = tmp[2 * i + 1];
		out++;
	}
	for (i = 0; i < 2 * out; i++)
		if (!ivec_push(pool, tmp[i]))
		{
			p->nomem = 1;
			return set_err(p->err, OC_BH_NOMEM, NULL, "out of memory");
		}
	*count = out;
	return OC_BH_OK;
}

/* Parse "hours": an object of weekday -> intervals. */
static int
parse_hours(parser *p, builder *b)
{
	int			seen[7] = {0};
	int			rc;

	if (peek(p) != '{')
		return wrong_type(p, "\"hours\"", "an object with keys \"mon\" .. \"sun\"");
	p->pos++;
	if (peek(p) == '}')
	{
		p->pos++;
		return OC_BH_OK;
	}
	for (;;)
	{
		char		key[STRBUF],
					sh[80],
					where[64];
		int			tr,
					w;
		size_t		cnt;

		if ((rc = read_string(p, key, sizeof(key), &tr)) != OC_BH_OK)
			return rc;
		if ((rc = expect(p, ':', "\":\"")) != OC_BH_OK)
			return rc;
		for (w = 0; w < 7; w++)
			if (!tr && strcmp(key, weekday_names[w]) == 0)
				break;
		if (w == 7)
			return set_err(p->err, OC_BH_INVALID,
						   "Weekdays are \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" and \"sun\".",
						   "unknown weekday \"%s\" in \"hours\"",
						   shown(key, tr, sh, sizeof(sh)));
		if (seen[w])
			return set_err(p->err, OC_BH_INVALID, NULL,
						   "duplicate weekday \"%s\" in \"hours\"", key);
		seen[w] = 1;
		snprintf(where, sizeof(where), "\"hours\".\"%.8s\"", key);
		if ((rc = parse_intervals(p, where, &b->week[w], &cnt)) != OC_BH_OK)
			return rc;
		if (peek(p) == ',')
		{
			p->pos++;
			continue;
		}
		return expect(p, '}', "\",\" or \"}\"");
	}
}

/* Parse "holidays": a list of dates. */
static int
parse_holidays(parser *p, builder *b)
{
	int			rc;

	if (peek(p) != '[')
		return wrong_type(p, "\"holidays\"", "a list of dates");
	p->pos++;
	if (peek(p) == ']')
	{
		p->pos++;
		return OC_BH_OK;
	}
	for (;;)
	{
		char		s[STRBUF];
		int			tr;
		int32_t		day;

		if (peek(p) != '"')
			return wrong_type(p, "\"holidays\"", "a list of date strings");
		if ((rc = read_string(p, s, sizeof(s), &tr)) != OC_BH_OK)
			return rc;
		if ((rc = parse_date(p, s, tr, "\"holidays\"", &day)) != OC_BH_OK)
			return rc;
		if (!ivec_push(&b->hol, day))
			return set_err(p->err, OC_BH_NOMEM, NULL, "out of memory");
		if (peek(p) == ',')
		{
			p->pos++;
			continue;
		}
		return expect(p, ']', "\",\" or \"]\"");
	}
}

/* Compare dayent by day, for qsort. */
static int
cmp_dayent(const void *a, const void *b)
{
	int32_t		x = ((const dayent *) a)->day;
	int32_t		y = ((const dayent *) b)->day;

	return (x > y) - (x < y);
}

/* Parse "breaks" or "shifts": an object of date -> intervals. */
static int
parse_dated(parser *p, const char *name, ivec *pool, dayent **ents,
			size_t *nents, size_t *cap)
{
	int			rc;
	size_t		i;
	char		where[64];

	snprintf(where, sizeof(where), "\"%s\"", name);
	if (peek(p) != '{')
		return wrong_type(p, where, "an object with dates as keys");
	p->pos++;
	if (peek(p) != '}')
	{
		for (;;)
		{
			char		key[STRBUF],
						w2[80];
			int			tr;
			int32_t		day;
			size_t		off = pool->n / 2,
						cnt;

			if ((rc = read_string(p, key, sizeof(key), &tr)) != OC_BH_OK)
				return rc;
			if ((rc = expect(p, ':', "\":\"")) != OC_BH_OK)
				return rc;
			if ((rc = parse_date(p, key, tr, where, &day)) != OC_BH_OK)
				return rc;
			snprintf(w2, sizeof(w2), "\"%.8s\".\"%.12s\"", name, key);
			if ((rc = parse_intervals(p, w2, pool, &cnt)) != OC_BH_OK)
				return rc;
			if (*nents == *cap)
			{
				size_t		nc = *cap ? *cap * 2 : 8;
				dayent	   *nv = realloc(*ents, nc * sizeof(dayent));

				if (!nv)
					return set_err(p->err, OC_BH_NOMEM, NULL, "out of memory");
				*ents = nv;
				*cap = nc;
			}
			(*ents)[*nents].day = day;
			(*ents)[*nents].off = off;
			(*ents)[*nents].n = cnt;
			(*nents)++;
			if (peek(p) == ',')
			{
				p->pos++;
				continue;
			}
			if ((rc = expect(p, '}', "\",\" or \"}\"")) != OC_BH_OK)
				return rc;
			break;
		}
	}
	else
		p->pos++;
	if (*nents > 1)
		qsort(*ents, *nents, sizeof(dayent), cmp_dayent);
	for (i = 1; i < *nents; i++)
		if ((*ents)[i].day == (*ents)[i - 1].day)
		{
			int32_t		y,
						m,
						d;

			oc_bh_civil_from_days((*ents)[i].day, &y, &m, &d);
			return set_err(p->err, OC_BH_INVALID, NULL,
						   "duplicate date \"%04d-%02d-%02d\" in %s",
						   (int) y, (int) m, (int) d, where);
		}
	return OC_BH_OK;
}

/* Parse the top-level object into the builder. */
static int
parse_top(parser *p, builder *b, oc_bh_zone_check zone_check, void *zone_ctx)
{
	int			seen[5] = {0};
	static const char *const keys[5] = {"time_zone", "hours", "holidays", "breaks", "shifts"};
	int			rc;

	if (peek(p) != '{')
	{
		char		c = peek(p);

		if (c == '[' || c == '"' || c == 't' || c == 'f' || c == 'n' ||
			c == '-' || (c >= '0' && c <= '9'))
			return set_err(p->err, OC_BH_INVALID, NULL,
						   "a calendar must be a JSON object, not %s", value_kind(p));
		return syntax(p, "\"{\"");
	}
	p->pos++;
	if (peek(p) != '}')
	{
		for (;;)
		{
			char		key[STRBUF],
						sh[80];
			int			tr,
						k;

			if ((rc = read_string(p, key, sizeof(key), &tr)) != OC_BH_OK)
				return rc;
			if ((rc = expect(p, ':', "\":\"")) != OC_BH_OK)
				return rc;
			for (k = 0; k < 5; k++)
				if (!tr && strcmp(key, keys[k]) == 0)
					break;
			if (k == 5)
				return set_err(p->err, OC_BH_INVALID,
							   "The keys are \"time_zone\", \"hours\", \"holidays\", \"breaks\" and \"shifts\".",
							   "unknown key \"%s\"", shown(key, tr, sh, sizeof(sh)));
			if (seen[k])
				return set_err(p->err, OC_BH_INVALID, NULL,
							   "duplicate key \"%s\"", key);
			seen[k] = 1;
			switch (k)
			{
				case 0:
					{
						char		z[STRBUF];
						size_t		i,
									zl;

						if (peek(p) != '"')
							return wrong_type(p, "\"time_zone\"", "a string");
						if ((rc = read_string(p, z, sizeof(z), &tr)) != OC_BH_OK)
							return rc;
						zl = strlen(z);
						for (i = 0; i < zl; i++)
						{
							char		c = z[i];

							if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
								  (c >= '0' && c <= '9') || c == '/' || c == '_' ||
								  c == '-' || c == '+'))
								break;
						}
						if (tr || zl == 0 || zl > OC_BH_MAX_ZONE || i < zl ||
							(zone_check && !zone_check(zone_ctx, z, b->zone, sizeof(b->zone))))
							return set_err(p->err, OC_BH_INVALID,
										   "Use an IANA time zone name such as \"Europe/Warsaw\" (see pg_timezone_names).",
										   "time zone \"%s\" not recognized",
										   shown(z, tr, sh, sizeof(sh)));
						if (!zone_check)
							memcpy(b->zone, z, zl + 1);
						b->zone[OC_BH_MAX_ZONE] = '\0';
						b->have_zone = 1;
						break;
					}
				case 1:
					if ((rc = parse_hours(p, b)) != OC_BH_OK)
						return rc;
					b->have_hours = 1;
					break;
				case 2:
					if ((rc = parse_holidays(p, b)) != OC_BH_OK)
						return rc;
					break;
				case 3:
					if ((rc = parse_dated(p, "breaks", &b->pool_break, &b->breaks,
										  &b->nbreaks, &b->capbreaks)) != OC_BH_OK)
						return rc;
					break;
				case 4:
					if ((rc = parse_dated(p, "shifts", &b->pool_shift, &b->shifts,
										  &b->nshifts, &b->capshifts)) != OC_BH_OK)
						return rc;
					break;
			}
			if (peek(p) == ',')
			{
				p->pos++;
				continue;
			}
			if ((rc = expect(p, '}', "\",\" or \"}\"")) != OC_BH_OK)
				return rc;
			break;
		}
	}
	else
		p->pos++;
	skip_ws(p);
	if (p->pos < p->len)
		return syntax(p, "the end of input");
	if (!b->have_zone)
		return set_err(p->err, OC_BH_INVALID,
					   "Add \"time_zone\", for example \"Europe/Warsaw\".",
					   "key \"time_zone\" is missing");
	{
		int			w,
					any = 0;

		for (w = 0; w < 7; w++)
			any |= b->week[w].n > 0;
		if (!any)
			return set_err(p->err, OC_BH_INVALID,
						   "Give at least one weekday interval in \"hours\", for example {\"mon\": [[\"09:00\", \"17:00\"]]}.",
						   b->have_hours ? "no working hours in \"hours\"" : "key \"hours\" is missing");
	}
	return OC_BH_OK;
}

/* Serialize a builder into the binary form. */
static int
build_binary(builder *b, uint8_t **out, size_t *outlen, oc_bh_error *err)
{
	size_t		nweek = 0,
				nhol,
				i,
				w,
				words,
				zl = strlen(b->zone),
				bytes;
	int32_t    *v;
	size_t		k;

	for (w = 0; w < 7; w++)
		nweek += b->week[w].n / 2;
	/* holidays: sort and fold duplicates */
	if (b->hol.n > 1)
		qsort(b->hol.v, b->hol.n, sizeof(int32_t), cmp_i32);
	nhol = 0;
	for (i = 0; i < b->hol.n; i++)
		if (nhol == 0 || b->hol.v[nhol - 1] != b->hol.v[i])
			b->hol.v[nhol++] = b->hol.v[i];
	if (nhol > 50000000 || b->pool_shift.n > 100000000 || b->pool_break.n > 100000000)
		return set_err(err, OC_BH_INVALID, NULL, "calendar too large");
	words = HDR_WORDS + 2 * nweek + nhol + (2 * b->nshifts + 1) + b->pool_shift.n +
		(2 * b->nbreaks + 1) + b->pool_break.n;
	bytes = words * 4 + ((zl + 1 + 3) & ~(size_t) 3);
	v = calloc(1, bytes);
	if (!v)
		return set_err(err, OC_BH_NOMEM, NULL, "out of memory");
	((uint8_t *) v)[0] = OC_BH_FORMAT_VERSION;
	v[1] = (int32_t) nweek;
	k = 0;
	for (w = 0; w < 7; w++)
	{
		v[2 + w] = (int32_t) k;
		k += b->week[w].n / 2;
	}
	v[9] = (int32_t) k;
	v[10] = (int32_t) nhol;
	v[11] = (int32_t) b->nshifts;
	v[12] = (int32_t) (b->pool_shift.n / 2);
	v[13] = (int32_t) b->nbreaks;
	v[14] = (int32_t) (b->pool_break.n / 2);
	v[15] = (int32_t) zl;
	k = HDR_WORDS;
	for (w = 0; w < 7; w++)
		for (i = 0; i < b->week[w].n; i++)
			v[k++] = b->week[w].v[i];
	for (i = 0; i < nhol; i++)
		v[k++] = b->hol.v[i];
	{
		/* shifts then breaks: days, offsets, intervals (in day order) */
		struct
		{
			dayent	   *e;
			size_t		n;
			ivec	   *pool;
		}			lists[2] = {{b->shifts, b->nshifts, &b->pool_shift},
		{b->breaks, b->nbreaks, &b->pool_break}};
		int			l;

		for (l = 0; l < 2; l++)
		{
			size_t		off = 0;

			for (i = 0; i < lists[l].n; i++)
				v[k++] = lists[l].e[i].day;
			for (i = 0; i < lists[l].n; i++)
			{
				v[k++] = (int32_t) off;
				off += lists[l].e[i].n;
			}
			v[k++] = (int32_t) off;
			for (i = 0; i < lists[l].n; i++)
			{
				size_t		j;

				for (j = 0; j < 2 * lists[l].e[i].n; j++)
					v[k++] = lists[l].pool->v[2 * lists[l].e[i].off + j];
			}
		}
	}
	memcpy(v + k, b->zone, zl);
	*out = (uint8_t *) v;
	*outlen = bytes;
	return OC_BH_OK;
}

/* Parse the JSON text form into a new binary calendar. */
int
oc_bh_parse(const char *json, size_t len, oc_bh_zone_check zone_check,
			void *zone_ctx, uint8_t **out, size_t *outlen, oc_bh_error *err)
{
	parser		p;
	builder		b;
	int			rc;

	*out = NULL;
	*outlen = 0;
	err->status = OC_BH_OK;
	err->msg[0] = err->hint[0] = '\0';
	memset(&b, 0, sizeof(b));
	p.s = json;
	p.len = len;
	p.pos = 0;
	p.err = err;
	p.nomem = 0;
	if (memchr(json, '\0', len) != NULL)
		rc = set_err(err, OC_BH_SYNTAX, NULL, "NUL byte in input");
	else
		rc = parse_top(&p, &b, zone_check, zone_ctx);
	if (rc == OC_BH_OK)
		rc = build_binary(&b, out, outlen, err);
	builder_free(&b);
	return rc;
}

/* ---- binary form -------------------------------------------------------- */

/* Check one list of intervals: in day, sorted, non-overlapping. */
static int
check_ivs(const int32_t *iv, int32_t n)
{
	int32_t		i;

	if (n < 0 || n > OC_BH_MAX_INTERVALS)
		return 0;
	for (i = 0; i < n; i++)
	{
		if (iv[2 * i] < 0 || iv[2 * i] >= iv[2 * i + 1] || iv[2 * i + 1] > OC_BH_DAY)
			return 0;
		if (i > 0 && iv[2 * i] <= iv[2 * i - 1])
			return 0;
	}
	return 1;
}

/* Check ascending day numbers in range. */
static int
check_days(const int32_t *d, int32_t n)
{
	int32_t		i;

	for (i = 0; i < n; i++)
		if (d[i] < OC_BH_MIN_DAY || d[i] > OC_BH_MAX_DAY || (i > 0 && d[i] <= d[i - 1]))
			return 0;
	return 1;
}

/* Check a dated list (days, offsets, intervals). */
static int
check_dated(const int32_t *day, const int32_t *off, const int32_t *iv,
			int32_t n, int32_t niv)
{
	int32_t		i;

	if (!check_days(day, n) || off[0] != 0 || off[n] != niv)
		return 0;
	for (i = 0; i < n; i++)
		if (off[i + 1] < off[i] || !check_ivs(iv + 2 * off[i], off[i + 1] - off[i]))
			return 0;
	return 1;
}

/* Check a binary calendar and fill a view of it. */
int
oc_bh_view_init(const uint8_t *buf, size_t len, oc_bh_view *v, oc_bh_error *err)
{
	const int32_t *w = (const int32_t *) buf;
	int64_t		words;
	size_t		need,
				k;
	int32_t		i;

	err->status = OC_BH_OK;
	err->msg[0] = err->hint[0] = '\0';
	if (((uintptr_t) buf & 3) != 0 || len < HDR_WORDS * 4 || (len & 3) != 0)
		goto corrupt;
	if (buf[0] != OC_BH_FORMAT_VERSION)
		return set_err(err, OC_BH_CORRUPT, NULL,
					   "unsupported binary format version %d", (int) buf[0]);
	if (buf[1] || buf[2] || buf[3])
		goto corrupt;
	for (i = 1; i < HDR_WORDS - 1; i++)		/* counts, not the zone length */
		if (w[i] < 0 || w[i] > (int32_t) (len / 4))
			goto corrupt;
	v->nweek = w[1];
	v->nhol = w[10];
	v->nshift = w[11];
	v->nbreak = w[13];
	v->zone_len = w[15];
	words = HDR_WORDS + 2 * (int64_t) w[1] + w[10] + 2 * (int64_t) w[11] + 1 +
		2 * (int64_t) w[12] + 2 * (int64_t) w[13] + 1 + 2 * (int64_t) w[14];
	if (v->zone_len < 1 || v->zone_len > OC_BH_MAX_ZONE)
		goto corrupt;
	need = (size_t) words * 4 + (((size_t) v->zone_len + 1 + 3) & ~(size_t) 3);
	if (need != len)
		goto corrupt;
	k = HDR_WORDS;
	v->week_off = w + 2;
	v->week_iv = w + k;
	k += 2 * (size_t) w[1];
	v->hol = w + k;
	k += (size_t) w[10];
	v->shift_day = w + k;
	k += (size_t) w[11];
	v->shift_off = w + k;
	k += (size_t) w[11] + 1;
	v->shift_iv = w + k;
	k += 2 * (size_t) w[12];
	v->break_day = w + k;
	k += (size_t) w[13];
	v->break_off = w + k;
	k += (size_t) w[13] + 1;
	v->break_iv = w + k;
	k += 2 * (size_t) w[14];
	v->zone = (const char *) (w + k);
	/* weekly hours */
	if (v->week_off[0] != 0 || v->week_off[7] != v->nweek || v->nweek < 1)
		goto corrupt;
	v->week_seconds = 0;
	for (i = 0; i < 7; i++)
	{
		int32_t		j;

		if (v->week_off[i + 1] < v->week_off[i] ||
			!check_ivs(v->week_iv + 2 * v->week_off[i], v->week_off[i + 1] - v->week_off[i]))
			goto corrupt;
		for (j = v->week_off[i]; j < v->week_off[i + 1]; j++)
			v->week_seconds += v->week_iv[2 * j + 1] - v->week_iv[2 * j];
	}
	if (!check_days(v->hol, v->nhol) ||
		!check_dated(v->shift_day, v->shift_off, v->shift_iv, v->nshift, w[12]) ||
		!check_dated(v->break_day, v->break_off, v->break_iv, v->nbreak, w[14]))
		goto corrupt;
	for (i = 0; i < v->zone_len; i++)
	{
		char		c = v->zone[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' || c == '+'))
			goto corrupt;
	}
	for (k = (size_t) v->zone_len; (const uint8_t *) v->zone + k < buf + len; k++)
		if (v->zone[k] != '\0')
			goto corrupt;
	return OC_BH_OK;
corrupt:
	return set_err(err, OC_BH_CORRUPT, NULL, "corrupt binary form");
}

/* A growable output string. */
typedef struct sbuf
{
	char	   *s;
	size_t		n;
	size_t		cap;
	int			nomem;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt,...) OC_PRINTF(2, 3);

/* Append printf-style text to an sbuf. */
static void
sb_printf(sbuf *b, const char *fmt,...)
{
	va_list		ap;
	int			need;

	if (b->nomem)
		return;
	for (;;)
	{
		va_start(ap, fmt);
		need = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (need < 0)
		{
			b->nomem = 1;
			return;
		}
		if ((size_t) need < b->cap - b->n)
		{
			b->n += (size_t) need;
			return;
		}
		{
			size_t		nc = (b->cap + (size_t) need + 1) * 2;
			char	   *ns = realloc(b->s, nc);

			if (!ns)
			{
				b->nomem = 1;
				return;
			}
			b->s = ns;
			b->cap = nc;
		}
	}
}

/* Append a list of intervals as [["HH:MM", "HH:MM"], ...]. */
static void
sb_intervals(sbuf *b, const int32_t *iv, int32_t n)
{
	int32_t		i;

	sb_printf(b, "[");
	for (i = 0; i < n; i++)
	{
		char		s[16],
					e[16];

		fmt_time(iv[2 * i], s);
		fmt_time(iv[2 * i + 1], e);
		sb_printf(b, "%s[\"%s\", \"%s\"]", i ? ", " : "", s, e);
	}
	sb_printf(b, "]");
}

/* Append a date as "YYYY-MM-DD". */
static void
sb_date(sbuf *b, int32_t day)
{
	int32_t		y,
				m,
				d;

	oc_bh_civil_from_days(day, &y, &m, &d);
	sb_printf(b, "\"%04d-%02d-%02d\"", (int) y, (int) m, (int) d);
}

/* Append ', "key": {"YYYY-MM-DD": [intervals], ...}' for n dated lists (nothing if n is 0). */
static void
sb_dated(sbuf *b, const char *key, int32_t n, const int32_t *days,
		 const int32_t *off, const int32_t *iv)
{
	int32_t		i;

	if (n <= 0)
		return;
	sb_printf(b, ", \"%s\": {", key);
	for (i = 0; i < n; i++)
	{
		sb_printf(b, "%s", i ? ", " : "");
		sb_date(b, days[i]);
		sb_printf(b, ": ");
		sb_intervals(b, iv + 2 * off[i], off[i + 1] - off[i]);
	}
	sb_printf(b, "}");
}

/* Print the canonical JSON text of a calendar. */
int
oc_bh_print(const oc_bh_view *v, char **out, size_t *outlen, oc_bh_error *err)
{
	sbuf		b = {NULL, 0, 0, 0};
	int			w,
				first = 1;
	int32_t		i;

	b.cap = 256;
	b.s = malloc(b.cap);
	if (!b.s)
		return set_err(err, OC_BH_NOMEM, NULL, "out of memory");
	sb_printf(&b, "{\"time_zone\": \"%s\", \"hours\": {", v->zone);
	for (w = 0; w < 7; w++)
	{
		int32_t		n = v->week_off[w + 1] - v->week_off[w];

		if (n == 0)
			continue;
		sb_printf(&b, "%s\"%s\": ", first ? "" : ", ", weekday_names[w]);
		sb_intervals(&b, v->week_iv + 2 * v->week_off[w], n);
		first = 0;
	}
	sb_printf(&b, "}");
	if (v->nhol > 0)
	{
		sb_printf(&b, ", \"holidays\": [");
		for (i = 0; i < v->nhol; i++)
		{
			if (i)
				sb_printf(&b, ", ");
			sb_date(&b, v->hol[i]);
		}
		sb_printf(&b, "]");
	}
	sb_dated(&b, "breaks", v->nbreak, v->break_day, v->break_off, v->break_iv);
	sb_dated(&b, "shifts", v->nshift, v->shift_day, v->shift_off, v->shift_iv);
	sb_printf(&b, "}");
	if (b.nomem)
	{
		free(b.s);
		return set_err(err, OC_BH_NOMEM, NULL, "out of memory");
	}
	*out = b.s;
	*outlen = b.n;
	return OC_BH_OK;
}

/* Free a buffer returned by oc_bh_parse or oc_bh_print. */
void
oc_bh_free(void *p)
{
	free(p);
}
