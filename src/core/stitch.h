/*
 * stitch.h
 *	  Thread stitching decisions, server-free.
 *
 * The glue (src/pg/ingest.c) gathers candidate threads with index look-ups
 * inside the INSERT and hands them here; this module decides which thread,
 * if any, the new interaction joins and why.  Keeping the decision pure
 * makes it unit-testable and replaceable: the stitching issue grows the
 * rule set here without touching the look-ups' plumbing.
 */
#ifndef OC_STITCH_H
#define OC_STITCH_H

#include <stddef.h>
#include <stdint.h>

/* Why an interaction is in its thread (stored as interaction.stitch_reason). */
typedef enum oc_stitch_reason
{
	OC_STITCH_NEW = 0,			/* nothing matched: a new thread */
	OC_STITCH_REFERENCE,		/* in_reply_to / refs named an earlier interaction */
	OC_STITCH_TOKEN,
	OC_STITCH_BUSINESS_KEY,
	OC_STITCH_SUBJECT,
	OC_STITCH_RECENCY,
	OC_STITCH_MANUAL			/* the writer chose the thread */
} oc_stitch_reason;

/* How a candidate was found, strongest first. */
typedef enum oc_stitch_via
{
	OC_VIA_IN_REPLY_TO = 0,		/* in_reply_to named one of its interactions */
	OC_VIA_REFS,				/* refs named one of its interactions */
	OC_VIA_TOKEN,				/* the thread's token in subject or body */
	OC_VIA_BUSINESS_KEY,		/* a thread that carries one of its business keys */
	OC_VIA_SUBJECT,				/* a thread with the same base subject */
	OC_VIA_RECENCY				/* the customer's latest thread */
} oc_stitch_via;

/* Life cycle of a candidate thread (thread.status). */
typedef enum oc_thread_state
{
	OC_THREAD_OPEN = 0,
	OC_THREAD_PENDING,
	OC_THREAD_ON_HOLD,
	OC_THREAD_SOLVED,
	OC_THREAD_CLOSED
} oc_thread_state;

/* One candidate thread for a new interaction. */
typedef struct oc_stitch_candidate
{
	int64_t		interaction_id; /* the interaction that matched; 0 for a token */
	int64_t		thread_id;
	int64_t		customer_id;	/* owner of the candidate's thread */
	oc_stitch_via via;
	int			position;		/* index in refs (oldest first); 0 otherwise */
	const char *external_id;	/* the id that matched (borrowed), or NULL */
	oc_thread_state state;		/* for recency */
	int64_t		first_at;		/* thread's opened_at, microseconds */
	int64_t		last_at;		/* thread's last_activity_at, microseconds */
	int64_t		window;			/* recency: the window that applies when not
								 * the new interaction's (a later arrival's
								 * own), else 0 */
	int			conflict;		/* 1: the thread carries a business key of a
								 * name the interaction carries, with other
								 * values only (evidence against the join) */
} oc_stitch_candidate;

/* What the decision needs to know of the new interaction. */
typedef struct oc_stitch_input
{
	int64_t		customer_id;
	int64_t		occurred_at;	/* microseconds, any epoch shared with candidates */
	int64_t		recency_window; /* microseconds; 0 = the recency rule is off */
	int64_t		subject_window; /* microseconds; 0 = the subject rule is off */
	int64_t		reopen_window;	/* microseconds a solved thread stays joinable */
} oc_stitch_input;

/* The windows of a channel (microseconds; 0 turns a rule off). */
typedef struct oc_stitch_windows
{
	int64_t		recency;		/* a still-open thread active this close joins */
	int64_t		subject;		/* an open thread with the same base subject this close joins */
	int64_t		reopen;			/* a solved thread stays joinable this long */
} oc_stitch_windows;

/* Built-in reopen window of every channel: 7 days. */
#define OC_STITCH_REOPEN_WINDOW ((int64_t) 7 * 24 * 3600 * 1000000)

/* How many vetoed candidates a decision names. */
#define OC_STITCH_MAX_VETOED 4

/* The decision. */
typedef struct oc_stitch_decision
{
	oc_stitch_reason reason;
	int64_t		thread_id;		/* 0 when reason is OC_STITCH_NEW */
	int			chosen;			/* index of the winning candidate, or -1 */
	int			n_strangers;	/* candidates skipped: another customer's thread */
	int			follow_up;		/* index of the strongest own candidate refused
								 * only for its state (closed, or solved too
								 * long ago), or -1: a new thread follows it up */
	int			related;		/* index of the strongest reference or token
								 * into another customer's thread, or -1 */
	int			n_vetoed;		/* subject and recency candidates refused
								 * only for a conflicting key ... */
	int			vetoed[OC_STITCH_MAX_VETOED];	/* ... their indexes (the
												 * first ones) */
} oc_stitch_decision;

/* Thread tokens: "[#T123]" in a subject or body names thread 123. */
#define OC_STITCH_TOKEN_MAX 24	/* "[#T" + 19 digits + "]" + NUL */

/*
 * Built-in business-key sources (docs/stitching.md "Business keys"): the
 * top-level attribute names read as keys, each with the key name it gives
 * (order_id gives order), and the patterns applied to subjects and bodies.
 * The DBA overrides them per name (business_key_attribute_override,
 * business_key_pattern_override); the views business_key_attributes and
 * business_key_patterns show what is in force.
 */
typedef struct oc_stitch_named
{
	const char *from;			/* attribute name, or pattern */
	const char *name;			/* key name */
} oc_stitch_named;

extern const oc_stitch_named *oc_stitch_builtin_key_attributes(size_t *n);
extern const oc_stitch_named *oc_stitch_builtin_key_patterns(size_t *n);

/*
 * May built-in pattern i (of oc_stitch_builtin_key_patterns) match the text?
 * 0 only when it cannot: the text holds none of the pattern's label words
 * (ASCII case-insensitively, by stem) or no run of four ASCII digits.  Lets
 * ingest skip the regular expression for most texts.
 */
extern int	oc_stitch_builtin_pattern_may_match(size_t i, const char *text, size_t len);

/*
 * Built-in pattern i matched without the regular expression engine, with
 * the engine's result: 1 and the value's bounds (its group) when it
 * matches, 0 when it does not, -1 when this cannot tell (text not all
 * ASCII, or a pattern string not of the built-ins' form): then ask the
 * engine.
 */
extern int	oc_stitch_builtin_pattern_find(size_t i, const char *text, size_t len,
										   size_t *value_start, size_t *value_len);

/*
 * Is a business-key value a key, or a placeholder?  Values made only of
 * white space, zeros and ASCII punctuation ("", " ", "0", "000", "-",
 * "0-0") are placeholders that CRMs write when there is no key: they would
 * join unrelated threads.  1 for a key.
 */
extern int	oc_stitch_key_value_usable(const char *value, size_t len);

extern const char *oc_stitch_reason_name(oc_stitch_reason reason);
extern int	oc_stitch_eligible(const oc_stitch_input *in,
							   const oc_stitch_candidate *c);
extern void oc_stitch_decide(const oc_stitch_input *in,
							 const oc_stitch_candidate *cands, size_t ncands,
							 oc_stitch_decision *out);
extern int	oc_stitch_find_token(const char *s, size_t len, int64_t *thread_id);
extern size_t oc_stitch_format_token(int64_t thread_id, char *buf, size_t cap);
extern int64_t oc_stitch_default_recency_window(const char *channel);
extern oc_stitch_windows oc_stitch_default_windows(const char *channel);

#endif							/* OC_STITCH_H */
