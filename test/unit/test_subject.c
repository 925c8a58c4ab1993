/*-------------------------------------------------------------------------
 *
 * test_subject.c
 *	  Unit tests of the server-free subject normalizer.
 *
 * Covers every rule of docs/subjects.md: the RFC 5256 section 2.1 steps,
 * every row of the prefix table (in three spellings, with counts, with a
 * fullwidth colon, and without a colon, which must not strip), white space
 * and control characters, NFKC case folding, the false positives the rules
 * keep out, invalid UTF-8, both bounds (input bytes read, result bytes) and
 * linear work on adversarial input (the "steps" counter).  Every accepted
 * input is also checked for idempotence.  Built by "make unit" with
 * ASan/UBSan.
 *
 *-------------------------------------------------------------------------
 */
#include "core/subject.h"
#include "unit.h"

#include <stdlib.h>

#include <unicode/uclean.h>

/* Normalize in[0..len) and expect the base subject; checks idempotence. */
static void
ok_len(const char *in, size_t len, const char *expected, const char *name)
{
	char		out[OC_SUBJ_BUFSIZE];
	char		again[OC_SUBJ_BUFSIZE];
	size_t		olen = 99;
	size_t		alen = 99;
	oc_subj_info info;
	char		label[700];
	int			rc = oc_subject_normalize(in, len, out, sizeof(out), &olen, &info);

	if (rc != OC_SUBJ_OK)
		printf("# unexpected %s: %s\n", oc_subject_status_name(rc), info.detail);
	CHECK_STR(rc == OC_SUBJ_OK ? out : oc_subject_status_name(rc), expected, name);
	if (rc != OC_SUBJ_OK)
		return;
	snprintf(label, sizeof(label), "%s (length, idempotent)", name);
	rc = oc_subject_normalize(out, olen, again, sizeof(again), &alen, &info);
	CHECK(olen == strlen(out) && olen <= OC_SUBJ_MAX_LEN && rc == OC_SUBJ_OK &&
		  alen == olen && memcmp(out, again, olen) == 0, label);
}

/* Copy s into buf with control bytes written as \xNN (one-line TAP names). */
static const char *
printable(const char *s, char *buf, size_t cap)
{
	size_t		o = 0;

	for (; *s && o + 5 < cap; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c < 0x20 || c == 0x7F)
			o += (size_t) snprintf(buf + o, cap - o, "\\x%02X", c);
		else
			buf[o++] = (char) c;
	}
	buf[o] = '\0';
	return buf;
}

/* Normalize a NUL-terminated subject and expect the base subject. */
static void
ok(const char *in, const char *expected)
{
	char		name[600];
	char		p1[256];
	char		p2[256];

	snprintf(name, sizeof(name), "\"%s\" -> \"%s\"",
			 printable(in, p1, sizeof(p1)), printable(expected, p2, sizeof(p2)));
	ok_len(in, strlen(in), expected, name);
}

/* Normalize and return the status; the result (or "") is left in out. */
static int
run(const char *in, size_t len, char *out, size_t *olen, oc_subj_info *info)
{
	return oc_subject_normalize(in, len, out, OC_SUBJ_BUFSIZE, olen, info);
}

/* Real-world subjects, one language or rule at a time. */
static void
test_examples(void)
{
	/* RFC 5256 section 2.1 */
	ok("Re: Meeting tomorrow", "meeting tomorrow");
	ok("RE: re: Re:Meeting", "meeting");
	ok("Fwd: Fw: FW: Quarterly report", "quarterly report");
	ok("Re [2]: Quarterly report", "quarterly report");
	ok("Re[PATCH]: fix the build", "fix the build");
	ok("[omnichannel-dev] Re: release plan", "release plan");
	ok("Re: [omnichannel-dev] Re: release plan", "release plan");
	ok("[list] [tag] topic", "topic");
	ok("[a] [b]", "[b]");
	ok("[only a blob]", "[only a blob]");
	ok("[Fwd: Invoice 42]", "invoice 42");
	ok("[Fwd: Re: Invoice 42] (fwd)", "invoice 42");
	ok("Invoice 42 (fwd) (FWD)  ", "invoice 42");
	ok("Invoice 42(fwd)", "invoice 42");
	ok("Fwd: [Fwd: [Fwd: deep]]", "deep");
	ok("[fwd: [x] y]", "y");
	ok("[Fwd: unbalanced", "[fwd: unbalanced");
	ok("Re: [#T123] Order A-1234 delayed", "order a-1234 delayed");
	/* counts */
	ok("Re[2]: x", "x");
	ok("Re(3): x", "x");
	ok("RE^2: x", "x");
	ok("Re (12) : x", "x");
	ok("AW[3]: WG(2): x", "x");
	/* English, German, Scandinavian, Finnish, Dutch */
	ok("AW: Ihre Bestellung", "ihre bestellung");
	ok("WG: AW: Rechnung Nr. 42", "rechnung nr. 42");
	ok("Antw: Angebot", "angebot");
	ok("Wtr: Angebot", "angebot");
	ok("SV: Faktura", "faktura");
	ok("VS: SV: Tilbud", "tilbud");
	ok("VB: Sv: Beställning", "beställning");
	ok("Fs: Pöntun", "pöntun");
	ok("VL: VS: Tilaus", "tilaus");
	ok("Antw: Doorst: Bestelling", "bestelling");
	/* Polish, Czech, Romanian, Russian */
	ok("Odp: Zamówienie nr 5", "zamówienie nr 5");
	ok("PD: Odp: Reklamacja", "reklamacja");
	ok("Odp: PŘ: Objednávka", "objednávka");
	ok("Răsp: Comanda 7", "comanda 7");
	ok("RE: Redirecționat: Factură", "factură");
	ok("Redirecţionat: Factură", "factură");
	ok("TR: Răsp: Comanda", "comanda");
	ok("Ответ: Заказ 12", "заказ 12");
	ok("Отв: НА: Пересл: Заказ", "заказ");
	/* Spanish, Portuguese, Italian, French */
	ok("RV: RE: Pedido", "pedido");
	ok("RES: ENC: Encomenda", "encomenda");
	ok("R: Ordine", "ordine");
	ok("RIF: I: Ordine", "ordine");
	ok("Inoltro: Ordine", "ordine");
	ok("RE : Commande", "commande");
	ok("TR : RE : Commande", "commande");
	ok("Réf. : Commande", "commande");
	ok("Réf: Commande", "commande");
	/* Chinese, Korean, Turkish, Greek, Hungarian */
	ok("回复：订单问题", "订单问题");
	ok("转发: 回复: 订单问题", "订单问题");
	ok("答复: 转发: 发票", "发票");
	ok("回覆：訂單", "訂單");
	ok("轉寄：轉發：訂單", "訂單");
	ok("회신: 전달: 주문", "주문");
	ok("YNT: İLT: Sipariş", "sipariş");
	ok("ILT: Sipariş", "sipariş");
	ok("ΑΠ: ΣΧΕΤ: ΠΡΘ: Παραγγελία", "παραγγελία");
	ok("VÁ: TOV: Rendelés", "rendelés");
	/* fullwidth and other compatibility forms */
	ok("ＲＥ：ｆｏｏ", "foo");
	ok("Ｒｅ［２］：Ｆｏｏ", "foo");
	ok("ＡＷ： Ｒｅｃｈｎｕｎｇ", "rechnung");
	/* case folding, NFKC */
	ok("Re: STRASSE", "strasse");
	ok("Re: Straße", "strasse");
	ok("Re: ΟΔΥΣΣΕΥΣ", "οδυσσευσ");
	ok("Re: e\xCC\x81t\xC3\xA9", "\xC3\xA9t\xC3\xA9");
	ok("Re: ﬁnance", "finance");
	ok("Re: ①②", "12");
}

/* Subjects that start like a prefix but are not one: nothing is lost. */
static void
test_false_positives(void)
{
	ok("Reunion: planning", "reunion: planning");
	ok("Sv meeting", "sv meeting");
	ok("Sv", "sv");
	ok("R2D2: status", "r2d2: status");
	ok("Re 2: x", "re 2: x");
	ok("Re(x): y", "re(x): y");
	ok("Re(): y", "re(): y");
	ok("Re^: y", "re^: y");
	ok("Fwd foo", "fwd foo");
	ok("Recall: notice", "recall: notice");
	ok("Info: printers", "info: printers");
	ok("Ire: Dublin", "ire: dublin");
	ok("Dr: appointment", "dr: appointment");
	ok("Ответы: вопросы", "ответы: вопросы");
	ok("Subject: re: x", "subject: re: x");
	ok("Order 42 re: delivery", "order 42 re: delivery");
	ok("Delivery (fwd) status", "delivery (fwd) status");
	ok("I love it", "i love it");
	ok("Re-order: widgets", "re-order: widgets");
	ok("回复", "回复");
}

/* Empty results: no subject evidence. */
static void
test_empty(void)
{
	ok("", "");
	ok("   ", "");
	ok("\t\r\n", "");
	ok("Re:", "");
	ok("Re: ", "");
	ok("RE: Fwd: AW:", "");
	ok("[list] Re:", "");
	ok("(fwd)", "");
	ok("[Fwd: ]", "");
	ok("[Fwd: Re: ] (fwd)", "");
	ok("回复：", "");
}

/* White space and control characters fold to one space, trimmed. */
static void
test_spacing(void)
{
	ok("  Re:   Hello \t  World  ", "hello world");
	ok("Re: Hello\r\n World", "hello world");
	ok("Re:\xC2\xA0Hello\xE2\x80\x83World", "hello world");	/* NBSP, em space */
	ok("\xE3\x80\x80Re:\xE3\x80\x80Hello", "hello");	/* ideographic space */
	ok("Re: a\xE2\x80\xA8" "b\xC2\x85" "c", "a b c");	/* U+2028, NEL */
	ok("Re: a\x01\x02" "b\x7F" "c", "a b c");	/* C0, DEL */
	ok("Re: a\xC2\x80" "b", "a b");	/* C1 */
	ok("R\xE2\x80\x8B" "e: x", "x");	/* ZWSP is removed by NFKC_CF */
	ok("\xEF\xBB\xBFRe: x", "x");	/* BOM */
	ok("RE\xE2\x80\xAF: Commande", "commande");	/* narrow NBSP (French) */
}

/* Every prefix of the table strips, case-insensitively, in every form. */
static void
test_prefix_table(void)
{
	size_t		n;
	size_t		k;
	const oc_subj_prefix *p = oc_subject_prefixes(&n);

	CHECK(n >= 40, "prefix table has at least 40 words");
	for (k = 0; k < n; k++)
	{
		const char *forms[] = {
			"%s: Order 42", "%s:Order 42", "%s：Order 42", "%s [2]: Order 42",
			"%s(2): Order 42", "%s^3: Order 42", "[tag] %s: Order 42",
			"%s: %s: Order 42", "  %s :  Order 42  ",
		};
		size_t		f;
		char		in[256];
		char		name[400];
		char		lower[64];
		size_t		i;

		CHECK(p[k].word && p[k].word[0] && p[k].languages && p[k].languages[0],
			  "prefix row is complete");
		for (f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
		{
			snprintf(in, sizeof(in), forms[f], p[k].word, p[k].word);
			snprintf(name, sizeof(name), "prefix %s (%s): \"%s\"",
					 p[k].word, p[k].languages, in);
			ok_len(in, strlen(in), "order 42", name);
		}
		/* ASCII case variants */
		for (i = 0; p[k].word[i] && i < sizeof(lower) - 1; i++)
		{
			char		c = p[k].word[i];

			lower[i] = (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') :
				(c >= 'a' && c <= 'z') ? (char) (c - 'a' + 'A') : c;
		}
		lower[i] = '\0';
		snprintf(in, sizeof(in), "%s: Order 42", lower);
		snprintf(name, sizeof(name), "prefix %s swapped case: \"%s\"",
				 p[k].word, in);
		ok_len(in, strlen(in), "order 42", name);
		/* without a colon nothing is stripped */
		{
			char		out[OC_SUBJ_BUFSIZE];
			size_t		olen;
			oc_subj_info info;

			snprintf(in, sizeof(in), "%s Order 42", p[k].word);
			snprintf(name, sizeof(name), "prefix %s without colon kept",
					 p[k].word);
			CHECK(run(in, strlen(in), out, &olen, &info) == OC_SUBJ_OK &&
				  olen > strlen("order 42") &&
				  strcmp(out + olen - 9, " order 42") == 0, name);
		}
	}
}

/* Invalid UTF-8 is refused with its offset; the output is empty. */
static void
test_bad_encoding(void)
{
	static const struct
	{
		const char *in;
		size_t		len;
		long		offset;
	}			bad[] = {
		{"Re: \xFF", 5, 4},
		{"\xC0\xAF", 2, 0},		/* overlong */
		{"ab\xED\xA0\x80", 5, 2},	/* surrogate */
		{"a\xF4\x90\x80\x80", 5, 1},	/* above U+10FFFF */
		{"Re: \xE2\x82", 6, 4},	/* cut at the real end */
		{"\x80", 1, 0},
	};
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char		out[OC_SUBJ_BUFSIZE];
		size_t		olen = 99;
		oc_subj_info info;
		char		name[100];
		int			rc;

		memset(out, 'x', sizeof(out));
		rc = run(bad[i].in, bad[i].len, out, &olen, &info);
		snprintf(name, sizeof(name), "bad UTF-8 #%zu refused at offset %ld",
				 i, bad[i].offset);
		CHECK(rc == OC_SUBJ_BAD_ENCODING && info.offset == bad[i].offset &&
			  out[0] == '\0' && olen == 0 &&
			  strncmp(info.detail, "The subject is not valid UTF-8", 30) == 0 &&
			  info.detail[strlen(info.detail) - 1] == '.', name);
	}
}

/* Caller buffers: too small is an error, NULL output is refused. */
static void
test_buffers(void)
{
	char		small[4];
	size_t		olen = 99;
	oc_subj_info info;

	CHECK_INT(oc_subject_normalize("Re: hello", 9, small, sizeof(small), &olen, &info),
			  OC_SUBJ_BUFFER_TOO_SMALL, "output buffer too small");
	CHECK(small[0] == '\0' && olen == 0, "too small leaves an empty output");
	CHECK_INT(oc_subject_normalize("Re: hi", 6, small, sizeof(small), &olen, NULL),
			  OC_SUBJ_OK, "exact buffer, info may be NULL");
	CHECK_STR(small, "hi", "exact buffer result");
	CHECK_INT(oc_subject_normalize("x", 1, NULL, 0, NULL, NULL),
			  OC_SUBJ_BUFFER_TOO_SMALL, "NULL output refused");
	CHECK_STR(oc_subject_status_name(OC_SUBJ_INTERNAL), "OC_SUBJ_INTERNAL",
			  "status names");
}

/* Fill buf with reps copies of piece, then tail; returns the length. */
static size_t
repeat(char *buf, size_t cap, const char *piece, size_t reps, const char *tail)
{
	size_t		pl = strlen(piece);
	size_t		n = 0;
	size_t		r;

	for (r = 0; r < reps && n + pl < cap; r++)
	{
		memcpy(buf + n, piece, pl);
		n += pl;
	}
	if (n + strlen(tail) < cap)
	{
		memcpy(buf + n, tail, strlen(tail));
		n += strlen(tail);
	}
	buf[n] = '\0';
	return n;
}

/* The input bound (bytes read) and the result bound (bytes written). */
static void
test_bounds(void)
{
	static char in[3 * OC_SUBJ_MAX_INPUT];
	char		out[OC_SUBJ_BUFSIZE];
	size_t		olen;
	size_t		n;
	oc_subj_info info;

	/* long ASCII: read 4096 bytes, keep 4096 */
	n = repeat(in, sizeof(in), "a", 5000, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && olen == OC_SUBJ_MAX_LEN &&
		  info.truncated && info.bytes_read == OC_SUBJ_MAX_INPUT,
		  "5000 bytes: first 4096 read, truncated flag set");
	ok_len(in, n, out, "5000 bytes: idempotent");
	/* exactly at the bound: not truncated */
	n = repeat(in, sizeof(in), "b", OC_SUBJ_MAX_INPUT, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && olen == OC_SUBJ_MAX_LEN &&
		  !info.truncated, "4096 bytes: not truncated");
	/* a character across the bound is left out whole */
	n = repeat(in, sizeof(in), "a", OC_SUBJ_MAX_INPUT - 1, "\xC3\xA9xyz");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK &&
		  olen == OC_SUBJ_MAX_INPUT - 1 && info.bytes_read == OC_SUBJ_MAX_INPUT - 1 &&
		  info.truncated, "character across the bound left out");
	/* bytes after the bound are not read, even invalid ones */
	n = repeat(in, sizeof(in), "c", OC_SUBJ_MAX_INPUT, "\xFF");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && info.truncated,
		  "invalid byte after the bound is not read");
	/* prefixes then a long subject: stripped after the cut */
	n = repeat(in, sizeof(in), "Re: ", 10, "");
	n += repeat(in + n, sizeof(in) - n, "z", 6000, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK &&
		  olen == OC_SUBJ_MAX_INPUT - 40 && out[0] == 'z',
		  "prefixes stripped from a cut subject");
	/* NFKC expansion: U+FDFA folds to 18 characters (33 bytes) */
	n = repeat(in, sizeof(in), "\xEF\xB7\xBA", 2000, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && olen <= OC_SUBJ_MAX_LEN &&
		  olen > OC_SUBJ_MAX_LEN - 40 && info.truncated,
		  "U+FDFA expansion cut at the result bound");
	ok_len(in, n, out, "U+FDFA expansion: idempotent");
	/* U+3300 (squared katakana) and ligatures expand too */
	n = repeat(in, sizeof(in), "\xE3\x8C\x80\xEF\xAC\x83 ", 1000, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && olen <= OC_SUBJ_MAX_LEN,
		  "U+3300 and U+FB03 expansion bounded");
	ok_len(in, n, out, "U+3300 expansion: idempotent");
	/* one base with thousands of combining marks */
	n = repeat(in, sizeof(in), "", 0, "a");
	n += repeat(in + n, sizeof(in) - n, "\xCC\x81\xCC\xA3", 2000, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && olen <= OC_SUBJ_MAX_LEN,
		  "long combining sequence bounded");
	ok_len(in, n, out, "long combining sequence: idempotent");
	/* expanding marks: U+0344 folds to two marks */
	n = repeat(in, sizeof(in), "", 0, "a");
	n += repeat(in + n, sizeof(in) - n, "\xCD\x84", 3000, "");
	CHECK(run(in, n, out, &olen, &info) == OC_SUBJ_OK && olen <= OC_SUBJ_MAX_LEN,
		  "expanding combining marks bounded");
	ok_len(in, n, out, "expanding combining marks: idempotent");
	/* white space collapses before the bound applies */
	n = repeat(in, sizeof(in), " ", 3000, "Re: hello");
	ok_len(in, n, "hello", "3000 spaces then a subject");
}

/* Work is linear: steps <= 32 * bytes + 1024 on adversarial input. */
static void
test_linear(void)
{
	static const struct
	{
		const char *piece;
		const char *tail;
	}			adv[] = {
		{"[a]", "x"},
		{"[a] ", ""},
		{"[a]", ""},
		{"re:", "x"},
		{"r:", ""},
		{"i:", "x"},
		{"[", "]"},
		{"]", ""},
		{"[fwd:", ""},
		{"[fwd: ", "]"},
		{"(fwd)", ""},
		{"x(fwd)", ""},
		{"re [a] ", ":"},
		{"re (1", ""},
		{"re ^", ""},
		{"[x] re", ":"},
		{"re[", ""},
		{"回复", "："},
		{"Fwd: [", "]"},
		{"[Fwd: [Fwd: x] ", "]"},
	};
	static char in[OC_SUBJ_MAX_INPUT + 64];
	size_t		i;

	for (i = 0; i < sizeof(adv) / sizeof(adv[0]); i++)
	{
		char		out[OC_SUBJ_BUFSIZE];
		size_t		olen;
		oc_subj_info info;
		char		name[200];
		size_t		n = repeat(in, OC_SUBJ_MAX_INPUT + 1, adv[i].piece,
							   OC_SUBJ_MAX_INPUT, adv[i].tail);
		int			rc = run(in, n, out, &olen, &info);

		snprintf(name, sizeof(name),
				 "linear: \"%s\"... + \"%s\" (%zu bytes, %zu steps)",
				 adv[i].piece, adv[i].tail, n, info.steps);
		CHECK(rc == OC_SUBJ_OK && info.steps <= 32 * n + 1024, name);
		ok_len(in, n, out, "adversarial input: idempotent");
	}
}

/* Run every group, then release ICU's caches for leak checkers. */
int
main(void)
{
	test_examples();
	test_false_positives();
	test_empty();
	test_spacing();
	test_prefix_table();
	test_bad_encoding();
	test_buffers();
	test_bounds();
	test_linear();
	u_cleanup();
	return unit_done();
}
