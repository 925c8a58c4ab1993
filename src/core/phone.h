/*-------------------------------------------------------------------------
 *
 * phone.h
 *	  C interface of the libphonenumber shim (src/core/phone_shim.cpp).
 *
 * libphonenumber is C++; this header is plain C and is all the rest of the
 * project sees of it.  Every entry point catches every C++ exception and
 * returns a status code instead, so no exception ever reaches C frames and
 * no PostgreSQL error (longjmp) ever crosses C++ frames: the shim includes
 * no PostgreSQL header and calls nothing that could ereport.
 *
 * The acceptance policy lives here (docs/contact-points.md "Phone numbers"):
 *	  - a number libphonenumber finds valid is accepted, written in any form;
 *	  - a number that is only possible (right length, unknown range: the
 *		metadata may be older than the numbering plan) is accepted only when
 *		written internationally (+CC or 00CC), because national input that is
 *		not valid would yield a wrong E.164;
 *	  - anything else is refused with a status saying why.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_CORE_PHONE_H
#define OC_CORE_PHONE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

/* A buffer this big holds any E.164 number ("+" and 15 digits) and a NUL. */
#define OC_PHONE_E164_BUFSIZE	24
/* A buffer this big holds any formatted (national/international) form. */
#define OC_PHONE_FMT_BUFSIZE	64
/* Longest text the shim reads, in bytes; longer is OC_PHONE_TOO_LONG. */
#define OC_PHONE_MAX_INPUT		256

/* Result of oc_phone_parse: OK, or why the number is refused. */
typedef enum oc_phone_status
{
	OC_PHONE_OK = 0,
	OC_PHONE_NOT_A_NUMBER,		/* libphonenumber found no number in the text */
	OC_PHONE_NO_REGION,			/* national input and no region given */
	OC_PHONE_BAD_REGION,		/* region is not a supported ISO 3166 code */
	OC_PHONE_INVALID_COUNTRY_CODE,	/* +CC is not a country calling code */
	OC_PHONE_TOO_SHORT,			/* shorter than every number of the country */
	OC_PHONE_TOO_LONG,			/* longer than every number, or > 15 digits */
	OC_PHONE_INVALID_LENGTH,	/* a length no number of the country has */
	OC_PHONE_LOCAL_ONLY,		/* a local number without its area code */
	OC_PHONE_NATIONAL_NOT_VALID,	/* national input, right length, not valid */
	OC_PHONE_EXTENSION,			/* the text carries an extension */
	OC_PHONE_NOT_CANONICAL,		/* its E.164 form does not read back as itself */
	OC_PHONE_BUFFER_TOO_SMALL,	/* caller's output buffer too small */
	OC_PHONE_INTERNAL			/* a C++ exception (out of memory, ...) */
} oc_phone_status;

/* Number types, in libphonenumber's order (PhoneNumberUtil::PhoneNumberType). */
typedef enum oc_phone_type
{
	OC_PHONE_TYPE_FIXED_LINE = 0,
	OC_PHONE_TYPE_MOBILE,
	OC_PHONE_TYPE_FIXED_LINE_OR_MOBILE,
	OC_PHONE_TYPE_TOLL_FREE,
	OC_PHONE_TYPE_PREMIUM_RATE,
	OC_PHONE_TYPE_SHARED_COST,
	OC_PHONE_TYPE_VOIP,
	OC_PHONE_TYPE_PERSONAL_NUMBER,
	OC_PHONE_TYPE_PAGER,
	OC_PHONE_TYPE_UAN,
	OC_PHONE_TYPE_VOICEMAIL,
	OC_PHONE_TYPE_UNKNOWN
} oc_phone_type;

/* What libphonenumber says about a number (filled by oc_phone_parse). */
typedef struct oc_phone_info
{
	int			status;			/* what oc_phone_parse returned */
	int			parsed;			/* 1 if a number was read; the rest is set */
	int			international;	/* written with + or 00 (not national) */
	int			country_code;	/* e.g. 40 */
	int			valid;			/* IsValidNumber */
	int			possible;		/* IsPossibleNumberWithReason == IS_POSSIBLE */
	oc_phone_type type;			/* UNKNOWN unless valid */
	char		region[8];		/* "RO", "001" (non-geographic), "" unknown */
	/* libphonenumber's renderings, set whenever parsed, even if refused:
	 * only the e164_out of an OC_PHONE_OK call is an accepted value */
	char		e164[OC_PHONE_E164_BUFSIZE];
	char		national_fmt[OC_PHONE_FMT_BUFSIZE];
	char		international_fmt[OC_PHONE_FMT_BUFSIZE];
} oc_phone_info;

/*
 * Parse text (digits with an optional leading "+", or anything libphonenumber
 * reads) with a default region ("RO"; NULL or "" for none).  On OC_PHONE_OK
 * e164_out holds the E.164 form; otherwise it is "".  info may be NULL;
 * when given, it is filled with the formats, type and region as well, which
 * cost about as much again as the parse (the status is the same either way).
 */
extern int	oc_phone_parse(const char *text, const char *region,
						   char *e164_out, size_t cap, oc_phone_info *info);

/* Is region an upper-case two-letter region libphonenumber supports? */
extern int	oc_phone_region_supported(const char *region);

/* Lower-case name of a type, e.g. "fixed_line_or_mobile". */
extern const char *oc_phone_type_name(int type);

/* Name of a status, e.g. "OC_PHONE_TOO_SHORT" (for tests and logs). */
extern const char *oc_phone_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif							/* OC_CORE_PHONE_H */
