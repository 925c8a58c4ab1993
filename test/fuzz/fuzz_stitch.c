/*
 * fuzz_stitch.c
 *	  libFuzzer target for the thread-token scanner of the stitching core
 *	  (src/core/stitch.c): never reads past the input, and every token it
 *	  reports is really there and prints back to itself.  Also the built-in
 *	  key patterns' matcher: a value it reports lies inside the input, is not
 *	  empty and ends a word.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/stitch.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: scan it; check what was found. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *copy = malloc(size ? size : 1);
	int64_t		thread = 0;
	char		token[OC_STITCH_TOKEN_MAX];
	size_t		n;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);	/* exact-size heap copy: ASan sees any overread */
	if (oc_stitch_find_token(copy, size, &thread))
	{
		if (thread <= 0)
			abort();
		n = oc_stitch_format_token(thread, token, sizeof(token));
		if (n == 0)
			abort();
		/* the canonical spelling, or the same with a lower-case t, is in the input */
		{
			int			found = 0;

			for (size_t i = 0; i + n <= size && !found; i++)
				if (copy[i] == '[' && memcmp(copy + i + 3, token + 3, n - 3) == 0 &&
					(copy[i + 2] == 'T' || copy[i + 2] == 't') && copy[i + 1] == '#')
					found = 1;
			if (!found)
				abort();
		}
	}
	for (size_t i = 0; i < 3; i++)
	{
		size_t		start = 0;
		size_t		len = 0;
		int			rc = oc_stitch_builtin_pattern_find(i, copy, size, &start, &len);

		if (rc < -1 || rc > 1)
			abort();
		if (rc == 1)
		{
			unsigned char after = start + len < size ? (unsigned char) copy[start + len] : ' ';

			if (len == 0 || start + len > size || start == 0)
				abort();
			if ((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
				(after >= '0' && after <= '9') || after == '_')
				abort();
		}
	}
	free(copy);
	return 0;
}
