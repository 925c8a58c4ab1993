/*-------------------------------------------------------------------------
 *
 * contact_point_io.h
 *	  What ingest borrows from contact_point_io.c: the text input of a
 *	  contact point that gives no error for invalid input.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_PG_CONTACT_POINT_IO_H
#define OC_PG_CONTACT_POINT_IO_H

/* The contact point of s[0..len) (omnichannel.default_region), or (Datum) 0. */
extern Datum oc_contact_point_try(const char *s, size_t len);

#endif							/* OC_PG_CONTACT_POINT_IO_H */
