/*
 * fuzz_util.h
 *	  Invariant checks shared by the fuzz targets (header-only: each target
 *	  is one translation unit).
 */
#ifndef OC_FUZZ_UTIL_H
#define OC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

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

#endif							/* OC_FUZZ_UTIL_H */
