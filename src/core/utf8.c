/*
 * utf8.c
 *	  Strict UTF-8 decoding shared by the server-free normalizers
 *	  (contact_point.c, subject.c): the server guarantees valid input, but
 *	  the unit tests and fuzzers feed these files arbitrary bytes.
 */
#include "core/utf8.h"

/*
 * Decode one strict UTF-8 sequence at s[i] (no overlongs, surrogates or
 * code points past U+10FFFF); its length, or 0 if invalid or cut by len.
 */
int
oc_utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
	unsigned char c = s[i];
	size_t		left = len - i;

	if (c < 0x80)
	{
		*cp = c;
		return 1;
	}
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
	{
		if (left < 2 || (s[i + 1] & 0xC0) != 0x80)
			return 0;
		*cp = ((uint32_t) (c & 0x1F) << 6) | (s[i + 1] & 0x3F);
		return 2;
	}
	if (c < 0xF0)
	{
		unsigned char lo = (c == 0xE0) ? 0xA0 : 0x80;
		unsigned char hi = (c == 0xED) ? 0x9F : 0xBF;

		if (left < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			(s[i + 2] & 0xC0) != 0x80)
			return 0;
		*cp = ((uint32_t) (c & 0x0F) << 12) |
			((uint32_t) (s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
		return 3;
	}
	if (c < 0xF5)
	{
		unsigned char lo = (c == 0xF0) ? 0x90 : 0x80;
		unsigned char hi = (c == 0xF4) ? 0x8F : 0xBF;

		if (left < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			(s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
			return 0;
		*cp = ((uint32_t) (c & 0x07) << 18) |
			((uint32_t) (s[i + 1] & 0x3F) << 12) |
			((uint32_t) (s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
		return 4;
	}
	return 0;
}
