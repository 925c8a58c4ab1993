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

#include "fuzz_util.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
