/*-------------------------------------------------------------------------
 *
 * test_phone.c
 *	  Unit tests of the libphonenumber shim (src/core/phone_shim.cpp) and of
 *	  the region-aware phone rules of the contact point core.
 *
 * National and international numbers of RO, PL, RU, ES, DE, GB and US; the
 * refusals (no region, unknown region, unknown country code, too short, too
 * long, local only, national but not valid); the "possible but not valid"
 * rule (accepted only in international form); the info record read by
 * omnichannel.phone_info(); buffer and argument edge cases.  Linked by
 * "make unit" with ASan/UBSan (the shim object is built with them too).
 *
 *-------------------------------------------------------------------------
 */
#include "core/contact_point.h"
#include "core/phone.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

/* Parse with the shim and check status and E.164 (or "" when refused). */
static void
shim(const char *text, const char *region, int status, const char *e164,
	 const char *name)
{
	char		out[OC_PHONE_E164_BUFSIZE];
	oc_phone_info info;
	char		label[256];
	int			rc = oc_phone_parse(text, region, out, sizeof(out), &info);

	snprintf(label, sizeof(label), "%s: status %s", name,
			 oc_phone_status_name(status));
	if (!CHECK_STR(oc_phone_status_name(rc), oc_phone_status_name(status), label))
		return;
	snprintf(label, sizeof(label), "%s: e164", name);
	CHECK_STR(out, e164, label);
	snprintf(label, sizeof(label), "%s: info.status", name);
	CHECK_INT(info.status, status, label);
	/* without info the shim skips the details, never the decision */
	snprintf(label, sizeof(label), "%s: same without info", name);
	rc = oc_phone_parse(text, region, out, sizeof(out), NULL);
	CHECK(rc == status && strcmp(out, e164) == 0, label);
}

/* Check info fields of one parse. */
static void
info_of(const char *text, const char *region, const char *type,
		const char *info_region, int cc, int valid, int possible,
		int international, const char *national, const char *intl,
		const char *name)
{
	char		out[OC_PHONE_E164_BUFSIZE];
	oc_phone_info info;
	char		label[256];

	oc_phone_parse(text, region, out, sizeof(out), &info);
	snprintf(label, sizeof(label), "%s: parsed", name);
	CHECK_INT(info.parsed, 1, label);
	snprintf(label, sizeof(label), "%s: type", name);
	CHECK_STR(oc_phone_type_name(info.type), type, label);
	snprintf(label, sizeof(label), "%s: region", name);
	CHECK_STR(info.region, info_region, label);
	snprintf(label, sizeof(label), "%s: country code", name);
	CHECK_INT(info.country_code, cc, label);
	snprintf(label, sizeof(label), "%s: valid", name);
	CHECK_INT(info.valid, valid, label);
	snprintf(label, sizeof(label), "%s: possible", name);
	CHECK_INT(info.possible, possible, label);
	snprintf(label, sizeof(label), "%s: international", name);
	CHECK_INT(info.international, international, label);
	snprintf(label, sizeof(label), "%s: national form", name);
	CHECK_STR(info.national_fmt, national, label);
	snprintf(label, sizeof(label), "%s: international form", name);
	CHECK_STR(info.international_fmt, intl, label);
}

/* Normalize a contact point with a region; expect a canonical value. */
static void
cp_ok(const char *in, const char *region, const char *expected,
	  const char *name)
{
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;
	int			rc = oc_cp_normalize_region(in, strlen(in), region, out,
											sizeof(out), &outlen, &err);

	if (!CHECK_STR(oc_cp_status_name(rc), "OC_CP_OK", name))
		printf("#   detail: %s\n", err.detail);
	else
		CHECK_STR(out, expected, name);
}

/* Normalize a contact point with a region; expect a status and a detail
 * containing the given words. */
static void
cp_bad(const char *in, const char *region, int status, const char *words,
	   const char *name)
{
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;
	char		label[256];
	int			rc = oc_cp_normalize_region(in, strlen(in), region, out,
											sizeof(out), &outlen, &err);

	CHECK_STR(oc_cp_status_name(rc), oc_cp_status_name(status), name);
	snprintf(label, sizeof(label), "%s: output empty", name);
	CHECK(out[0] == '\0' && outlen == 0, label);
	snprintf(label, sizeof(label), "%s: detail mentions \"%s\"", name, words);
	if (!CHECK(strstr(err.detail, words) != NULL, label))
		printf("#   detail: %s\n", err.detail);
}

/* National and international numbers of the seven test countries. */
static void
test_countries(void)
{
	/* Romania */
	shim("0721234567", "RO", OC_PHONE_OK, "+40721234567", "RO mobile national");
	shim("+40721234567", NULL, OC_PHONE_OK, "+40721234567", "RO mobile +40");
	shim("+400721234567", NULL, OC_PHONE_OK, "+40721234567",
		 "RO +40 with the trunk 0 kept: stripped");
	shim("0211234567", "RO", OC_PHONE_OK, "+40211234567", "RO Bucharest fixed");
	/* canonical input is read once; other "+" input is read back again */
	shim("+27101234567", NULL, OC_PHONE_OK, "+27101234567", "ZA canonical");
	shim("+270101234567", "RO", OC_PHONE_OK, "+27101234567",
		 "ZA trunk 0 after +27");
	shim("+2700101234567", NULL, OC_PHONE_NOT_CANONICAL, "",
		 "ZA two trunk zeros: no single E.164 form");
	shim("0800123456", "RO", OC_PHONE_OK, "+40800123456", "RO toll free");
	/* Poland: no trunk prefix */
	shim("123456789", "PL", OC_PHONE_OK, "+48123456789", "PL fixed national");
	shim("+48123456789", "", OC_PHONE_OK, "+48123456789", "PL fixed +48");
	shim("500000042", "PL", OC_PHONE_OK, "+48500000042", "PL mobile national");
	/* Russia: trunk prefix 8 */
	shim("84951234567", "RU", OC_PHONE_OK, "+74951234567", "RU Moscow with 8");
	shim("4951234567", "RU", OC_PHONE_OK, "+74951234567", "RU without 8");
	shim("89161234567", "RU", OC_PHONE_OK, "+79161234567", "RU mobile with 8");
	shim("+79161234567", NULL, OC_PHONE_OK, "+79161234567", "RU mobile +7");
	/* Spain: no trunk prefix */
	shim("912345678", "ES", OC_PHONE_OK, "+34912345678", "ES Madrid fixed");
	shim("612345678", "ES", OC_PHONE_OK, "+34612345678", "ES mobile");
	shim("+34612345678", NULL, OC_PHONE_OK, "+34612345678", "ES mobile +34");
	/* Germany: variable length */
	shim("0301234567", "DE", OC_PHONE_OK, "+49301234567", "DE Berlin 7 digits");
	shim("03012345678", "DE", OC_PHONE_OK, "+493012345678", "DE Berlin 8 digits");
	shim("015112345678", "DE", OC_PHONE_OK, "+4915112345678", "DE mobile");
	shim("+4915112345678", NULL, OC_PHONE_OK, "+4915112345678", "DE mobile +49");
	/* United Kingdom */
	shim("02079460958", "GB", OC_PHONE_OK, "+442079460958", "GB London");
	shim("07400123456", "GB", OC_PHONE_OK, "+447400123456", "GB mobile");
	shim("+447400123456", NULL, OC_PHONE_OK, "+447400123456", "GB mobile +44");
	/* United States: trunk prefix 1 */
	shim("2125550100", "US", OC_PHONE_OK, "+12125550100", "US 10 digits");
	shim("12125550100", "US", OC_PHONE_OK, "+12125550100", "US with 1");
	shim("+12125550100", NULL, OC_PHONE_OK, "+12125550100", "US +1");
	/* a valid number of the +1 plan outside US, read with region US */
	shim("4165550123", "US", OC_PHONE_OK, "+14165550123", "CA number, region US");
	/* small countries, non-geographic */
	shim("+6834002", NULL, OC_PHONE_OK, "+6834002", "Niue, 7 digits");
	shim("+80012345678", NULL, OC_PHONE_OK, "+80012345678", "+800 freephone");
}

/* Refusals and the possible-but-not-valid rule. */
static void
test_refusals(void)
{
	char		out[OC_PHONE_E164_BUFSIZE];
	char		small[8];
	char		big[OC_PHONE_MAX_INPUT + 8];

	shim("0721234567", NULL, OC_PHONE_NO_REGION, "", "national, no region");
	shim("0721234567", "", OC_PHONE_NO_REGION, "", "national, empty region");
	shim("0721234567", "XX", OC_PHONE_BAD_REGION, "", "region XX");
	shim("0721234567", "ro", OC_PHONE_BAD_REGION, "",
		 "lower-case region (callers upper-case)");
	shim("0721234567", "001", OC_PHONE_BAD_REGION, "", "region 001");
	shim("0721234567", "R", OC_PHONE_BAD_REGION, "", "one letter");
	shim("+99912345678", NULL, OC_PHONE_INVALID_COUNTRY_CODE, "", "+999");
	shim("+4812", NULL, OC_PHONE_TOO_SHORT, "", "+48 12: impossible");
	shim("+4850", "PL", OC_PHONE_TOO_SHORT, "", "+48 50 with region PL");
	shim("+48123456789012345", NULL, OC_PHONE_TOO_LONG, "", "+48, 15 digits NSN");
	shim("+749512345678", NULL, OC_PHONE_INVALID_LENGTH, "", "+7, 11 digits NSN");
	shim("+15550100", NULL, OC_PHONE_LOCAL_ONLY, "", "+1 without area code");
	shim("5550100", "US", OC_PHONE_LOCAL_ONLY, "", "US 7 digits");
	shim("0612345678", "ES", OC_PHONE_TOO_LONG, "", "ES has no trunk 0");
	shim("abc", "PL", OC_PHONE_NOT_A_NUMBER, "", "letters");
	shim("", "PL", OC_PHONE_NOT_A_NUMBER, "", "empty");
	shim("+48 12 345 67 89 ext. 5", NULL, OC_PHONE_EXTENSION, "",
		 "an extension is never dropped silently");

	/* "possible" (right length, range unknown to the metadata) */
	shim("072123", "RO", OC_PHONE_NATIONAL_NOT_VALID, "",
		 "RO 0721 23: national, not valid (would be +40072123)");
	shim("0123456789", "PL", OC_PHONE_NATIONAL_NOT_VALID, "",
		 "PL 0123456789: national, not valid");
	shim("+4812345678", NULL, OC_PHONE_OK, "+4812345678",
		 "PL 8-digit: possible, international: accepted");
	shim("+3912345678", NULL, OC_PHONE_OK, "+3912345678",
		 "IT possible, international: accepted");
	shim("+882345012345678", NULL, OC_PHONE_OK, "+882345012345678",
		 "+882 possible, international: accepted");

	/* arguments and buffers */
	CHECK_INT(oc_phone_parse(NULL, "PL", out, sizeof(out), NULL),
			  OC_PHONE_NOT_A_NUMBER, "NULL text");
	CHECK_INT(oc_phone_parse("+48123456789", NULL, out, sizeof(out), NULL),
			  OC_PHONE_OK, "info may be NULL");
	CHECK_STR(out, "+48123456789", "info NULL: E.164 written");
	CHECK_INT(oc_phone_parse("+48123456789", NULL, small, sizeof(small), NULL),
			  OC_PHONE_BUFFER_TOO_SMALL, "buffer too small");
	CHECK_STR(small, "", "buffer too small: empty output");
	CHECK_INT(oc_phone_parse("+48123456789", NULL, NULL, 0, NULL),
			  OC_PHONE_BUFFER_TOO_SMALL, "no buffer");
	memset(big, '1', sizeof(big) - 1);
	big[0] = '+';
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(oc_phone_parse(big, NULL, out, sizeof(out), NULL),
			  OC_PHONE_TOO_LONG, "input longer than OC_PHONE_MAX_INPUT");
	big[200] = '\0';
	CHECK_INT(oc_phone_parse(big, NULL, out, sizeof(out), NULL),
			  OC_PHONE_TOO_LONG, "200 digits");
}

/* The info record (what phone_info shows). */
static void
test_info(void)
{
	oc_phone_info info;
	char		out[OC_PHONE_E164_BUFSIZE];

	info_of("0721234567", "RO", "mobile", "RO", 40, 1, 1, 0,
			"0721 234 567", "+40 721 234 567", "RO mobile info");
	info_of("+48123456789", NULL, "fixed_line", "PL", 48, 1, 1, 1,
			"12 345 67 89", "+48 12 345 67 89", "PL fixed info");
	info_of("84951234567", "RU", "fixed_line", "RU", 7, 1, 1, 0,
			"8 (495) 123-45-67", "+7 495 123-45-67", "RU fixed info");
	info_of("2125550100", "US", "fixed_line_or_mobile", "US", 1, 1, 1, 0,
			"(212) 555-0100", "+1 212-555-0100", "US info");
	info_of("0800123456", "RO", "toll_free", "RO", 40, 1, 1, 0,
			"0800 123 456", "+40 800 123 456", "RO toll free info");
	info_of("+80012345678", NULL, "toll_free", "001", 800, 1, 1, 1,
			"1234 5678", "+800 1234 5678", "non-geographic region 001");
	info_of("+4812345678", NULL, "unknown", "PL", 48, 0, 1, 1,
			"12345678", "+48 12345678", "possible only: type unknown");

	oc_phone_parse("+4812", NULL, out, sizeof(out), &info);
	CHECK(info.parsed && !info.valid && !info.possible,
		  "impossible number: parsed, neither valid nor possible");
	CHECK_STR(info.e164, "+4812", "info.e164 is only a candidate");
	CHECK_STR(out, "", "refused: no E.164 output");
	oc_phone_parse("0721234567", NULL, out, sizeof(out), &info);
	CHECK(!info.parsed && info.status == OC_PHONE_NO_REGION,
		  "no region: not parsed");
	oc_phone_parse("+8834567", NULL, out, sizeof(out), &info);
	CHECK(info.status != OC_PHONE_OK, "+883 4567 refused");

	CHECK_STR(oc_phone_type_name(OC_PHONE_TYPE_FIXED_LINE), "fixed_line",
			  "type name first");
	CHECK_STR(oc_phone_type_name(OC_PHONE_TYPE_VOICEMAIL), "voicemail",
			  "type name voicemail");
	CHECK_STR(oc_phone_type_name(OC_PHONE_TYPE_UNKNOWN), "unknown",
			  "type name last");
	CHECK_STR(oc_phone_type_name(-1), "unknown", "type name below range");
	CHECK_STR(oc_phone_type_name(99), "unknown", "type name above range");
	CHECK_STR(oc_phone_status_name(OC_PHONE_INTERNAL), "OC_PHONE_INTERNAL",
			  "status name last");
	CHECK_STR(oc_phone_status_name(99), "OC_PHONE_?", "status name out of range");
}

/* Regions: the shim's check and the core's canonical form. */
static void
test_regions(void)
{
	char		canon[OC_CP_REGION_BUFSIZE];
	const char *good[] = {"RO", "PL", "RU", "ES", "DE", "GB", "US", "NU"};
	const char *badr[] = {"XX", "ZZ", "UK", "EU", "001", "R", "ROU", "", "r0"};
	size_t		i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(oc_phone_region_supported(good[i]), good[i]);
	for (i = 0; i < sizeof(badr) / sizeof(badr[0]); i++)
	{
		char		label[64];

		snprintf(label, sizeof(label), "region \"%s\" refused", badr[i]);
		CHECK(!oc_phone_region_supported(badr[i]), label);
	}
	CHECK(!oc_phone_region_supported(NULL), "NULL region refused");

	CHECK(oc_cp_region_canonical("ro", 2, canon), "ro accepted");
	CHECK_STR(canon, "RO", "ro upper-cased");
	CHECK(oc_cp_region_canonical("Pl", 2, canon), "Pl accepted");
	CHECK_STR(canon, "PL", "Pl upper-cased");
	CHECK(oc_cp_region_canonical("", 0, canon), "empty: no region");
	CHECK_STR(canon, "", "empty canonical");
	CHECK(oc_cp_region_canonical(NULL, 0, canon), "NULL: no region");
	CHECK(!oc_cp_region_canonical("xx", 2, canon), "xx refused");
	CHECK_STR(canon, "", "refused: empty canonical");
	CHECK(!oc_cp_region_canonical("RO ", 3, canon), "trailing space refused");
	CHECK(!oc_cp_region_canonical("\xC3\xA9\xC3\xA9", 4, canon), "non-ASCII refused");
	CHECK(!oc_cp_region_canonical("\xC3\xA9", 2, canon), "two bytes of UTF-8 refused");
}

/* The contact point core with a default region. */
static void
test_core(void)
{
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;
	oc_phone_info info;
	int			rc;

	cp_ok("0721 234 567", "RO", "tel:+40721234567", "RO bare national");
	cp_ok("0721 234 567", "ro", "tel:+40721234567", "region in lower case");
	cp_ok("whatsapp:0721-234-567", "RO", "whatsapp:+40721234567",
		  "whatsapp national");
	cp_ok("viber:(0721) 234 567", "RO", "viber:+40721234567", "viber national");
	cp_ok("signal:0721.234.567", "RO", "signal:+40721234567", "signal national");
	cp_ok("telegram:0721 234 567", "RO", "telegram:+40721234567",
		  "telegram national number");
	cp_ok("telegram:@Durov", "RO", "telegram:@durov",
		  "telegram handle unaffected by region");
	cp_ok("(12) 345-67-89", "PL", "tel:+48123456789", "PL bare national with ()");
	cp_ok("8 (495) 123-45-67", "RU", "tel:+74951234567", "RU 8 (495)");
	cp_ok("912 34 56 78", "ES", "tel:+34912345678", "ES");
	cp_ok("030 1234567", "DE", "tel:+49301234567", "DE");
	cp_ok("020 7946 0958", "GB", "tel:+442079460958", "GB");
	cp_ok("(212) 555-0100", "US", "tel:+12125550100", "US");
	cp_ok("０７２１ ２３４ ５６７", "RO", "tel:+40721234567",
		  "fullwidth national digits");
	cp_ok("+48 12 345 67 89", "RO", "tel:+48123456789",
		  "international wins over the region");
	cp_ok("0048 12 345 67 89", "US", "tel:+48123456789",
		  "00 is international whatever the region (US dials 011)");
	cp_ok("+40 0721 234 567", NULL, "tel:+40721234567",
		  "+40 with trunk 0: the 0 is dropped, not kept");
	cp_ok("+48 1234 5678", NULL, "tel:+4812345678",
		  "possible, international: accepted");
	cp_ok("jan@example.pl", "RO", "email:jan@example.pl",
		  "e-mail unaffected by region");

	cp_bad("0721 234 567", NULL, OC_CP_NATIONAL_PHONE, "no default region",
		   "national, no region");
	cp_bad("0721 234 567", "", OC_CP_NATIONAL_PHONE, "no default region",
		   "national, empty region");
	cp_bad("0721 23", "RO", OC_CP_BAD_PHONE, "not a valid number for region RO",
		   "0721 23 in RO: never +40072123");
	cp_bad("tel:0123456789", "PL", OC_CP_BAD_PHONE,
		   "not a valid number for region PL", "PL possible but national");
	cp_bad("+48 12", NULL, OC_CP_BAD_PHONE, "too short for country code +48",
		   "+48 12 impossible");
	cp_bad("+48 12", "PL", OC_CP_BAD_PHONE, "too short for country code +48",
		   "+48 12 impossible, region PL");
	cp_bad("+999 1234 5678", NULL, OC_CP_BAD_PHONE, "known country calling code",
		   "unknown country code");
	cp_bad("+1 555 0100", NULL, OC_CP_BAD_PHONE, "without its area code",
		   "+1 local only");
	cp_bad("12", "PL", OC_CP_BAD_PHONE, "for region PL", "PL 12");
	cp_bad("tel:0612345678", "ES", OC_CP_BAD_PHONE, "too long for region ES",
		   "ES with a trunk 0");
	cp_bad("1234567890123456789012", "PL", OC_CP_BAD_PHONE, "at most 20",
		   "22 national digits");
	cp_bad("0721 234 567", "XX", OC_CP_BAD_REGION, "\"XX\"", "region XX");
	cp_bad("jan@example.pl", "XX", OC_CP_BAD_REGION, "\"XX\"",
		   "region checked for any input");
	cp_bad("0721 234 567", "RO\xFF", OC_CP_BAD_REGION, "\\xFF",
		   "region with a bad byte is quoted safely");

	/* parts */
	rc = oc_cp_normalize_parts_region("wa", 2, "0721 234 567", 12, "RO",
									  out, sizeof(out), &outlen, &err);
	CHECK(rc == OC_CP_OK && strcmp(out, "whatsapp:+40721234567") == 0,
		  "parts with region");
	rc = oc_cp_normalize_parts_region("tel", 3, "0721 234 567", 12, NULL,
									  out, sizeof(out), &outlen, &err);
	CHECK_INT(rc, OC_CP_NATIONAL_PHONE, "parts without region");
	rc = oc_cp_normalize_parts_region("tel", 3, "0721 234 567", 12, "QQ",
									  out, sizeof(out), &outlen, &err);
	CHECK_INT(rc, OC_CP_BAD_REGION, "parts with a bad region");
	rc = oc_cp_normalize_parts("tel", 3, "+40 721 234 567", 15,
							   out, sizeof(out), &outlen, &err);
	CHECK(rc == OC_CP_OK && strcmp(out, "tel:+40721234567") == 0,
		  "old parts API: international");
	rc = oc_cp_normalize("0721 234 567", 12, out, sizeof(out), &outlen, &err);
	CHECK_INT(rc, OC_CP_NATIONAL_PHONE, "old API: no region");

	/* phone_info core */
	rc = oc_cp_phone_info("whatsapp:0721 234 567", 21, "RO", out, sizeof(out),
						  &outlen, &info, &err);
	CHECK(rc == OC_CP_OK && strcmp(out, "+40721234567") == 0 &&
		  info.type == OC_PHONE_TYPE_MOBILE && info.valid,
		  "phone_info after a kind prefix");
	rc = oc_cp_phone_info("0721 23", 7, "RO", out, sizeof(out), &outlen,
						  &info, &err);
	CHECK(rc == OC_CP_BAD_PHONE && info.status == OC_PHONE_NATIONAL_NOT_VALID &&
		  info.parsed && info.possible && !info.valid && out[0] == '\0',
		  "phone_info refused: status and info kept");
	rc = oc_cp_phone_info("0721 234 567", 12, "", out, sizeof(out), &outlen,
						  &info, &err);
	CHECK(rc == OC_CP_NATIONAL_PHONE && info.status == OC_PHONE_NO_REGION,
		  "phone_info no region");
	rc = oc_cp_phone_info("email:jan@example.pl", 20, "RO", out, sizeof(out),
						  &outlen, &info, &err);
	CHECK(rc == OC_CP_BAD_PHONE && info.status == 0 && !info.parsed,
		  "phone_info of an e-mail kind is an error");
	rc = oc_cp_phone_info("tel:12a", 7, "PL", out, sizeof(out), &outlen,
						  &info, &err);
	CHECK(rc == OC_CP_BAD_PHONE && info.status == -1,
		  "phone_info: letters refused before libphonenumber");
	rc = oc_cp_phone_info("+1234567890123456", 17, NULL, out, sizeof(out),
						  &outlen, &info, &err);
	CHECK(rc == OC_CP_BAD_PHONE && info.status == OC_PHONE_TOO_LONG,
		  "phone_info: 16 digits is too long");
	rc = oc_cp_phone_info("tel:", 4, NULL, out, sizeof(out), &outlen, &info,
						  &err);
	CHECK_INT(rc, OC_CP_EMPTY, "phone_info: empty after kind");
	rc = oc_cp_phone_info("", 0, NULL, out, sizeof(out), &outlen, &info, &err);
	CHECK_INT(rc, OC_CP_EMPTY, "phone_info: empty");
}

/* Idempotence: every accepted value normalizes to itself with any region. */
static void
test_idempotence(void)
{
	const char *in[] = {"0721 234 567", "(12) 345-67-89", "8 (495) 123-45-67",
		"912 34 56 78", "030 1234567", "020 7946 0958", "(212) 555-0100"};
	const char *reg[] = {"RO", "PL", "RU", "ES", "DE", "GB", "US"};
	const char *other[] = {"", "US", "RO"};
	size_t		i,
				j;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
	{
		char		out[OC_CP_BUFSIZE];
		char		again[OC_CP_BUFSIZE];
		size_t		outlen,
					againlen;
		oc_cp_error err;

		if (oc_cp_normalize_region(in[i], strlen(in[i]), reg[i], out,
								   sizeof(out), &outlen, &err) != OC_CP_OK)
		{
			CHECK(0, in[i]);
			continue;
		}
		for (j = 0; j < sizeof(other) / sizeof(other[0]); j++)
		{
			char		label[OC_CP_BUFSIZE + 64];

			snprintf(label, sizeof(label), "%s (%s) stable under region \"%s\"",
					 out, reg[i], other[j]);
			CHECK(oc_cp_normalize_region(out, outlen, other[j], again,
										 sizeof(again), &againlen, &err) == OC_CP_OK &&
				  strcmp(out, again) == 0, label);
		}
	}
}

/* Run every group and print the TAP plan. */
int
main(void)
{
	test_countries();
	test_refusals();
	test_info();
	test_regions();
	test_core();
	test_idempotence();
	oc_cp_cleanup();
	return unit_done();
}
