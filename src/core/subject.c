/*-------------------------------------------------------------------------
 *
 * subject.c
 *	  Normalization of message subjects to their "base subject".
 *
 * This is the server-free core of omnichannel.normalize_subject(text).  It
 * turns the subject lines of one conversation, as many mail clients in many
 * languages rewrite them, into one comparable key:
 *
 *	  "AW: WG: [support] Re[2]: Rechnung  Nr. 42 (fwd)"  ->  "rechnung nr. 42"
 *	  "回复：订单问题"                                    ->  "订单问题"
 *	  "[Fwd: Odp: Zamówienie]"                           ->  "zamówienie"
 *
 * Flow: read at most OC_SUBJ_MAX_INPUT bytes (cut at a character boundary)
 * and check them as strict UTF-8; convert to UTF-16; fold with ICU's
 * NFKC_Casefold in chunks cut at normalization boundaries; fold every run
 * of white space and control characters to one U+0020, drop it at both
 * ends, and stop at OC_SUBJ_MAX_LEN bytes (backing up to a normalization
 * boundary); then strip, on the folded UTF-8 bytes, the RFC 5256 section
 * 2.1 leaders and trailers until nothing changes.  Because folding happens
 * first, the prefix table is matched case-insensitively and fullwidth
 * colons and brackets ("：", "［") need no special case.
 *
 * Every step is linear in the bytes it reads: the prefix loop never scans
 * the same bytes twice except for a bounded constant, and the "steps"
 * counter of oc_subj_info lets the unit tests prove it.  The folded prefix
 * words are computed once per process (ICU, same version as the text).
 *
 *-------------------------------------------------------------------------
 */
#include "core/subject.h"
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

/* UTF-16 units of the input buffer: never more than its UTF-8 bytes. */
#define IN16CAP		OC_SUBJ_MAX_INPUT
/* Input units per folding chunk (the chunk then runs to a boundary). */
#define CHUNK		64
/* UTF-16 units of one folded chunk; an overflowing chunk ends the text. */
#define PIECECAP	8192
/* Bytes of a folded prefix word. */
#define WORDCAP		48

/* The prefix table: words as clients write them (see docs/subjects.md). */
static const oc_subj_prefix prefixes[] = {
	{"Re", "English (RFC 5256), Spanish, French, Romanian, most clients", OC_SUBJ_REPLY},
	{"Fw", "English (RFC 5256)", OC_SUBJ_FORWARD},
	{"Fwd", "English (RFC 5256)", OC_SUBJ_FORWARD},
	{"AW", "German", OC_SUBJ_REPLY},
	{"Antw", "German, Dutch", OC_SUBJ_REPLY},
	{"WG", "German", OC_SUBJ_FORWARD},
	{"Wtr", "German", OC_SUBJ_FORWARD},
	{"SV", "Swedish, Danish, Norwegian, Icelandic", OC_SUBJ_REPLY},
	{"VS", "Danish, Norwegian (forward); Finnish (reply)", OC_SUBJ_FORWARD},
	{"VB", "Swedish", OC_SUBJ_FORWARD},
	{"FS", "Icelandic, Swedish", OC_SUBJ_FORWARD},
	{"VL", "Finnish", OC_SUBJ_FORWARD},
	{"Doorst", "Dutch", OC_SUBJ_FORWARD},
	{"Odp", "Polish, Czech, Slovak", OC_SUBJ_REPLY},
	{"PD", "Polish", OC_SUBJ_FORWARD},
	{"PŘ", "Czech", OC_SUBJ_FORWARD},
	{"Răsp", "Romanian", OC_SUBJ_REPLY},
	{"Redirecționat", "Romanian", OC_SUBJ_FORWARD},
	{"Redirecţionat", "Romanian (cedilla spelling)", OC_SUBJ_FORWARD},
	{"TR", "French, Romanian", OC_SUBJ_FORWARD},
	{"Réf", "French (Lotus Notes)", OC_SUBJ_REPLY},
	{"Réf.", "French (Lotus Notes)", OC_SUBJ_REPLY},
	{"Ответ", "Russian", OC_SUBJ_REPLY},
	{"Отв", "Russian", OC_SUBJ_REPLY},
	{"НА", "Russian", OC_SUBJ_REPLY},
	{"Пересл", "Russian", OC_SUBJ_FORWARD},
	{"RV", "Spanish", OC_SUBJ_FORWARD},
	{"RES", "Portuguese", OC_SUBJ_REPLY},
	{"ENC", "Portuguese", OC_SUBJ_FORWARD},
	{"R", "Italian", OC_SUBJ_REPLY},
	{"RIF", "Italian", OC_SUBJ_REPLY},
	{"I", "Italian", OC_SUBJ_FORWARD},
	{"Inoltro", "Italian", OC_SUBJ_FORWARD},
	{"回复", "Chinese (simplified)", OC_SUBJ_REPLY},
	{"答复", "Chinese (simplified, Outlook)", OC_SUBJ_REPLY},
	{"回覆", "Chinese (traditional)", OC_SUBJ_REPLY},
	{"答覆", "Chinese (traditional, Outlook)", OC_SUBJ_REPLY},
	{"转发", "Chinese (simplified)", OC_SUBJ_FORWARD},
	{"轉發", "Chinese (traditional)", OC_SUBJ_FORWARD},
	{"轉寄", "Chinese (traditional, Outlook)", OC_SUBJ_FORWARD},
	{"회신", "Korean", OC_SUBJ_REPLY},
	{"전달", "Korean", OC_SUBJ_FORWARD},
	{"YNT", "Turkish", OC_SUBJ_REPLY},
	{"İLT", "Turkish", OC_SUBJ_FORWARD},
	{"ILT", "Turkish (without the dot)", OC_SUBJ_FORWARD},
	{"ΑΠ", "Greek", OC_SUBJ_REPLY},
	{"ΣΧΕΤ", "Greek", OC_SUBJ_REPLY},
	{"ΠΡΘ", "Greek", OC_SUBJ_FORWARD},
	{"VÁ", "Hungarian", OC_SUBJ_REPLY},
	{"TOV", "Hungarian", OC_SUBJ_FORWARD},
};

#define NPREFIXES	((int) (sizeof(prefixes) / sizeof(prefixes[0])))

/* The prefix words folded with NFKC_Casefold, computed on first use. */
static char folded_word[NPREFIXES][WORDCAP];
static size_t folded_len[NPREFIXES];
static int	folded_ready = 0;

/* The prefix table (static storage) and its length. */
const oc_subj_prefix *
oc_subject_prefixes(size_t *n)
{
	if (n)
		*n = (size_t) NPREFIXES;
	return prefixes;
}

/* Name of a status, e.g. "OC_SUBJ_BAD_ENCODING" (tests and logs). */
const char *
oc_subject_status_name(int status)
{
	switch (status)
	{
		case OC_SUBJ_OK:
			return "OC_SUBJ_OK";
		case OC_SUBJ_BAD_ENCODING:
			return "OC_SUBJ_BAD_ENCODING";
		case OC_SUBJ_BUFFER_TOO_SMALL:
			return "OC_SUBJ_BUFFER_TOO_SMALL";
		case OC_SUBJ_INTERNAL:
			return "OC_SUBJ_INTERNAL";
	}
	return "OC_SUBJ_UNKNOWN";
}

#if defined(__GNUC__) || defined(__clang__)
#define OC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define OC_PRINTF(f, a)
#endif

static int	fail(oc_subj_info *info, int status, long offset,
				 const char *fmt,...) OC_PRINTF(4, 5);

/* Record a failure (printf-formatted detail) in info, if any; the status. */
static int
fail(oc_subj_info *info, int status, long offset, const char *fmt,...)
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

/* Length of the strict UTF-8 sequence at s[i] (0 if invalid or cut by len). */
static int
u8_seq_len(const unsigned char *s, size_t len, size_t i)
{
	uint32_t	cp;

	return oc_utf8_decode(s, len, i, &cp);
}

/* The NFKC_Casefold normalizer (an ICU singleton), or NULL. */
static const UNormalizer2 *
nfkc_cf(void)
{
	UErrorCode	ec = U_ZERO_ERROR;
	const UNormalizer2 *n2 = unorm2_getNFKCCasefoldInstance(&ec);

	return U_FAILURE(ec) ? NULL : n2;
}

/* Fold the prefix words once; 0 on success, -1 if ICU failed. */
static int
fold_prefixes(const UNormalizer2 *n2)
{
	int			k;

	if (folded_ready)
		return 0;
	for (k = 0; k < NPREFIXES; k++)
	{
		UChar		u[WORDCAP];
		UChar		f[WORDCAP];
		int32_t		ulen = 0;
		int32_t		flen;
		int32_t		blen = 0;
		UErrorCode	ec = U_ZERO_ERROR;

		u_strFromUTF8(u, WORDCAP, &ulen, prefixes[k].word, -1, &ec);
		flen = unorm2_normalize(n2, u, ulen, f, WORDCAP, &ec);
		u_strToUTF8(folded_word[k], WORDCAP, &blen, f, flen, &ec);
		if (U_FAILURE(ec) || blen <= 0 || blen >= WORDCAP)
			return -1;
		folded_len[k] = (size_t) blen;
	}
	folded_ready = 1;
	return 0;
}

/* Folded text being emitted: bounded bytes, pending space, last boundary. */
typedef struct emitter
{
	char		buf[OC_SUBJ_MAX_LEN];
	size_t		len;
	size_t		boundary;		/* len at the last normalization boundary */
	int			space;			/* a space is pending (never at the start) */
	int			full;			/* the bound was reached: stop */
} emitter;

/* Emit one folded code point: spacing folded, bounded, cut at a boundary. */
static void
emit(emitter *em, const UNormalizer2 *n2, UChar32 c)
{
	int			need;

	if (u_isUWhiteSpace(c) || u_charType(c) == U_CONTROL_CHAR)
	{
		em->space = em->len > 0;
		return;
	}
	need = U8_LENGTH(c) + (em->space ? 1 : 0);
	if (em->len + (size_t) need > sizeof(em->buf))
	{
		/* keep only text that is still normalized on its own */
		em->len = em->boundary;
		em->full = 1;
		return;
	}
	if (em->space)
	{
		em->boundary = em->len;
		em->buf[em->len++] = ' ';
		em->space = 0;
	}
	if (unorm2_hasBoundaryBefore(n2, c))
		em->boundary = em->len;
	{
		size_t		i = em->len;

		U8_APPEND_UNSAFE(em->buf, i, c);
		em->len = i;
	}
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

			U16_NEXT(piece, k, plen, c);
			emit(em, n2, c);
		}
		i = j;
	}
	if (em->full)
		*truncated = 1;
	return 0;
}

/* End of a [blob] starting at s[p] == '[' (just past "]"), or 0. */
static size_t
blob_end(const char *s, size_t p, size_t e, size_t *steps)
{
	size_t		r = p + 1;

	while (r < e && s[r] != '[' && s[r] != ']')
		r++;
	*steps += r - p;
	return (r < e && s[r] == ']') ? r + 1 : 0;
}

/* End of a run of ASCII digits from s[p] (p itself if none). */
static size_t
digits_end(const char *s, size_t p, size_t e)
{
	while (p < e && s[p] >= '0' && s[p] <= '9')
		p++;
	return p;
}

/*
 * A reply/forward leader at s[p]: word [" "] [count] [" "] ":", where count
 * is a [blob] (RFC 5256, e.g. "[2]", "[PATCH]"), "(digits)" or "^digits".
 * Returns the position just past ":", or 0.
 */
static size_t
match_refwd(const char *s, size_t p, size_t e, size_t *steps)
{
	int			k;

	for (k = 0; k < NPREFIXES; k++)
	{
		size_t		wl = folded_len[k];
		size_t		q;

		(*steps)++;
		if (e - p < wl + 1 || s[p] != folded_word[k][0] ||
			memcmp(s + p, folded_word[k], wl) != 0)
			continue;
		q = p + wl;
		if (q < e && s[q] == ' ')
			q++;
		if (q < e && s[q] == '[')
		{
			q = blob_end(s, q, e, steps);
			if (q == 0)
				continue;
			if (q < e && s[q] == ' ')
				q++;
		}
		else if (q < e && (s[q] == '(' || s[q] == '^'))
		{
			size_t		d = digits_end(s, q + 1, e);

			*steps += d - q;
			if (d == q + 1)
				continue;
			if (s[q] == '(')
			{
				if (d >= e || s[d] != ')')
					continue;
				d++;
			}
			q = d;
			if (q < e && s[q] == ' ')
				q++;
		}
		if (q < e && s[q] == ':')
			return q + 1;
	}
	return 0;
}

/* Does s[b..e) end with the 5 bytes "(fwd)"? */
static int
ends_with_fwd(const char *s, size_t b, size_t e)
{
	return e - b >= 5 && memcmp(s + e - 5, "(fwd)", 5) == 0;
}

/*
 * RFC 5256 section 2.1 steps 2-6 on folded text s[*b..*e), extended with
 * the prefix table and counts; narrows [*b, *e) to the base subject.
 */
static void
strip(const char *s, size_t *bp, size_t *ep, size_t *steps)
{
	size_t		b = *bp;
	size_t		e = *ep;

	for (;;)
	{
		/* (2) trailing "(fwd)" and white space, repeatedly */
		for (;;)
		{
			(*steps)++;
			if (e > b && s[e - 1] == ' ')
				e--;
			else if (ends_with_fwd(s, b, e))
				e -= 5;
			else
				break;
		}
		/* (3)-(5) leaders and leading [blob]s, until none remain */
		for (;;)
		{
			size_t		p;
			size_t		last = 0;
			size_t		r;
			int			nblobs = 0;

			(*steps)++;
			while (b < e && s[b] == ' ')
				b++;
			/* (3) *subj-blob subj-refwd */
			p = b;
			while (p < e && s[p] == '[' && (r = blob_end(s, p, e, steps)) != 0)
			{
				last = p;
				p = r;
				if (p < e && s[p] == ' ')
					p++;
				nblobs++;
			}
			r = match_refwd(s, p, e, steps);
			if (r)
			{
				b = r;
				continue;
			}
			/*
			 * (4) no leader follows the blobs, so step 3 cannot match again
			 * before them: remove every blob that leaves text behind it,
			 * i.e. all of them if text follows, else all but the last.
			 */
			if (nblobs > 0)
				b = p < e ? p : last;
			break;
		}
		/* (6) "[fwd:" ... "]" wrapper: remove it and start again */
		(*steps)++;
		if (e - b >= 6 && memcmp(s + b, "[fwd:", 5) == 0 && s[e - 1] == ']')
		{
			b += 5;
			e -= 1;
			continue;
		}
		break;
	}
	*bp = b;
	*ep = e;
}

/* Normalize a subject to its base subject; OC_SUBJ_OK or a status. */
int
oc_subject_normalize(const char *in, size_t len,
					 char *out, size_t outcap, size_t *outlen,
					 oc_subj_info *info)
{
	const unsigned char *s = (const unsigned char *) in;
	const UNormalizer2 *n2;
	UChar		u[IN16CAP];
	int32_t		ulen = 0;
	UErrorCode	ec = U_ZERO_ERROR;
	emitter		em;
	size_t		limit = len < OC_SUBJ_MAX_INPUT ? len : OC_SUBJ_MAX_INPUT;
	size_t		i = 0;
	size_t		b;
	size_t		e;
	size_t		steps = 0;
	int			truncated = 0;

	if (outlen)
		*outlen = 0;
	if (out && outcap > 0)
		out[0] = '\0';
	if (info)
	{
		memset(info, 0, sizeof(*info));
		info->offset = -1;
	}

	/* strict UTF-8 over the bytes read; a character across the limit is cut */
	while (i < limit)
	{
		int			n = u8_seq_len(s, len, i);

		if (n == 0)
		{
			return fail(info, OC_SUBJ_BAD_ENCODING, (long) i,
						"The subject is not valid UTF-8: byte 0x%02X at byte offset %zu does not start a valid sequence.",
						s[i], i);
		}
		if (i + (size_t) n > limit)
			break;
		i += (size_t) n;
	}
	if (i < len)
		truncated = 1;
	if (info)
		info->bytes_read = i;

	n2 = nfkc_cf();
	if (n2 == NULL || fold_prefixes(n2) != 0)
		return fail(info, OC_SUBJ_INTERNAL, -1,
					"ICU could not load the NFKC_Casefold normalizer.");

	u_strFromUTF8(u, IN16CAP, &ulen, in, (int32_t) i, &ec);
	if (U_FAILURE(ec))
		return fail(info, OC_SUBJ_INTERNAL, -1,
					"ICU could not convert UTF-8 to UTF-16: %s.",
					u_errorName(ec));

	em.len = 0;
	em.boundary = 0;
	em.space = 0;
	em.full = 0;
	if (fold_text(n2, u, ulen, &em, &truncated) != 0)
		return fail(info, OC_SUBJ_INTERNAL, -1,
					"ICU could not fold the subject.");

	b = 0;
	e = em.len;
	strip(em.buf, &b, &e, &steps);
	if (info)
	{
		info->truncated = truncated;
		info->steps = steps;
	}
	if (out == NULL || outcap < e - b + 1)
		return fail(info, OC_SUBJ_BUFFER_TOO_SMALL, -1,
					"The output buffer holds %zu bytes; the result needs %zu.",
					outcap, e - b + 1);
	memcpy(out, em.buf + b, e - b);
	out[e - b] = '\0';
	if (outlen)
		*outlen = e - b;
	return OC_SUBJ_OK;
}
