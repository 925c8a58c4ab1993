/*
 * utf8.h
 *	  Strict UTF-8 decoding shared by the server-free normalizers.
 */
#ifndef OC_UTF8_H
#define OC_UTF8_H

#include <stddef.h>
#include <stdint.h>

extern int	oc_utf8_decode(const unsigned char *s, size_t len, size_t i,
						   uint32_t *cp);

#endif							/* OC_UTF8_H */
