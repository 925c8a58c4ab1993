/*
 * stitch.c
 *	  Thread stitching decisions, server-free (see stitch.h).
 *
 * The rules, strongest first (docs/stitching.md):
 *   reference  the interaction's in_reply_to, else the latest of its refs,
 *              names an earlier interaction: join that interaction's thread.
 *   token      its subject or body carries a thread token "[#T123]".
 *   business_key  a thread of the customer carries one of its business keys
 *              (order number, ...).
 *   subject    an open thread of the customer has the same base subject
 *              and was active within the channel's subject window
 *              (mail-like channels).
 *   recency    the customer's most recently active thread that is still
 *              open (open, pending, on hold) was active within the
 *              channel's recency window of the new interaction.
 *   new        otherwise.
 * reference, token and business_key join a thread that is open, or was
 * solved within the reopen window; a closed thread is never joined: the
 * new thread records it as the thread it follows up.
 * Participant check: a candidate thread of another customer is never
 * joined, whatever matched; a reference or token into one links the new
 * thread to it as related.
 * Conflicting keys: a thread that carries a business key of a name the
 * interaction carries too, with other values only (order B-1 where the
 * interaction says order C-2), is not joined by subject or recency: that
 * key is evidence against the join, and a false join would draw every
 * later message with the key after it.  References and tokens still join
 * it (the glue says so in the evidence).
 */
#include "core/stitch.h"

#include <stdio.h>
#include <string.h>

/* SQL spelling of a reason (matches interaction.stitch_reason's CHECK). */
const char *
oc_stitch_reason_name(oc_stitch_reason reason)
{
	switch (reason)
	{
		case OC_STITCH_NEW:
			return "new";
		case OC_STITCH_REFERENCE:
			return "reference";
		case OC_STITCH_TOKEN:
			return "token";
		case OC_STITCH_BUSINESS_KEY:
			return "business_key";
		case OC_STITCH_SUBJECT:
			return "subject";
		case OC_STITCH_RECENCY:
			return "recency";
		case OC_STITCH_MANUAL:
			return "manual";
	}
	return "new";
}

/*
 * Rank of a candidate: lower is stronger.  Tiers by how it was found; among
 * refs (oldest first) the latest is the nearest.
 */
static int64_t
candidate_rank(const oc_stitch_candidate *c)
{
	int64_t		tier = (int64_t) c->via;
	int64_t		sub = c->via == OC_VIA_REFS ? INT32_MAX - (int64_t) c->position : 0;

	return tier * ((int64_t) 1 << 32) + sub;
}

/* Still open: awaiting the company, the customer or a third party. */
static int
is_open(oc_thread_state state)
{
	return state == OC_THREAD_OPEN || state == OC_THREAD_PENDING ||
		state == OC_THREAD_ON_HOLD;
}

/* Is the new interaction within window of the thread's span [first_at, last_at]? */
static int
within_span(const oc_stitch_input *in, const oc_stitch_candidate *c, int64_t window)
{
	if (window <= 0)
		return 0;
	return in->occurred_at <= c->last_at + window &&
		in->occurred_at >= c->first_at - window;
}

/* Between equally strong candidates: the later interaction, else the more recently active thread. */
static int
later(const oc_stitch_candidate *a, const oc_stitch_candidate *b)
{
	if (a->interaction_id != b->interaction_id)
		return a->interaction_id > b->interaction_id;
	return a->last_at > b->last_at;
}

/*
 * May strong evidence (a reference, a token, a business key) join this
 * thread: open, or solved within the reopen window?  Closed never.
 */
static int
joinable(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (is_open(c->state))
		return 1;
	return c->state == OC_THREAD_SOLVED &&
		in->occurred_at <= c->last_at + in->reopen_window;
}

/* Is this candidate strong evidence (followed up, or linked as related, when refused)? */
static int
strong(const oc_stitch_candidate *c)
{
	return c->via == OC_VIA_IN_REPLY_TO || c->via == OC_VIA_REFS ||
		c->via == OC_VIA_TOKEN || c->via == OC_VIA_BUSINESS_KEY;
}

/* Is this candidate weak evidence, which a conflicting key vetoes? */
static int
weak(const oc_stitch_candidate *c)
{
	return c->via == OC_VIA_SUBJECT || c->via == OC_VIA_RECENCY;
}

/* Are the rule's own conditions met (state, window), keys aside? */
static int
rule_met(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	switch (c->via)
	{
		case OC_VIA_RECENCY:
			return is_open(c->state) &&
				within_span(in, c, c->window > 0 ? c->window : in->recency_window);
		case OC_VIA_SUBJECT:
			return is_open(c->state) && within_span(in, c, in->subject_window);
		default:
			return joinable(in, c);
	}
}

/* Could this candidate be chosen (right customer, rule's conditions met, not vetoed)? */
int
oc_stitch_eligible(const oc_stitch_input *in, const oc_stitch_candidate *c)
{
	if (c->customer_id != in->customer_id)
		return 0;
	return rule_met(in, c) && !(weak(c) && c->conflict);
}

/* Keep the strongest of the candidates offered for one slot (*best, -1 if none). */
static void
keep_strongest(const oc_stitch_candidate *cands, size_t i, int *best)
{
	if (*best < 0 || candidate_rank(&cands[i]) < candidate_rank(&cands[*best]) ||
		(candidate_rank(&cands[i]) == candidate_rank(&cands[*best]) &&
		 later(&cands[i], &cands[*best])))
		*best = (int) i;
}

/* Decide the thread of a new interaction. */
void
oc_stitch_decide(const oc_stitch_input *in,
				 const oc_stitch_candidate *cands, size_t ncands,
				 oc_stitch_decision *out)
{
	size_t		i;

	out->reason = OC_STITCH_NEW;
	out->thread_id = 0;
	out->chosen = -1;
	out->n_strangers = 0;
	out->follow_up = -1;
	out->related = -1;
	out->n_vetoed = 0;

	for (i = 0; i < ncands; i++)
	{
		const oc_stitch_candidate *c = &cands[i];

		if (c->customer_id != in->customer_id)
		{
			/* participant check: never join another customer's thread */
			out->n_strangers++;
			if (c->via != OC_VIA_BUSINESS_KEY && strong(c))
				keep_strongest(cands, i, &out->related);
			continue;
		}
		if (!oc_stitch_eligible(in, c))
		{
			if (strong(c))
				keep_strongest(cands, i, &out->follow_up);
			else if (c->conflict && rule_met(in, c) && out->n_vetoed < OC_STITCH_MAX_VETOED)
				out->vetoed[out->n_vetoed++] = (int) i;
			continue;
		}
		keep_strongest(cands, i, &out->chosen);
	}

	if (out->chosen >= 0)
	{
		switch (cands[out->chosen].via)
		{
			case OC_VIA_IN_REPLY_TO:
			case OC_VIA_REFS:
				out->reason = OC_STITCH_REFERENCE;
				break;
			case OC_VIA_TOKEN:
				out->reason = OC_STITCH_TOKEN;
				break;
			case OC_VIA_BUSINESS_KEY:
				out->reason = OC_STITCH_BUSINESS_KEY;
				break;
			case OC_VIA_SUBJECT:
				out->reason = OC_STITCH_SUBJECT;
				break;
			case OC_VIA_RECENCY:
				out->reason = OC_STITCH_RECENCY;
				break;
		}
		out->thread_id = cands[out->chosen].thread_id;
	}
}

/*
 * Find the first thread token "[#T<digits>]" (a positive bigint written
 * without leading zeros, as oc_stitch_format_token prints it; "t" also
 * accepted) in s; 1 and *thread_id if found.
 */
int
oc_stitch_find_token(const char *s, size_t len, int64_t *thread_id)
{
	size_t		i;

	for (i = 0; i + 4 < len; i++)
	{
		size_t		j;
		int64_t		v = 0;
		int			overflow = 0;

		if (s[i] != '[' || s[i + 1] != '#' || (s[i + 2] != 'T' && s[i + 2] != 't') ||
			s[i + 3] == '0')
			continue;
		for (j = i + 3; j < len && s[j] >= '0' && s[j] <= '9'; j++)
		{
			if (v > (INT64_MAX - (s[j] - '0')) / 10)
				overflow = 1;
			else
				v = v * 10 + (s[j] - '0');
		}
		if (j == i + 3 || overflow || j >= len || s[j] != ']' || v == 0)
			continue;
		*thread_id = v;
		return 1;
	}
	return 0;
}

/* Write the token of a thread ("[#T123]"); returns its length (0 if cap is too small). */
size_t
oc_stitch_format_token(int64_t thread_id, char *buf, size_t cap)
{
	int			n = snprintf(buf, cap, "[#T%lld]", (long long) thread_id);

	return (n < 0 || (size_t) n >= cap) ? 0 : (size_t) n;
}

/*
 * Built-in windows of a channel (docs/stitching.md): recency for live and
 * messaging channels, subject for mail-like ones, reopen for all.
 */
oc_stitch_windows
oc_stitch_default_windows(const char *channel)
{
	static const struct
	{
		const char *channel;
		int			recency_hours;
		int			subject_days;
	}			defaults[] = {
		/*
		 * 72 h for live channels: measured on bench/stitch_quality (5 seeds),
		 * 24 h → 72 h took recall from 0.706 to 0.768 for precision 0.851 →
		 * 0.844; a week added 0.015 recall for 0.004 precision more.
		 */
		{"phone", 72, 0}, {"ivr", 72, 0}, {"chat", 72, 0}, {"chatbot", 72, 0},
		{"in_person", 72, 0}, {"video", 72, 0},
		{"sms", 72, 0}, {"messaging", 72, 0}, {"social", 72, 0},
		{"email", 0, 30}, {"web", 0, 30}, {"forum", 0, 30}, {"other", 0, 0}
	};
	oc_stitch_windows w = {0, 0, OC_STITCH_REOPEN_WINDOW};

	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (strcmp(defaults[i].channel, channel) == 0)
		{
			w.recency = (int64_t) defaults[i].recency_hours * 3600 * 1000000;
			w.subject = (int64_t) defaults[i].subject_days * 24 * 3600 * 1000000;
		}
	return w;
}

/* Built-in recency window of a channel in microseconds (0: rule off). */
int64_t
oc_stitch_default_recency_window(const char *channel)
{
	return oc_stitch_default_windows(channel).recency;
}

/*
 * Top-level attribute names that carry a business key, as integrations
 * write them ({"order": "A-1234"}), and the key name each gives: variants
 * of one name give the same key, so {"order_id": "A-1234"} on a call and
 * "order A-1234" in a mail meet.  Exact, case-sensitive names.
 */
static const oc_stitch_named builtin_attributes[] = {
	{"order", "order"}, {"order_id", "order"}, {"order_no", "order"},
	{"order_number", "order"}, {"orderId", "order"}, {"orderNumber", "order"},
	{"case", "case"}, {"case_id", "case"}, {"case_number", "case"}, {"caseId", "case"},
	{"ticket", "ticket"}, {"ticket_id", "ticket"}, {"ticket_number", "ticket"},
	{"ticketId", "ticket"},
	{"booking", "booking"}, {"booking_id", "booking"}, {"booking_ref", "booking"},
	{"booking_reference", "booking"}, {"bookingId", "booking"},
	{"reservation", "booking"}, {"reservation_id", "booking"},
	{"invoice", "invoice"}, {"invoice_id", "invoice"}, {"invoice_no", "invoice"},
	{"invoice_number", "invoice"}, {"invoiceId", "invoice"},
	{"claim", "claim"}, {"claim_id", "claim"}, {"claim_number", "claim"}, {"claimId", "claim"},
	{"shipment", "shipment"}, {"shipment_id", "shipment"}, {"shipmentId", "shipment"},
	{"tracking", "tracking"}, {"tracking_id", "tracking"}, {"tracking_number", "tracking"},
	{"trackingNumber", "tracking"},
};

/*
 * Patterns found in subjects and bodies: a label word in English, German,
 * French, Spanish, Polish or Italian, an optional "no."/"Nr."/"n°"/"#", and
 * a value that looks like a reference: up to four capital letters, an
 * optional dash and at least four digits, then dash-separated parts
 * (A-12345, 40411, INV-2026-0042).  "order 3 days ago" and "my order
 * arrived" find nothing; lower-case values are not taken (they would not
 * meet the value an integration writes in attributes).  No back-references
 * or lookaround (check_key_pattern).
 */
#define OC_KEY_SEP "[^A-Za-z0-9\n]{0,3}"
#define OC_KEY_NUMBER_WORD \
	"(?:(?:[Nn]o|NO|[Nn]r|NR|[Nn]°|[Nn]umber|[Nn]ummer|[Nn]um[ée]ro|[Nn]úmero|[Nn]úm|[Nn]um)\\.?" OC_KEY_SEP ")?"
#define OC_KEY_VALUE "([A-Z]{0,4}-?[0-9]{4,}(?:-[0-9A-Z]+)*)\\M"
static const oc_stitch_named builtin_patterns[] = {
	{"\\m(?:[Oo]rder|ORDER|[Bb]estellung|[Bb]estellnummer|[Aa]uftrag|[Cc]ommande|[Pp]edido"
		"|[Zz]am[óo]wieni[ea]|[Oo]rdine)\\M" OC_KEY_SEP OC_KEY_NUMBER_WORD OC_KEY_VALUE, "order"},
	{"\\m(?:[Ii]nvoice|INVOICE|[Rr]echnung|[Ff]acture|[Ff]actura|[Ff]aktur[ayz]|[Ff]attura)\\M"
		OC_KEY_SEP OC_KEY_NUMBER_WORD OC_KEY_VALUE, "invoice"},
	{"\\m(?:[Bb]ooking|BOOKING|[Rr][ée]servation|[Bb]uchung|[Rr]eserva|[Rr]ezerwacj[aię]"
		"|[Pp]renotazione)\\M" OC_KEY_SEP OC_KEY_NUMBER_WORD OC_KEY_VALUE, "booking"},
};

/*
 * Per built-in pattern, in the same order: stems that every text the pattern
 * matches contains (ASCII, lower case), one per label word of its regular
 * expression above.  Keep the two together: a label word added there needs
 * its stem here (test_stitch.c checks each label word's spellings).
 */
static const char *const order_stems[] = {
	"order", "bestell", "auftrag", "commande", "pedido", "zam", "ordine", NULL
};
static const char *const invoice_stems[] = {
	"invoice", "rechnung", "factur", "faktur", "fattura", NULL
};
static const char *const booking_stems[] = {
	"booking", "servation", "buchung", "reserva", "rezerwacj", "prenotazione", NULL
};
static const char *const *const builtin_pattern_stems[] = {
	order_stems, invoice_stems, booking_stems
};
_Static_assert(sizeof(builtin_pattern_stems) / sizeof(builtin_pattern_stems[0]) ==
			   sizeof(builtin_patterns) / sizeof(builtin_patterns[0]),
			   "one stem list per built-in pattern");

/* Does text contain stem (ASCII lower case), ASCII case-insensitively? */
static int
contains_stem(const char *text, size_t len, const char *stem)
{
	size_t		sl = strlen(stem);

	for (size_t i = 0; i + sl <= len; i++)
	{
		size_t		j = 0;

		while (j < sl)
		{
			unsigned char c = (unsigned char) text[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (unsigned char) (c - 'A' + 'a');
			if (c != (unsigned char) stem[j])
				break;
			j++;
		}
		if (j == sl)
			return 1;
	}
	return 0;
}

int
oc_stitch_builtin_pattern_may_match(size_t i, const char *text, size_t len)
{
	int			digits = 0;
	int			have_digits = 0;

	if (i >= sizeof(builtin_pattern_stems) / sizeof(builtin_pattern_stems[0]))
		return 1;
	for (size_t k = 0; k < len && !have_digits; k++)
	{
		digits = (text[k] >= '0' && text[k] <= '9') ? digits + 1 : 0;
		have_digits = digits >= 4;
	}
	if (!have_digits)
		return 0;
	for (const char *const *s = builtin_pattern_stems[i]; *s != NULL; s++)
		if (contains_stem(text, len, *s))
			return 1;
	return 0;
}

/*
 * The built-in patterns matched without the regular expression engine, for
 * ASCII text.  PostgreSQL's engine builds its automata afresh for every
 * match, and working out where the value's group starts costs it twice the
 * match itself: about 9 µs a subject, the largest single part of ingest
 * (bench/README.md, "Where ingest time goes").  The patterns are
 *
 *   \m LABEL \M SEP{0,3} (?: NUMBER \.? SEP{0,3} )? (VALUE) \M
 *
 * with SEP = [^A-Za-z0-9\n] and VALUE = [A-Z]{0,4}-?[0-9]{4,}(?:-[0-9A-Z]+)*.
 * The label and number words are read from the pattern strings above (their
 * alternatives, bracketed sets expanded), not written out twice.  The
 * separator and the value are code below; their spelling is repeated once
 * (OC_PM_SEP, OC_PM_VALUE) as what that code implements, so a pattern
 * string changed in any part no longer has the fast path (test_stitch.c
 * checks that the built-ins have it, and fails then).  The results are the
 * engine's (sql/stitch_keys.sql compares them over generated text): the
 * match is the leftmost, of those starting there the longest (the pattern
 * is greedy), and within it the parts before the value take as much as they
 * can (earlier parts take precedence), so the value starts at the latest
 * place that leaves a match.
 * Text that is not all ASCII goes to the engine: whether a non-ASCII letter
 * is a word character depends on the database's locale.
 */
#define OC_PM_MAX_WORDS 64
#define OC_PM_WORD_LEN 24

typedef struct oc_pm_words
{
	int			n;
	unsigned char len[OC_PM_MAX_WORDS];
	char		word[OC_PM_MAX_WORDS][OC_PM_WORD_LEN];
} oc_pm_words;

#define OC_PM_NPATTERNS (sizeof(builtin_patterns) / sizeof(builtin_patterns[0]))
static int	pm_state[OC_PM_NPATTERNS];	/* 0: not read yet, 1: fast path, -1: none */
static oc_pm_words pm_labels[OC_PM_NPATTERNS];
static oc_pm_words pm_numbers;

/* the parts the matcher implements, as the pattern strings spell them */
#define OC_PM_SEP "[^A-Za-z0-9\n]{0,3}"
#define OC_PM_VALUE "([A-Z]{0,4}-?[0-9]{4,}(?:-[0-9A-Z]+)*)\\M"
#define OC_PM_PREFIX "\\m(?:"
#define OC_PM_SUFFIX ")\\M" OC_KEY_SEP OC_KEY_NUMBER_WORD OC_KEY_VALUE
#define OC_PM_NUMBERS_PREFIX "(?:(?:"
#define OC_PM_NUMBERS_SUFFIX ")\\.?" OC_KEY_SEP ")?"

/*
 * Add the all-ASCII words of the alternatives alts[0..len) ("ab|[Cc]d|...":
 * literal characters and bracketed sets of literal characters) to out.
 * 0 when they hold anything else, or too much.
 */
static int
pm_expand(const char *alts, size_t len, oc_pm_words *out)
{
	size_t		i = 0;

	for (;;)
	{
		char		choice[OC_PM_WORD_LEN][8];	/* per atom: its ASCII choices */
		int			nchoice[OC_PM_WORD_LEN];
		int			pick[OC_PM_WORD_LEN];
		int			natoms = 0;
		int			ascii = 1;

		while (i < len && alts[i] != '|')
		{
			if (natoms == OC_PM_WORD_LEN - 1)
				return 0;
			nchoice[natoms] = 0;
			if (alts[i] == '[')
			{
				for (i++; i < len && alts[i] != ']'; i++)
				{
					unsigned char c = (unsigned char) alts[i];

					if (c == '\\' || c == '^' || c == '-' || c == '[' || c == '|')
						return 0;
					if (c < 0x80)
					{
						if (nchoice[natoms] == 8)
							return 0;
						choice[natoms][nchoice[natoms]++] = (char) c;
					}
				}
				if (i == len)
					return 0;
				i++;			/* the ']' */
			}
			else
			{
				unsigned char c = (unsigned char) alts[i];

				if (c < 0x80 && strchr("\\.()*+?{}^$]", (char) c) != NULL)
					return 0;
				if (c < 0x80)
					choice[natoms][nchoice[natoms]++] = (char) c;
				for (i++; i < len && ((unsigned char) alts[i] & 0xC0) == 0x80; i++)
					;			/* the rest of a UTF-8 character */
			}
			if (nchoice[natoms] == 0)
				ascii = 0;		/* no ASCII text has this word */
			pick[natoms++] = 0;
		}
		if (natoms == 0)
			return 0;
		while (ascii)
		{
			int			a;

			if (out->n == OC_PM_MAX_WORDS)
				return 0;
			for (a = 0; a < natoms; a++)
				out->word[out->n][a] = choice[a][pick[a]];
			out->word[out->n][natoms] = '\0';
			out->len[out->n++] = (unsigned char) natoms;
			for (a = natoms - 1; a >= 0 && ++pick[a] == nchoice[a]; a--)
				pick[a] = 0;
			if (a < 0)
				break;
		}
		if (i == len)
			return 1;
		i++;					/* the '|' */
	}
}

/* Read built-in pattern i's words once; 1 when it has the fast path. */
static int
pm_ready(size_t i)
{
	const char *p = builtin_patterns[i].from;
	size_t		len = strlen(p);
	size_t		pre = strlen(OC_PM_PREFIX);
	size_t		suf = strlen(OC_PM_SUFFIX);

	if (pm_state[i] != 0)
		return pm_state[i] == 1;
	pm_state[i] = -1;
	/* a separator or value spelt otherwise is not what the code below does */
	if (strcmp(OC_KEY_SEP, OC_PM_SEP) != 0 || strcmp(OC_KEY_VALUE, OC_PM_VALUE) != 0)
		return 0;
	if (pm_numbers.n == 0)
	{
		const char *n = OC_KEY_NUMBER_WORD;
		size_t		nl = strlen(n);
		size_t		np = strlen(OC_PM_NUMBERS_PREFIX);
		size_t		ns = strlen(OC_PM_NUMBERS_SUFFIX);

		if (nl <= np + ns || strncmp(n, OC_PM_NUMBERS_PREFIX, np) != 0 ||
			strcmp(n + nl - ns, OC_PM_NUMBERS_SUFFIX) != 0 ||
			!pm_expand(n + np, nl - np - ns, &pm_numbers))
		{
			pm_numbers.n = 0;
			return 0;
		}
	}
	if (len <= pre + suf || strncmp(p, OC_PM_PREFIX, pre) != 0 ||
		strcmp(p + len - suf, OC_PM_SUFFIX) != 0 ||
		!pm_expand(p + pre, len - pre - suf, &pm_labels[i]))
		return 0;
	pm_state[i] = 1;
	return 1;
}

static int
pm_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* a word character of \m and \M */
static int
pm_word(unsigned char c)
{
	return pm_alnum(c) || c == '_';
}

/* SEP: [^A-Za-z0-9\n] */
static int
pm_sep(unsigned char c)
{
	return !pm_alnum(c) && c != '\n';
}

/* Is t[0..len) one of the words? */
static int
pm_is_word(const oc_pm_words *w, const char *t, size_t len)
{
	for (int k = 0; k < w->n; k++)
		if (w->len[k] == len && memcmp(w->word[k], t, len) == 0)
			return 1;
	return 0;
}

/*
 * VALUE's states, one bit each: A0..A4 capitals read (PM_A: any of them,
 * PM_A_MORE: one that may read another), B its dash, D1..D4 digits (D4:
 * four or more), H a part's dash, G in a part.
 */
enum
{
	PM_A0 = 1 << 0, PM_A = 0x1F, PM_A_MORE = 0x0F, PM_B = 1 << 5, PM_D1 = 1 << 6,
	PM_D2 = 1 << 7, PM_D3 = 1 << 8, PM_D4 = 1 << 9, PM_H = 1 << 10, PM_G = 1 << 11
};

/*
 * The end of the longest VALUE starting at t[k] that a word end follows
 * (\M), or 0 when none does.
 */
static size_t
pm_value_end(const char *t, size_t len, size_t k)
{
	unsigned	cur = PM_A0;
	size_t		best = 0;

	for (size_t e = k; e < len && cur != 0; e++)
	{
		unsigned char c = (unsigned char) t[e];
		int			upper = c >= 'A' && c <= 'Z';
		int			digit = c >= '0' && c <= '9';
		unsigned	next = 0;

		if (cur & PM_A)
		{
			if (upper)
				next |= (cur & PM_A_MORE) << 1;
			if (c == '-')
				next |= PM_B;
			if (digit)
				next |= PM_D1;
		}
		if ((cur & PM_B) && digit)
			next |= PM_D1;
		if (digit)
			next |= (cur & (PM_D1 | PM_D2 | PM_D3)) << 1 | (cur & PM_D4);
		if ((cur & (PM_D4 | PM_G)) && c == '-')
			next |= PM_H;
		if ((cur & (PM_H | PM_G)) && (digit || upper))
			next |= PM_G;
		cur = next;
		if ((cur & (PM_D4 | PM_G)) && (e + 1 == len || !pm_word((unsigned char) t[e + 1])))
			best = e + 1;
	}
	return best;
}

int
oc_stitch_builtin_pattern_find(size_t i, const char *text, size_t len,
							   size_t *value_start, size_t *value_len)
{
	if (i >= OC_PM_NPATTERNS || !pm_ready(i))
		return -1;
	for (size_t k = 0; k < len; k++)
		if ((unsigned char) text[k] >= 0x80)
			return -1;
	for (size_t s = 0; s < len; s++)
	{
		size_t		w = s;
		size_t		run = 0;
		size_t		ends[64];
		size_t		starts[64];
		int			n = 0;
		size_t		best_end = 0;
		size_t		best_start = 0;

		if (!pm_word((unsigned char) text[s]) || (s > 0 && pm_word((unsigned char) text[s - 1])))
			continue;
		while (w < len && pm_word((unsigned char) text[w]))
			w++;
		/* the label is a whole word: \M follows it */
		if (!pm_is_word(&pm_labels[i], text + s, w - s))
		{
			s = w;
			continue;
		}
		while (w + run < len && pm_sep((unsigned char) text[w + run]))
			run++;
		/* where the value may start: after up to three separators ... */
		for (size_t a = 0; a <= 3 && a <= run; a++)
			starts[n++] = w + a;
		/* ... or after them, a number word, a dot and up to three more */
		if (run <= 3)
		{
			size_t		p = w + run;

			for (int k = 0; k < pm_numbers.n; k++)
			{
				size_t		nl = pm_numbers.len[k];
				size_t		q = p + nl;

				if (q > len || memcmp(text + p, pm_numbers.word[k], nl) != 0)
					continue;
				for (size_t d = 0; d <= 1; d++)
				{
					size_t		r = 0;

					if (d == 1 && (q >= len || text[q] != '.'))
						break;
					while (q + d + r < len && r < 3 && pm_sep((unsigned char) text[q + d + r]))
						r++;
					for (size_t c = 0; c <= r && n < 64; c++)
						starts[n++] = q + d + c;
				}
			}
		}
		/* the longest match; of its value's starts the latest */
		for (int k = 0; k < n; k++)
		{
			size_t		e = pm_value_end(text, len, starts[k]);

			ends[k] = e;
			if (e > best_end)
				best_end = e;
		}
		if (best_end == 0)
			continue;
		for (int k = 0; k < n; k++)
			if (ends[k] == best_end && starts[k] > best_start)
				best_start = starts[k];
		*value_start = best_start;
		*value_len = best_end - best_start;
		return 1;
	}
	return 0;
}

int
oc_stitch_key_value_usable(const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (c == '0' || c == ' ' || (c >= '\t' && c <= '\r'))
			continue;
		if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
						  (c >= '1' && c <= '9')))
			continue;			/* ASCII punctuation */
		return 1;
	}
	return 0;
}

const oc_stitch_named *
oc_stitch_builtin_key_attributes(size_t *n)
{
	*n = sizeof(builtin_attributes) / sizeof(builtin_attributes[0]);
	return builtin_attributes;
}

const oc_stitch_named *
oc_stitch_builtin_key_patterns(size_t *n)
{
	*n = sizeof(builtin_patterns) / sizeof(builtin_patterns[0]);
	return builtin_patterns;
}
