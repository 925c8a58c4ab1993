/*-------------------------------------------------------------------------
 *
 * fuzz_contact_point.c
 *	  libFuzzer entry point for the contact point normalizer.
 *
 * Feeds arbitrary bytes to oc_cp_normalize (and, split at the first byte
 * 0xFF or in the middle, to oc_cp_normalize_parts) and checks invariants,
 * calling abort() on any violation:
 *	  - a result is valid UTF-8 without control characters, at most
 *		OC_CP_MAX_LEN bytes, NUL-terminated, of the form kind:value with a
 *		known canonical kind and a non-empty value;
 *	  - a result normalizes to itself (idempotence);
 *	  - a failure leaves an empty output and a well-formed detail (capital
 *		first, period last, no control bytes), and a quoted input for the
 *		message has no control bytes.
 * Built with clang -fsanitize=fuzzer by scripts/fuzz.sh, and with
 * test/fuzz/replay.c (a plain main) by "make unit" to replay the corpus.
 *
 *-------------------------------------------------------------------------
 */
#include "core/contact_point.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Check a detail/hint sentence: empty allowed only if allow_empty. */
static void
check_sentence(const char *msg, int allow_empty)
{
	size_t		n = strlen(msg);

	if (n == 0 && allow_empty)
		return;
	if (n < 2 || msg[n - 1] != '.' || msg[0] < 'A' || msg[0] > 'Z' ||
		!clean_utf8((const unsigned char *) msg, n))
		abort();
}

/* Check the invariants of one normalization result. */
static void
check_result(int rc, const char *out, size_t outlen, const oc_cp_error *err)
{
	char		again[OC_CP_BUFSIZE];
	size_t		againlen;
	oc_cp_error err2;
	size_t		kindlen;
	size_t		valueoff;

	if (rc != OC_CP_OK)
	{
		if (rc != (int) err->status || out[0] != '\0' || outlen != 0 ||
			rc == OC_CP_BUFFER_TOO_SMALL)
			abort();
		check_sentence(err->detail, 0);
		check_sentence(err->hint, 1);
		return;
	}
	if (outlen == 0 || outlen > OC_CP_MAX_LEN || out[outlen] != '\0' ||
		strlen(out) != outlen ||
		!clean_utf8((const unsigned char *) out, outlen))
		abort();
	if (oc_cp_split(out, outlen, &kindlen, &valueoff) != 0 ||
		valueoff >= outlen)
		abort();
	{
		const char *canon = oc_cp_kind_lookup(out, kindlen, NULL);

		if (canon == NULL || strlen(canon) != kindlen ||
			memcmp(canon, out, kindlen) != 0)
			abort();
	}
	if (oc_cp_normalize(out, outlen, again, sizeof(again), &againlen,
						&err2) != OC_CP_OK ||
		againlen != outlen || memcmp(again, out, outlen) != 0)
		abort();
	/* the constructor agrees with the single-string form */
	if (oc_cp_normalize_parts(out, kindlen, out + valueoff,
							  outlen - valueoff, again, sizeof(again),
							  &againlen, &err2) != OC_CP_OK ||
		againlen != outlen || memcmp(again, out, outlen) != 0)
		abort();
}

/* libFuzzer entry point: arbitrary bytes in, invariants checked. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		out[OC_CP_BUFSIZE];
	char		quoted[OC_CP_QUOTE_BUFSIZE];
	size_t		outlen = 0;
	oc_cp_error err;
	int			rc;
	const uint8_t *sep;
	size_t		qlen;

	rc = oc_cp_normalize((const char *) data, size, out, sizeof(out),
						 &outlen, &err);
	check_result(rc, out, outlen, &err);

	qlen = oc_cp_quote((const char *) data, size, quoted, sizeof(quoted));
	if (qlen >= sizeof(quoted) || strlen(quoted) != qlen ||
		!clean_utf8((const unsigned char *) quoted, qlen))
		abort();

	/* kind and value split at the first 0xFF byte, if any */
	sep = memchr(data, 0xFF, size);
	if (sep)
	{
		size_t		k = (size_t) (sep - data);

		rc = oc_cp_normalize_parts((const char *) data, k,
								   (const char *) sep + 1, size - k - 1,
								   out, sizeof(out), &outlen, &err);
		if (rc != OC_CP_OK)
			check_result(rc, out, outlen, &err);
		else if (!clean_utf8((const unsigned char *) out, outlen))
			abort();
	}
	return 0;
}
