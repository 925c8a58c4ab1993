/*-------------------------------------------------------------------------
 *
 * identity_keys.h
 *	  Server-free match keys behind identity *suggestions*: weak evidence
 *	  that two customers may be the same person, shown to an operator and
 *	  never used to link customers automatically.
 *
 * This is the pure C core behind the identity-suggestion functions.  It
 * includes no PostgreSQL header: the fmgr glue, the unit tests
 * (test/unit/test_identity_keys.c) and the fuzzer
 * (test/fuzz/fuzz_identity_keys.c) call it the same way.  Callers provide
 * the output buffer; work buffers live on the stack (about 40 kB) and
 * nothing is allocated per call except what ICU needs internally.  Input
 * is read up to OC_IDKEY_MAX_INPUT bytes (cut at a character boundary);
 * a key is at most OC_IDKEY_MAX_LEN bytes.  Every key may be empty (a name
 * of punctuation only): callers must never match on an empty key.
 *
 * 1. oc_email_provider_key: the provider-folded form of an e-mail address
 *	  that is already normalized ("local@domain" as the contact_point type
 *	  stores it after "email:": local part NFKC case-folded, domain in
 *	  Unicode lower case).  The rule table is deliberately small, because
 *	  it only feeds suggestions and a wrong fold merely suggests a pair:
 *
 *		domain				 local part							 domain becomes
 *		-------------------- ----------------------------------- --------------
 *		gmail.com			 drop "+tag", then remove every "."	 gmail.com
 *		googlemail.com		 drop "+tag", then remove every "."	 gmail.com
 *		any other domain	 drop "+tag"; dots are kept			 (unchanged)
 *
 *	  "Drop +tag" removes everything from the first "+" of the local part,
 *	  if something remains before it: "jan+shop@example.pl" gives
 *	  "jan@example.pl"; "+only@example.pl" and "+a+b@example.pl" stay as
 *	  they are (their first "+" starts the local part).  The domain is
 *	  compared exactly (the input is normalized already).  The input must
 *	  hold exactly one "@" with a non-empty part on each side, be valid
 *	  UTF-8 without control characters and be at most OC_IDKEY_MAX_LEN
 *	  bytes (a normalized address is never longer; it is not cut).  A
 *	  Gmail local part of dots only (never normalized input) is refused.
 *
 * 2. oc_name_key: the "exact-ish" key of a person's name: ICU NFKC_Casefold
 *	  (so "ß" is "ss" and fullwidth letters are ASCII), then the Romanian
 *	  cedilla letters folded to their comma-below forms (U+015F "ş" to
 *	  U+0219 "ș", U+0163 "ţ" to U+021B "ț"; case folding has already
 *	  lowered "Ş" and "Ţ"; a cedilla letter carrying further combining
 *	  marks is left alone, so the key stays normalized), then every run of
 *	  white space, control characters, punctuation (P*) and symbols (S*)
 *	  becomes one ASCII space, with none at either end.  Letters keep
 *	  their diacritics: "Łukasz Żółć" gives "łukasz żółć", "Muñoz" gives
 *	  "muñoz", Cyrillic stays Cyrillic.  The key is valid NFKC_Casefold
 *	  text and is its own key.
 *
 * 3. oc_name_translit_key: oc_name_key, then the ICU transform
 *	  "Any-Latin; Latin-ASCII" (opened once per process), word by word;
 *	  ASCII letters are lowered, white space separates words as above, and
 *	  the punctuation and modifier letters the transform writes for letters
 *	  ("ь" gives "'", "ъ" gives "\"") are dropped inside the word, so
 *	  "Дмитрий Иванов" gives "dmitrij ivanov" and "Хмельницкий" gives
 *	  "hmelnickij".  Letters of scripts ICU cannot transliterate are kept.
 *	  This key is lossy on purpose and makes *different* names collide:
 *	  the Russian surnames "Сухов" and "Шухов" both give "suhov" ("ш" and
 *	  "с", "ж" and "з", "ч" and "ц", "е", "ё" and "э" all meet).  It is a
 *	  suggestion key only, never a reason to link two customers.  Its
 *	  output follows ICU's transliteration data, so stored keys must be
 *	  recomputed after an ICU upgrade (and after OC_IDKEY_RULES_VERSION
 *	  changes).
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_CORE_IDENTITY_KEYS_H
#define OC_CORE_IDENTITY_KEYS_H

#include <stddef.h>

/* Input bytes read by the name keys: longer input is cut at a character
 * boundary first. */
#define OC_IDKEY_MAX_INPUT	4096
/* Longest key, in bytes (no trailing NUL); also the longest e-mail input. */
#define OC_IDKEY_MAX_LEN	1024
/* A buffer this big always holds a key plus its NUL. */
#define OC_IDKEY_BUFSIZE	(OC_IDKEY_MAX_LEN + 1)
/* Version of the rules (provider table, folds); bump on any change. */
#define OC_IDKEY_RULES_VERSION	1

/* Outcome of the key functions. */
typedef enum oc_idkey_status
{
	OC_IDKEY_OK = 0,
	OC_IDKEY_BAD_INPUT,			/* e-mail: not local@domain (see above) */
	OC_IDKEY_BAD_ENCODING,		/* input (the part read) is not valid UTF-8 */
	OC_IDKEY_BUFFER_TOO_SMALL,	/* caller's output buffer too small */
	OC_IDKEY_INTERNAL			/* ICU failed */
} oc_idkey_status;

/* What happened, for messages and tests (optional out-parameter). */
typedef struct oc_idkey_info
{
	int			truncated;		/* 1 if input or key was cut to a bound */
	size_t		bytes_read;		/* input bytes used (<= OC_IDKEY_MAX_INPUT) */
	long		offset;			/* byte offset of a bad byte, or -1 */
	char		detail[256];	/* capitalized sentence on failure, else "" */
} oc_idkey_info;

/*
 * Each function writes the key and a NUL into out[0..cap) and its length
 * (without the NUL) into *outlen, and returns OC_IDKEY_OK; on failure it
 * returns a status, leaves out empty ("" if cap > 0) and *outlen 0, and
 * explains in info->detail.  outlen and info may be NULL.
 */

/* Provider-folded key of a normalized e-mail address "local@domain". */
extern int	oc_email_provider_key(const char *email, size_t len,
								  char *out, size_t cap, size_t *outlen,
								  oc_idkey_info *info);

/* Exact-ish name key: NFKC_Casefold, Romanian comma-below, spacing. */
extern int	oc_name_key(const char *name, size_t len,
						char *out, size_t cap, size_t *outlen,
						oc_idkey_info *info);

/* Transliterated name key: oc_name_key, "Any-Latin; Latin-ASCII", ASCII. */
extern int	oc_name_translit_key(const char *name, size_t len,
								 char *out, size_t cap, size_t *outlen,
								 oc_idkey_info *info);

/* Name of a status, e.g. "OC_IDKEY_BAD_INPUT" (tests and logs). */
extern const char *oc_idkey_status_name(int status);

/* Release the cached ICU transliterator (tests and leak checkers). */
extern void oc_idkey_cleanup(void);

#endif							/* OC_CORE_IDENTITY_KEYS_H */
