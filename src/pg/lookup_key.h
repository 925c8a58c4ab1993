/*-------------------------------------------------------------------------
 *
 * lookup_key.h
 *	  The indexed form of a sender's value (lookup_key.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMNICHANNEL_LOOKUP_KEY_H
#define OMNICHANNEL_LOOKUP_KEY_H

/* Values up to this many bytes are indexed as they are ... */
#define OC_LOOKUP_KEY_MAX		1024
/* ... longer ones (and ones starting with this) as this and their SHA-256 in hex. */
#define OC_LOOKUP_KEY_PREFIX	"omnichannel:sha256:"

extern char *oc_lookup_key_cstring(const char *s, size_t len);
extern Datum oc_lookup_key_datum(Datum value);
extern bool oc_lookup_key_differs(Datum value);

#endif							/* OMNICHANNEL_LOOKUP_KEY_H */
