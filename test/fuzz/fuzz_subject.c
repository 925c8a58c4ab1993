/*-------------------------------------------------------------------------
 *
 * fuzz_subject.c
 *	  libFuzzer entry point for the subject normalizer.
 *
 * Feeds arbitrary bytes to oc_subject_normalize and checks invariants,
 * calling abort() on any violation:
 *	  - a result is valid UTF-8 without control characters, at most
 *		OC_SUBJ_MAX_LEN bytes, NUL-terminated, with no leading, trailing or
 *		double space;
 *	  - a result normalizes to itself (idempotence), without truncation;
 *	  - the work counter stays linear in the bytes read;
 *	  - a failure is OC_SUBJ_BAD_ENCODING only, at an offset inside the
 *		bytes read where the input really is not UTF-8, with an empty output
 *		and a well-formed detail (capital first, period last).
 * Built with clang -fsanitize=fuzzer by scripts/fuzz.sh, and with
 * test/fuzz/replay.c (a plain main) by "make unit" to replay the corpus.
 *
 *-------------------------------------------------------------------------
 */
#include "core/subject.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Is s[0..n) valid UTF-8 with no C0, C1 or DEL characters? */
static int
clean_utf8(const unsigned char *s, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		unsigned char c = s[i];
		size_t		len;
		uint32_t	cp;
		size_t		k;

		if (c < 0x80)
		{
			if (c < 0x20 || c == 0x7F)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c < 0xE0)
			len = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c < 0xF0)
			len = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c < 0xF5)
			len = 4, cp = c & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
			(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
			(cp >= 0x80 && cp <= 0x9F))
			return 0;
		i += len;
	}
	return 1;
}

/* libFuzzer entry point: arbitrary bytes in, invariants checked. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[OC_SUBJ_BUFSIZE];
	static char again[OC_SUBJ_BUFSIZE];
	size_t		outlen = 99;
	size_t		againlen = 99;
	oc_subj_info info;
	oc_subj_info info2;
	int			rc;

	memset(out, 'x', sizeof(out));
	rc = oc_subject_normalize((const char *) data, size, out, sizeof(out),
							  &outlen, &info);
	if (rc != OC_SUBJ_OK)
	{
		size_t		dl = strlen(info.detail);

		if (rc != OC_SUBJ_BAD_ENCODING || out[0] != '\0' || outlen != 0 ||
			info.offset < 0 || (size_t) info.offset >= size ||
			info.offset >= OC_SUBJ_MAX_INPUT ||
			dl < 2 || info.detail[0] < 'A' || info.detail[0] > 'Z' ||
			info.detail[dl - 1] != '.')
			abort();
		return 0;
	}
	if (outlen > OC_SUBJ_MAX_LEN || out[outlen] != '\0' ||
		strlen(out) != outlen ||
		!clean_utf8((const unsigned char *) out, outlen) ||
		info.bytes_read > OC_SUBJ_MAX_INPUT || info.bytes_read > size ||
		(info.bytes_read < size && !info.truncated) ||
		info.steps > 32 * info.bytes_read + 1024)
		abort();
	if (outlen > 0 && (out[0] == ' ' || out[outlen - 1] == ' ' ||
					   strstr(out, "  ") != NULL))
		abort();
	/* the bytes read are valid UTF-8 (controls aside) */
	rc = oc_subject_normalize(out, outlen, again, sizeof(again), &againlen,
							  &info2);
	if (rc != OC_SUBJ_OK || againlen != outlen ||
		memcmp(again, out, outlen) != 0 || info2.truncated)
		abort();
	return 0;
}
