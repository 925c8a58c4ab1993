/*-------------------------------------------------------------------------
 *
 * contact_point.h
 *	  Server-free normalizer for contact points: "kind:value" addresses of a
 *	  customer on some channel (email:, tel:, whatsapp:, twitter:, crm: ...).
 *
 * This is the pure C core behind the omnichannel.contact_point SQL type.
 * It includes no PostgreSQL header: the fmgr glue (src/pg/contact_point_*.c),
 * the unit tests (test/unit/) and the fuzzers (test/fuzz/) all call it the
 * same way.  Callers provide the buffers; nothing is allocated per call.
 * The rules are documented in docs/contact-points.md.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_CORE_CONTACT_POINT_H
#define OC_CORE_CONTACT_POINT_H

#include <stddef.h>

#include "core/phone.h"

/* Longest accepted input, in bytes (before normalization). */
#define OC_CP_MAX_INPUT		1024
/* Longest canonical "kind:value" text, in bytes (no trailing NUL). */
#define OC_CP_MAX_LEN		1024
/* A buffer this big always holds a canonical value plus a NUL. */
#define OC_CP_BUFSIZE		(OC_CP_MAX_LEN + 1)
/* Longest e-mail local part, in octets, after normalization (RFC 5321). */
#define OC_CP_MAX_LOCAL		64
/* Longest e-mail domain, in octets of its ASCII (A-label) form. */
#define OC_CP_MAX_DOMAIN	253
/* Characters of the input echoed back in error messages. */
#define OC_CP_QUOTE_CHARS	60
/* A buffer this big always holds a quoted input (see oc_cp_quote). */
#define OC_CP_QUOTE_BUFSIZE	(OC_CP_QUOTE_CHARS * 6 + 8)

/* One status per failure class, so that the glue can pick a SQLSTATE. */
typedef enum oc_cp_status
{
	OC_CP_OK = 0,
	OC_CP_EMPTY,				/* empty input or empty value after kind: */
	OC_CP_TOO_LONG,				/* input or result longer than the limit */
	OC_CP_BAD_ENCODING,			/* not valid UTF-8 */
	OC_CP_CONTROL_CHAR,			/* C0, C1 or DEL anywhere */
	OC_CP_NO_KIND,				/* no kind: prefix and not a bare e-mail or phone */
	OC_CP_UNKNOWN_KIND,			/* kind: prefix not in the kinds table */
	OC_CP_BAD_EMAIL,			/* e-mail without "@" */
	OC_CP_BAD_EMAIL_LOCAL,		/* bad local part */
	OC_CP_BAD_EMAIL_DOMAIN,		/* bad domain (IDNA or structure) */
	OC_CP_BAD_PHONE,			/* bad international phone number */
	OC_CP_NATIONAL_PHONE,		/* phone number without + or 00 */
	OC_CP_BAD_HANDLE,			/* bad @-handle or other handle */
	OC_CP_BAD_ID,				/* bad opaque identifier */
	OC_CP_BUFFER_TOO_SMALL,		/* caller's output buffer too small */
	OC_CP_INTERNAL,				/* ICU or libphonenumber failed (out of memory, ...) */
	OC_CP_BAD_REGION			/* region argument not a supported region code */
} oc_cp_status;

/* A buffer this big holds a canonical region code ("RO") and a NUL. */
#define OC_CP_REGION_BUFSIZE	3

/* What went wrong: status, sentences for the detail and hint, offset. */
typedef struct oc_cp_error
{
	oc_cp_status status;
	long		offset;			/* byte offset in the input, or -1 */
	char		detail[1024];	/* capitalized sentence(s) ending with '.' */
	char		hint[256];		/* same, or empty */
} oc_cp_error;

/* Value classes of the kinds table. */
typedef enum oc_cp_class
{
	OC_CP_CLASS_EMAIL,			/* e-mail address */
	OC_CP_CLASS_PHONE,			/* E.164 phone number */
	OC_CP_CLASS_PHONE_OR_AT,	/* phone number or @-handle (telegram) */
	OC_CP_CLASS_AT_HANDLE,		/* @-handle, case-folded */
	OC_CP_CLASS_HANDLE,			/* other handle or id, case-folded */
	OC_CP_CLASS_OPAQUE			/* opaque id, NFC, case kept */
} oc_cp_class;

/* Normalize "kind:value", a bare e-mail or a bare international phone
 * number (no default region: national phone numbers are refused). */
extern int	oc_cp_normalize(const char *in, size_t len,
							char *out, size_t outcap, size_t *outlen,
							oc_cp_error *err);

/* Same, with a default region for national phone numbers: a region code
 * such as "RO" in any case, "" or NULL for none (OC_CP_BAD_REGION if not a
 * region libphonenumber supports). */
extern int	oc_cp_normalize_region(const char *in, size_t len,
								   const char *region,
								   char *out, size_t outcap, size_t *outlen,
								   oc_cp_error *err);

/* Normalize a value given its kind separately (the SQL constructor). */
extern int	oc_cp_normalize_parts(const char *kind, size_t kindlen,
								  const char *value, size_t valuelen,
								  char *out, size_t outcap, size_t *outlen,
								  oc_cp_error *err);

/* Same, with a default region for national phone numbers. */
extern int	oc_cp_normalize_parts_region(const char *kind, size_t kindlen,
										 const char *value, size_t valuelen,
										 const char *region,
										 char *out, size_t outcap,
										 size_t *outlen, oc_cp_error *err);

/* Read a phone number (bare or after tel:, whatsapp:, ...) like the input
 * does: OC_CP_OK and its E.164 in out if it would be accepted, else the
 * error; info->parsed says whether libphonenumber read a number at all. */
extern int	oc_cp_phone_info(const char *in, size_t len, const char *region,
							 char *out, size_t outcap, size_t *outlen,
							 oc_phone_info *info, oc_cp_error *err);

/* Canonical region code (upper case) into out (OC_CP_REGION_BUFSIZE bytes):
 * 1 if in[0..len) is empty or a supported two-letter region, else 0. */
extern int	oc_cp_region_canonical(const char *in, size_t len, char *out);

/* Split a canonical value at its first ':'; 0 on success, -1 if none. */
extern int	oc_cp_split(const char *cp, size_t len,
						size_t *kindlen, size_t *valueoff);

/* Canonical kind name for a kind or alias (ASCII case-insensitive). */
extern const char *oc_cp_kind_lookup(const char *kind, size_t kindlen,
									 oc_cp_class *cls);

/* Normalizer version, e.g. "icu-72.1/unicode-15.0" (static storage). */
extern const char *oc_cp_version(void);

/* Quote input for a message: <= 60 chars, no control bytes, "..." if cut. */
extern size_t oc_cp_quote(const char *in, size_t len,
						  char *out, size_t outcap);

/* Name of a status, e.g. "OC_CP_BAD_PHONE" (for tests and logs). */
extern const char *oc_cp_status_name(int status);

/* Release the cached ICU objects (tests and leak checkers). */
extern void oc_cp_cleanup(void);

#endif							/* OC_CORE_CONTACT_POINT_H */
