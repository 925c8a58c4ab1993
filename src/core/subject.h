/*-------------------------------------------------------------------------
 *
 * subject.h
 *	  Server-free subject normalizer: the "base subject" of an e-mail-like
 *	  interaction (RFC 5256 section 2.1, extended to reply and forward
 *	  prefixes in many languages), Unicode-folded with ICU.
 *
 * This is the pure C core behind omnichannel.normalize_subject(text).  It
 * includes no PostgreSQL header: the fmgr glue (src/pg/subject.c), the unit
 * tests (test/unit/test_subject.c) and the fuzzer (test/fuzz/fuzz_subject.c)
 * call it the same way.  Callers provide the output buffer; work buffers
 * live on the stack (about 28 kB) and nothing is allocated per call.  The
 * rules, the prefix table and the bounds are documented in docs/subjects.md.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_CORE_SUBJECT_H
#define OC_CORE_SUBJECT_H

#include <stddef.h>

/* Input bytes read: longer input is cut at a character boundary first. */
#define OC_SUBJ_MAX_INPUT	4096
/* Longest result, in bytes (no trailing NUL). */
#define OC_SUBJ_MAX_LEN		4096
/* A buffer this big always holds a result plus its NUL. */
#define OC_SUBJ_BUFSIZE		(OC_SUBJ_MAX_LEN + 1)
/* Version of the rules (prefix table, algorithm); bump on any change. */
#define OC_SUBJ_RULES_VERSION	1

/* Outcome of oc_subject_normalize. */
typedef enum oc_subj_status
{
	OC_SUBJ_OK = 0,
	OC_SUBJ_BAD_ENCODING,		/* input (the part read) is not valid UTF-8 */
	OC_SUBJ_BUFFER_TOO_SMALL,	/* caller's output buffer too small */
	OC_SUBJ_INTERNAL			/* ICU failed */
} oc_subj_status;

/* What happened, for messages and tests (optional out-parameter). */
typedef struct oc_subj_info
{
	int			truncated;		/* 1 if input or folded text was cut to a bound */
	size_t		bytes_read;		/* input bytes used (<= OC_SUBJ_MAX_INPUT) */
	long		offset;			/* byte offset of a bad byte, or -1 */
	size_t		steps;			/* work units of the prefix loop (linearity) */
	char		detail[256];	/* capitalized sentence on failure, else "" */
} oc_subj_info;

/* Kind of a prefix in the prefix table. */
typedef enum oc_subj_prefix_kind
{
	OC_SUBJ_REPLY,
	OC_SUBJ_FORWARD
} oc_subj_prefix_kind;

/* One row of the prefix table (words as clients write them). */
typedef struct oc_subj_prefix
{
	const char *word;			/* e.g. "AW", "Răsp", "回复" (UTF-8) */
	const char *languages;		/* e.g. "German" */
	oc_subj_prefix_kind kind;
} oc_subj_prefix;

/* Normalize a subject to its base subject; OC_SUBJ_OK or a status. */
extern int	oc_subject_normalize(const char *in, size_t len,
								 char *out, size_t outcap, size_t *outlen,
								 oc_subj_info *info);

/* The prefix table (static storage) and its length. */
extern const oc_subj_prefix *oc_subject_prefixes(size_t *n);

/* Name of a status, e.g. "OC_SUBJ_BAD_ENCODING" (tests and logs). */
extern const char *oc_subject_status_name(int status);

#endif							/* OC_CORE_SUBJECT_H */
