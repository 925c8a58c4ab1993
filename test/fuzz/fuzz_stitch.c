/*
 * fuzz_stitch.c
 *	  libFuzzer target for the thread-token scanner of the stitching core
 *	  (src/core/stitch.c): never reads past the input, and every token it
 *	  reports is really there and prints back to itself.
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
	free(copy);
	return 0;
}
