/*
 * test_stitch.c
 *	  Unit tests for the server-free stitching decision (src/core/stitch.c).
 */
#include "core/stitch.h"
#include "unit.h"

#define HOUR ((int64_t) 3600 * 1000000)

/* What the decision knows of the new interaction: customer, time, window. */
static oc_stitch_input
input(int64_t customer, int64_t at, int64_t window)
{
	oc_stitch_input in;

	in.customer_id = customer;
	in.occurred_at = at;
	in.recency_window = window;
	in.subject_window = 30 * 24 * HOUR;
	in.reopen_window = OC_STITCH_REOPEN_WINDOW;
	return in;
}

/* A recency candidate: thread of cust in state st, active over [first, last]. */
static oc_stitch_candidate
recent(int64_t thread, int64_t cust, oc_thread_state st, int64_t first, int64_t last)
{
	oc_stitch_candidate c;

	memset(&c, 0, sizeof(c));
	c.thread_id = thread;
	c.customer_id = cust;
	c.via = OC_VIA_RECENCY;
	c.state = st;
	c.first_at = first;
	c.last_at = last;
	return c;
}

/* A candidate of customer cust, found via via at position pos. */
static oc_stitch_candidate
cand(int64_t id, int64_t thread, int64_t cust, oc_stitch_via via, int pos)
{
	oc_stitch_candidate c;

	memset(&c, 0, sizeof(c));
	c.interaction_id = id;
	c.thread_id = thread;
	c.customer_id = cust;
	c.via = via;
	c.position = pos;
	c.external_id = "x";
	return c;
}

/*
 * The pre-check of the built-in patterns never refuses a text a pattern can
 * match: every label word of each pattern's regular expression (its first
 * spelling: the first ASCII character of each [..] class), followed by a
 * reference, passes it; texts without a label word or without four digits
 * do not.
 */
static void
check_pattern_prefilter(void)
{
	size_t		n;
	const oc_stitch_named *b = oc_stitch_builtin_key_patterns(&n);

	for (size_t i = 0; i < n; i++)
	{
		const char *p = strstr(b[i].from, "\\m(?:");
		const char *end = p != NULL ? strstr(p, ")\\M") : NULL;
		int			words = 0;

		CHECK(p != NULL && end != NULL, "built-in pattern has a label alternation");
		if (p == NULL || end == NULL)
			continue;
		p += strlen("\\m(?:");
		while (p < end)
		{
			char		word[64];
			size_t		w = 0;
			char		text[96];
			char		msg[160];

			while (p < end && *p != '|' && w + 4 < sizeof(word))
			{
				if (*p == '[')
				{
					const char *close = strchr(p, ']');
					const char *pick = p + 1;

					for (const char *q = p + 1; q < close; q++)
						if ((unsigned char) *q < 0x80)
						{
							pick = q;
							break;
						}
					word[w++] = *pick;
					p = close + 1;
				}
				else
					word[w++] = *p++;
			}
			word[w] = '\0';
			if (p < end && *p == '|')
				p++;
			snprintf(text, sizeof(text), "Re: %s nr A-12345", word);
			snprintf(msg, sizeof(msg), "%s: \"%s\" passes the pre-check", b[i].name, text);
			CHECK(oc_stitch_builtin_pattern_may_match(i, text, strlen(text)), msg);
			words++;
		}
		CHECK(words >= 3, "several label words per built-in pattern");
		CHECK(!oc_stitch_builtin_pattern_may_match(i, "Hello, where is my parcel 12345?", 31),
			  "no label word: refused");
	}
	CHECK(!oc_stitch_builtin_pattern_may_match(0, "ORDER A-123 late", 16), "three digits: refused");
	CHECK(oc_stitch_builtin_pattern_may_match(0, "xx ORDER A-1234", 15), "upper case label passes");
	CHECK(oc_stitch_builtin_pattern_may_match(1, "Rechnung 40411", 14), "invoice label passes");
	CHECK(oc_stitch_builtin_pattern_may_match(2, "Réservation BK-40411", strlen("Réservation BK-40411")),
		  "non-ASCII label passes by its stem");
	CHECK(oc_stitch_builtin_pattern_may_match(99, "", 0), "unknown pattern: no pre-check");
}

/*
 * The built-in patterns without the engine: on for each built-in (its string
 * has the form the matcher reads), and the engine's results for cases where
 * the value's start is a matter of ARE's preferences (each expected value is
 * what PostgreSQL 15's substring(text FROM pattern) returned).
 * sql/stitch_keys.sql compares the two over generated text in the server.
 */
static void
check_pattern_find(void)
{
	static const struct
	{
		size_t		pattern;
		const char *text;
		const char *value;		/* NULL: no match */
	}			cases[] = {
		{0, "Order A-12345", "A-12345"},
		{0, "Order NR-12345", "12345"},
		{0, "Order No. 40411", "40411"},
		{0, "ORDER --12345", "12345"},
		{0, "Order NO1234 late", "1234"},
		{0, "reorder A-12345", NULL},
		{0, "Order_A-12345", NULL},
		{0, "Order ABCDE12345", NULL},
		{0, "Order 12345x", NULL},
		{0, "my order 3 days ago", NULL},
		{0, "Order: 2026-0042-A", "2026-0042-A"},
		{0, "Order Number 12345 and Order 99999", "12345"},
		{0, "Order Num. - INV-2026-0042", "INV-2026-0042"},
		{0, "Order\n12345", NULL},
		{0, "Order    12345", NULL},
		{0, "x Order 1234-", "1234"},
		{0, "Order 1234-ab", "1234"},
		{1, "Rechnung Nr. 2026-0042", "2026-0042"},
		{2, "booking #BK-40411.", "BK-40411"},
	};
	size_t		n;
	size_t		start;
	size_t		len;
	char		msg[160];

	(void) oc_stitch_builtin_key_patterns(&n);
	for (size_t i = 0; i < n; i++)
		CHECK(oc_stitch_builtin_pattern_find(i, "", 0, &start, &len) == 0,
			  "each built-in pattern has the fast path");
	CHECK(oc_stitch_builtin_pattern_find(n, "Order 12345", 11, &start, &len) == -1,
		  "unknown pattern: ask the engine");
	CHECK(oc_stitch_builtin_pattern_find(0, "Zamówienie 12345", strlen("Zamówienie 12345"),
										 &start, &len) == -1,
		  "text not all ASCII: ask the engine");
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
	{
		int			rc = oc_stitch_builtin_pattern_find(cases[k].pattern, cases[k].text,
														strlen(cases[k].text), &start, &len);

		snprintf(msg, sizeof(msg), "pattern %zu on \"%s\"", cases[k].pattern, cases[k].text);
		if (cases[k].value == NULL)
			CHECK(rc == 0, msg);
		else
			CHECK(rc == 1 && len == strlen(cases[k].value) &&
				  memcmp(cases[k].text + start, cases[k].value, len) == 0, msg);
	}
}

int
main(void)
{
	oc_stitch_decision d;
	oc_stitch_candidate c[4];
	oc_stitch_input in7 = input(7, 100 * HOUR, 0);
	oc_stitch_input in = input(7, 100 * HOUR, 24 * HOUR);
	int64_t		t;
	char		buf[OC_STITCH_TOKEN_MAX];

	/* nothing to go on: a new thread */
	oc_stitch_decide(&in7, NULL, 0, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "no candidates: new");
	CHECK_INT(d.thread_id, 0, "no candidates: no thread");
	CHECK_INT(d.chosen, -1, "no candidates: nothing chosen");
	CHECK_STR(oc_stitch_reason_name(d.reason), "new", "reason name new");

	/* in_reply_to of the same customer joins */
	c[0] = cand(10, 100, 7, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(&in7, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "in_reply_to: reference");
	CHECK_INT(d.thread_id, 100, "in_reply_to: its thread");
	CHECK_STR(oc_stitch_reason_name(d.reason), "reference", "reason name reference");

	/* in_reply_to beats any refs entry, whatever the order found */
	c[0] = cand(11, 101, 7, OC_VIA_REFS, 5);
	c[1] = cand(12, 102, 7, OC_VIA_IN_REPLY_TO, 0);
	c[2] = cand(13, 103, 7, OC_VIA_REFS, 9);
	oc_stitch_decide(&in7, c, 3, &d);
	CHECK_INT(d.thread_id, 102, "in_reply_to wins over refs");
	CHECK_INT(d.chosen, 1, "in_reply_to candidate chosen");

	/* among refs (oldest first) the latest position wins */
	c[0] = cand(11, 101, 7, OC_VIA_REFS, 0);
	c[1] = cand(13, 103, 7, OC_VIA_REFS, 2);
	c[2] = cand(12, 102, 7, OC_VIA_REFS, 1);
	oc_stitch_decide(&in7, c, 3, &d);
	CHECK_INT(d.thread_id, 103, "latest reference wins");

	/* same key on two channels: the later interaction wins the tie */
	c[0] = cand(20, 200, 7, OC_VIA_IN_REPLY_TO, 0);
	c[1] = cand(21, 201, 7, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.thread_id, 201, "tie: later interaction");
	oc_stitch_decide(&in7, c + 1, 1, &d);
	CHECK_INT(d.thread_id, 201, "tie: order of candidates does not matter (1)");
	c[0] = cand(21, 201, 7, OC_VIA_IN_REPLY_TO, 0);
	c[1] = cand(20, 200, 7, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.thread_id, 201, "tie: order of candidates does not matter (2)");

	/* participant check: another customer's thread is never joined */
	c[0] = cand(30, 300, 8, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(&in7, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "stranger's thread: new");
	CHECK_INT(d.n_strangers, 1, "stranger counted");

	/* ... but an own, weaker reference still joins */
	c[0] = cand(30, 300, 8, OC_VIA_IN_REPLY_TO, 0);
	c[1] = cand(31, 301, 7, OC_VIA_REFS, 0);
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "own refs after stranger's in_reply_to: reference");
	CHECK_INT(d.thread_id, 301, "own thread chosen");
	CHECK_INT(d.n_strangers, 1, "stranger still counted");

	/* every reason has its SQL name */
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_TOKEN), "token", "token");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_BUSINESS_KEY), "business_key", "business_key");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_SUBJECT), "subject", "subject");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_RECENCY), "recency", "recency");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_MANUAL), "manual", "manual");

	/* token ranks after references, before recency */
	c[0] = recent(400, 7, OC_THREAD_OPEN, 99 * HOUR, 99 * HOUR);
	c[1] = cand(0, 401, 7, OC_VIA_TOKEN, 0);
	oc_stitch_decide(&in, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_TOKEN, "token beats recency");
	CHECK_INT(d.thread_id, 401, "token's thread");
	c[2] = cand(41, 402, 7, OC_VIA_REFS, 3);
	oc_stitch_decide(&in, c, 3, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "reference beats token");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_TOKEN), "token", "token name");
	c[0] = cand(0, 403, 8, OC_VIA_TOKEN, 0);
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "stranger's token: new");
	CHECK_INT(d.n_strangers, 1, "stranger's token counted");

	/* recency: open-ish states within the window of the thread's span */
	c[0] = recent(500, 7, OC_THREAD_OPEN, 90 * HOUR, 80 * HOUR + 80 * HOUR);
	c[0].last_at = 90 * HOUR;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_RECENCY, "10 h idle, 24 h window: recency");
	c[0].last_at = 76 * HOUR;
	c[0].first_at = 70 * HOUR;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_RECENCY, "exactly the window: still recency");
	c[0].last_at = 76 * HOUR - 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "a microsecond past the window: new");
	c[0] = recent(501, 7, OC_THREAD_PENDING, 110 * HOUR, 120 * HOUR);
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_RECENCY, "late arrival before the span, within the window");
	c[0].first_at = 124 * HOUR + 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "too early for the span");
	c[0] = recent(502, 7, OC_THREAD_ON_HOLD, 99 * HOUR, 99 * HOUR);
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_RECENCY, "on hold joins");
	c[0].state = OC_THREAD_SOLVED;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "solved never joins by recency");
	c[0].state = OC_THREAD_CLOSED;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "closed never joins by recency");
	c[0] = recent(503, 7, OC_THREAD_OPEN, 99 * HOUR, 99 * HOUR);
	oc_stitch_decide(&in7, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "window 0: rule off");
	c[0].customer_id = 8;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "another customer's thread: never");
	CHECK_STR(oc_stitch_reason_name(OC_STITCH_RECENCY), "recency", "recency name");

	/* business keys: open states join; solved within the reopen window; closed never */
	c[0] = recent(600, 7, OC_THREAD_OPEN, 10 * HOUR, 10 * HOUR);
	c[0].via = OC_VIA_BUSINESS_KEY;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_BUSINESS_KEY, "key: open thread, whatever its age");
	CHECK_STR(oc_stitch_reason_name(d.reason), "business_key", "business_key name");
	c[0].state = OC_THREAD_SOLVED;
	c[0].last_at = 100 * HOUR - OC_STITCH_REOPEN_WINDOW;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_BUSINESS_KEY, "key: solved exactly the reopen window ago");
	c[0].last_at -= 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "key: solved longer ago: new");
	c[0].state = OC_THREAD_CLOSED;
	c[0].last_at = 99 * HOUR;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "key: closed never");
	CHECK(!oc_stitch_eligible(&in, &c[0]), "closed key candidate not eligible");
	/* token > business key > recency; among keys the most recently active */
	c[0] = recent(601, 7, OC_THREAD_OPEN, 1 * HOUR, 2 * HOUR);
	c[0].via = OC_VIA_BUSINESS_KEY;
	c[1] = recent(602, 7, OC_THREAD_OPEN, 1 * HOUR, 3 * HOUR);
	c[1].via = OC_VIA_BUSINESS_KEY;
	c[2] = recent(603, 7, OC_THREAD_OPEN, 99 * HOUR, 99 * HOUR);
	oc_stitch_decide(&in, c, 3, &d);
	CHECK_INT(d.thread_id, 602, "key beats recency; the more recently active key thread wins");
	c[3] = cand(0, 604, 7, OC_VIA_TOKEN, 0);
	oc_stitch_decide(&in, c, 4, &d);
	CHECK_INT(d.reason, OC_STITCH_TOKEN, "token beats business key");

	/* subject: open threads within the subject window of their span; after keys */
	c[0] = recent(700, 7, OC_THREAD_OPEN, 10 * HOUR, 20 * HOUR);
	c[0].via = OC_VIA_SUBJECT;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_SUBJECT, "subject: open thread, 80 h idle, 30-day window");
	CHECK_STR(oc_stitch_reason_name(d.reason), "subject", "subject name");
	c[0].last_at = 100 * HOUR - 30 * 24 * HOUR - 1;
	c[0].first_at = c[0].last_at;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "subject: past the window: new");
	CHECK_INT(d.follow_up, -1, "subject never makes a follow-up");
	c[0] = recent(701, 7, OC_THREAD_SOLVED, 99 * HOUR, 99 * HOUR);
	c[0].via = OC_VIA_SUBJECT;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "subject: a solved thread is not joined");
	c[0].state = OC_THREAD_OPEN;
	{
		oc_stitch_input off = in;

		off.subject_window = 0;
		oc_stitch_decide(&off, c, 1, &d);
		CHECK_INT(d.reason, OC_STITCH_NEW, "subject window 0: rule off");
	}
	c[1] = recent(702, 7, OC_THREAD_OPEN, 99 * HOUR, 99 * HOUR);
	oc_stitch_decide(&in, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_SUBJECT, "subject beats recency");
	c[2] = recent(703, 7, OC_THREAD_OPEN, 1 * HOUR, 1 * HOUR);
	c[2].via = OC_VIA_BUSINESS_KEY;
	oc_stitch_decide(&in, c, 3, &d);
	CHECK_INT(d.reason, OC_STITCH_BUSINESS_KEY, "business key beats subject");

	/* closed threads never reopen: a new thread follows the strongest one up */
	c[0] = cand(80, 800, 7, OC_VIA_IN_REPLY_TO, 0);
	c[0].state = OC_THREAD_CLOSED;
	c[1] = cand(0, 801, 7, OC_VIA_TOKEN, 0);
	c[1].state = OC_THREAD_CLOSED;
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "reference to a closed thread: new");
	CHECK_INT(d.follow_up, 0, "... following up the referenced thread");
	c[0].state = OC_THREAD_SOLVED;
	c[0].last_at = 99 * HOUR;
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "reference to a thread solved an hour ago: joins");
	CHECK_INT(d.follow_up, 1, "... the closed token's thread noted, unused");
	c[0].last_at = 100 * HOUR - OC_STITCH_REOPEN_WINDOW - 1;
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "solved longer ago than the reopen window: new");
	CHECK_INT(d.follow_up, 0, "... following up the reference, the strongest");
	{
		oc_stitch_input short_reopen = in7;

		c[0].last_at = 99 * HOUR;
		short_reopen.reopen_window = HOUR / 2;
		oc_stitch_decide(&short_reopen, c, 1, &d);
		CHECK_INT(d.reason, OC_STITCH_NEW, "a shorter reopen window is honoured");
		short_reopen.reopen_window = 0;
		c[0].last_at = 101 * HOUR;
		oc_stitch_decide(&short_reopen, c, 1, &d);
		CHECK_INT(d.reason, OC_STITCH_REFERENCE, "a late arrival before the solve joins, even with no reopen window");
	}
	c[0] = recent(804, 7, OC_THREAD_CLOSED, 99 * HOUR, 99 * HOUR);
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.follow_up, -1, "recency never makes a follow-up");

	/* a stranger's thread named by a reference or token: linked as related */
	c[0] = cand(90, 900, 8, OC_VIA_REFS, 0);
	c[1] = cand(91, 901, 9, OC_VIA_IN_REPLY_TO, 0);
	oc_stitch_decide(&in7, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "strangers only: new");
	CHECK_INT(d.related, 1, "related: the strongest stranger reference");
	CHECK_INT(d.n_strangers, 2, "both strangers counted");
	c[2] = cand(92, 902, 7, OC_VIA_REFS, 0);
	oc_stitch_decide(&in7, c, 3, &d);
	CHECK_INT(d.thread_id, 902, "own weaker reference joins");
	CHECK_INT(d.related, 1, "related still reported");

	/* tokens */
	CHECK(oc_stitch_find_token("Re: [#T123] x", 13, &t) && t == 123, "token in a subject");
	CHECK(oc_stitch_find_token("see [#t9]", 9, &t) && t == 9, "lower-case t");
	CHECK(oc_stitch_find_token("[#T] [#T0] [#T12x] [#T7]", 24, &t) && t == 7, "malformed ones skipped");
	CHECK(!oc_stitch_find_token("[#T9223372036854775808]", 23, &t), "past bigint: no token");
	CHECK(oc_stitch_find_token("[#T123456789012345678]", 22, &t) && t == 123456789012345678LL, "18 digits");
	CHECK(!oc_stitch_find_token("[#T12", 5, &t), "unterminated");
	CHECK(!oc_stitch_find_token("[#T007]", 7, &t), "leading zeros: not a token");
	CHECK(!oc_stitch_find_token("[#T12]", 5, &t), "length respected");
	CHECK(!oc_stitch_find_token("", 0, &t), "empty");
	CHECK_INT(oc_stitch_format_token(42, buf, sizeof(buf)), 6, "format length");
	CHECK_STR(buf, "[#T42]", "format");
	CHECK_INT(oc_stitch_format_token(42, buf, 4), 0, "too small a buffer");
	CHECK(oc_stitch_format_token(INT64_MAX, buf, sizeof(buf)) > 0, "largest id fits");
	CHECK(oc_stitch_find_token(buf, strlen(buf), &t) && t == INT64_MAX, "the largest id reads back");

	/* default windows */
	CHECK_INT(oc_stitch_default_recency_window("chat"), 72 * HOUR, "chat 72 h");
	CHECK_INT(oc_stitch_default_recency_window("phone"), 72 * HOUR, "phone 72 h");
	CHECK_INT(oc_stitch_default_recency_window("messaging"), 72 * HOUR, "messaging 72 h");
	CHECK_INT(oc_stitch_default_recency_window("email"), 0, "email off");
	CHECK_INT(oc_stitch_default_recency_window("nonsense"), 0, "unknown: off");
	CHECK_INT(oc_stitch_default_windows("email").subject, 30 * 24 * HOUR, "email subject 30 days");
	CHECK_INT(oc_stitch_default_windows("forum").subject, 30 * 24 * HOUR, "forum subject 30 days");
	CHECK_INT(oc_stitch_default_windows("chat").subject, 0, "chat: no subject rule");
	CHECK_INT(oc_stitch_default_windows("sms").reopen, OC_STITCH_REOPEN_WINDOW, "reopen 7 days");
	CHECK_INT(oc_stitch_default_windows("nonsense").recency, 0, "unknown channel: recency off");

	/*
	 * Conflicting keys: a thread that carries order B-1 is not joined by
	 * recency or subject by a message about order C-2; the veto is named
	 */
	c[0] = recent(500, 7, OC_THREAD_OPEN, 99 * HOUR, 99 * HOUR);
	c[0].conflict = 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "conflicting key vetoes recency: new");
	CHECK_INT(d.n_vetoed, 1, "recency veto recorded");
	CHECK_INT(d.vetoed[0], 0, "the vetoed candidate");
	CHECK_INT(oc_stitch_eligible(&in, &c[0]), 0, "vetoed candidate is not eligible");
	c[0].via = OC_VIA_SUBJECT;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_NEW, "conflicting key vetoes subject: new");
	CHECK_INT(d.n_vetoed, 1, "subject veto recorded");
	/* the next open thread without a conflict is joined instead */
	c[0] = recent(500, 7, OC_THREAD_OPEN, 99 * HOUR, 99 * HOUR);
	c[0].conflict = 1;
	c[1] = recent(501, 7, OC_THREAD_OPEN, 90 * HOUR, 98 * HOUR);
	oc_stitch_decide(&in, c, 2, &d);
	CHECK_INT(d.reason, OC_STITCH_RECENCY, "older open thread without conflict: recency");
	CHECK_INT(d.thread_id, 501, "older open thread joined");
	CHECK_INT(d.n_vetoed, 1, "veto of the newer one recorded");
	/* without the conflict the most recently active one wins */
	c[0].conflict = 0;
	oc_stitch_decide(&in, c, 2, &d);
	CHECK_INT(d.thread_id, 500, "no conflict: most recently active");
	CHECK_INT(d.n_vetoed, 0, "no conflict: no veto");
	/* a candidate outside its window is not vetoed, just not eligible */
	c[0] = recent(502, 7, OC_THREAD_OPEN, 10 * HOUR, 10 * HOUR);
	c[0].conflict = 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.n_vetoed, 0, "out of window: no veto named");
	/* references and tokens still join a conflicting thread */
	c[0] = cand(60, 600, 7, OC_VIA_IN_REPLY_TO, 0);
	c[0].conflict = 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_REFERENCE, "reference wins over a conflicting key");
	c[0] = cand(0, 601, 7, OC_VIA_TOKEN, 0);
	c[0].conflict = 1;
	oc_stitch_decide(&in, c, 1, &d);
	CHECK_INT(d.reason, OC_STITCH_TOKEN, "token wins over a conflicting key");
	CHECK_INT(d.n_vetoed, 0, "strong evidence is never vetoed");

	check_pattern_prefilter();
	check_pattern_find();

	/* placeholders are not keys */
	CHECK(!oc_stitch_key_value_usable("", 0), "empty: placeholder");
	CHECK(!oc_stitch_key_value_usable(" \t", 2), "blank: placeholder");
	CHECK(!oc_stitch_key_value_usable("0", 1), "0: placeholder");
	CHECK(!oc_stitch_key_value_usable("000-00", 6), "zeros and a dash: placeholder");
	CHECK(!oc_stitch_key_value_usable("-", 1), "a dash: placeholder");
	CHECK(oc_stitch_key_value_usable("A-1234", 6), "A-1234 is a key");
	CHECK(oc_stitch_key_value_usable("10", 2), "10 is a key");
	CHECK(oc_stitch_key_value_usable("x", 1), "a letter is a key");
	CHECK(oc_stitch_key_value_usable("\xc5\xbc", 2), "a non-ASCII letter is a key");
	return unit_done();
}
