/*-------------------------------------------------------------------------
 *
 * test_identity_keys.c
 *	  Unit tests of the server-free identity-suggestion keys.
 *
 * Covers every row of the e-mail provider table (Gmail dots and "+tag",
 * googlemail.com, other domains, "+only" local parts, bad inputs, and the
 * keys of addresses normalized by oc_cp_normalize), the name key (Romanian
 * cedilla and comma-below letters in both encodings, Polish, Spanish,
 * German, Cyrillic, Greek, fullwidth letters, punctuation, symbols and
 * white space), the transliterated key (what ICU 72 gives, and the
 * collisions it makes on purpose), invalid UTF-8, small buffers and both
 * bounds (input bytes read, key bytes written).  Every accepted name is
 * also checked for idempotence.  Built by "make unit" with ASan/UBSan.
 *
 *-------------------------------------------------------------------------
 */
#include "core/contact_point.h"
#include "core/identity_keys.h"
#include "unit.h"

#include <stdlib.h>

#include <unicode/uclean.h>

/* One of the three key functions. */
typedef int (*key_fn) (const char *in, size_t len, char *out, size_t cap,
					   size_t *outlen, oc_idkey_info *info);

/* Run f on in[0..len) into out (OC_IDKEY_BUFSIZE); the status. */
static int
run(key_fn f, const char *in, size_t len, char *out, size_t *olen,
	oc_idkey_info *info)
{
	return f(in, len, out, OC_IDKEY_BUFSIZE, olen, info);
}

/* Expect f(in) to be the key expected (or a status name). */
static void
expect_key(key_fn f, const char *in, size_t len, const char *expected,
		   const char *name)
{
	char		out[OC_IDKEY_BUFSIZE];
	size_t		olen = 99;
	oc_idkey_info info;
	int			rc = run(f, in, len, out, &olen, &info);

	if (rc != OC_IDKEY_OK)
		printf("# %s: %s\n", oc_idkey_status_name(rc), info.detail);
	CHECK_STR(rc == OC_IDKEY_OK ? out : oc_idkey_status_name(rc), expected,
			  name);
	if (rc == OC_IDKEY_OK && olen != strlen(out))
		CHECK(0, "outlen is the key length");
}

/* E-mail key of a NUL-terminated address; the key is also its own key. */
static void
email_ok(const char *in, const char *expected, const char *why)
{
	char		name[300];

	snprintf(name, sizeof(name), "email \"%s\" -> \"%s\" (%s)", in, expected,
			 why);
	expect_key(oc_email_provider_key, in, strlen(in), expected, name);
	snprintf(name, sizeof(name), "email \"%s\" is its own key", expected);
	expect_key(oc_email_provider_key, expected, strlen(expected), expected,
			   name);
}

/* E-mail key of in[0..len) fails with status; empty output, a detail. */
static void
email_bad_len(const char *in, size_t len, int status, const char *why)
{
	char		out[OC_IDKEY_BUFSIZE];
	size_t		olen = 99;
	oc_idkey_info info;
	char		name[300];
	int			rc;

	memset(out, 'x', sizeof(out));
	rc = oc_email_provider_key(in, len, out, sizeof(out), &olen, &info);
	snprintf(name, sizeof(name), "email refused: %s", why);
	CHECK_STR(oc_idkey_status_name(rc), oc_idkey_status_name(status), name);
	snprintf(name, sizeof(name), "email refused: %s (empty output, detail \"%s\")",
			 why, info.detail);
	CHECK(out[0] == '\0' && olen == 0 && info.detail[0] >= 'A' &&
		  info.detail[0] <= 'Z' &&
		  info.detail[strlen(info.detail) - 1] == '.', name);
}

/* Same, for a NUL-terminated input. */
static void
email_bad(const char *in, int status, const char *why)
{
	email_bad_len(in, strlen(in), status, why);
}

/* Name key and translit key of in[0..len); idempotence of both checked. */
static void
name_ok_len(const char *in, size_t len, const char *key, const char *tkey,
			const char *why)
{
	char		name[400];
	char		out[OC_IDKEY_BUFSIZE];
	size_t		olen;
	oc_idkey_info info;

	snprintf(name, sizeof(name), "name key \"%s\" (%s)", key, why);
	expect_key(oc_name_key, in, len, key, name);
	snprintf(name, sizeof(name), "translit key \"%s\" (%s)", tkey, why);
	expect_key(oc_name_translit_key, in, len, tkey, name);
	snprintf(name, sizeof(name), "name key \"%s\" is its own key", key);
	CHECK(run(oc_name_key, key, strlen(key), out, &olen, &info) == OC_IDKEY_OK &&
		  strcmp(out, key) == 0 && !info.truncated, name);
	snprintf(name, sizeof(name), "translit key of the name key \"%s\"", key);
	expect_key(oc_name_translit_key, key, strlen(key), tkey, name);
	snprintf(name, sizeof(name), "translit key \"%s\" is its own key", tkey);
	expect_key(oc_name_translit_key, tkey, strlen(tkey), tkey, name);
}

/* Same, for a NUL-terminated input. */
static void
name_ok(const char *in, const char *key, const char *tkey, const char *why)
{
	name_ok_len(in, strlen(in), key, tkey, why);
}

/* Key of a NUL-terminated input into a static buffer ("" on failure). */
static const char *
key_of(key_fn f, const char *in, char *out)
{
	size_t		olen;

	if (run(f, in, strlen(in), out, &olen, NULL) != OC_IDKEY_OK)
		strcpy(out, "(failed)");
	return out;
}

/* The e-mail provider table, row by row. */
static void
test_email(void)
{
	/* gmail.com: dots removed, +tag dropped */
	email_ok("jan.kowalski@gmail.com", "jankowalski@gmail.com", "Gmail dots");
	email_ok("j.a.n.k.o.w.a.l.s.k.i@gmail.com", "jankowalski@gmail.com",
			 "Gmail, a dot after every letter");
	email_ok("jankowalski@gmail.com", "jankowalski@gmail.com",
			 "Gmail without dots");
	email_ok("jan.kowalski+allegro@gmail.com", "jankowalski@gmail.com",
			 "Gmail dots and +tag");
	email_ok("jan+a.b+c@gmail.com", "jan@gmail.com",
			 "Gmail, dots and pluses inside the tag");
	email_ok("jan+@gmail.com", "jan@gmail.com", "Gmail, empty tag");
	email_ok("żółw.x+tag@gmail.com", "żółwx@gmail.com",
			 "Gmail, non-ASCII local part");
	/* googlemail.com is gmail.com */
	email_ok("jan.kowalski@googlemail.com", "jankowalski@gmail.com",
			 "googlemail.com becomes gmail.com");
	email_ok("jan.kowalski+sklep@googlemail.com", "jankowalski@gmail.com",
			 "googlemail.com, dots and +tag");
	/* other domains keep their dots, drop +tag */
	email_ok("jan.kowalski@example.pl", "jan.kowalski@example.pl",
			 "other domain keeps dots");
	email_ok("jan.kowalski+shop@example.pl", "jan.kowalski@example.pl",
			 "other domain drops +tag");
	email_ok("jan+a+b@example.pl", "jan@example.pl",
			 "other domain, tag from the first +");
	email_ok("jan+@example.pl", "jan@example.pl", "other domain, empty tag");
	email_ok("jan.kowalski@outlook.com", "jan.kowalski@outlook.com",
			 "outlook.com keeps dots");
	email_ok("a.b@gmail.co", "a.b@gmail.co", "gmail.co is not Gmail");
	email_ok("a.b@mail.gmail.com", "a.b@mail.gmail.com",
			 "a subdomain of gmail.com is not Gmail");
	email_ok("a.b@gmail.com.pl", "a.b@gmail.com.pl", "gmail.com.pl is not Gmail");
	email_ok("a.b@xgooglemail.com", "a.b@xgooglemail.com",
			 "xgooglemail.com is not Gmail");
	email_ok("jan@żółw.pl", "jan@żółw.pl", "IDN domain kept");
	email_ok("ion.popescu+x@ş.ro", "ion.popescu@ş.ro",
			 "domain with a cedilla kept as is");
	email_ok("иван.петров+1@почта.рф", "иван.петров@почта.рф",
			 "Cyrillic local part and domain");
	/* "+only": nothing before the first +, nothing dropped */
	email_ok("+only@example.pl", "+only@example.pl", "+only, other domain");
	email_ok("+only@gmail.com", "+only@gmail.com", "+only, Gmail");
	email_ok("+a.b@gmail.com", "+ab@gmail.com", "+only with dots, Gmail");
	email_ok("+a+b@example.pl", "+a+b@example.pl",
			 "first + starts the local part: nothing dropped");
	email_ok("a+@b.c", "a@b.c", "shortest tag");

	/* bad inputs */
	email_bad("", OC_IDKEY_BAD_INPUT, "empty input");
	email_bad_len(NULL, 0, OC_IDKEY_BAD_INPUT, "NULL input");
	email_bad("jan.kowalski", OC_IDKEY_BAD_INPUT, "no @");
	email_bad("@gmail.com", OC_IDKEY_BAD_INPUT, "empty local part");
	email_bad("jan@", OC_IDKEY_BAD_INPUT, "empty domain");
	email_bad("@", OC_IDKEY_BAD_INPUT, "only @");
	email_bad("a@b@gmail.com", OC_IDKEY_BAD_INPUT, "two @");
	email_bad("jan@@example.pl", OC_IDKEY_BAD_INPUT, "two @ in a row");
	email_bad(".@gmail.com", OC_IDKEY_BAD_INPUT, "Gmail local part of one dot");
	email_bad("..+x@googlemail.com", OC_IDKEY_BAD_INPUT,
			  "Gmail local part of dots before the tag");
	email_bad("jan\x01@example.pl", OC_IDKEY_BAD_INPUT, "C0 control");
	email_bad("jan@example.pl\x7F", OC_IDKEY_BAD_INPUT, "DEL");
	email_bad("jan\xC2\x85@example.pl", OC_IDKEY_BAD_INPUT, "C1 control (NEL)");
	email_bad_len("jan\0x@example.pl", 16, OC_IDKEY_BAD_INPUT, "NUL byte");
	email_bad("jan\xFF@example.pl", OC_IDKEY_BAD_ENCODING, "byte 0xFF");
	email_bad("jan@example.p\xC5", OC_IDKEY_BAD_ENCODING, "cut sequence");
	email_bad("\xC0\xAF@example.pl", OC_IDKEY_BAD_ENCODING, "overlong /");
	email_bad("\xED\xA0\x80@example.pl", OC_IDKEY_BAD_ENCODING, "surrogate");
	{
		static char in[OC_IDKEY_MAX_LEN + 2];
		char		out[OC_IDKEY_BUFSIZE];
		size_t		olen;
		oc_idkey_info info;

		memset(in, 'a', sizeof(in));
		memcpy(in + OC_IDKEY_MAX_LEN - 6, "@x.com", 6);
		CHECK(oc_email_provider_key(in, OC_IDKEY_MAX_LEN, out, sizeof(out),
									&olen, &info) == OC_IDKEY_OK &&
			  olen == OC_IDKEY_MAX_LEN,
			  "email of OC_IDKEY_MAX_LEN bytes accepted");
		memcpy(in + OC_IDKEY_MAX_LEN - 5, "@x.com", 6);
		email_bad_len(in, OC_IDKEY_MAX_LEN + 1, OC_IDKEY_BAD_INPUT,
					  "longer than OC_IDKEY_MAX_LEN bytes");
	}
	{
		char		out[OC_IDKEY_BUFSIZE];
		size_t		olen = 99;
		oc_idkey_info info;
		int			rc = oc_email_provider_key("jan\xFF@example.pl", 15, out,
											   sizeof(out), &olen, &info);

		CHECK(rc == OC_IDKEY_BAD_ENCODING && info.offset == 3 &&
			  strstr(info.detail, "0xFF") != NULL &&
			  strstr(info.detail, "offset 3") != NULL,
			  "email: bad byte offset and detail");
		printf("# detail: %s\n", info.detail);
	}
}

/* Keys of addresses as oc_cp_normalize stores them (after "email:"). */
static void
test_email_normalized(void)
{
	static const struct
	{
		const char *raw;
		const char *key;
	}			cases[] = {
		{"Jan.Kowalski+Sklep@GoogleMail.COM", "jankowalski@gmail.com"},
		{"JAN.KOWALSKI@gmail.com", "jankowalski@gmail.com"},
		{"ｊａｎ．ｋｏｗａｌｓｋｉ＠ｇｍａｉｌ．ｃｏｍ", "jankowalski@gmail.com"},
		{"Jan.Kowalski+Shop@Example.PL", "jan.kowalski@example.pl"},
		{"mailto:Ion.Popescu+crm@Yahoo.RO", "ion.popescu@yahoo.ro"},
		{"Jürgen.Weiß+x@GMX.de", "jürgen.weiss@gmx.de"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		cp[OC_CP_BUFSIZE];
		char		out[OC_IDKEY_BUFSIZE];
		char		name[300];
		size_t		cplen = 0;
		size_t		kindlen = 0;
		size_t		off = 0;
		size_t		olen;
		oc_cp_error err;
		int			rc;

		rc = oc_cp_normalize(cases[i].raw, strlen(cases[i].raw), cp,
							 sizeof(cp), &cplen, &err);
		if (rc != OC_CP_OK || oc_cp_split(cp, cplen, &kindlen, &off) != 0)
		{
			snprintf(name, sizeof(name), "normalize \"%s\": %.200s", cases[i].raw,
					 err.detail);
			CHECK(0, name);
			continue;
		}
		rc = oc_email_provider_key(cp + off, cplen - off, out, sizeof(out),
								   &olen, NULL);
		snprintf(name, sizeof(name), "key of normalized \"%s\" (%.200s)",
				 cases[i].raw, cp);
		CHECK_STR(rc == OC_IDKEY_OK ? out : oc_idkey_status_name(rc),
				  cases[i].key, name);
	}
}

/* Names: the languages and scripts of the customers. */
static void
test_names(void)
{
	char		a[OC_IDKEY_BUFSIZE];
	char		b[OC_IDKEY_BUFSIZE];

	/* Romanian: cedilla and comma-below, precomposed and decomposed */
	name_ok("Ştefan Ţurcanu", "ștefan țurcanu", "stefan turcanu",
			"Romanian, cedilla letters U+015F U+0163");
	name_ok("Ștefan Țurcanu", "ștefan țurcanu", "stefan turcanu",
			"Romanian, comma-below letters U+0219 U+021B");
	name_ok("ŞTEFAN ŢURCANU", "ștefan țurcanu", "stefan turcanu",
			"Romanian, upper-case cedilla U+015E U+0162");
	name_ok("ȘTEFAN ȚURCANU", "ștefan țurcanu", "stefan turcanu",
			"Romanian, upper-case comma-below U+0218 U+021A");
	name_ok("S\xCC\xA7tefan T\xCC\xA7urcanu", "ștefan țurcanu",
			"stefan turcanu", "Romanian, s/t + combining cedilla U+0327");
	name_ok("S\xCC\xA6tefan T\xCC\xA6urcanu", "ștefan țurcanu",
			"stefan turcanu", "Romanian, s/t + combining comma U+0326");
	name_ok("Mureşan Brâncuşi", "mureșan brâncuși", "muresan brancusi",
			"Romanian, â kept");
	name_ok("Ioniță Mădălina-Îoana", "ioniță mădălina îoana",
			"ionita madalina ioana", "Romanian, ă and î kept");
	name_ok("S\xCC\xA7\xCC\xA7", "\xC5\x9F\xCC\xA7", "s",
			"s + two cedillas: kept as \"ş\" + cedilla (normalized, stable)");
	name_ok("\xC8\x99\xCC\xA7", "\xC5\x9F\xCC\xA6", "s",
			"ș + cedilla: NFKC reorders to \"ş\" + comma, kept (fuzz find)");
	name_ok("Ş.", "ș", "s", "cedilla letter before a separator is mapped");
	CHECK_STR(key_of(oc_name_key, "Ţiţeica", a),
			  key_of(oc_name_key, "Țițeica", b),
			  "Romanian: Ţiţeica (cedilla) = Țițeica (comma)");
	/* Polish */
	name_ok("Łukasz Żółć", "łukasz żółć", "lukasz zolc", "Polish");
	name_ok("ŁUKASZ ŻÓŁĆ", "łukasz żółć", "lukasz zolc", "Polish, upper case");
	name_ok("Grzegorz Brzęczyszczykiewicz", "grzegorz brzęczyszczykiewicz",
			"grzegorz brzeczyszczykiewicz", "Polish, ę");
	/* Spanish */
	name_ok("Muñoz", "muñoz", "munoz", "Spanish ñ");
	name_ok("Mun\xCC\x83oz", "muñoz", "munoz", "Spanish, n + combining tilde");
	name_ok("José María Núñez-Peña", "josé maría núñez peña",
			"jose maria nunez pena", "Spanish, hyphenated surname");
	/* German */
	name_ok("Jürgen Weiß", "jürgen weiss", "jurgen weiss", "German ß folds to ss");
	name_ok("JÜRGEN WEISS", "jürgen weiss", "jurgen weiss",
			"German, upper case WEISS = Weiß");
	name_ok("Jürgen Weiẞ", "jürgen weiss", "jurgen weiss",
			"German, capital sharp s U+1E9E");
	/* Cyrillic: the name key keeps it, the translit key is ICU's */
	name_ok("Дмитрий Иванов", "дмитрий иванов", "dmitrij ivanov", "Russian");
	name_ok("ДМИТРИЙ ИВАНОВ", "дмитрий иванов", "dmitrij ivanov",
			"Russian, upper case");
	name_ok("Хмельницкий", "хмельницкий", "hmelnickij",
			"Russian soft sign: ICU's \"'\" dropped inside the word");
	name_ok("Съезжалов", "съезжалов", "sezzalov",
			"Russian hard sign: ICU's '\"' dropped inside the word");
	name_ok("Олександр Шевченко", "олександр шевченко", "oleksandr sevcenko",
			"Ukrainian");
	/* other scripts */
	name_ok("Αλέξανδρος Παπαδόπουλος", "αλέξανδροσ παπαδόπουλοσ",
			"alexandros papadopoulos", "Greek, final sigma folded");
	name_ok("王小明", "王小明", "wang xiao ming", "Chinese (Han-Latin)");
	name_ok("김민준", "김민준", "gimminjun", "Korean");
	name_ok("Çağrı Öztürk", "çağrı öztürk", "cagri ozturk", "Turkish");
	name_ok("Nguyễn Văn An", "nguyễn văn an", "nguyen van an", "Vietnamese");
	name_ok("Søren Ærø", "søren ærø", "soren aero", "Danish ø and æ");
	/* fullwidth (NFKC) */
	name_ok("Ｊｏｈｎ　Ｓｍｉｔｈ", "john smith", "john smith",
			"fullwidth letters and ideographic space");
	name_ok("Louis Ⅳ", "louis iv", "louis iv", "Roman numeral U+2163");
	name_ok("ﬁona", "fiona", "fiona", "ligature fi U+FB01");
	/* punctuation, symbols, white space */
	name_ok("O'Brien-Smith,  Ann", "o brien smith ann", "o brien smith ann",
			"punctuation and double space");
	name_ok("O’Brien", "o brien", "o brien", "right single quotation mark");
	name_ok("  Anne-Marie   (née Dupont)  ", "anne marie née dupont",
			"anne marie nee dupont", "parentheses, leading and trailing spaces");
	name_ok("Jan\tKowalski\r\n", "jan kowalski", "jan kowalski",
			"tab and line end");
	name_ok("Jan★Kowalski $ € + ©", "jan kowalski", "jan kowalski",
			"symbols So, Sc, Sm");
	name_ok("Dr. J. R. R. Tolkien", "dr j r r tolkien", "dr j r r tolkien",
			"initials");
	name_ok("Ann\xC2\xAD" "a", "anna", "anna", "soft hyphen ignored (NFKC_CF)");
	name_ok("Jan\xE2\x80\x83\xE2\x80\xA8Kowalski", "jan kowalski",
			"jan kowalski", "em space and line separator");
	name_ok_len("Jan\0Kowalski", 12, "jan kowalski", "jan kowalski",
				"NUL byte is a separator");
	name_ok("Agent 007", "agent 007", "agent 007", "digits kept");
	name_ok("", "", "", "empty name");
	name_ok(" -- ,. ★ ", "", "", "punctuation only: empty key");
	{
		char		out[OC_IDKEY_BUFSIZE];
		size_t		olen = 99;

		CHECK(oc_name_key(NULL, 0, out, sizeof(out), &olen, NULL) == OC_IDKEY_OK &&
			  olen == 0 && out[0] == '\0', "NULL name: empty key");
	}
}

/* The translit key makes different surnames collide; the name key not. */
static void
test_collisions(void)
{
	static const struct
	{
		const char *a;
		const char *b;
		const char *tkey;
		const char *why;
	}			pairs[] = {
		{"Сухов", "Шухов", "suhov", "Sukhov and Shukhov: с and ш"},
		{"Жуков", "Зуков", "zukov", "Zhukov and Zukov: ж and з"},
		{"Чернов", "Цернов", "cernov", "Chernov and Tsernov: ч and ц"},
		{"Ёлкин", "Елкин", "elkin", "Yolkin and Yelkin: ё and е"},
		{"Эрин", "Ерин", "erin", "Erin and Yerin: э and е"},
		{"Дарья", "Дара", "dara", "Darya and Dara: the soft sign is dropped"},
	};
	size_t		i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
	{
		char		ka[OC_IDKEY_BUFSIZE];
		char		kb[OC_IDKEY_BUFSIZE];
		char		ta[OC_IDKEY_BUFSIZE];
		char		tb[OC_IDKEY_BUFSIZE];
		char		name[300];

		key_of(oc_name_key, pairs[i].a, ka);
		key_of(oc_name_key, pairs[i].b, kb);
		key_of(oc_name_translit_key, pairs[i].a, ta);
		key_of(oc_name_translit_key, pairs[i].b, tb);
		snprintf(name, sizeof(name), "%s: name keys \"%.60s\" and \"%.60s\" differ",
				 pairs[i].why, ka, kb);
		CHECK(strcmp(ka, kb) != 0, name);
		snprintf(name, sizeof(name), "%s: translit key of %s", pairs[i].why,
				 pairs[i].a);
		CHECK_STR(ta, pairs[i].tkey, name);
		snprintf(name, sizeof(name), "%s: translit key of %s", pairs[i].why,
				 pairs[i].b);
		CHECK_STR(tb, pairs[i].tkey, name);
	}
	/* and the ones that must not meet in either key */
	{
		char		a[OC_IDKEY_BUFSIZE];
		char		b[OC_IDKEY_BUFSIZE];

		CHECK(strcmp(key_of(oc_name_translit_key, "Иванов", a),
					 key_of(oc_name_translit_key, "Иванова", b)) != 0,
			  "Ivanov and Ivanova differ in the translit key");
		CHECK(strcmp(key_of(oc_name_key, "Łukasz", a),
					 key_of(oc_name_key, "Lukasz", b)) != 0,
			  "name key: Łukasz and Lukasz differ (diacritics kept)");
		CHECK_STR(key_of(oc_name_translit_key, "Łukasz", a),
				  key_of(oc_name_translit_key, "Lukasz", b),
				  "translit key: Łukasz and Lukasz meet");
		CHECK_STR(key_of(oc_name_translit_key, "Дмитрий Иванов", a),
				  key_of(oc_name_translit_key, "Dmitrij Ivanov", b),
				  "translit key: Дмитрий Иванов meets Dmitrij Ivanov");
	}
}

/* Invalid UTF-8: BAD_ENCODING with offset and detail, both name keys. */
static void
test_bad_encoding(void)
{
	static const struct
	{
		const char *in;
		long		offset;
		const char *why;
	}			cases[] = {
		{"Jan \xFF", 4, "byte 0xFF"},
		{"Jan \xC5", 4, "sequence cut by the end"},
		{"\xC5" "a", 0, "lead byte without continuation"},
		{"\x80", 0, "lone continuation byte"},
		{"Jan \xC0\xAF", 4, "overlong encoding"},
		{"Jan \xED\xA0\x80", 4, "surrogate"},
		{"\xF4\x90\x80\x80", 0, "past U+10FFFF"},
		{"Łukasz \xE2\x82", 8, "three-byte sequence cut"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		key_fn		fns[2] = {oc_name_key, oc_name_translit_key};
		int			k;

		for (k = 0; k < 2; k++)
		{
			char		out[OC_IDKEY_BUFSIZE];
			size_t		olen = 99;
			oc_idkey_info info;
			char		name[300];
			int			rc;

			memset(out, 'x', sizeof(out));
			rc = fns[k] (cases[i].in, strlen(cases[i].in), out, sizeof(out),
						 &olen, &info);
			snprintf(name, sizeof(name), "%s key: %s -> BAD_ENCODING at %ld",
					 k ? "translit" : "name", cases[i].why, cases[i].offset);
			CHECK(rc == OC_IDKEY_BAD_ENCODING && info.offset == cases[i].offset &&
				  out[0] == '\0' && olen == 0 &&
				  strncmp(info.detail, "The name is not valid UTF-8: byte 0x", 36) == 0 &&
				  info.detail[strlen(info.detail) - 1] == '.', name);
			if (i == 0 && k == 0)
				printf("# detail: %s\n", info.detail);
		}
	}
}

/* Output buffers: too small, exact, NULL. */
static void
test_buffers(void)
{
	key_fn		fns[3] = {oc_email_provider_key, oc_name_key,
	oc_name_translit_key};
	const char *ins[3] = {"jan.kowalski@googlemail.com", "Muñoz", "Muñoz"};
	size_t		needs[3] = {22, 7, 6};	/* key bytes plus the NUL */
	int			k;

	for (k = 0; k < 3; k++)
	{
		char		out[OC_IDKEY_BUFSIZE];
		size_t		olen = 99;
		oc_idkey_info info;
		char		name[200];
		int			rc;

		memset(out, 'x', sizeof(out));
		rc = fns[k] (ins[k], strlen(ins[k]), out, needs[k] - 1, &olen, &info);
		snprintf(name, sizeof(name), "\"%s\": buffer of %zu bytes too small",
				 ins[k], needs[k] - 1);
		CHECK(rc == OC_IDKEY_BUFFER_TOO_SMALL && out[0] == '\0' && olen == 0 &&
			  strstr(info.detail, "The output buffer holds") == info.detail,
			  name);
		if (k == 1)
			printf("# detail: %s\n", info.detail);
		rc = fns[k] (ins[k], strlen(ins[k]), out, needs[k], &olen, &info);
		snprintf(name, sizeof(name), "\"%s\": buffer of %zu bytes is enough",
				 ins[k], needs[k]);
		CHECK(rc == OC_IDKEY_OK && olen == needs[k] - 1 &&
			  out[olen] == '\0' && info.detail[0] == '\0', name);
		rc = fns[k] (ins[k], strlen(ins[k]), NULL, 0, &olen, &info);
		snprintf(name, sizeof(name), "\"%s\": NULL buffer", ins[k]);
		CHECK(rc == OC_IDKEY_BUFFER_TOO_SMALL && olen == 0, name);
		rc = fns[k] (ins[k], strlen(ins[k]), out, sizeof(out), NULL, NULL);
		snprintf(name, sizeof(name), "\"%s\": outlen and info may be NULL",
				 ins[k]);
		CHECK(rc == OC_IDKEY_OK && strlen(out) == needs[k] - 1, name);
	}
}

/* Fill buf with n copies of piece then tail (NUL-terminated); the length. */
static size_t
repeat(char *buf, size_t cap, const char *piece, size_t n, const char *tail)
{
	size_t		pl = strlen(piece);
	size_t		o = 0;
	size_t		i;

	for (i = 0; i < n && o + pl < cap; i++)
	{
		memcpy(buf + o, piece, pl);
		o += pl;
	}
	if (o + strlen(tail) < cap)
	{
		memcpy(buf + o, tail, strlen(tail));
		o += strlen(tail);
	}
	buf[o] = '\0';
	return o;
}

/* Is s a well-formed key: no space at either end, none doubled? */
static int
well_spaced(const char *s, size_t n)
{
	return n == 0 || (s[0] != ' ' && s[n - 1] != ' ' && strstr(s, "  ") == NULL);
}

/* The input bound (bytes read) and the key bound (bytes written). */
static void
test_bounds(void)
{
	static char in[3 * OC_IDKEY_MAX_INPUT];
	char		out[OC_IDKEY_BUFSIZE];
	char		again[OC_IDKEY_BUFSIZE];
	size_t		olen;
	size_t		alen;
	size_t		n;
	oc_idkey_info info;
	int			rc;

	/* the 4096th byte is read, the 4097th not */
	n = repeat(in, sizeof(in), "-", OC_IDKEY_MAX_INPUT - 2, "ab");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && strcmp(out, "ab") == 0 && !info.truncated &&
		  info.bytes_read == OC_IDKEY_MAX_INPUT,
		  "4094 dashes + \"ab\": all 4096 bytes read, key \"ab\"");
	n = repeat(in, sizeof(in), "-", OC_IDKEY_MAX_INPUT - 1, "ab");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && strcmp(out, "a") == 0 && info.truncated &&
		  info.bytes_read == OC_IDKEY_MAX_INPUT,
		  "4095 dashes + \"ab\": cut after 4096 bytes, key \"a\"");
	/* a character across the bound is left out whole */
	n = repeat(in, sizeof(in), "-", OC_IDKEY_MAX_INPUT - 1, "\xC5\xBCx");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen == 0 && info.truncated &&
		  info.bytes_read == OC_IDKEY_MAX_INPUT - 1,
		  "4095 dashes + \"żx\": ż across the bound left out, empty key");
	n = repeat(in, sizeof(in), "-", OC_IDKEY_MAX_INPUT - 3, "\xE2\x80\x94" "ab");
	rc = run(oc_name_translit_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen == 0 && info.bytes_read == OC_IDKEY_MAX_INPUT,
		  "4093 dashes + em dash ends exactly at the bound");
	/* bytes after the bound are not read, even invalid ones */
	n = repeat(in, sizeof(in), "-", OC_IDKEY_MAX_INPUT, "\xFF");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && info.truncated,
		  "invalid byte after the bound is not read");
	n = repeat(in, sizeof(in), "-", 4000, "\xFF");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_BAD_ENCODING && info.offset == 4000,
		  "invalid byte before the bound is refused");
	/* key bound: 1024 bytes, no trailing space, its own key */
	n = repeat(in, sizeof(in), "Ab ", 3000, "");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen <= OC_IDKEY_MAX_LEN &&
		  olen >= OC_IDKEY_MAX_LEN - 2 && info.truncated &&
		  well_spaced(out, olen), "\"Ab \" x 3000: key cut at 1024 bytes");
	rc = run(oc_name_key, out, olen, again, &alen, &info);
	CHECK(rc == OC_IDKEY_OK && alen == olen && strcmp(again, out) == 0 &&
		  !info.truncated, "cut key is its own key");
	rc = run(oc_name_translit_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen <= OC_IDKEY_MAX_LEN && info.truncated &&
		  well_spaced(out, olen), "\"Ab \" x 3000: translit key bounded");
	/* two-byte letters: cut at a character */
	n = repeat(in, sizeof(in), "Ż", 2000, "");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen == OC_IDKEY_MAX_LEN &&
		  memcmp(out + olen - 2, "ż", 2) == 0 && info.truncated,
		  "\"Ż\" x 2000: 512 \"ż\"");
	rc = run(oc_name_translit_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen == OC_IDKEY_MAX_LEN / 2 &&
		  strspn(out, "z") == olen && info.truncated,
		  "\"Ż\" x 2000: translit key of 512 \"z\"");
	/* NFKC expansion: U+FDFA folds to 18 characters (33 bytes) */
	n = repeat(in, sizeof(in), "\xEF\xB7\xBA", 1000, "");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen <= OC_IDKEY_MAX_LEN &&
		  olen > OC_IDKEY_MAX_LEN - 40 && info.truncated &&
		  well_spaced(out, olen), "U+FDFA expansion cut at the key bound");
	rc = run(oc_name_key, out, olen, again, &alen, &info);
	CHECK(rc == OC_IDKEY_OK && alen == olen && strcmp(again, out) == 0,
		  "U+FDFA expansion: cut key is its own key");
	/* transliteration expands: 341 Han characters, one word of 1023 bytes */
	n = repeat(in, sizeof(in), "中", 341, "");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK_INT(olen, 1023, "341 Han characters: name key of 1023 bytes");
	CHECK(rc == OC_IDKEY_OK && !info.truncated,
		  "341 Han characters: name key not truncated");
	rc = run(oc_name_translit_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen <= OC_IDKEY_MAX_LEN &&
		  olen > OC_IDKEY_MAX_LEN - 8 && strncmp(out, "zhong zhong ", 12) == 0 &&
		  info.truncated && well_spaced(out, olen),
		  "341 Han characters: translit key cut at 1024 bytes");
	/* one base with hundreds of combining marks: the translit key drops them */
	n = repeat(in, sizeof(in), "", 0, "a");
	n += repeat(in + n, sizeof(in) - n, "\xCC\x81\xCC\xA3", 200, "");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && olen == n && !info.truncated,
		  "a + 400 combining marks: name key keeps them");
	rc = run(oc_name_translit_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && strcmp(out, "a") == 0,
		  "a + 400 combining marks: translit key \"a\"");
	/* a segment longer than the key bound is left out whole */
	n = repeat(in, sizeof(in), "", 0, "Jan a");
	n += repeat(in + n, sizeof(in) - n, "\xCC\x81\xCC\xA3", 1000, "");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && strcmp(out, "jan") == 0 && info.truncated,
		  "a + 2000 combining marks: the segment past the bound is dropped");
	rc = run(oc_name_translit_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && strcmp(out, "jan") == 0 && info.truncated,
		  "a + 2000 combining marks: translit key \"jan\"");
	/* white space collapses before the bound applies */
	n = repeat(in, sizeof(in), " ", 3000, "Jan Kowalski");
	rc = run(oc_name_key, in, n, out, &olen, &info);
	CHECK(rc == OC_IDKEY_OK && strcmp(out, "jan kowalski") == 0 &&
		  !info.truncated, "3000 spaces then a name");
}

/* The transliterator is cached; cleanup releases it and it comes back. */
static void
test_cache(void)
{
	char		a[OC_IDKEY_BUFSIZE];
	int			i;
	int			same = 1;

	for (i = 0; i < 200; i++)
		if (strcmp(key_of(oc_name_translit_key, "Дмитрий Иванов", a),
				   "dmitrij ivanov") != 0)
			same = 0;
	CHECK(same, "200 calls give the same translit key");
	oc_idkey_cleanup();
	oc_idkey_cleanup();
	CHECK_STR(key_of(oc_name_translit_key, "Łukasz Żółć", a), "lukasz zolc",
			  "translit key after cleanup (transliterator reopened)");
	CHECK_STR(oc_idkey_status_name(OC_IDKEY_BAD_ENCODING),
			  "OC_IDKEY_BAD_ENCODING", "status name");
	CHECK_STR(oc_idkey_status_name(42), "OC_IDKEY_UNKNOWN",
			  "unknown status name");
}

/* Run every group, then release ICU's caches for leak checkers. */
int
main(void)
{
	test_email();
	test_email_normalized();
	test_names();
	test_collisions();
	test_bad_encoding();
	test_buffers();
	test_bounds();
	test_cache();
	oc_idkey_cleanup();
	oc_cp_cleanup();
	u_cleanup();				/* let valgrind see ICU's caches freed */
	return unit_done();
}
