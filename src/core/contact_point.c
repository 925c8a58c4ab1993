/*-------------------------------------------------------------------------
 *
 * contact_point.c
 *	  Normalization of contact points ("kind:value" customer addresses).
 *
 * This is the server-free core of the omnichannel.contact_point type.  It
 * turns what a CRM, a chat widget or an agent typed into one canonical text,
 * so that two spellings of the same customer address compare equal:
 *
 *	  Jan.Kowalski@Example.PL          ->  email:jan.kowalski@example.pl
 *	  +48 12 345 67 89, 0048 12345...  ->  tel:+48123456789
 *	  X:@Handle                        ->  twitter:@handle
 *
 * Flow: length limit, UTF-8 and control-character scan of the raw bytes,
 * white-space trim, kind detection (a kinds table with aliases, or a bare
 * e-mail / phone number), then one normalizer per value class: e-mail (NFKC
 * case fold of the local part, ICU UTS #46 for the domain), phone (E.164,
 * international input only), @-handles and other handles (NFKC case fold),
 * opaque ids (NFC, case kept).  The rules and their reasons are in
 * docs/contact-points.md.
 *
 * No PostgreSQL header is included: the fmgr glue in src/pg/ maps the status
 * codes to SQLSTATEs, and the unit tests and fuzzers link this file alone.
 * Callers give the output buffer; work buffers live on the stack.  The ICU
 * UTS #46 object is opened once per process and cached (oc_cp_cleanup
 * releases it).
 *
 *-------------------------------------------------------------------------
 */
#include "core/contact_point.h"
#include "core/utf8.h"
#include "core/phone.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/uversion.h>

/* UChar capacity of the work buffers: a result longer than this in UTF-16
 * is longer than OC_CP_MAX_LEN bytes in UTF-8, so it is rejected anyway. */
#define U16CAP		(OC_CP_MAX_LEN + 16)

/* Most digits a national phone number may have (with its trunk prefix). */
#define OC_CP_MAX_PHONE_DIGITS	20

/* Options of the cached UTS #46 object (see docs/contact-points.md). */
#define OC_UTS46_OPTIONS	(UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI | \
							 UIDNA_CHECK_CONTEXTJ | \
							 UIDNA_NONTRANSITIONAL_TO_ASCII | \
							 UIDNA_NONTRANSITIONAL_TO_UNICODE)

/* One row of the kinds table: a name or alias and its canonical kind. */
typedef struct oc_kind
{
	const char *name;			/* lower-case name or alias */
	const char *canonical;		/* canonical kind written in the output */
	oc_cp_class cls;
} oc_kind;

/* The kinds table: canonical kinds first (each maps to itself), aliases after. */
static const oc_kind kinds[] = {
	{"email", "email", OC_CP_CLASS_EMAIL},
	{"tel", "tel", OC_CP_CLASS_PHONE},
	{"whatsapp", "whatsapp", OC_CP_CLASS_PHONE},
	{"viber", "viber", OC_CP_CLASS_PHONE},
	{"signal", "signal", OC_CP_CLASS_PHONE},
	{"telegram", "telegram", OC_CP_CLASS_PHONE_OR_AT},
	{"twitter", "twitter", OC_CP_CLASS_AT_HANDLE},
	{"instagram", "instagram", OC_CP_CLASS_AT_HANDLE},
	{"tiktok", "tiktok", OC_CP_CLASS_AT_HANDLE},
	{"threads", "threads", OC_CP_CLASS_AT_HANDLE},
	{"facebook", "facebook", OC_CP_CLASS_HANDLE},
	{"messenger", "messenger", OC_CP_CLASS_HANDLE},
	{"linkedin", "linkedin", OC_CP_CLASS_HANDLE},
	{"skype", "skype", OC_CP_CLASS_HANDLE},
	{"wechat", "wechat", OC_CP_CLASS_HANDLE},
	{"line", "line", OC_CP_CLASS_HANDLE},
	{"youtube", "youtube", OC_CP_CLASS_HANDLE},
	{"crm", "crm", OC_CP_CLASS_OPAQUE},
	{"web", "web", OC_CP_CLASS_OPAQUE},
	{"ivr", "ivr", OC_CP_CLASS_OPAQUE},
	/* aliases */
	{"mailto", "email", OC_CP_CLASS_EMAIL},
	{"e-mail", "email", OC_CP_CLASS_EMAIL},
	{"mail", "email", OC_CP_CLASS_EMAIL},
	{"phone", "tel", OC_CP_CLASS_PHONE},
	{"telephone", "tel", OC_CP_CLASS_PHONE},
	{"mobile", "tel", OC_CP_CLASS_PHONE},
	{"sms", "tel", OC_CP_CLASS_PHONE},
	{"callto", "tel", OC_CP_CLASS_PHONE},
	{"wa", "whatsapp", OC_CP_CLASS_PHONE},
	{"tg", "telegram", OC_CP_CLASS_PHONE_OR_AT},
	{"x", "twitter", OC_CP_CLASS_AT_HANDLE},
	{"ig", "instagram", OC_CP_CLASS_AT_HANDLE},
	{"fb", "facebook", OC_CP_CLASS_HANDLE},
	{"yt", "youtube", OC_CP_CLASS_HANDLE},
};

#define NKINDS		((int) (sizeof(kinds) / sizeof(kinds[0])))
#define NCANONICAL	20			/* rows of kinds[] before the aliases */

/* Names of the UIDNA_ERROR_* bits, index = bit number. */
static const char *const idna_error_names[] = {
	"EMPTY_LABEL", "LABEL_TOO_LONG", "DOMAIN_NAME_TOO_LONG",
	"LEADING_HYPHEN", "TRAILING_HYPHEN", "HYPHEN_3_4",
	"LEADING_COMBINING_MARK", "DISALLOWED", "PUNYCODE", "LABEL_HAS_DOT",
	"INVALID_ACE_LABEL", "BIDI", "CONTEXTJ", "CONTEXTO_PUNCTUATION",
	"CONTEXTO_DIGITS",
};

/* The cached UTS #46 object (one per process). */
static UIDNA *oc_uts46 = NULL;

/* Output being built: bounded, remembers overflow. */
typedef struct outbuf
{
	char		buf[OC_CP_MAX_LEN];
	size_t		len;
} outbuf;

#if defined(__GNUC__) || defined(__clang__)
#define OC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define OC_PRINTF(f, a)
#endif

static int	fail(oc_cp_error *err, oc_cp_status status, long offset,
				 const char *fmt,...) OC_PRINTF(4, 5);
static int	hint(oc_cp_error *err, const char *fmt,...) OC_PRINTF(2, 3);

/* Fill err with a status, an offset and a printf-formatted detail. */
static int
fail(oc_cp_error *err, oc_cp_status status, long offset, const char *fmt,...)
{
	va_list		ap;

	err->status = status;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return status;
}

/* Set the hint of an error already filled by fail(); returns the status. */
static int
hint(oc_cp_error *err, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
	return err->status;
}


/* Is cp a control character (C0, DEL or C1)? */
static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Encode cp as UTF-8 into buf (>= 5 bytes), NUL-terminated; its length. */
static int
u8_encode(uint32_t cp, char *buf)
{
	int			n;

	if (cp < 0x80)
	{
		buf[0] = (char) cp;
		n = 1;
	}
	else if (cp < 0x800)
	{
		buf[0] = (char) (0xC0 | (cp >> 6));
		buf[1] = (char) (0x80 | (cp & 0x3F));
		n = 2;
	}
	else if (cp < 0x10000)
	{
		buf[0] = (char) (0xE0 | (cp >> 12));
		buf[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		buf[2] = (char) (0x80 | (cp & 0x3F));
		n = 3;
	}
	else
	{
		buf[0] = (char) (0xF0 | (cp >> 18));
		buf[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		buf[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		buf[3] = (char) (0x80 | (cp & 0x3F));
		n = 4;
	}
	buf[n] = '\0';
	return n;
}

/* Describe a character for a message: "<" (U+003C), or U+00A0 if invisible. */
static const char *
describe_char(uint32_t cp, char *buf, size_t cap)
{
	char		u8[5];

	if (u_isgraph((UChar32) cp) && cp != '"')
	{
		u8_encode(cp, u8);
		snprintf(buf, cap, "\"%s\" (U+%04X)", u8, (unsigned) cp);
	}
	else if (cp == '"')
		snprintf(buf, cap, "'\"' (U+0022)");
	else
		snprintf(buf, cap, "U+%04X", (unsigned) cp);
	return buf;
}

/* Quote input for a message: <= 60 chars, control and bad bytes escaped. */
size_t
oc_cp_quote(const char *in, size_t len, char *out, size_t outcap)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t		i = 0;
	size_t		o = 0;
	int			chars = 0;

	if (outcap == 0)
		return 0;
	while (i < len && chars < OC_CP_QUOTE_CHARS)
	{
		uint32_t	cp;
		int			n = oc_utf8_decode(s, len, i, &cp);
		char		piece[8];
		size_t		plen;

		if (n == 0)
		{
			snprintf(piece, sizeof(piece), "\\x%02X", s[i]);
			n = 1;
		}
		else if (is_control(cp))
			snprintf(piece, sizeof(piece),
					 cp < 0x80 ? "\\x%02X" : "\\u%04X", (unsigned) cp);
		else
		{
			memcpy(piece, in + i, (size_t) n);
			piece[n] = '\0';
		}
		plen = strlen(piece);
		if (o + plen + 1 > outcap)
			break;
		memcpy(out + o, piece, plen);
		o += plen;
		i += (size_t) n;
		chars++;
	}
	if (i < len && o + 4 <= outcap)
	{
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

/* Check raw bytes: valid UTF-8 and no control characters. */
static int
scan_bytes(const char *in, size_t len, const char *what, oc_cp_error *err)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t		i = 0;

	while (i < len)
	{
		uint32_t	cp;
		int			n = oc_utf8_decode(s, len, i, &cp);

		if (n == 0)
			return fail(err, OC_CP_BAD_ENCODING, (long) i,
						"The %s is not valid UTF-8: byte 0x%02X at byte offset %zu does not start a valid sequence.",
						what, s[i], i);
		if (is_control(cp))
			return fail(err, OC_CP_CONTROL_CHAR, (long) i,
						"The %s contains the control character U+%04X at byte offset %zu.",
						what, (unsigned) cp, i);
		i += (size_t) n;
	}
	return OC_CP_OK;
}

/* Trim Unicode white space from both ends of valid UTF-8 [*s, *s + *len). */
static void
trim_space(const char **str, size_t *len)
{
	const unsigned char *s = (const unsigned char *) *str;
	size_t		b = 0;
	size_t		e = *len;

	while (b < e)
	{
		uint32_t	cp;
		int			n = oc_utf8_decode(s, e, b, &cp);

		if (n == 0 || !u_isUWhiteSpace((UChar32) cp))
			break;
		b += (size_t) n;
	}
	while (e > b)
	{
		size_t		p = e - 1;
		uint32_t	cp;

		while (p > b && (s[p] & 0xC0) == 0x80)
			p--;
		if (oc_utf8_decode(s, e, p, &cp) == 0 || !u_isUWhiteSpace((UChar32) cp))
			break;
		e = p;
	}
	*str += b;
	*len = e - b;
}

/* Canonical kind name for a kind or alias (ASCII case-insensitive). */
const char *
oc_cp_kind_lookup(const char *kind, size_t kindlen, oc_cp_class *cls)
{
	int			k;

	for (k = 0; k < NKINDS; k++)
	{
		const char *name = kinds[k].name;
		size_t		i;

		if (strlen(name) != kindlen)
			continue;
		for (i = 0; i < kindlen; i++)
		{
			char		c = kind[i];

			if (c >= 'A' && c <= 'Z')
				c = (char) (c - 'A' + 'a');
			if (c != name[i])
				break;
		}
		if (i == kindlen)
		{
			if (cls)
				*cls = kinds[k].cls;
			return kinds[k].canonical;
		}
	}
	return NULL;
}

/* Is s a kind token: an ASCII letter, then letters, digits, '-', '_'? */
static int
is_kind_token(const char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > 32)
		return 0;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];
		int			alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (i == 0 ? !alpha : !(alpha || (c >= '0' && c <= '9') ||
								c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Error for a kind not in the table, with the list of known kinds. */
static int
unknown_kind(const char *kind, size_t kindlen, oc_cp_error *err)
{
	char		q[OC_CP_QUOTE_BUFSIZE];
	char		list[256];
	size_t		o = 0;
	int			k;

	oc_cp_quote(kind, kindlen, q, sizeof(q));
	fail(err, OC_CP_UNKNOWN_KIND, -1,
		 "The kind \"%s\" is not a known contact point kind.", q);
	list[0] = '\0';
	for (k = 0; k < NCANONICAL; k++)
		o += (size_t) snprintf(list + o, sizeof(list) - o, "%s%s",
							   k ? ", " : "", kinds[k].canonical);
	return hint(err, "Known kinds are %s.", list);
}

/* Append n bytes to the output, or fail with "too long". */
static int
put(outbuf *o, const char *s, size_t n, oc_cp_error *err)
{
	if (n > sizeof(o->buf) - o->len)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The normalized contact point is longer than %d bytes.",
					OC_CP_MAX_LEN);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	return OC_CP_OK;
}

/* Append a NUL-terminated string to the output. */
static int
puts_(outbuf *o, const char *s, oc_cp_error *err)
{
	return put(o, s, strlen(s), err);
}

/* Append UTF-16 text to the output as UTF-8. */
static int
put_u16(outbuf *o, const UChar *s, int32_t n, oc_cp_error *err)
{
	UErrorCode	ec = U_ZERO_ERROR;
	int32_t		written = 0;

	u_strToUTF8(o->buf + o->len, (int32_t) (sizeof(o->buf) - o->len),
				&written, s, n, &ec);
	if (ec == U_BUFFER_OVERFLOW_ERROR)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The normalized contact point is longer than %d bytes.",
					OC_CP_MAX_LEN);
	if (U_FAILURE(ec))
		return fail(err, OC_CP_INTERNAL, -1,
					"ICU could not convert UTF-16 to UTF-8: %s.",
					u_errorName(ec));
	o->len += (size_t) written;
	return OC_CP_OK;
}

/* Number of UTF-8 bytes of UTF-16 text. */
static size_t
u16_utf8_len(const UChar *s, int32_t n)
{
	size_t		total = 0;
	int32_t		i = 0;

	while (i < n)
	{
		UChar32		c;

		U16_NEXT(s, i, n, c);
		total += (size_t) U8_LENGTH(c);
	}
	return total;
}

/* Convert valid UTF-8 to UTF-16, then apply a normalizer (NULL = none). */
static int
to_u16_normalized(const char *s, size_t n, const UNormalizer2 *n2,
				  UChar *dst, int32_t *dlen, oc_cp_error *err)
{
	UChar		tmp[U16CAP];
	UErrorCode	ec = U_ZERO_ERROR;
	int32_t		tlen = 0;

	u_strFromUTF8(n2 ? tmp : dst, U16CAP, &tlen, s, (int32_t) n, &ec);
	if (ec == U_BUFFER_OVERFLOW_ERROR)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The value is longer than %d bytes.", OC_CP_MAX_LEN);
	if (U_FAILURE(ec))
		return fail(err, OC_CP_INTERNAL, -1,
					"ICU could not convert UTF-8 to UTF-16: %s.",
					u_errorName(ec));
	if (!n2)
	{
		*dlen = tlen;
		return OC_CP_OK;
	}
	*dlen = unorm2_normalize(n2, tmp, tlen, dst, U16CAP, &ec);
	if (ec == U_BUFFER_OVERFLOW_ERROR)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The value is longer than %d bytes after Unicode normalization.",
					OC_CP_MAX_LEN);
	if (U_FAILURE(ec))
		return fail(err, OC_CP_INTERNAL, -1,
					"ICU could not normalize the value: %s.", u_errorName(ec));
	return OC_CP_OK;
}

/* An ICU normalizer singleton from its getter, or NULL with err set naming it. */
static const UNormalizer2 *
normalizer(const UNormalizer2 *(*get) (UErrorCode *), const char *name,
		   oc_cp_error *err)
{
	UErrorCode	ec = U_ZERO_ERROR;
	const UNormalizer2 *n2 = get(&ec);

	if (U_FAILURE(ec))
	{
		fail(err, OC_CP_INTERNAL, -1,
			 "ICU could not load the %s normalizer: %s.", name, u_errorName(ec));
		return NULL;
	}
	return n2;
}

/* The NFKC_Casefold normalizer (ICU singleton), or NULL with err set. */
static const UNormalizer2 *
nfkc_cf(oc_cp_error *err)
{
	return normalizer(unorm2_getNFKCCasefoldInstance, "NFKC_Casefold", err);
}

/* The NFC normalizer (ICU singleton), or NULL with err set. */
static const UNormalizer2 *
nfc(oc_cp_error *err)
{
	return normalizer(unorm2_getNFCInstance, "NFC", err);
}

/* The NFKC normalizer (ICU singleton), or NULL with err set. */
static const UNormalizer2 *
nfkc(oc_cp_error *err)
{
	return normalizer(unorm2_getNFKCInstance, "NFKC", err);
}

/* The cached UTS #46 object, opened on first use; NULL with err set. */
static const UIDNA *
uts46(oc_cp_error *err)
{
	if (oc_uts46 == NULL)
	{
		UErrorCode	ec = U_ZERO_ERROR;
		UIDNA	   *idna = uidna_openUTS46(OC_UTS46_OPTIONS, &ec);

		if (U_FAILURE(ec))
		{
			fail(err, OC_CP_INTERNAL, -1,
				 "ICU could not open the UTS #46 IDNA processor: %s.",
				 u_errorName(ec));
			return NULL;
		}
		oc_uts46 = idna;
	}
	return oc_uts46;
}

/* Release the cached ICU objects (tests and leak checkers). */
void
oc_cp_cleanup(void)
{
	if (oc_uts46)
		uidna_close(oc_uts46);
	oc_uts46 = NULL;
}

/* Is c one of the characters an e-mail local part may not contain? */
static int
is_local_special(UChar32 c)
{
	return c < 0x80 && strchr("<>()[]\\,;:\"@", (int) c) != NULL && c != 0;
}

/* Normalize the local part of an e-mail address into the output. */
static int
email_local(const char *s, size_t n, outbuf *o, oc_cp_error *err)
{
	const UNormalizer2 *n2 = nfkc_cf(err);
	UChar		u[U16CAP];
	int32_t		ulen = 0;
	int32_t		i = 0;
	UChar32		prev = 0;
	size_t		bytes;
	char		d[64];

	if (!n2)
		return err->status;
	if (n == 0)
		return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
					"The local part of the e-mail address (before \"@\") is empty.");
	if (to_u16_normalized(s, n, n2, u, &ulen, err))
		return err->status;
	if (ulen == 0)
		return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
					"The local part of the e-mail address is empty after Unicode normalization.");
	while (i < ulen)
	{
		UChar32		c;

		U16_NEXT(u, i, ulen, c);
		if (u_isUWhiteSpace(c))
			return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
						"The local part of the e-mail address contains white space (%s).",
						describe_char((uint32_t) c, d, sizeof(d)));
		if (is_control((uint32_t) c) || is_local_special(c))
			return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
						"The local part of the e-mail address contains the character %s, which is not allowed in an unquoted local part.",
						describe_char((uint32_t) c, d, sizeof(d)));
		if (u_charType(c) == U_UNASSIGNED)
			return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
						"The local part of the e-mail address contains the unassigned code point %s.",
						describe_char((uint32_t) c, d, sizeof(d)));
		if (c == '.' && (prev == 0 || prev == '.'))
			return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
						"The local part of the e-mail address %s.",
						prev ? "contains two consecutive dots" : "starts with a dot");
		prev = c;
	}
	if (prev == '.')
		return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
					"The local part of the e-mail address ends with a dot.");
	bytes = u16_utf8_len(u, ulen);
	if (bytes > OC_CP_MAX_LOCAL)
		return fail(err, OC_CP_BAD_EMAIL_LOCAL, -1,
					"The local part of the e-mail address is %zu bytes long after normalization; the limit is %d bytes.",
					bytes, OC_CP_MAX_LOCAL);
	return put_u16(o, u, ulen, err);
}

/* Format the set UIDNA_ERROR_* bits as "0x84: DISALLOWED, ..." into buf. */
static void
idna_errors(uint32_t bits, char *buf, size_t cap)
{
	size_t		o;
	int			b;
	int			first = 1;

	o = (size_t) snprintf(buf, cap, "0x%X", (unsigned) bits);
	for (b = 0; b < (int) (sizeof(idna_error_names) / sizeof(char *)); b++)
	{
		if (!(bits & (1u << b)) || o >= cap)
			continue;
		o += (size_t) snprintf(buf + o, cap - o, "%sUIDNA_ERROR_%s",
							   first ? " " : ", ", idna_error_names[b]);
		first = 0;
	}
}

/* Strip one trailing label separator (".", U+3002, U+FF0E, U+FF61). */
static size_t
strip_root_dot(const char *s, size_t n)
{
	if (n >= 1 && s[n - 1] == '.')
		return n - 1;
	if (n >= 3 && (memcmp(s + n - 3, "\xE3\x80\x82", 3) == 0 ||
				   memcmp(s + n - 3, "\xEF\xBC\x8E", 3) == 0 ||
				   memcmp(s + n - 3, "\xEF\xBD\xA1", 3) == 0))
		return n - 3;
	return n;
}

/* Normalize the domain of an e-mail address into the output (UTS #46). */
static int
email_domain(const char *s, size_t n, outbuf *o, oc_cp_error *err)
{
	const UIDNA *idna = uts46(err);
	char		ascii[2 * OC_CP_MAX_DOMAIN + 16];
	char		uni[OC_CP_MAX_LEN];
	char		q[OC_CP_QUOTE_BUFSIZE];
	char		bits[400];
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	ec = U_ZERO_ERROR;
	int32_t		alen;
	int32_t		ulen;
	int32_t		i;
	int32_t		labels = 1;
	int32_t		last;
	int			numeric = 1;

	if (!idna)
		return err->status;
	oc_cp_quote(s, n, q, sizeof(q));
	n = strip_root_dot(s, n);
	if (n == 0)
		return fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
					"The domain of the e-mail address (after \"@\") is empty.");
	alen = uidna_nameToASCII_UTF8(idna, s, (int32_t) n, ascii, sizeof(ascii),
								  &info, &ec);
	if (ec == U_BUFFER_OVERFLOW_ERROR || ec == U_STRING_NOT_TERMINATED_WARNING)
		return fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
					"The domain \"%s\" of the e-mail address is longer than %d bytes.",
					q, OC_CP_MAX_DOMAIN);
	if (U_FAILURE(ec))
		return fail(err, OC_CP_INTERNAL, -1,
					"ICU could not process the domain \"%s\": %s.",
					q, u_errorName(ec));
	if (info.errors != 0)
	{
		idna_errors(info.errors, bits, sizeof(bits));
		fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
			 "The domain \"%s\" of the e-mail address is not a valid internationalized domain name (ICU UTS #46 errors %s).",
			 q, bits);
		return hint(err, "A domain is made of labels separated by dots, each of letters, digits and inner hyphens, e.g. example.pl or żółw.pl.");
	}
	if (alen > 0 && ascii[alen - 1] == '.')
		return fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
					"The domain \"%s\" of the e-mail address ends with an empty label.",
					q);
	if (alen > OC_CP_MAX_DOMAIN)
		return fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
					"The domain \"%s\" of the e-mail address is %d bytes long in ASCII form; the limit is %d bytes.",
					q, (int) alen, OC_CP_MAX_DOMAIN);
	last = 0;
	for (i = 0; i < alen; i++)
	{
		if (ascii[i] == '.')
		{
			labels++;
			last = i + 1;
			numeric = 1;
		}
		else if (ascii[i] < '0' || ascii[i] > '9')
			numeric = 0;
	}
	if (labels < 2)
	{
		fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
			 "The domain \"%s\" of the e-mail address has only one label.", q);
		return hint(err, "Write the full domain name, e.g. example.pl.");
	}
	if (numeric && last < alen)
		return fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
					"The domain \"%s\" of the e-mail address ends in a numeric label; IP addresses are not accepted.",
					q);
	info = (UIDNAInfo) UIDNA_INFO_INITIALIZER;
	ulen = uidna_nameToUnicodeUTF8(idna, ascii, alen, uni, sizeof(uni),
								   &info, &ec);
	if (ec == U_BUFFER_OVERFLOW_ERROR || ec == U_STRING_NOT_TERMINATED_WARNING)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The normalized contact point is longer than %d bytes.",
					OC_CP_MAX_LEN);
	if (U_FAILURE(ec))
		return fail(err, OC_CP_INTERNAL, -1,
					"ICU could not convert the domain \"%s\" to Unicode: %s.",
					q, u_errorName(ec));
	if (info.errors != 0)
	{
		idna_errors(info.errors, bits, sizeof(bits));
		return fail(err, OC_CP_BAD_EMAIL_DOMAIN, -1,
					"The domain \"%s\" of the e-mail address is not a valid internationalized domain name (ICU UTS #46 errors %s).",
					q, bits);
	}
	return put(o, uni, (size_t) ulen, err);
}

/* Normalize an e-mail address: NFKC (so a fullwidth @ splits too), then
 * local part and domain, split at the last @. */
static int
norm_email(const char *raw, size_t rawlen, outbuf *o, oc_cp_error *err)
{
	const UNormalizer2 *n2 = nfkc(err);
	UChar		u[U16CAP];
	int32_t		ulen = 0;
	char		s[3 * U16CAP];
	int32_t		slen = 0;
	size_t		n;
	UErrorCode	ec = U_ZERO_ERROR;
	const char *at = NULL;
	size_t		i;
	char		q[OC_CP_QUOTE_BUFSIZE];

	if (!n2 || to_u16_normalized(raw, rawlen, n2, u, &ulen, err))
		return err->status;
	u_strToUTF8(s, sizeof(s), &slen, u, ulen, &ec);
	if (U_FAILURE(ec) || ec == U_STRING_NOT_TERMINATED_WARNING)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The value is longer than %d bytes after Unicode normalization.",
					OC_CP_MAX_LEN);
	n = (size_t) slen;
	for (i = n; i > 0; i--)
		if (s[i - 1] == '@')
		{
			at = s + i - 1;
			break;
		}
	if (at == NULL)
	{
		oc_cp_quote(s, n, q, sizeof(q));
		fail(err, OC_CP_BAD_EMAIL, -1,
			 "The e-mail address \"%s\" has no \"@\".", q);
		return hint(err, "Write an e-mail address as local-part@domain, e.g. jan.kowalski@example.pl.");
	}
	if (email_local(s, (size_t) (at - s), o, err) ||
		put(o, "@", 1, err) ||
		email_domain(at + 1, n - (size_t) (at - s) - 1, o, err))
		return err->status;
	return OC_CP_OK;
}

/* Is c a separator a phone number may contain (dropped)? */
static int
is_phone_separator(UChar32 c)
{
	return u_isUWhiteSpace(c) || c == '-' || c == '.' || c == '/' ||
		c == '(' || c == ')' || u_charType(c) == U_DASH_PUNCTUATION;
}

/* Where a phone number failed: "for region RO" or "for country code +48". */
static const char *
phone_where(const oc_phone_info *info, const char *region, char *buf,
			size_t cap)
{
	if (info->parsed && info->international)
		snprintf(buf, cap, "for country code +%d", info->country_code);
	else if (region && region[0])
		snprintf(buf, cap, "for region %s", region);
	else if (info->parsed)
		snprintf(buf, cap, "for country code +%d", info->country_code);
	else
		snprintf(buf, cap, "for any region");
	return buf;
}

/* Turn a refusal of the libphonenumber shim into a core error. */
static int
phone_refused(int rc, const oc_phone_info *info, const char *region,
			  const char *q, oc_cp_error *err)
{
	const char *intl_hint = "Write the number in international form: \"+\" (or \"00\"), the country code, then the number, e.g. +48 12 345 67 89.";
	char		where[64];

	phone_where(info, region, where, sizeof(where));
	switch (rc)
	{
		case OC_PHONE_NO_REGION:
			fail(err, OC_CP_NATIONAL_PHONE, -1,
				 "The phone number \"%s\" is in national form and no default region is set.",
				 q);
			return hint(err, "Set omnichannel.default_region (e.g. SET omnichannel.default_region = 'RO'), pass a region to omnichannel.to_contact_point(), or write the number in international form: \"+\" (or \"00\"), the country code, then the number.");
		case OC_PHONE_NATIONAL_NOT_VALID:
			fail(err, OC_CP_BAD_PHONE, -1,
				 "The phone number \"%s\" is not a valid number %s.", q, where);
			return hint(err, "Check the number and the region.  A correct number from a range newer than the phone number metadata is accepted in international form (+ and the country code).");
		case OC_PHONE_INVALID_COUNTRY_CODE:
			fail(err, OC_CP_BAD_PHONE, -1,
				 "The phone number \"%s\" does not start with a known country calling code.",
				 q);
			return hint(err, "%s", intl_hint);
		case OC_PHONE_TOO_SHORT:
			return fail(err, OC_CP_BAD_PHONE, -1,
						"The phone number \"%s\" is too short %s.", q, where);
		case OC_PHONE_TOO_LONG:
			return fail(err, OC_CP_BAD_PHONE, -1,
						"The phone number \"%s\" is too long %s.", q, where);
		case OC_PHONE_INVALID_LENGTH:
			return fail(err, OC_CP_BAD_PHONE, -1,
						"The phone number \"%s\" has a length that no number has %s.",
						q, where);
		case OC_PHONE_LOCAL_ONLY:
			fail(err, OC_CP_BAD_PHONE, -1,
				 "The phone number \"%s\" is a local number without its area code (country code +%d).",
				 q, info->country_code);
			return hint(err, "Write the full number with its area code.");
		case OC_PHONE_NOT_A_NUMBER:
			return fail(err, OC_CP_BAD_PHONE, -1,
						"The text \"%s\" is not a phone number.", q);
		case OC_PHONE_NOT_CANONICAL:
			fail(err, OC_CP_BAD_PHONE, -1,
				 "The phone number \"%s\" has no single international form.", q);
			return hint(err, "Write \"+\", the country code and the national number without its leading trunk prefix (0), e.g. +27 41 123 4567.");
		case OC_PHONE_EXTENSION:
			return fail(err, OC_CP_BAD_PHONE, -1,
						"The phone number \"%s\" has an extension.", q);
		case OC_PHONE_BAD_REGION:
			return fail(err, OC_CP_BAD_REGION, -1,
						"The region \"%s\" is not a two-letter region code known to libphonenumber.",
						region ? region : "");
	}
	return fail(err, OC_CP_INTERNAL, -1,
				"libphonenumber could not process the phone number (%s).",
				oc_phone_status_name(rc));
}

/*
 * Normalize an NFKC-normalized phone number (UTF-16) to E.164.  The core
 * checks the characters (digits of any script, separators, one leading "+")
 * and hands "+digits" or national "digits" to the libphonenumber shim, which
 * decides; region is the default region ("" or NULL for none).  info, if
 * not NULL, receives what libphonenumber said (omnichannel.phone_info).
 * Without info the shim only decides (no formats, no type: those cost as
 * much as the parse); a refusal is then asked again with details, for the
 * error's wording, which is the rare path.
 */
static int
norm_phone_u16(const UChar *u, int32_t ulen, const char *raw, size_t rawlen,
			   const char *region, oc_phone_info *info, outbuf *o,
			   oc_cp_error *err)
{
	char		digits[OC_CP_MAX_PHONE_DIGITS + 2];
	int			nd = 0;
	int			total = 0;
	int			plus = 0;
	int32_t		i = 0;
	char		d[64];
	char		q[OC_CP_QUOTE_BUFSIZE];
	char		text[OC_CP_MAX_PHONE_DIGITS + 4];
	char		e164[OC_PHONE_E164_BUFSIZE];
	oc_phone_info local;
	oc_phone_info *wanted = info;	/* the caller's, or NULL */
	const char *start;
	int			rc;

	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	info->status = -1;			/* libphonenumber not asked (yet) */
	while (i < ulen)
	{
		UChar32		c;

		U16_NEXT(u, i, ulen, c);
		if (c == '+')
		{
			if (plus || total > 0)
				return fail(err, OC_CP_BAD_PHONE, -1,
							"The phone number has a \"+\" that is not at its start.");
			plus = 1;
		}
		else if (u_isdigit(c))
		{
			int			v = u_charDigitValue(c);

			if (v < 0 || v > 9)
				return fail(err, OC_CP_BAD_PHONE, -1,
							"The phone number contains the character %s, which is not a decimal digit.",
							describe_char((uint32_t) c, d, sizeof(d)));
			if (nd < (int) sizeof(digits))
				digits[nd++] = (char) ('0' + v);
			total++;
		}
		else if (!is_phone_separator(c))
		{
			fail(err, OC_CP_BAD_PHONE, -1,
				 "The phone number contains the character %s.",
				 describe_char((uint32_t) c, d, sizeof(d)));
			return hint(err, "A phone number may contain only digits, a leading \"+\", spaces and the separators - . / ( ).");
		}
	}
	if (total == 0)
		return fail(err, OC_CP_BAD_PHONE, -1,
					"The phone number contains no digits.");
	start = digits;
	if (!plus && total >= 2 && digits[0] == '0' && digits[1] == '0')
	{
		/* 00 is the international prefix, whatever the region */
		plus = 1;
		start += 2;
		total -= 2;
		nd -= 2;
	}
	if (plus && total == 0)
		return fail(err, OC_CP_BAD_PHONE, -1,
					"The phone number contains no digits after the international prefix.");
	if (plus && total > 15)
	{
		info->status = OC_PHONE_TOO_LONG;
		fail(err, OC_CP_BAD_PHONE, -1,
			 "The phone number has %d digits after the \"+\"; an international (E.164) number has at most 15.",
			 total);
		return hint(err, "Write the number in international form: \"+\" (or \"00\"), the country code, then the number, e.g. +48 12 345 67 89.");
	}
	if (!plus && total > OC_CP_MAX_PHONE_DIGITS)
	{
		info->status = OC_PHONE_TOO_LONG;
		return fail(err, OC_CP_BAD_PHONE, -1,
					"The phone number has %d digits; a national number has at most %d.",
					total, OC_CP_MAX_PHONE_DIGITS);
	}
	if (plus && start[0] == '0')
	{
		info->status = OC_PHONE_INVALID_COUNTRY_CODE;
		return fail(err, OC_CP_BAD_PHONE, -1,
					"The phone number's country code starts with 0.");
	}
	/* "+digits" or "digits": plain ASCII for the shim */
	text[0] = '+';
	memcpy(text + plus, start, (size_t) nd);
	text[plus + nd] = '\0';
	rc = oc_phone_parse(text, region, e164, sizeof(e164), wanted);
	if (rc == OC_PHONE_OK)
		return puts_(o, e164, err);
	if (wanted == NULL)			/* the details, for the wording only */
		(void) oc_phone_parse(text, region, e164, sizeof(e164), info);
	oc_cp_quote(raw, rawlen, q, sizeof(q));
	return phone_refused(rc, info, region, q, err);
}

/* Normalize a phone number given as UTF-8 to E.164. */
static int
norm_phone(const char *s, size_t n, const char *region, oc_phone_info *info,
		   outbuf *o, oc_cp_error *err)
{
	const UNormalizer2 *n2 = nfkc(err);
	UChar		u[U16CAP];
	int32_t		ulen = 0;

	if (!n2 || to_u16_normalized(s, n, n2, u, &ulen, err))
		return err->status;
	return norm_phone_u16(u, ulen, s, n, region, info, o, err);
}

/* Check the body of a handle (after NFKC case fold and any @ removal). */
static int
check_handle(const UChar *u, int32_t ulen, int at_class, oc_cp_error *err)
{
	int32_t		i = 0;
	char		d[64];

	if (ulen == 0)
		return fail(err, OC_CP_BAD_HANDLE, -1, "The handle is empty.");
	while (i < ulen)
	{
		UChar32		c;
		int			t;

		U16_NEXT(u, i, ulen, c);
		t = u_charType(c);
		if (u_isUWhiteSpace(c))
			return fail(err, OC_CP_BAD_HANDLE, -1,
						"The handle contains white space (%s).",
						describe_char((uint32_t) c, d, sizeof(d)));
		if (t == U_UNASSIGNED)
			return fail(err, OC_CP_BAD_HANDLE, -1,
						"The handle contains the unassigned code point %s.",
						describe_char((uint32_t) c, d, sizeof(d)));
		if (at_class)
		{
			/* letters, marks, digits of any script, and _ . - */
			if (!(u_isalnum(c) || c == '_' || c == '.' || c == '-' ||
				  t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK ||
				  t == U_ENCLOSING_MARK || t == U_LETTER_NUMBER ||
				  t == U_OTHER_NUMBER))
			{
				fail(err, OC_CP_BAD_HANDLE, -1,
					 "The handle contains the character %s.",
					 describe_char((uint32_t) c, d, sizeof(d)));
				return hint(err, "An @-handle may contain letters, digits, \"_\", \".\" and \"-\" after one leading \"@\".");
			}
		}
		else if (is_control((uint32_t) c) ||
				 (c < 0x80 && strchr("\"<>\\^`{|}", (int) c) != NULL))
			return fail(err, OC_CP_BAD_HANDLE, -1,
						"The handle contains the character %s.",
						describe_char((uint32_t) c, d, sizeof(d)));
	}
	return OC_CP_OK;
}

/* Normalize an @-handle from NFKC-case-folded UTF-16 into "@body". */
static int
norm_at_handle_u16(const UChar *u, int32_t ulen, outbuf *o, oc_cp_error *err)
{
	if (ulen > 0 && u[0] == '@')
	{
		u++;
		ulen--;
	}
	if (ulen > 0 && u[0] == '@')
	{
		fail(err, OC_CP_BAD_HANDLE, -1,
			 "The handle starts with more than one \"@\".");
		return hint(err, "Write the handle with one leading \"@\", e.g. twitter:@handle.");
	}
	if (check_handle(u, ulen, 1, err) || put(o, "@", 1, err))
		return err->status;
	return put_u16(o, u, ulen, err);
}

/* Normalize a value by its class into the output (kind: already written). */
static int
norm_value(oc_cp_class cls, const char *s, size_t n, const char *region,
		   outbuf *o, oc_cp_error *err)
{
	const UNormalizer2 *n2;
	UChar		u[U16CAP];
	int32_t		ulen = 0;
	int32_t		i;

	switch (cls)
	{
		case OC_CP_CLASS_EMAIL:
			return norm_email(s, n, o, err);
		case OC_CP_CLASS_PHONE:
			return norm_phone(s, n, region, NULL, o, err);
		case OC_CP_CLASS_PHONE_OR_AT:
			if (!(n2 = nfkc_cf(err)) ||
				to_u16_normalized(s, n, n2, u, &ulen, err))
				return err->status;
			if (ulen > 0)
			{
				UChar32		c;

				i = 0;
				U16_NEXT(u, i, ulen, c);
				if (c == '+' || c == '(' || u_isdigit(c))
					return norm_phone_u16(u, ulen, s, n, region, NULL, o,
										  err);
			}
			return norm_at_handle_u16(u, ulen, o, err);
		case OC_CP_CLASS_AT_HANDLE:
			if (!(n2 = nfkc_cf(err)) ||
				to_u16_normalized(s, n, n2, u, &ulen, err))
				return err->status;
			return norm_at_handle_u16(u, ulen, o, err);
		case OC_CP_CLASS_HANDLE:
			if (!(n2 = nfkc_cf(err)) ||
				to_u16_normalized(s, n, n2, u, &ulen, err) ||
				check_handle(u, ulen, 0, err))
				return err->status;
			return put_u16(o, u, ulen, err);
		case OC_CP_CLASS_OPAQUE:
			if (!(n2 = nfc(err)) ||
				to_u16_normalized(s, n, n2, u, &ulen, err))
				return err->status;
			i = 0;
			while (i < ulen)
			{
				UChar32		c;
				char		d[64];

				U16_NEXT(u, i, ulen, c);
				if (u_charType(c) == U_UNASSIGNED)
					return fail(err, OC_CP_BAD_ID, -1,
								"The identifier contains the unassigned code point %s.",
								describe_char((uint32_t) c, d, sizeof(d)));
			}
			return put_u16(o, u, ulen, err);
	}
	return fail(err, OC_CP_INTERNAL, -1, "Unknown value class %d.", (int) cls);
}

/* Write "kind:" and the normalized value; the error names an empty value. */
static int
norm_kind_value(const char *kind, oc_cp_class cls, const char *v, size_t vlen,
				const char *region, outbuf *o, oc_cp_error *err)
{
	if (vlen == 0)
		return fail(err, OC_CP_EMPTY, -1,
					"The value after \"%s:\" is empty.", kind);
	if (puts_(o, kind, err) || put(o, ":", 1, err))
		return err->status;
	return norm_value(cls, v, vlen, region, o, err);
}

/* Reset an error record to "no error". */
static void
clear_error(oc_cp_error *err)
{
	err->status = OC_CP_OK;
	err->offset = -1;
	err->detail[0] = '\0';
	err->hint[0] = '\0';
}

/* Copy the finished output to the caller's buffer. */
static int
finish(const outbuf *o, char *out, size_t outcap, size_t *outlen,
	   oc_cp_error *err)
{
	if (o->len + 1 > outcap)
		return fail(err, OC_CP_BUFFER_TOO_SMALL, -1,
					"The output buffer holds %zu bytes; %zu are needed.",
					outcap, o->len + 1);
	memcpy(out, o->buf, o->len);
	out[o->len] = '\0';
	*outlen = o->len;
	return OC_CP_OK;
}

/* Common ending: on failure leave an empty output and a zero length. */
static int
done(int rc, const outbuf *o, char *out, size_t outcap, size_t *outlen,
	 oc_cp_error *err)
{
	if (rc == OC_CP_OK)
		rc = finish(o, out, outcap, outlen, err);
	if (rc != OC_CP_OK)
	{
		if (outcap > 0)
			out[0] = '\0';
		*outlen = 0;
	}
	return rc;
}

/* Does s[0..n) contain the NUL-terminated byte string needle? */
static int
has_bytes(const char *s, size_t n, const char *needle)
{
	size_t		k = strlen(needle);
	size_t		i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/* Detect the kind and normalize a trimmed, scanned input. */
static int
normalize_trimmed(const char *s, size_t n, const char *region, outbuf *o,
				  oc_cp_error *err)
{
	const char *colon = memchr(s, ':', n);
	const char *hint_text = "Write the contact point as kind:value, e.g. email:jan@example.pl, tel:+48123456789 or twitter:@handle.";
	uint32_t	first;
	char		q[OC_CP_QUOTE_BUFSIZE];

	if (colon)
	{
		const char *k = s;
		size_t		klen = (size_t) (colon - s);

		trim_space(&k, &klen);
		if (is_kind_token(k, klen))
		{
			oc_cp_class cls;
			const char *canon = oc_cp_kind_lookup(k, klen, &cls);
			const char *v = colon + 1;
			size_t		vlen = n - (size_t) (v - s);

			if (!canon)
				return unknown_kind(k, klen, err);
			trim_space(&v, &vlen);
			return norm_kind_value(canon, cls, v, vlen, region, o, err);
		}
	}
	/* bare e-mail or bare phone number */
	oc_utf8_decode((const unsigned char *) s, n, 0, &first);
	if (first != '@' && first != 0xFF20 && first != 0xFE6B &&
		(memchr(s, '@', n) != NULL || has_bytes(s, n, "\xEF\xBC\xA0") ||
		 has_bytes(s, n, "\xEF\xB9\xAB")))
		return norm_kind_value("email", OC_CP_CLASS_EMAIL, s, n, region, o,
							   err);
	if (first == '+' || first == 0xFF0B || first == '(' ||
		u_isdigit((UChar32) first))
		return norm_kind_value("tel", OC_CP_CLASS_PHONE, s, n, region, o,
							   err);
	oc_cp_quote(s, n, q, sizeof(q));
	fail(err, OC_CP_NO_KIND, -1,
		 "The input \"%s\" has no kind prefix and is neither an e-mail address nor a phone number.",
		 q);
	return hint(err, "%s", hint_text);
}

/* Canonical region code: two ASCII letters, upper-cased, known to
 * libphonenumber; "" (or NULL) is "no region".  1 if valid, else 0. */
int
oc_cp_region_canonical(const char *in, size_t len, char *out)
{
	out[0] = '\0';
	if (in == NULL || len == 0)
		return 1;
	if (len != 2)
		return 0;
	out[0] = (char) ((in[0] >= 'a' && in[0] <= 'z') ? in[0] - 32 : in[0]);
	out[1] = (char) ((in[1] >= 'a' && in[1] <= 'z') ? in[1] - 32 : in[1]);
	out[2] = '\0';
	if (!oc_phone_region_supported(out))
	{
		out[0] = '\0';
		return 0;
	}
	return 1;
}

/* Validate a caller's region into canon (OC_CP_REGION_BUFSIZE bytes). */
static int
check_region(const char *region, char *canon, oc_cp_error *err)
{
	char		q[OC_CP_QUOTE_BUFSIZE];

	if (region == NULL)
	{
		canon[0] = '\0';
		return OC_CP_OK;
	}
	if (oc_cp_region_canonical(region, strlen(region), canon))
		return OC_CP_OK;
	oc_cp_quote(region, strlen(region), q, sizeof(q));
	fail(err, OC_CP_BAD_REGION, -1,
		 "The region \"%s\" is not a two-letter ISO 3166-1 region code known to libphonenumber.",
		 q);
	return hint(err, "Use a code such as RO, PL, RU, ES, DE, GB or US, or an empty string for no default region.");
}

/* Check the length, encoding and control characters of the input, then
 * trim it; OC_CP_OK with [*s, *s + *n) the trimmed text. */
static int
prepare_input(const char *in, size_t len, const char **s, size_t *n,
			  oc_cp_error *err)
{
	int			rc;

	*s = in;
	*n = len;
	if (len > OC_CP_MAX_INPUT)
		return fail(err, OC_CP_TOO_LONG, -1,
					"The input is %zu bytes long; the limit is %d bytes.",
					len, OC_CP_MAX_INPUT);
	if ((rc = scan_bytes(in, len, "input", err)) != OC_CP_OK)
		return rc;
	trim_space(s, n);
	if (*n == 0)
		return fail(err, OC_CP_EMPTY, -1,
					len ? "The input contains only white space." : "The input is empty.");
	return OC_CP_OK;
}

/* Normalize "kind:value", a bare e-mail or a bare phone number, with a
 * default region for national phone numbers ("" or NULL: none). */
int
oc_cp_normalize_region(const char *in, size_t len, const char *region,
					   char *out, size_t outcap, size_t *outlen,
					   oc_cp_error *err)
{
	outbuf		o;
	const char *s;
	size_t		n;
	char		canon[OC_CP_REGION_BUFSIZE];
	int			rc;

	clear_error(err);
	o.len = 0;
	if ((rc = check_region(region, canon, err)) == OC_CP_OK &&
		(rc = prepare_input(in, len, &s, &n, err)) == OC_CP_OK)
		rc = normalize_trimmed(s, n, canon, &o, err);
	return done(rc, &o, out, outcap, outlen, err);
}

/* Normalize "kind:value", a bare e-mail or a bare international phone number. */
int
oc_cp_normalize(const char *in, size_t len, char *out, size_t outcap,
				size_t *outlen, oc_cp_error *err)
{
	return oc_cp_normalize_region(in, len, NULL, out, outcap, outlen, err);
}

/* Normalize a value given its kind separately, with a default region. */
int
oc_cp_normalize_parts_region(const char *kind, size_t kindlen,
							 const char *value, size_t valuelen,
							 const char *region,
							 char *out, size_t outcap, size_t *outlen,
							 oc_cp_error *err)
{
	outbuf		o;
	char		canon[OC_CP_REGION_BUFSIZE];
	int			rc;

	clear_error(err);
	o.len = 0;
	rc = check_region(region, canon, err);
	if (rc != OC_CP_OK)
		;						/* err is set */
	else if (kindlen > OC_CP_MAX_INPUT || valuelen > OC_CP_MAX_INPUT ||
			 kindlen + valuelen + 1 > OC_CP_MAX_INPUT)
		rc = fail(err, OC_CP_TOO_LONG, -1,
				  "The kind and value are %zu bytes long together; the limit is %d bytes.",
				  kindlen + valuelen + 1, OC_CP_MAX_INPUT);
	else if ((rc = scan_bytes(kind, kindlen, "kind", err)) == OC_CP_OK &&
			 (rc = scan_bytes(value, valuelen, "value", err)) == OC_CP_OK)
	{
		const char *k = kind;
		const char *v = value;
		size_t		klen = kindlen;
		size_t		vlen = valuelen;
		oc_cp_class cls;
		const char *canon_kind;

		trim_space(&k, &klen);
		trim_space(&v, &vlen);
		canon_kind = is_kind_token(k, klen) ? oc_cp_kind_lookup(k, klen, &cls) : NULL;
		if (klen == 0)
			rc = fail(err, OC_CP_EMPTY, -1, "The kind is empty.");
		else if (!canon_kind)
			rc = unknown_kind(k, klen, err);
		else
			rc = norm_kind_value(canon_kind, cls, v, vlen, canon, &o, err);
	}
	return done(rc, &o, out, outcap, outlen, err);
}

/* Normalize a value given its kind separately (international phones only). */
int
oc_cp_normalize_parts(const char *kind, size_t kindlen,
					  const char *value, size_t valuelen,
					  char *out, size_t outcap, size_t *outlen,
					  oc_cp_error *err)
{
	return oc_cp_normalize_parts_region(kind, kindlen, value, valuelen, NULL,
										out, outcap, outlen, err);
}

/* Read a phone number (bare, or after a phone-class kind: prefix) the way
 * the contact point input does, and report what libphonenumber says. */
int
oc_cp_phone_info(const char *in, size_t len, const char *region,
				 char *out, size_t outcap, size_t *outlen,
				 oc_phone_info *info, oc_cp_error *err)
{
	outbuf		o;
	const char *s;
	size_t		n;
	char		canon[OC_CP_REGION_BUFSIZE];
	int			rc;

	clear_error(err);
	memset(info, 0, sizeof(*info));
	o.len = 0;
	if ((rc = check_region(region, canon, err)) == OC_CP_OK &&
		(rc = prepare_input(in, len, &s, &n, err)) == OC_CP_OK)
	{
		const char *colon = memchr(s, ':', n);

		if (colon && is_kind_token(s, (size_t) (colon - s)))
		{
			oc_cp_class cls;
			size_t		klen = (size_t) (colon - s);
			const char *canon_kind = oc_cp_kind_lookup(s, klen, &cls);

			if (!canon_kind)
				rc = unknown_kind(s, klen, err);
			else if (cls != OC_CP_CLASS_PHONE && cls != OC_CP_CLASS_PHONE_OR_AT)
			{
				fail(err, OC_CP_BAD_PHONE, -1,
					 "The kind \"%s\" does not hold a phone number.",
					 canon_kind);
				rc = hint(err, "Pass a phone number, or a tel:, whatsapp:, viber:, signal: or telegram: contact point.");
			}
			else
			{
				n -= (size_t) (colon + 1 - s);
				s = colon + 1;
				trim_space(&s, &n);
			}
		}
		if (rc == OC_CP_OK && n == 0)
			rc = fail(err, OC_CP_EMPTY, -1, "The phone number is empty.");
		if (rc == OC_CP_OK)
			rc = norm_phone(s, n, canon, info, &o, err);
	}
	return done(rc, &o, out, outcap, outlen, err);
}

/* Split a canonical value at its first ':'; 0 on success, -1 if none. */
int
oc_cp_split(const char *cp, size_t len, size_t *kindlen, size_t *valueoff)
{
	const char *colon = memchr(cp, ':', len);

	if (colon == NULL)
		return -1;
	*kindlen = (size_t) (colon - cp);
	*valueoff = *kindlen + 1;
	return 0;
}

/* Normalizer version, e.g. "icu-72.1/unicode-15.0" (static storage). */
const char *
oc_cp_version(void)
{
	static char version[64];

	if (version[0] == '\0')
	{
		UVersionInfo v;
		char		icu[U_MAX_VERSION_STRING_LENGTH];
		char		uni[U_MAX_VERSION_STRING_LENGTH];

		u_getVersion(v);
		u_versionToString(v, icu);
		u_getUnicodeVersion(v);
		u_versionToString(v, uni);
		snprintf(version, sizeof(version), "icu-%s/unicode-%s", icu, uni);
	}
	return version;
}

/* Name of a status, e.g. "OC_CP_BAD_PHONE" (for tests and logs). */
const char *
oc_cp_status_name(int status)
{
	static const char *const names[] = {
		"OC_CP_OK", "OC_CP_EMPTY", "OC_CP_TOO_LONG", "OC_CP_BAD_ENCODING",
		"OC_CP_CONTROL_CHAR", "OC_CP_NO_KIND", "OC_CP_UNKNOWN_KIND",
		"OC_CP_BAD_EMAIL", "OC_CP_BAD_EMAIL_LOCAL", "OC_CP_BAD_EMAIL_DOMAIN",
		"OC_CP_BAD_PHONE", "OC_CP_NATIONAL_PHONE", "OC_CP_BAD_HANDLE",
		"OC_CP_BAD_ID", "OC_CP_BUFFER_TOO_SMALL", "OC_CP_INTERNAL",
		"OC_CP_BAD_REGION",
	};

	if (status < 0 || status >= (int) (sizeof(names) / sizeof(names[0])))
		return "OC_CP_?";
	return names[status];
}
