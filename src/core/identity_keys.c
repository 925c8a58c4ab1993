/*-------------------------------------------------------------------------
 *
 * identity_keys.c
 *	  Match keys for identity suggestions: provider-folded e-mail addresses
 *	  and two name keys (exact-ish and transliterated).
 *
 * This is the server-free core behind the identity-suggestion functions
 * (the rules are in identity_keys.h).  Examples:
 *
 *	  "jan.kowalski+sklep@googlemail.com"  ->  "jankowalski@gmail.com"
 *	  "O'Brien-Smith,  Ann"                ->  "o brien smith ann"
 *	  "ŞTEFAN Ţurcanu" (cedillas)          ->  "ștefan țurcanu" (commas)
 *	  "Дмитрий Иванов"                     ->  "дмитрий иванов" / "dmitrij ivanov"
 *
 * Name flow: read at most OC_IDKEY_MAX_INPUT bytes (cut at a character
 * boundary) and check them as strict UTF-8; convert to UTF-16; fold with
 * ICU's NFKC_Casefold in chunks cut at normalization boundaries; map the
 * Romanian cedilla letters to comma-below; fold every run of separators
 * (white space, controls, P*, S*) to one U+0020, none at either end, and
 * stop at OC_IDKEY_MAX_LEN bytes (backing up to a normalization boundary).
 * The transliterated key then runs each word of that key through the
 * process-wide "Any-Latin; Latin-ASCII" transliterator and keeps lower-case
 * ASCII letters, digits and the letters ICU left alone.
 *
 *-------------------------------------------------------------------------
 */
#include "core/identity_keys.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

/* UTF-16 units of the input buffer: never more than its UTF-8 bytes. */
#define IN16CAP		OC_IDKEY_MAX_INPUT
/* Input units per folding chunk (the chunk then runs to a boundary). */
#define CHUNK		64
/* UTF-16 units of one folded chunk; an overflowing chunk ends the text. */
#define PIECECAP	8192
/* UTF-16 units of one transliterated word (a word of the name key has at
 * most OC_IDKEY_MAX_LEN units; the transform rarely more than triples it). */
#define WORDCAP		(8 * OC_IDKEY_MAX_LEN)
/* The ICU transform of the transliterated key. */
#define TRANSLIT_ID	"Any-Latin; Latin-ASCII"

/* The transliterator, opened on first use and kept for the process. */
static UTransliterator *oc_translit = NULL;

/* Name of a status, e.g. "OC_IDKEY_BAD_INPUT" (tests and logs). */
const char *
oc_idkey_status_name(int status)
{
	switch (status)
	{
		case OC_IDKEY_OK:
			return "OC_IDKEY_OK";
		case OC_IDKEY_BAD_INPUT:
			return "OC_IDKEY_BAD_INPUT";
		case OC_IDKEY_BAD_ENCODING:
			return "OC_IDKEY_BAD_ENCODING";
		case OC_IDKEY_BUFFER_TOO_SMALL:
			return "OC_IDKEY_BUFFER_TOO_SMALL";
		case OC_IDKEY_INTERNAL:
			return "OC_IDKEY_INTERNAL";
	}
	return "OC_IDKEY_UNKNOWN";
}

/* Release the cached ICU transliterator (tests and leak checkers). */
void
oc_idkey_cleanup(void)
{
	if (oc_translit)
		utrans_close(oc_translit);
	oc_translit = NULL;
}

#if defined(__GNUC__) || defined(__clang__)
#define OC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define OC_PRINTF(f, a)
#endif

static int	fail(oc_idkey_info *info, int status, long offset,
				 const char *fmt,...) OC_PRINTF(4, 5);

/* Record a failure (printf-formatted detail) in info, if any; the status. */
static int
fail(oc_idkey_info *info, int status, long offset, const char *fmt,...)
{
	va_list		ap;

	if (info)
	{
		info->offset = offset;
		va_start(ap, fmt);
		vsnprintf(info->detail, sizeof(info->detail), fmt, ap);
		va_end(ap);
	}
	return status;
}

/* Empty the outputs and reset info (every entry point starts here). */
static void
start(char *out, size_t cap, size_t *outlen, oc_idkey_info *info)
{
	if (outlen)
		*outlen = 0;
	if (out && cap > 0)
		out[0] = '\0';
	if (info)
	{
		memset(info, 0, sizeof(*info));
		info->offset = -1;
	}
}

/* Copy a finished key s[0..n) and its NUL to the caller's buffer. */
static int
finish(const char *s, size_t n, char *out, size_t cap, size_t *outlen,
	   oc_idkey_info *info)
{
	if (out == NULL || cap < n + 1)
		return fail(info, OC_IDKEY_BUFFER_TOO_SMALL, -1,
					"The output buffer holds %zu bytes; the key needs %zu.",
					out ? cap : 0, n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	if (outlen)
		*outlen = n;
	return OC_IDKEY_OK;
}

/*
 * Check s[0..len) as strict UTF-8 up to limit bytes, cutting before a
 * character that crosses the limit; *used gets the bytes kept.  Control
 * characters are refused too if no_controls.  OC_IDKEY_OK or a failure.
 */
static int
check_utf8(const char *in, size_t len, size_t limit, int no_controls,
		   const char *what, size_t *used, oc_idkey_info *info)
{
	const unsigned char *s = (const unsigned char *) in;
	size_t		i = 0;

	if (limit > len)
		limit = len;
	while (i < limit)
	{
		uint32_t	cp;
		int			n = oc_utf8_decode(s, len, i, &cp);

		if (n == 0)
			return fail(info, OC_IDKEY_BAD_ENCODING, (long) i,
						"The %s is not valid UTF-8: byte 0x%02X at byte offset %zu does not start a valid sequence.",
						what, s[i], i);
		if (no_controls && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)))
			return fail(info, OC_IDKEY_BAD_INPUT, (long) i,
						"The %s contains the control character U+%04X at byte offset %zu.",
						what, (unsigned) cp, i);
		if (i + (size_t) n > limit)
			break;
		i += (size_t) n;
	}
	*used = i;
	return OC_IDKEY_OK;
}

/* Is the domain d[0..n) one of Google's mail domains (dots are ignored)? */
static int
is_gmail(const char *d, size_t n)
{
	return (n == 9 && memcmp(d, "gmail.com", 9) == 0) ||
		(n == 14 && memcmp(d, "googlemail.com", 14) == 0);
}

/* Provider-folded key of a normalized e-mail address "local@domain". */
int
oc_email_provider_key(const char *email, size_t len,
					  char *out, size_t cap, size_t *outlen,
					  oc_idkey_info *info)
{
	char		key[OC_IDKEY_MAX_LEN];
	size_t		used = 0;
	size_t		at = 0;
	size_t		nat = 0;
	size_t		local;
	size_t		i;
	size_t		n = 0;
	const char *domain;
	size_t		domainlen;
	int			rc;

	start(out, cap, outlen, info);
	if (email == NULL)
		len = 0;
	if (len > OC_IDKEY_MAX_LEN)
		return fail(info, OC_IDKEY_BAD_INPUT, -1,
					"The e-mail address is %zu bytes long; a normalized address has at most %d bytes.",
					len, OC_IDKEY_MAX_LEN);
	rc = check_utf8(email, len, len, 1, "e-mail address", &used, info);
	if (rc != OC_IDKEY_OK)
		return rc;
	if (info)
		info->bytes_read = used;
	for (i = 0; i < len; i++)
		if (email[i] == '@')
		{
			if (nat++ == 0)
				at = i;
		}
	if (nat == 0)
		return fail(info, OC_IDKEY_BAD_INPUT, -1,
					"The e-mail address has no \"@\".");
	if (nat > 1)
		return fail(info, OC_IDKEY_BAD_INPUT, -1,
					"The e-mail address has %zu \"@\" characters; a normalized address has one.",
					nat);
	if (at == 0)
		return fail(info, OC_IDKEY_BAD_INPUT, -1,
					"The local part of the e-mail address (before \"@\") is empty.");
	if (at + 1 == len)
		return fail(info, OC_IDKEY_BAD_INPUT, -1,
					"The domain of the e-mail address (after \"@\") is empty.");

	/* "+tag": cut at the first "+" if something remains before it */
	local = at;
	for (i = 0; i < at; i++)
		if (email[i] == '+')
		{
			if (i > 0)
				local = i;
			break;
		}
	domain = email + at + 1;
	domainlen = len - at - 1;
	if (is_gmail(domain, domainlen))
	{
		for (i = 0; i < local; i++)
			if (email[i] != '.')
				key[n++] = email[i];
		if (n == 0)
			return fail(info, OC_IDKEY_BAD_INPUT, -1,
						"The local part of the e-mail address is empty once its dots are removed.");
		domain = "gmail.com";
		domainlen = 9;
	}
	else
	{
		memcpy(key, email, local);
		n = local;
	}
	/* never longer than the input: at most OC_IDKEY_MAX_LEN bytes */
	key[n++] = '@';
	memcpy(key + n, domain, domainlen);
	n += domainlen;
	return finish(key, n, out, cap, outlen, info);
}

/* The NFKC_Casefold normalizer (an ICU singleton), or NULL. */
static const UNormalizer2 *
nfkc_cf(void)
{
	UErrorCode	ec = U_ZERO_ERROR;
	const UNormalizer2 *n2 = unorm2_getNFKCCasefoldInstance(&ec);

	return U_FAILURE(ec) ? NULL : n2;
}

/* The process-wide transliterator (opened on first use), or NULL. */
static UTransliterator *
transliterator(UErrorCode *ec)
{
	if (oc_translit == NULL)
	{
		UChar		id[sizeof(TRANSLIT_ID)];

		u_charsToUChars(TRANSLIT_ID, id, (int32_t) sizeof(TRANSLIT_ID));
		oc_translit = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, ec);
		if (U_FAILURE(*ec))
		{
			if (oc_translit)
				utrans_close(oc_translit);
			oc_translit = NULL;
		}
	}
	return oc_translit;
}

/* A key being emitted: bounded bytes, pending space, last boundary. */
typedef struct emitter
{
	char		buf[OC_IDKEY_MAX_LEN];
	size_t		len;
	size_t		boundary;		/* len at the last normalization boundary */
	int			space;			/* a space is pending (never at the start) */
	int			full;			/* the bound was reached: stop */
	int			ascii;			/* the last character emitted was ASCII */
} emitter;

/* Start an empty key. */
static void
emitter_init(emitter *em)
{
	em->len = 0;
	em->boundary = 0;
	em->space = 0;
	em->full = 0;
	em->ascii = 1;
}

/* Is c a separator of the name key (white space, control, P*, S*)? */
static int
is_separator(UChar32 c)
{
	return u_isUWhiteSpace(c) ||
		(U_GET_GC_MASK(c) & (U_GC_Z_MASK | U_GC_CC_MASK | U_GC_P_MASK |
							 U_GC_S_MASK)) != 0;
}

/* Append c (and a pending space) if it fits; 0, or -1 and full if not. */
static int
append(emitter *em, UChar32 c, int starter)
{
	size_t		need = (size_t) U8_LENGTH(c) + (em->space ? 1 : 0);
	size_t		i;

	if (em->len + need > sizeof(em->buf))
	{
		em->full = 1;
		return -1;
	}
	if (em->space)
	{
		em->boundary = em->len;
		em->buf[em->len++] = ' ';
		em->space = 0;
	}
	if (starter)
		em->boundary = em->len;
	i = em->len;
	U8_APPEND_UNSAFE(em->buf, i, c);
	em->len = i;
	em->ascii = c < 0x80;
	return 0;
}

/*
 * Romanian: the comma-below letter for a cedilla letter (upper case too, for
 * safety), if alone, i.e. followed by a normalization boundary; else c.  A
 * cedilla letter that carries further marks ("ş̧") is left as it is: mapped,
 * it would no longer be normalized and the key would not be its own key.
 */
static UChar32
comma_below(UChar32 c, int alone)
{
	if (!alone)
		return c;
	if (c == 0x015E || c == 0x015F)
		return 0x0219;
	if (c == 0x0162 || c == 0x0163)
		return 0x021B;
	return c;
}

/* Emit one folded code point of the name key. */
static void
emit_name(emitter *em, const UNormalizer2 *n2, UChar32 c)
{
	UBool		starter;

	if (is_separator(c))
	{
		em->space = em->len > 0;
		return;
	}
	starter = unorm2_hasBoundaryBefore(n2, c);
	/*
	 * Full: keep only text normalized on its own (c, or a pending space,
	 * would start a new segment; else c belongs to the last one).
	 */
	if (append(em, c, starter) != 0 && !starter && !em->space)
		em->len = em->boundary;
}

/* Fold u[0..ulen) chunk by chunk into em; 0, or -1 if ICU failed. */
static int
fold_text(const UNormalizer2 *n2, const UChar *u, int32_t ulen, emitter *em,
		  int *truncated)
{
	UChar		piece[PIECECAP];
	int32_t		i = 0;

	while (i < ulen && !em->full)
	{
		int32_t		j = i + CHUNK < ulen ? i + CHUNK : ulen;
		int32_t		plen;
		int32_t		k;
		UErrorCode	ec = U_ZERO_ERROR;

		/* never split a surrogate pair; then run to a boundary */
		if (j < ulen && U16_IS_TRAIL(u[j]))
			j++;
		while (j < ulen)
		{
			UChar32		c;
			int32_t		next = j;

			U16_NEXT(u, next, ulen, c);
			if (unorm2_hasBoundaryBefore(n2, c))
				break;
			j = next;
		}
		plen = unorm2_normalize(n2, u + i, j - i, piece, PIECECAP, &ec);
		if (ec == U_BUFFER_OVERFLOW_ERROR)
		{
			/* a pathological expansion: the text ends before this chunk */
			*truncated = 1;
			return 0;
		}
		if (U_FAILURE(ec))
			return -1;
		for (k = 0; k < plen && !em->full;)
		{
			UChar32		c;
			UChar32		d;
			int32_t		next;
			int			alone = 1;

			U16_NEXT(piece, k, plen, c);
			/* a piece ends at a boundary, so the next character is here */
			if (k < plen)
			{
				next = k;
				U16_NEXT(piece, next, plen, d);
				alone = unorm2_hasBoundaryBefore(n2, d);
			}
			emit_name(em, n2, comma_below(c, alone));
		}
		i = j;
	}
	if (em->full)
		*truncated = 1;
	return 0;
}

/* The name key of in[0..len) into em; OC_IDKEY_OK or a failure. */
static int
name_key(const char *in, size_t len, emitter *em, int *truncated,
		 oc_idkey_info *info)
{
	const UNormalizer2 *n2;
	UChar		u[IN16CAP];
	int32_t		ulen = 0;
	UErrorCode	ec = U_ZERO_ERROR;
	size_t		used = 0;
	int			rc;

	emitter_init(em);
	if (in == NULL)
		len = 0;
	rc = check_utf8(in, len, OC_IDKEY_MAX_INPUT, 0, "name", &used, info);
	if (rc != OC_IDKEY_OK)
		return rc;
	if (used < len)
		*truncated = 1;
	if (info)
		info->bytes_read = used;
	if (used == 0)
		return OC_IDKEY_OK;

	n2 = nfkc_cf();
	if (n2 == NULL)
		return fail(info, OC_IDKEY_INTERNAL, -1,
					"ICU could not load the NFKC_Casefold normalizer.");
	u_strFromUTF8(u, IN16CAP, &ulen, in, (int32_t) used, &ec);
	if (U_FAILURE(ec))
		return fail(info, OC_IDKEY_INTERNAL, -1,
					"ICU could not convert UTF-8 to UTF-16: %s.",
					u_errorName(ec));
	if (fold_text(n2, u, ulen, em, truncated) != 0)
		return fail(info, OC_IDKEY_INTERNAL, -1,
					"ICU could not fold the name.");
	/* a cut may leave the space before the part dropped */
	while (em->len > 0 && em->buf[em->len - 1] == ' ')
		em->len--;
	return OC_IDKEY_OK;
}

/* Exact-ish name key: NFKC_Casefold, Romanian comma-below, spacing. */
int
oc_name_key(const char *name, size_t len,
			char *out, size_t cap, size_t *outlen,
			oc_idkey_info *info)
{
	emitter		em;
	int			truncated = 0;
	int			rc;

	start(out, cap, outlen, info);
	rc = name_key(name, len, &em, &truncated, info);
	if (info)
		info->truncated = truncated;
	if (rc != OC_IDKEY_OK)
		return rc;
	return finish(em.buf, em.len, out, cap, outlen, info);
}

/*
 * Emit one transliterated code point: ASCII letters lowered, ASCII digits,
 * white space as a separator; non-ASCII letters and numbers ICU left alone
 * kept, with their marks; punctuation, symbols and modifier letters (what
 * the transform writes for "ь", "ъ", "ʿ" ...) dropped inside the word.
 */
static void
emit_translit(emitter *em, UChar32 c)
{
	uint32_t	gc = U_GET_GC_MASK(c);

	if (c < 0x80)
	{
		if (c >= 'A' && c <= 'Z')
			append(em, c - 'A' + 'a', 1);
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			append(em, c, 1);
		else if (c == ' ' || (gc & U_GC_CC_MASK) || u_isUWhiteSpace(c))
			em->space = em->len > 0;
		return;
	}
	if (u_isUWhiteSpace(c) || (gc & (U_GC_Z_MASK | U_GC_CC_MASK)))
		em->space = em->len > 0;
	else if ((gc & (U_GC_L_MASK | U_GC_N_MASK)) && !(gc & U_GC_LM_MASK))
		append(em, c, 1);
	else if ((gc & U_GC_M_MASK) && !em->ascii && !em->space)
		append(em, c, 0);
}

/* Transliterated name key: oc_name_key, "Any-Latin; Latin-ASCII", ASCII. */
int
oc_name_translit_key(const char *name, size_t len,
					 char *out, size_t cap, size_t *outlen,
					 oc_idkey_info *info)
{
	emitter		key;
	emitter		em;
	UTransliterator *t;
	UChar		w[WORDCAP];
	UErrorCode	ec = U_ZERO_ERROR;
	int			truncated = 0;
	size_t		p = 0;
	int			rc;

	start(out, cap, outlen, info);
	rc = name_key(name, len, &key, &truncated, info);
	if (rc != OC_IDKEY_OK)
	{
		if (info)
			info->truncated = truncated;
		return rc;
	}
	emitter_init(&em);
	t = key.len > 0 ? transliterator(&ec) : NULL;
	if (key.len > 0 && t == NULL)
		return fail(info, OC_IDKEY_INTERNAL, -1,
					"ICU could not open the transform \"%s\": %s.",
					TRANSLIT_ID, u_errorName(ec));

	/* word by word: the bound on each word bounds the transform's output */
	while (p < key.len && !em.full)
	{
		size_t		q = p;
		int32_t		wlen = 0;
		int32_t		limit;
		int32_t		k;

		while (q < key.len && key.buf[q] != ' ')
			q++;
		ec = U_ZERO_ERROR;
		u_strFromUTF8(w, WORDCAP, &wlen, key.buf + p, (int32_t) (q - p), &ec);
		if (U_FAILURE(ec))
			return fail(info, OC_IDKEY_INTERNAL, -1,
						"ICU could not convert UTF-8 to UTF-16: %s.",
						u_errorName(ec));
		limit = wlen;
		utrans_transUChars(t, w, &wlen, WORDCAP, 0, &limit, &ec);
		if (ec == U_BUFFER_OVERFLOW_ERROR)
		{
			/* an expansion beyond WORDCAP: the key ends before this word */
			truncated = 1;
			break;
		}
		if (U_FAILURE(ec))
			return fail(info, OC_IDKEY_INTERNAL, -1,
						"ICU could not transliterate the name: %s.",
						u_errorName(ec));
		em.space = em.len > 0;
		for (k = 0; k < wlen && !em.full;)
		{
			UChar32		c;

			U16_NEXT(w, k, wlen, c);
			emit_translit(&em, c);
		}
		p = q + 1;
	}
	if (em.full)
		truncated = 1;
	while (em.len > 0 && em.buf[em.len - 1] == ' ')
		em.len--;
	if (info)
		info->truncated = truncated;
	return finish(em.buf, em.len, out, cap, outlen, info);
}
