/*-------------------------------------------------------------------------
 *
 * test_contact_point.c
 *	  Unit tests of the server-free contact point normalizer.
 *
 * Covers every rule of docs/contact-points.md and every error class of
 * src/core/contact_point.h, with input in many languages and scripts.  Each
 * accepted input is also checked for idempotence (the canonical text
 * normalizes to itself), each rejected one for a well-formed detail (capital,
 * final period, no control bytes) and an empty output.  Built by "make unit"
 * with ASan/UBSan; run it under valgrind without them (see docs).
 *
 *-------------------------------------------------------------------------
 */
#include "core/contact_point.h"
#include "unit.h"

#include <stdlib.h>

#include <unicode/uclean.h>

/* Is a message a capitalized sentence ending with a period, no controls? */
static int
well_formed(const char *msg)
{
	size_t		n = strlen(msg);
	size_t		i;

	if (n < 2 || msg[n - 1] != '.' || !(msg[0] >= 'A' && msg[0] <= 'Z'))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char) msg[i] < 0x20 || msg[i] == 0x7F)
			return 0;
	return 1;
}

/* Normalize in (with explicit length) and expect the canonical text. */
static void
ok_len(const char *in, size_t len, const char *expected, const char *name)
{
	char		out[OC_CP_BUFSIZE];
	char		again[OC_CP_BUFSIZE];
	size_t		olen = 99;
	size_t		alen = 99;
	oc_cp_error err;
	char		label[600];
	int			rc = oc_cp_normalize(in, len, out, sizeof(out), &olen, &err);

	if (rc != OC_CP_OK)
		printf("# unexpected %s: %s\n", oc_cp_status_name(rc), err.detail);
	CHECK_STR(rc == OC_CP_OK ? out : oc_cp_status_name(rc), expected, name);
	if (rc != OC_CP_OK)
		return;
	snprintf(label, sizeof(label), "%s (length, idempotent)", name);
	rc = oc_cp_normalize(out, olen, again, sizeof(again), &alen, &err);
	CHECK(olen == strlen(out) && rc == OC_CP_OK && alen == olen &&
		  memcmp(out, again, olen) == 0, label);
}

/* Normalize a NUL-terminated input and expect the canonical text. */
static void
ok(const char *in, const char *expected, const char *name)
{
	ok_len(in, strlen(in), expected, name);
}

/* Normalize (explicit length) and expect a given failure status. */
static oc_cp_error last_err;

static void
bad_len(const char *in, size_t len, int status, const char *name)
{
	char		out[OC_CP_BUFSIZE];
	size_t		olen = 99;
	char		label[600];
	int			rc;

	memset(out, 'x', sizeof(out));
	rc = oc_cp_normalize(in, len, out, sizeof(out), &olen, &last_err);
	if (rc == OC_CP_OK)
		printf("# unexpectedly accepted as \"%s\"\n", out);
	CHECK_STR(oc_cp_status_name(rc), oc_cp_status_name(status), name);
	snprintf(label, sizeof(label), "%s (detail well formed, no output)", name);
	CHECK((int) last_err.status == rc && well_formed(last_err.detail) &&
		  (last_err.hint[0] == '\0' || well_formed(last_err.hint)) &&
		  out[0] == '\0' && olen == 0, label);
	if (!well_formed(last_err.detail))
		printf("# detail: %s\n", last_err.detail);
}

/* Normalize a NUL-terminated input and expect a given failure status. */
static void
bad(const char *in, int status, const char *name)
{
	bad_len(in, strlen(in), status, name);
}

/* Normalize two inputs and expect the same canonical text. */
static void
same(const char *a, const char *b, const char *name)
{
	char		oa[OC_CP_BUFSIZE];
	char		ob[OC_CP_BUFSIZE];
	size_t		la;
	size_t		lb;
	oc_cp_error err;
	int			ra = oc_cp_normalize(a, strlen(a), oa, sizeof(oa), &la, &err);
	int			rb = oc_cp_normalize(b, strlen(b), ob, sizeof(ob), &lb, &err);

	CHECK(ra == OC_CP_OK && rb == OC_CP_OK && strcmp(oa, ob) == 0, name);
}

/* Normalize two inputs and expect different canonical texts. */
static void
differ(const char *a, const char *b, const char *name)
{
	char		oa[OC_CP_BUFSIZE];
	char		ob[OC_CP_BUFSIZE];
	size_t		la;
	size_t		lb;
	oc_cp_error err;
	int			ra = oc_cp_normalize(a, strlen(a), oa, sizeof(oa), &la, &err);
	int			rb = oc_cp_normalize(b, strlen(b), ob, sizeof(ob), &lb, &err);

	CHECK(ra == OC_CP_OK && rb == OC_CP_OK && strcmp(oa, ob) != 0, name);
}

/* The two-part constructor: expect canonical text or a status. */
static void
parts(const char *kind, const char *value, const char *expected, int status,
	  const char *name)
{
	char		out[OC_CP_BUFSIZE];
	size_t		olen;
	oc_cp_error err;
	int			rc = oc_cp_normalize_parts(kind, strlen(kind), value,
										   strlen(value), out, sizeof(out),
										   &olen, &err);

	if (expected)
		CHECK_STR(rc == OC_CP_OK ? out : oc_cp_status_name(rc), expected, name);
	else
		CHECK_STR(oc_cp_status_name(rc), oc_cp_status_name(status), name);
}

/* A string of n copies of c, in a static buffer. */
static char *
rep(const char *prefix, char c, size_t n, const char *suffix)
{
	static char buf[200000];
	size_t		p = strlen(prefix);

	memcpy(buf, prefix, p);
	memset(buf + p, c, n);
	strcpy(buf + p + n, suffix);
	return buf;
}

static void
test_email(void)
{
	ok("Jan.Kowalski@Example.PL", "email:jan.kowalski@example.pl",
	   "bare e-mail, Polish, case folded");
	ok("email:jan.kowalski@example.pl", "email:jan.kowalski@example.pl",
	   "canonical e-mail");
	ok("mailto:Jan@Example.PL", "email:jan@example.pl", "mailto alias");
	ok("E-Mail:jan@example.pl", "email:jan@example.pl",
	   "alias e-mail, kind case-insensitive");
	ok("MAIL : jan@example.pl", "email:jan@example.pl",
	   "white space around kind and value");
	ok("jan@ŻÓŁW.pl", "email:jan@żółw.pl", "IDN domain, Polish upper case");
	ok("jan@xn--w-uga1v8h.pl", "email:jan@żółw.pl",
	   "A-label xn--w-uga1v8h (RFC 3492, checked with Python) is żółw");
	ok("jan@XN--W-UGA1V8H.PL", "email:jan@żółw.pl", "A-label upper case");
	same("jan@żółw.pl", "jan@xn--w-uga1v8h.pl", "U-label equals A-label");
	ok("jan@łódź.pl", "email:jan@łódź.pl", "Łódź domain");
	same("jan@łódź.pl", "jan@xn--d-uga0v4h.pl", "łódź = xn--d-uga0v4h");
	ok("Ștefan.Popescu@Exemplu.RO", "email:ștefan.popescu@exemplu.ro",
	   "Romanian ș (comma below) local part");
	ok("ŞTEFAN@exemplu.ro", "email:ştefan@exemplu.ro",
	   "Romanian ş (cedilla) kept distinct");
	differ("ștefan@exemplu.ro", "ştefan@exemplu.ro",
		   "ș (U+0219) and ş (U+015F) are different letters");
	ok("x@ş.ro", "email:x@ş.ro", "cedilla domain");
	same("x@ş.ro", "x@xn--nga.ro", "ş = xn--nga");
	same("x@ș.ro", "x@xn--yla.ro", "ș = xn--yla");
	ok("Иван.Петров@Пример.РФ", "email:иван.петров@пример.рф",
	   "Cyrillic local part and domain");
	same("иван@пример.рф", "иван@xn--e1afmkfd.xn--p1ai",
		 "пример.рф = xn--e1afmkfd.xn--p1ai");
	ok("NIÑO@España.ES", "email:niño@españa.es", "Spanish ñ");
	same("niño@españa.es", "niño@xn--espaa-rta.es", "españa = xn--espaa-rta");
	same("nin\xCC\x83o@example.es", "niño@example.es",
		 "decomposed n + U+0303 equals precomposed ñ (NFKC)");
	ok("Straße@Example.DE", "email:strasse@example.de",
	   "German ß folds to ss in the local part");
	same("STRASSE@example.de", "straße@example.de", "STRASSE = straße");
	ok("info@straße.de", "email:info@straße.de",
	   "ß kept in the domain (nontransitional)");
	same("info@straße.de", "info@xn--strae-oqa.de", "straße = xn--strae-oqa");
	differ("info@straße.de", "info@strasse.de",
		   "straße.de and strasse.de are different domains");
	ok("Müller@Bücher.example", "email:müller@bücher.example", "German ü");
	same("a@bücher.example", "a@xn--bcher-kva.example", "bücher = xn--bcher-kva");
	ok("张伟@例子.中国", "email:张伟@例子.中国", "Chinese local part and domain");
	same("张伟@例子.中国", "张伟@xn--fsqu00a.xn--fiqs8s",
		 "例子.中国 = xn--fsqu00a.xn--fiqs8s");
	ok("张伟@例子。中国", "email:张伟@例子.中国",
	   "ideographic full stop as label separator");
	ok("ΟΔΥΣΣΕΥΣ@example.gr", "email:οδυσσευσ@example.gr",
	   "Greek capital sigma case folds to σ");
	same("οδυσσευς@example.gr", "ΟΔΥΣΣΕΥΣ@example.gr",
		 "final sigma ς folds like Σ");
	ok("ｊａｎ＠ｅｘａｍｐｌｅ．ｐｌ", "email:jan@example.pl",
	   "fullwidth e-mail (NFKC)");
	ok("jan@example.pl.", "email:jan@example.pl", "trailing root dot removed");
	ok("jan+tag_1-x@example.pl", "email:jan+tag_1-x@example.pl",
	   "plus, underscore, hyphen in local part");
	ok("jan\xC2\xAD@example.pl", "email:jan@example.pl",
	   "soft hyphen removed by NFKC_Casefold");
	ok(rep("", 'a', 64, "@example.pl"),
	   "email:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.pl",
	   "local part of 64 octets");

	bad("email:not-an-address", OC_CP_BAD_EMAIL, "e-mail without @");
	bad("email:@example.pl", OC_CP_BAD_EMAIL_LOCAL, "empty local part");
	bad(rep("", 'a', 65, "@example.pl"), OC_CP_BAD_EMAIL_LOCAL,
		"local part of 65 octets");
	bad("email:jan kowalski@example.pl", OC_CP_BAD_EMAIL_LOCAL,
		"space in local part");
	bad("email:jan\xC2\xA0kowalski@example.pl", OC_CP_BAD_EMAIL_LOCAL,
		"NBSP in local part");
	bad("email:<jan>@example.pl", OC_CP_BAD_EMAIL_LOCAL, "< in local part");
	bad("email:jan(x)@example.pl", OC_CP_BAD_EMAIL_LOCAL, "( in local part");
	bad("email:\"jan\"@example.pl", OC_CP_BAD_EMAIL_LOCAL,
		"quoted local part");
	bad("email:jan,x@example.pl", OC_CP_BAD_EMAIL_LOCAL, ", in local part");
	bad("email:jan;x@example.pl", OC_CP_BAD_EMAIL_LOCAL, "; in local part");
	bad("email:jan\\x@example.pl", OC_CP_BAD_EMAIL_LOCAL, "\\ in local part");
	bad("email:jan[1]@example.pl", OC_CP_BAD_EMAIL_LOCAL, "[ in local part");
	bad("email:a@b@example.pl", OC_CP_BAD_EMAIL_LOCAL, "two @");
	bad("email:ｊａｎ＜@example.pl", OC_CP_BAD_EMAIL_LOCAL,
		"fullwidth < becomes < and is rejected");
	bad("email:.jan@example.pl", OC_CP_BAD_EMAIL_LOCAL, "leading dot");
	bad("email:jan.@example.pl", OC_CP_BAD_EMAIL_LOCAL, "trailing dot");
	bad("email:jan..k@example.pl", OC_CP_BAD_EMAIL_LOCAL, "double dot");
	bad("email:jan\xCD\xB8@example.pl", OC_CP_BAD_EMAIL_LOCAL,
		"unassigned U+0378 in local part");
	bad("email:jan@", OC_CP_BAD_EMAIL_DOMAIN, "empty domain");
	bad("email:jan@.", OC_CP_BAD_EMAIL_DOMAIN, "domain is a dot");
	bad("email:jan@localhost", OC_CP_BAD_EMAIL_DOMAIN, "one-label domain");
	bad("email:jan@example..pl", OC_CP_BAD_EMAIL_DOMAIN, "empty label");
	CHECK(strstr(last_err.detail, "UIDNA_ERROR_EMPTY_LABEL") != NULL,
		  "IDNA error names in the detail");
	bad("email:jan@example.pl..", OC_CP_BAD_EMAIL_DOMAIN,
		"two trailing dots");
	bad("email:jan@-example.pl", OC_CP_BAD_EMAIL_DOMAIN, "leading hyphen");
	CHECK(strstr(last_err.detail, "LEADING_HYPHEN") != NULL,
		  "LEADING_HYPHEN named");
	bad("email:jan@example-.pl", OC_CP_BAD_EMAIL_DOMAIN, "trailing hyphen");
	bad("email:jan@ex--ample.pl", OC_CP_BAD_EMAIL_DOMAIN, "hyphens in 3-4");
	bad("email:jan@exa_mple.pl", OC_CP_BAD_EMAIL_DOMAIN, "underscore (STD3)");
	bad("email:jan@exa mple.pl", OC_CP_BAD_EMAIL_DOMAIN, "space in domain");
	bad("email:jan@xn--abc.pl", OC_CP_BAD_EMAIL_DOMAIN, "bad punycode");
	bad("email:jan@xn--ls8h.xn--a.pl", OC_CP_BAD_EMAIL_DOMAIN,
		"invalid A-label");
	bad("email:jan@[192.168.0.1]", OC_CP_BAD_EMAIL_DOMAIN, "address literal");
	bad("email:jan@192.168.0.1", OC_CP_BAD_EMAIL_DOMAIN, "IPv4 domain");
	bad("email:jan@\xCC\x81x.pl", OC_CP_BAD_EMAIL_DOMAIN,
		"leading combining mark");
	bad("email:jan@a\xE2\x80\x8D.pl", OC_CP_BAD_EMAIL_DOMAIN,
		"ZWJ outside joining context (CONTEXTJ)");
	bad("email:jan@\xD7\x90" "a.pl", OC_CP_BAD_EMAIL_DOMAIN,
		"Hebrew + Latin in one label (BIDI)");
	bad(rep("email:jan@", 'a', 64, ".pl"), OC_CP_BAD_EMAIL_DOMAIN,
		"label of 64 octets");
	{
		/* 4 labels of 63 + 3 dots = 255 > 253 */
		char		buf[400];
		char		l63[64];

		memset(l63, 'a', 63);
		l63[63] = '\0';
		snprintf(buf, sizeof(buf), "jan@%s.%s.%s.%s", l63, l63, l63, l63);
		bad(buf, OC_CP_BAD_EMAIL_DOMAIN, "domain of 255 octets");
		snprintf(buf, sizeof(buf), "jan@%s.%s.%s.%.61s", l63, l63, l63, l63);
		{
			char		expected[420];

			snprintf(expected, sizeof(expected), "email:%s", buf);
			ok(buf, expected, "domain of 253 octets");
		}
	}
}

static void
test_phone(void)
{
	ok("+48 12 345 67 89", "tel:+48123456789", "bare international phone");
	ok("0048 12 345 67 89", "tel:+48123456789", "bare 00 prefix");
	ok("tel:+48123456789", "tel:+48123456789", "canonical tel");
	ok("phone:+48 (12) 345-67-89", "tel:+48123456789", "phone alias, ()-");
	ok("SMS:+48.12.345.67.89", "tel:+48123456789", "sms alias, dots");
	ok("tel:+48/12/345 67 89", "tel:+48123456789", "slashes");
	ok("tel:(+48) 12 345 67 89", "tel:+48123456789", "+ inside parens");
	ok("tel:+48\xC2\xA0" "12\xE2\x80\xAF" "345\xE2\x80\x89" "67\xE3\x80\x80" "89",
	   "tel:+48123456789", "NBSP, narrow NBSP, thin and ideographic spaces");
	ok("tel:+48\xE2\x80\x93" "12\xE2\x80\x91" "345 67 89", "tel:+48123456789",
	   "en dash and non-breaking hyphen");
	ok("tel:＋４８ １２ ３４５ ６７ ８９", "tel:+48123456789",
	   "fullwidth digits and plus (NFKC)");
	ok("＋４８１２３４５６７８９", "tel:+48123456789", "bare fullwidth phone");
	ok("tel:+٤٨١٢٣٤٥٦٧٨٩", "tel:+48123456789", "Arabic-Indic digits");
	ok("tel:+۴۸۱۲۳۴۵۶۷۸۹", "tel:+48123456789", "Persian digits");
	ok("tel:+४८१२३४५६७८९", "tel:+48123456789", "Devanagari digits");
	ok("whatsapp:+40 721 234 567", "whatsapp:+40721234567", "whatsapp");
	ok("WA:0040721234567", "whatsapp:+40721234567", "wa alias, 00");
	ok("viber:+380 44 123 4567", "viber:+380441234567", "viber, Ukraine");
	ok("signal:+1 (212) 555-0100", "signal:+12125550100", "signal, US");
	ok("telegram:+7 495 123-45-67", "telegram:+74951234567", "telegram phone");
	ok("tel:+683 4002", "tel:+6834002", "7 digits (Niue), valid");
	ok("tel:+883 510 012 345 678", "tel:+883510012345678",
	   "15 digits (international network)");
	bad("tel:+1 234 567 8", OC_CP_BAD_PHONE,
		"8 digits, +1 without an area code");
	bad("tel:+123 456 789 012 345", OC_CP_BAD_PHONE, "15 digits, too long for +1");
	same("+48 12 345 67 89", "tel:0048123456789", "+ and 00 are equal");
	differ("tel:+48123456789", "whatsapp:+48123456789",
		   "tel and whatsapp differ");

	bad("tel:12", OC_CP_NATIONAL_PHONE, "tel:12");
	bad("tel:0721 234 567", OC_CP_NATIONAL_PHONE, "national number");
	CHECK(strstr(last_err.hint, "international form") != NULL &&
		  strstr(last_err.hint, "country code") != NULL,
		  "national hint says international form and country code");
	bad("0721 234 567", OC_CP_NATIONAL_PHONE, "bare national number");
	bad("tel:+12", OC_CP_BAD_PHONE, "too few digits");
	bad("tel:+1 234 567", OC_CP_BAD_PHONE, "7 digits");
	bad("tel:+1234 5678 9012 3456", OC_CP_BAD_PHONE, "16 digits");
	bad(rep("tel:+", '1', 300, ""), OC_CP_BAD_PHONE, "300 digits");
	bad("tel:+0123456789", OC_CP_BAD_PHONE, "country code 0");
	bad("tel:00 0123456789", OC_CP_BAD_PHONE, "00 then 0");
	bad("tel:+", OC_CP_BAD_PHONE, "only +");
	bad("tel:()", OC_CP_BAD_PHONE, "only separators");
	bad("tel:+48 12 345 67 8x", OC_CP_BAD_PHONE, "letter");
	CHECK(strstr(last_err.detail, "\"x\" (U+0078)") != NULL,
		  "letter named in the detail");
	bad("tel:+48 12 345 67 89;ext=5", OC_CP_BAD_PHONE, "parameters");
	bad("tel:+48 12 + 345 67 89", OC_CP_BAD_PHONE, "+ in the middle");
	bad("tel:++48123456789", OC_CP_BAD_PHONE, "two +");
	bad("tel:+48 12 345 67 89 ½", OC_CP_BAD_PHONE, "vulgar fraction");
	bad("whatsapp:jan", OC_CP_BAD_PHONE, "whatsapp letters");
}

static void
test_handles(void)
{
	ok("twitter:@Handle", "twitter:@handle", "twitter @-handle folded");
	ok("twitter:Handle", "twitter:@handle", "twitter handle without @");
	ok("X:@Jan_Kowalski", "twitter:@jan_kowalski", "x alias");
	ok("twitter:＠ＪＡＮ", "twitter:@jan", "fullwidth @ and letters");
	ok("instagram:@Jan.Kowalski", "instagram:@jan.kowalski", "instagram dot");
	ok("IG:jan", "instagram:@jan", "ig alias");
	ok("tiktok:@Ñandú", "tiktok:@ñandú", "Spanish tiktok");
	ok("threads:@Łukasz", "threads:@łukasz", "Polish threads");
	ok("telegram:@Иван_Петров", "telegram:@иван_петров", "Cyrillic telegram");
	ok("tg:durov", "telegram:@durov", "tg alias, handle without @");
	ok("twitter:@Straße", "twitter:@strasse", "ß folds to ss in handles");
	ok("twitter:@张伟", "twitter:@张伟", "Chinese handle");
	ok("twitter:@ｈａｎｄｌｅ１２３", "twitter:@handle123", "fullwidth handle");
	ok("facebook:1234", "facebook:1234", "facebook numeric id");
	ok("FB:Jan.Kowalski", "facebook:jan.kowalski", "fb alias, folded");
	ok("messenger:Jan.Kowalski.5", "messenger:jan.kowalski.5", "messenger");
	ok("linkedin:in/Jan-Kowalski", "linkedin:in/jan-kowalski", "linkedin path");
	ok("skype:live:.cid.ABC123", "skype:live:.cid.abc123",
	   "skype id with colon");
	ok("wechat:WXID_Ab12", "wechat:wxid_ab12", "wechat");
	ok("line:@Shop", "line:@shop", "line keeps its @");
	ok("youtube:@Kanal", "youtube:@kanal", "youtube");
	ok("yt:UCxyz", "youtube:ucxyz", "yt alias");
	ok("facebook:Śliwka", "facebook:śliwka", "Polish facebook");

	bad("twitter:@", OC_CP_BAD_HANDLE, "empty @-handle");
	bad("twitter:@@jan", OC_CP_BAD_HANDLE, "two leading @");
	bad("twitter:jan kowalski", OC_CP_BAD_HANDLE, "space in handle");
	bad("twitter:jan#1", OC_CP_BAD_HANDLE, "# in @-handle");
	bad("instagram:jan@x", OC_CP_BAD_HANDLE, "@ inside @-handle");
	bad("tiktok:jan!", OC_CP_BAD_HANDLE, "! in @-handle");
	bad("telegram:@", OC_CP_BAD_HANDLE, "empty telegram handle");
	bad("telegram:@jan/x", OC_CP_BAD_HANDLE, "/ in telegram handle");
	bad("telegram:0721 234 567", OC_CP_NATIONAL_PHONE,
		"telegram national phone");
	bad("facebook:jan kowalski", OC_CP_BAD_HANDLE, "space in handle");
	bad("facebook:a<b", OC_CP_BAD_HANDLE, "< in handle");
	bad("facebook:\xCD\xB8", OC_CP_BAD_HANDLE, "unassigned in handle");
	bad("facebook:\xE2\x80\x8B", OC_CP_BAD_HANDLE,
		"handle of only a zero-width space (removed by NFKC_Casefold)");
}

static void
test_opaque(void)
{
	ok("crm:ACME-42", "crm:ACME-42", "crm keeps case");
	ok("CRM:  ACME-42  ", "crm:ACME-42", "crm trimmed");
	differ("crm:ACME-42", "crm:acme-42", "crm is case-sensitive");
	ok("crm:ACME:42", "crm:ACME:42", "colon inside an id");
	ok("web:3f2a9c1e-visitor", "web:3f2a9c1e-visitor", "web id");
	ok("web:<visitor 1>", "web:<visitor 1>", "web id with <> and space");
	ok("ivr:Session 7", "ivr:Session 7", "ivr");
	ok("crm:Ko\xCC\x88ln", "crm:Köln", "NFC composes o + U+0308");
	ok("crm:ＡＢＣ", "crm:ＡＢＣ", "fullwidth kept (NFC, not NFKC)");
	ok(rep("crm:", 'A', 1020, ""), rep("crm:", 'A', 1020, ""),
	   "1024-byte input");
	bad("crm:\xCD\xB8", OC_CP_BAD_ID, "unassigned in id");
}

static void
test_general(void)
{
	ok("\xC2\xA0 jan@example.pl\xE3\x80\x80", "email:jan@example.pl",
	   "NBSP and ideographic space trimmed");
	ok("\xE2\x80\x83tel:+48123456789 ", "tel:+48123456789", "em space trimmed");
	bad("", OC_CP_EMPTY, "empty input");
	bad("   ", OC_CP_EMPTY, "spaces only");
	bad("\xE3\x80\x80\xC2\xA0", OC_CP_EMPTY, "Unicode spaces only");
	bad("email:", OC_CP_EMPTY, "empty value");
	bad("tel:   ", OC_CP_EMPTY, "blank value");
	bad("foo:bar", OC_CP_UNKNOWN_KIND, "unknown kind");
	CHECK(strstr(last_err.detail, "\"foo\"") != NULL,
		  "unknown kind named in the detail");
	CHECK(strstr(last_err.hint, "whatsapp") != NULL, "hint lists kinds");
	bad("Gopher:x", OC_CP_UNKNOWN_KIND, "unknown kind, capitalized");
	bad("hello", OC_CP_NO_KIND, "plain word");
	bad("@handle", OC_CP_NO_KIND, "bare @-handle");
	bad("ünknown:x", OC_CP_NO_KIND, "non-ASCII kind");
	bad(rep("", 'a', 1025, ""), OC_CP_TOO_LONG, "1025 bytes");
	bad(rep("", 'a', 100000, ""), OC_CP_TOO_LONG, "100 kB");
	{
		/* U+FDFA expands to 18 characters under NFKC */
		char		buf[400];
		int			i;

		strcpy(buf, "facebook:");
		for (i = 0; i < 60; i++)
			strcat(buf, "\xEF\xB7\xBA");
		bad(buf, OC_CP_TOO_LONG, "too long after NFKC expansion");
	}
	bad("jan\x01@example.com", OC_CP_CONTROL_CHAR, "C0 control");
	CHECK_INT(last_err.offset, 3, "control char offset");
	CHECK(strstr(last_err.detail, "byte offset 3") != NULL &&
		  strstr(last_err.detail, "U+0001") != NULL,
		  "control char detail says where");
	bad("jan@example.com\x7F", OC_CP_CONTROL_CHAR, "DEL");
	bad("jan\xC2\x85@example.com", OC_CP_CONTROL_CHAR, "C1 NEL");
	bad("\tjan@example.com", OC_CP_CONTROL_CHAR, "leading tab");
	bad("jan@example.com\n", OC_CP_CONTROL_CHAR, "trailing newline");
	bad_len("jan\0@example.com", 16, OC_CP_CONTROL_CHAR, "NUL byte");
	bad("jan\xC3\x28@example.com", OC_CP_BAD_ENCODING, "bad continuation");
	CHECK_INT(last_err.offset, 3, "bad UTF-8 offset");
	bad("\xC0\xAF", OC_CP_BAD_ENCODING, "overlong");
	bad("crm:\xED\xA0\x80", OC_CP_BAD_ENCODING, "surrogate");
	bad("crm:\xF4\x90\x80\x80", OC_CP_BAD_ENCODING, "above U+10FFFF");
	bad("crm:\xE2\x82", OC_CP_BAD_ENCODING, "truncated sequence");
	bad("crm:\xFF", OC_CP_BAD_ENCODING, "0xFF byte");
}

static void
test_parts_and_helpers(void)
{
	char		out[OC_CP_BUFSIZE];
	char		q[OC_CP_QUOTE_BUFSIZE];
	size_t		olen = 7;
	size_t		kl = 0;
	size_t		vo = 0;
	oc_cp_error err;
	oc_cp_class cls;
	int			rc;

	parts("Email", " Jan@Example.PL ", "email:jan@example.pl", 0,
		  "constructor e-mail");
	parts("x", "Handle", "twitter:@handle", 0, "constructor alias");
	parts("tel", "+48 12 345 67 89", "tel:+48123456789", 0,
		  "constructor phone");
	parts("crm", "A:B", "crm:A:B", 0, "constructor id with colon");
	parts("foo", "bar", NULL, OC_CP_UNKNOWN_KIND, "constructor unknown kind");
	parts("e mail", "x@y.pl", NULL, OC_CP_UNKNOWN_KIND,
		  "constructor kind with space");
	parts("", "x@y.pl", NULL, OC_CP_EMPTY, "constructor empty kind");
	parts("tel", "", NULL, OC_CP_EMPTY, "constructor empty value");
	parts("email", "mailto:jan@x.pl", NULL, OC_CP_BAD_EMAIL_LOCAL,
		  "constructor does not strip a second kind");
	parts("email", "jan\x02@x.pl", NULL, OC_CP_CONTROL_CHAR,
		  "constructor control char");
	parts("crm", rep("", 'a', 2000, ""), NULL, OC_CP_TOO_LONG,
		  "constructor too long");

	CHECK(oc_cp_split("email:jan@x.pl", 14, &kl, &vo) == 0 && kl == 5 &&
		  vo == 6, "split e-mail");
	CHECK(oc_cp_split("crm:A:B", 7, &kl, &vo) == 0 && kl == 3 && vo == 4,
		  "split at first colon");
	CHECK(oc_cp_split("nocolon", 7, &kl, &vo) == -1, "split without colon");

	CHECK_STR(oc_cp_kind_lookup("MAILTO", 6, &cls), "email", "lookup alias");
	CHECK(cls == OC_CP_CLASS_EMAIL, "lookup class");
	CHECK(oc_cp_kind_lookup("telegram", 8, &cls) != NULL &&
		  cls == OC_CP_CLASS_PHONE_OR_AT, "telegram class");
	CHECK(oc_cp_kind_lookup("nope", 4, NULL) == NULL, "lookup unknown");

	CHECK(strncmp(oc_cp_version(), "icu-", 4) == 0 &&
		  strstr(oc_cp_version(), "/unicode-") != NULL,
		  "version string icu-X/unicode-Y");
	printf("# normalizer version %s\n", oc_cp_version());

	oc_cp_quote(rep("", 'a', 100, ""), 100, q, sizeof(q));
	CHECK_STR(q, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...",
			  "quote truncates to 60 chars");
	oc_cp_quote("ab", 2, q, sizeof(q));
	CHECK_STR(q, "ab", "quote short input unchanged");
	oc_cp_quote("a\x01" "b\xC2\x85" "c\xFF", 7, q, sizeof(q));
	CHECK_STR(q, "a\\x01b\\u0085c\\xFF", "quote escapes controls and bad bytes");
	{
		char		in[400] = "";
		int			i;

		for (i = 0; i < 70; i++)
			strcat(in, "ż");
		oc_cp_quote(in, strlen(in), q, sizeof(q));
		CHECK(strlen(q) == 60 * 2 + 3 && strcmp(q + 120, "...") == 0,
			  "quote cuts on a UTF-8 boundary");
	}

	rc = oc_cp_normalize("jan@example.pl", 14, out, 5, &olen, &err);
	CHECK(rc == OC_CP_BUFFER_TOO_SMALL && out[0] == '\0' && olen == 0,
		  "small output buffer refused, nothing stored");
	rc = oc_cp_normalize("jan@example.pl", 14, out, 21, &olen, &err);
	CHECK(rc == OC_CP_OK && olen == 20, "exact output buffer suffices");
	CHECK_STR(oc_cp_status_name(OC_CP_INTERNAL), "OC_CP_INTERNAL",
			  "status names");
	CHECK_STR(oc_cp_status_name(99), "OC_CP_?", "unknown status name");
}

int
main(void)
{
	test_email();
	test_phone();
	test_handles();
	test_opaque();
	test_general();
	test_parts_and_helpers();
	oc_cp_cleanup();
	u_cleanup();				/* let valgrind see ICU's caches freed */
	return unit_done();
}
