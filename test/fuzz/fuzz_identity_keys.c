/*-------------------------------------------------------------------------
 *
 * fuzz_identity_keys.c
 *	  libFuzzer entry point for the identity-suggestion keys.
 *
 * Feeds arbitrary bytes to oc_email_provider_key, oc_name_key and
 * oc_name_translit_key and checks invariants, calling abort() on any
 * violation:
 *	  - the status is one the input can cause (never OC_IDKEY_INTERNAL, never
 *		OC_IDKEY_BUFFER_TOO_SMALL with a full-size buffer); a failure leaves
 *		an empty output, outlen 0 and a well-formed detail (capital first,
 *		period last), a bad byte's offset inside the bytes read;
 *	  - a key is valid UTF-8 without control characters, at most
 *		OC_IDKEY_MAX_LEN bytes, NUL-terminated, outlen its length, and fits
 *		exactly: one byte less of buffer is OC_IDKEY_BUFFER_TOO_SMALL with an
 *		empty output, the exact size gives the same key;
 *	  - an e-mail key has one "@", is no longer than the input and is its
 *		own key;
 *	  - a name key has no leading, trailing or double space and is its own
 *		key, without truncation;
 *	  - the translit key is well spaced, its ASCII bytes are [a-z0-9 ] only,
 *		it equals the translit key of the name key, and both name keys
 *		fail alike on invalid UTF-8.
 * Built with clang -fsanitize=fuzzer by scripts/fuzz.sh, and with
 * test/fuzz/replay.c (a plain main) by "make unit" to replay the corpus.
 *
 *-------------------------------------------------------------------------
 */
#include "core/identity_keys.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One of the three key functions. */
typedef int (*key_fn) (const char *in, size_t len, char *out, size_t cap,
					   size_t *outlen, oc_idkey_info *info);

/* Is the detail one capitalized sentence (or more) ending with '.'? */
static int
good_detail(const char *d)
{
	size_t		n = strlen(d);

	return n >= 2 && d[0] >= 'A' && d[0] <= 'Z' && d[n - 1] == '.';
}

/* Is s[0..n) free of leading, trailing and double spaces? */
static int
well_spaced(const char *s, size_t n)
{
	size_t		i;

	if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] == ' ' && s[i - 1] == ' ')
			return 0;
	return 1;
}

/*
 * Run f on data into out (OC_IDKEY_BUFSIZE bytes) and check the invariants
 * every key function shares; the status.
 */
static int
run_checked(key_fn f, const uint8_t *data, size_t size, char *out,
			size_t *outlen, oc_idkey_info *info)
{
	static char exact[OC_IDKEY_BUFSIZE];
	size_t		elen = 99;
	oc_idkey_info einfo;
	int			rc;

	memset(out, 'x', OC_IDKEY_BUFSIZE);
	*outlen = 99;
	rc = f((const char *) data, size, out, OC_IDKEY_BUFSIZE, outlen, info);
	if (rc != OC_IDKEY_OK)
	{
		if ((rc != OC_IDKEY_BAD_INPUT && rc != OC_IDKEY_BAD_ENCODING) ||
			out[0] != '\0' || *outlen != 0 || !good_detail(info->detail))
			abort();
		if (rc == OC_IDKEY_BAD_ENCODING &&
			(info->offset < 0 || (size_t) info->offset >= size ||
			 info->offset >= OC_IDKEY_MAX_INPUT))
			abort();
		return rc;
	}
	if (*outlen > OC_IDKEY_MAX_LEN || out[*outlen] != '\0' ||
		strlen(out) != *outlen || info->detail[0] != '\0' ||
		info->bytes_read > size || info->bytes_read > OC_IDKEY_MAX_INPUT ||
		!clean_utf8((const unsigned char *) out, *outlen))
		abort();
	/* the key fits exactly: one byte less is too small */
	memset(exact, 'x', sizeof(exact));
	if (f((const char *) data, size, exact, *outlen, &elen, &einfo) !=
		OC_IDKEY_BUFFER_TOO_SMALL ||
		(*outlen > 0 && exact[0] != '\0') || elen != 0 ||
		!good_detail(einfo.detail))
		abort();
	if (f((const char *) data, size, exact, *outlen + 1, &elen, &einfo) !=
		OC_IDKEY_OK || elen != *outlen || memcmp(exact, out, elen + 1) != 0)
		abort();
	return rc;
}

/* libFuzzer entry point: arbitrary bytes in, invariants checked. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[OC_IDKEY_BUFSIZE];
	static char key[OC_IDKEY_BUFSIZE];
	static char again[OC_IDKEY_BUFSIZE];
	size_t		outlen;
	size_t		keylen;
	size_t		againlen;
	oc_idkey_info info;
	oc_idkey_info info2;
	int			rc;
	int			rc2;
	long		offset;
	size_t		i;

	/* e-mail provider key */
	rc = run_checked(oc_email_provider_key, data, size, out, &outlen, &info);
	if (rc == OC_IDKEY_OK)
	{
		const char *at = memchr(out, '@', outlen);

		if (at == NULL || at == out || at == out + outlen - 1 ||
			memchr(at + 1, '@', outlen - (size_t) (at - out) - 1) != NULL ||
			outlen > size)
			abort();
		rc2 = oc_email_provider_key(out, outlen, again, sizeof(again),
									&againlen, &info2);
		if (rc2 != OC_IDKEY_OK || againlen != outlen ||
			memcmp(again, out, outlen) != 0)
			abort();
	}

	/* name key */
	rc = run_checked(oc_name_key, data, size, key, &keylen, &info);
	offset = info.offset;
	if (rc == OC_IDKEY_BAD_INPUT)
		abort();
	if (rc == OC_IDKEY_OK)
	{
		if (!well_spaced(key, keylen) ||
			(info.bytes_read < size && !info.truncated))
			abort();
		rc2 = oc_name_key(key, keylen, again, sizeof(again), &againlen,
						  &info2);
		if (rc2 != OC_IDKEY_OK || againlen != keylen ||
			memcmp(again, key, keylen) != 0 || info2.truncated)
			abort();
	}

	/* transliterated name key */
	rc2 = run_checked(oc_name_translit_key, data, size, out, &outlen, &info);
	if (rc2 != rc || (rc != OC_IDKEY_OK && info.offset != offset))
		abort();
	if (rc2 == OC_IDKEY_OK)
	{
		if (!well_spaced(out, outlen))
			abort();
		for (i = 0; i < outlen; i++)
		{
			unsigned char c = (unsigned char) out[i];

			if (c < 0x80 && c != ' ' && !(c >= 'a' && c <= 'z') &&
				!(c >= '0' && c <= '9'))
				abort();
		}
		/* the translit key of the name key is the same */
		rc = oc_name_translit_key(key, keylen, again, sizeof(again),
								  &againlen, &info2);
		if (rc != OC_IDKEY_OK || againlen != outlen ||
			memcmp(again, out, outlen) != 0)
			abort();
	}
	return 0;
}
