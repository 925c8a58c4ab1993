/*-------------------------------------------------------------------------
 *
 * fuzz_phone.c
 *	  libFuzzer entry point for phone numbers: the libphonenumber shim and
 *	  the region-aware contact point core.
 *
 * Input layout: the first two bytes are the default region (used as given,
 * so most inputs also exercise region validation), the rest is the number.
 * Checks, calling abort() on any violation:
 *	  - oc_phone_parse on the raw bytes (any bytes, NUL-terminated copy)
 *		returns a known status, writes an E.164 ("+", 1 to 15 digits, the
 *		first not 0) exactly when it returns OC_PHONE_OK, and its info names
 *		a known type;
 *	  - oc_cp_normalize_region and oc_cp_phone_info agree: both accept with
 *		the same E.164 or both refuse; a refusal leaves an empty output and
 *		a well-formed detail (capital first, period last);
 *	  - an accepted contact point normalizes to itself with no region and
 *		with another region (stored values never depend on the region).
 * Built with clang -fsanitize=fuzzer by scripts/fuzz.sh, and with
 * test/fuzz/replay.c (a plain main) by "make unit" to replay the corpus.
 *
 *-------------------------------------------------------------------------
 */
#include "core/contact_point.h"
#include "core/phone.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is s "+" followed by 1 to 15 digits, the first not 0? */
static int
is_e164(const char *s)
{
	size_t		n = strlen(s);
	size_t		i;

	if (n < 2 || n > 16 || s[0] != '+' || s[1] == '0')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A detail sentence: capital first, period last. */
static void
check_detail(const char *msg)
{
	size_t		n = strlen(msg);

	if (n < 2 || msg[n - 1] != '.' || msg[0] < 'A' || msg[0] > 'Z')
		abort();
}

/* libFuzzer entry point: arbitrary bytes in, invariants checked. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		region[3] = {0};
	const char *num;
	size_t		numlen;
	char	   *z;
	char		e164[OC_PHONE_E164_BUFSIZE];
	char		out[OC_CP_BUFSIZE];
	char		out2[OC_CP_BUFSIZE];
	char		again[OC_CP_BUFSIZE];
	size_t		outlen,
				out2len,
				againlen;
	oc_cp_error err,
				err2;
	oc_phone_info info;
	int			rc,
				rc2;

	if (size >= 2)
	{
		region[0] = (char) data[0];
		region[1] = (char) data[1];
		if (memchr(region, '\0', 2))
			region[0] = '\0';
		num = (const char *) data + 2;
		numlen = size - 2;
	}
	else
	{
		num = (const char *) data;
		numlen = size;
	}

	/* the shim on raw bytes */
	z = malloc(numlen + 1);
	memcpy(z, num, numlen);
	z[numlen] = '\0';
	rc = oc_phone_parse(z, region, e164, sizeof(e164), &info);
	free(z);
	if (rc < OC_PHONE_OK || rc > OC_PHONE_INTERNAL || info.status != rc ||
		(rc == OC_PHONE_OK) != (e164[0] != '\0') ||
		(rc == OC_PHONE_OK && !is_e164(e164)) ||
		(int) info.type < 0 || info.type > OC_PHONE_TYPE_UNKNOWN ||
		strlen(info.region) > 3)
		abort();

	/* the core: contact point input and phone_info agree */
	rc = oc_cp_normalize_region(num, numlen, region, out, sizeof(out),
								&outlen, &err);
	rc2 = oc_cp_phone_info(num, numlen, region, out2, sizeof(out2), &out2len,
						   &info, &err2);
	if (rc != OC_CP_OK)
	{
		if (out[0] != '\0' || outlen != 0)
			abort();
		check_detail(err.detail);
	}
	if (rc2 != OC_CP_OK)
	{
		if (out2[0] != '\0' || out2len != 0)
			abort();
		check_detail(err2.detail);
	}
	else
	{
		if (!is_e164(out2) || info.status != OC_PHONE_OK || !info.parsed)
			abort();
		/* a phone number the input accepts bare is the same number */
		if (rc == OC_CP_OK && strncmp(out, "tel:", 4) == 0 &&
			strcmp(out + 4, out2) != 0)
			abort();
	}
	if (rc == OC_CP_OK)
	{
		if (oc_cp_normalize_region(out, outlen, NULL, again, sizeof(again),
								   &againlen, &err2) != OC_CP_OK ||
			againlen != outlen || memcmp(again, out, outlen) != 0)
			abort();
		if (oc_cp_normalize_region(out, outlen, "US", again, sizeof(again),
								   &againlen, &err2) != OC_CP_OK ||
			againlen != outlen || memcmp(again, out, outlen) != 0)
			abort();
	}
	return 0;
}
