/*-------------------------------------------------------------------------
 *
 * fuzz_business_hours.c
 *	  libFuzzer entry point for the business-hours JSON parser, the binary
 *	  form checker and (lightly) the engine over what they accept.
 *
 * Feeds arbitrary bytes to oc_bh_parse and, as a 4-byte aligned copy, to
 * oc_bh_view_init, and calls abort() on any violated invariant:
 *	  - a parse either fails with a status, a non-empty message and no
 *		buffer, or gives a binary form that oc_bh_view_init accepts;
 *	  - parse -> print -> parse gives the identical binary form, and
 *		printing that gives the identical text (canonical form is a fixed
 *		point);
 *	  - any binary form oc_bh_view_init accepts prints, and its text parses
 *		back to the same bytes;
 *	  - the engine, on an accepted calendar with a fixed-offset zone,
 *		answers is_open/next_open/add/between without crashing, with
 *		between(a, add(a, d)) = d when a is open (or an out-of-range
 *		status for durations that would leave the supported range).
 * Built with clang -fsanitize=fuzzer by scripts/fuzz.sh, and with
 * test/fuzz/replay.c (a plain main) by "make unit" to replay the corpus.
 *
 *-------------------------------------------------------------------------
 */
#include "core/business_hours.h"
#include "core/business_time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fixed-offset oracle: UTC+01:00, no transitions. */
static int32_t
fixed_offset(void *ctx, int64_t t)
{
	(void) ctx;
	(void) t;
	return 3600;
}

/* Fixed-offset oracle: never a transition. */
static int
no_transition(void *ctx, int64_t t, int64_t *when, int32_t *before, int32_t *after)
{
	(void) ctx;
	(void) t;
	(void) when;
	(void) before;
	(void) after;
	return 0;
}

static oc_zone zone;
static int	zone_ready = 0;

/* Exercise the engine a little on an accepted calendar. */
static void
engine(const oc_bh_view *v, const uint8_t *data, size_t size)
{
	int64_t		a = 1767225600LL * 1000000;	/* 2026-01-01 */
	int64_t		d = 0,
				r,
				back;
	int			open;
	int			rc;
	size_t		i;

	if (!zone_ready)
	{
		oc_zone_oracle o = {NULL, fixed_offset, no_transition, NULL};

		oc_zone_init(&zone, &o);
		zone_ready = 1;
	}
	for (i = 0; i < size && i < 8; i++)
		d = d * 131 + data[i];
	if (d < 0)
		d = -d;
	d %= (int64_t) 90 * 86400 * 1000000;
	a += d / 3;
	oc_bt_is_open(v, &zone, a, &open);
	if (oc_bt_next_open(v, &zone, a, &r) != OC_BT_OK || r < a)
		abort();
	/* a few seconds a week make 90 days of business time millennia long:
	 * OC_BT_RANGE is a legitimate answer, anything else must be exact */
	rc = oc_bt_add(v, &zone, a, d, NULL, 0, &r);
	if (rc == OC_BT_OK)
	{
		if (oc_bt_between(v, &zone, a, r, NULL, 0, &back) != OC_BT_OK)
			abort();
		if (open && back != d)
			abort();
	}
	else if (rc != OC_BT_RANGE)
		abort();
	rc = oc_bt_add(v, &zone, a, -d, NULL, 0, &r);
	if ((rc == OC_BT_OK && r > a) || (rc != OC_BT_OK && rc != OC_BT_RANGE))
		abort();
}

/* Print a view, re-parse the text, and check both are fixed points. */
static void
round_trip(const oc_bh_view *v, const uint8_t *bin, size_t len)
{
	char	   *txt,
			   *txt2;
	size_t		tlen,
				t2len,
				blen;
	uint8_t    *bin2;
	oc_bh_view	v2;
	oc_bh_error err;

	if (oc_bh_print(v, &txt, &tlen, &err) != OC_BH_OK)
		abort();
	if (strlen(txt) != tlen)
		abort();
	if (oc_bh_parse(txt, tlen, NULL, NULL, &bin2, &blen, &err) != OC_BH_OK)
		abort();
	if (blen != len || memcmp(bin2, bin, len) != 0)
		abort();
	if (oc_bh_view_init(bin2, blen, &v2, &err) != OC_BH_OK)
		abort();
	if (oc_bh_print(&v2, &txt2, &t2len, &err) != OC_BH_OK ||
		t2len != tlen || memcmp(txt, txt2, tlen) != 0)
		abort();
	oc_bh_free(txt);
	oc_bh_free(txt2);
	oc_bh_free(bin2);
}

/* libFuzzer entry point: arbitrary bytes in, invariants checked. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *bin;
	size_t		len;
	oc_bh_error err;
	oc_bh_view	v;
	int			rc;

	rc = oc_bh_parse((const char *) data, size, NULL, NULL, &bin, &len, &err);
	if (rc != OC_BH_OK)
	{
		if (bin != NULL || err.msg[0] == '\0' || rc != (int) err.status)
			abort();
	}
	else
	{
		if (oc_bh_view_init(bin, len, &v, &err) != OC_BH_OK)
			abort();
		round_trip(&v, bin, len);
		engine(&v, data, size);
		oc_bh_free(bin);
	}

	/* the same bytes as a binary form */
	if (size >= 4)
	{
		uint8_t    *copy = malloc(size);

		memcpy(copy, data, size);
		if (oc_bh_view_init(copy, size, &v, &err) == OC_BH_OK)
		{
			round_trip(&v, copy, size);
			engine(&v, data, size);
		}
		free(copy);
	}
	return 0;
}
