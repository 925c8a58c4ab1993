/*-------------------------------------------------------------------------
 *
 * phone_shim.cpp
 *	  The extern "C" shim over libphonenumber (i18n::phonenumbers).
 *
 * The only C++ file of the project.  It parses, validates, classifies and
 * formats phone numbers with PhoneNumberUtil and reports the result through
 * the plain C interface of phone.h.  Rules of this file:
 *	  - every entry point runs its whole body inside try { } catch (...) and
 *		turns any exception into OC_PHONE_INTERNAL: C++ never throws into C;
 *	  - no PostgreSQL header, no callback into C code that could ereport: a
 *		longjmp never crosses these frames (it would skip destructors);
 *	  - entry points are noinline, so that PostgreSQL's LLVM JIT, which may
 *		inline functions from the installed bitcode, always calls the native
 *		code instead of inlining C++ exception-handling code into JIT'd
 *		expressions (llvmjit_inline.cpp skips noinline functions);
 *	  - libphonenumber's logger is replaced by a NullLogger, so nothing is
 *		written to the server's stderr.
 * PhoneNumberUtil is a process-wide singleton created on first use; it owns
 * its metadata for the life of the process (as libphonenumber intends).
 *
 *-------------------------------------------------------------------------
 */
#include "core/phone.h"

#include <cstring>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

#if defined(__GNUC__) || defined(__clang__)
#define OC_NOINLINE __attribute__((noinline))
#else
#define OC_NOINLINE
#endif

namespace
{

/* The PhoneNumberUtil singleton, with its logger silenced on first use. */
const PhoneNumberUtil *
util()
{
	static PhoneNumberUtil *u = NULL;

	if (u == NULL)
	{
		PhoneNumberUtil *p = PhoneNumberUtil::GetInstance();

		p->SetLogger(new NullLogger());	/* takes ownership */
		u = p;
	}
	return u;
}

/* Copy s into a C buffer; false if it does not fit. */
bool
copy_out(const std::string &s, char *out, size_t cap)
{
	if (out == NULL || cap == 0 || s.size() + 1 > cap)
		return false;
	std::memcpy(out, s.data(), s.size());
	out[s.size()] = '\0';
	return true;
}

/* Is region two upper-case ASCII letters? */
bool
two_letters(const char *region)
{
	return region != NULL &&
		region[0] >= 'A' && region[0] <= 'Z' &&
		region[1] >= 'A' && region[1] <= 'Z' && region[2] == '\0';
}

/* Map a failed IsPossibleNumberWithReason result to a status. */
int
possibility_status(PhoneNumberUtil::ValidationResult r)
{
	switch (r)
	{
		case PhoneNumberUtil::IS_POSSIBLE:
			return OC_PHONE_OK;
		case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
			return OC_PHONE_LOCAL_ONLY;
		case PhoneNumberUtil::INVALID_COUNTRY_CODE:
			return OC_PHONE_INVALID_COUNTRY_CODE;
		case PhoneNumberUtil::TOO_SHORT:
			return OC_PHONE_TOO_SHORT;
		case PhoneNumberUtil::TOO_LONG:
			return OC_PHONE_TOO_LONG;
		case PhoneNumberUtil::INVALID_LENGTH:
			return OC_PHONE_INVALID_LENGTH;
	}
	return OC_PHONE_INVALID_LENGTH;
}

/* Map a parse error to a status. */
int
parse_status(PhoneNumberUtil::ErrorType e, bool have_region, bool plus)
{
	switch (e)
	{
		case PhoneNumberUtil::NO_PARSING_ERROR:
			return OC_PHONE_OK;
		case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
			/* without "+" and without a region there is nothing to go on */
			return (!have_region && !plus) ? OC_PHONE_NO_REGION
				: OC_PHONE_INVALID_COUNTRY_CODE;
		case PhoneNumberUtil::NOT_A_NUMBER:
			return OC_PHONE_NOT_A_NUMBER;
		case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
		case PhoneNumberUtil::TOO_SHORT_NSN:
			return OC_PHONE_TOO_SHORT;
		case PhoneNumberUtil::TOO_LONG_NSN:
			return OC_PHONE_TOO_LONG;
	}
	return OC_PHONE_NOT_A_NUMBER;
}

/* Count the digits of an E.164 string (after the "+"). */
size_t
e164_digits(const std::string &e164)
{
	size_t		n = 0;

	for (char c : e164)
		if (c >= '0' && c <= '9')
			n++;
	return n;
}

/* The body of oc_phone_parse; may throw (the caller catches). */
int
parse(const char *text, const char *region, char *e164_out, size_t cap,
	  oc_phone_info *info)
{
	const PhoneNumberUtil *pu = util();
	bool		have_region = region != NULL && region[0] != '\0';
	size_t		len = std::strlen(text);
	const char *p = text;
	PhoneNumber number;
	std::string e164;
	int			rc;

	if (have_region && !two_letters(region))
		return OC_PHONE_BAD_REGION;
	if (have_region && pu->GetCountryCodeForRegion(region) == 0)
		return OC_PHONE_BAD_REGION;
	if (len > OC_PHONE_MAX_INPUT)
		return OC_PHONE_TOO_LONG;
	while (*p == ' ')
		p++;

	rc = parse_status(pu->ParseAndKeepRawInput(std::string(text, len),
											   have_region ? region : "ZZ",
											   &number),
					  have_region, *p == '+');
	if (rc != OC_PHONE_OK)
		return rc;

	PhoneNumber::CountryCodeSource src = number.country_code_source();
	bool		international =
		src == PhoneNumber::FROM_NUMBER_WITH_PLUS_SIGN ||
		src == PhoneNumber::FROM_NUMBER_WITH_IDD;
	PhoneNumberUtil::ValidationResult why =
		pu->IsPossibleNumberWithReason(number);

	/*
	 * International input of a possible length is accepted whether it is
	 * valid or not (below), so IsValidNumber, which tries the patterns of
	 * every number type, runs only where it decides or is asked for.
	 */
	bool		valid = (info != NULL || !international ||
						 why != PhoneNumberUtil::IS_POSSIBLE) &&
		pu->IsValidNumber(number);

	pu->Format(number, PhoneNumberUtil::E164, &e164);
	/* the details cost as much as the parse: only for a caller asking */
	if (info != NULL)
	{
		std::string s;

		info->parsed = 1;
		info->international = international ? 1 : 0;
		info->country_code = number.country_code();
		info->valid = valid ? 1 : 0;
		info->possible = why == PhoneNumberUtil::IS_POSSIBLE ? 1 : 0;
		info->type = valid ? (oc_phone_type) pu->GetNumberType(number)
			: OC_PHONE_TYPE_UNKNOWN;
		pu->GetRegionCodeForNumber(number, &s);
		if (s == "ZZ" || !copy_out(s, info->region, sizeof(info->region)))
			info->region[0] = '\0';
		if (!copy_out(e164, info->e164, sizeof(info->e164)))
			info->e164[0] = '\0';
		s.clear();
		pu->Format(number, PhoneNumberUtil::NATIONAL, &s);
		if (!copy_out(s, info->national_fmt, sizeof(info->national_fmt)))
			info->national_fmt[0] = '\0';
		s.clear();
		pu->Format(number, PhoneNumberUtil::INTERNATIONAL, &s);
		if (!copy_out(s, info->international_fmt,
					  sizeof(info->international_fmt)))
			info->international_fmt[0] = '\0';
	}

	if (number.has_extension())
		return OC_PHONE_EXTENSION;
	if (e164_digits(e164) > 15)
		return OC_PHONE_TOO_LONG;
	if (!valid)
	{
		if (why != PhoneNumberUtil::IS_POSSIBLE)
			return possibility_status(why);
		if (!international)
			return OC_PHONE_NATIONAL_NOT_VALID;
	}
	/*
	 * A stored number must read back as itself.  "+27 0 41 ..." (a trunk
	 * prefix written after the country code) is read as +27 41 ..., but
	 * "+27041..." would then lose another digit; refuse such input rather
	 * than store a value that changes when normalized again.  Input that
	 * already is this E.164 text was just read as itself ("+" input is read
	 * the same whatever the default region): no second parse needed, which
	 * halves the cost of canonical input.
	 */
	if (e164.compare(0, std::string::npos, text, len) != 0)
	{
		PhoneNumber again;
		std::string e164_again;

		if (pu->Parse(e164, "ZZ", &again) != PhoneNumberUtil::NO_PARSING_ERROR)
			return OC_PHONE_NOT_CANONICAL;
		pu->Format(again, PhoneNumberUtil::E164, &e164_again);
		if (e164_again != e164)
			return OC_PHONE_NOT_CANONICAL;
	}
	if (!copy_out(e164, e164_out, cap))
		return OC_PHONE_BUFFER_TOO_SMALL;
	return OC_PHONE_OK;
}

}								/* namespace */

/* Parse, validate and format a phone number; see phone.h. */
extern "C" OC_NOINLINE int
oc_phone_parse(const char *text, const char *region, char *e164_out,
			   size_t cap, oc_phone_info *info)
{
	int			rc;

	if (e164_out != NULL && cap > 0)
		e164_out[0] = '\0';
	if (info != NULL)
		std::memset(info, 0, sizeof(*info));
	if (text == NULL)
	{
		if (info != NULL)
			info->status = OC_PHONE_NOT_A_NUMBER;
		return OC_PHONE_NOT_A_NUMBER;
	}
	try
	{
		rc = parse(text, region, e164_out, cap, info);
	}
	catch (...)
	{
		rc = OC_PHONE_INTERNAL;
	}
	if (rc != OC_PHONE_OK && e164_out != NULL && cap > 0)
		e164_out[0] = '\0';
	if (info != NULL)
	{
		if (info->type > OC_PHONE_TYPE_UNKNOWN)
			info->type = OC_PHONE_TYPE_UNKNOWN;
		info->status = rc;
	}
	return rc;
}

/* Is region an upper-case two-letter region libphonenumber supports? */
extern "C" OC_NOINLINE int
oc_phone_region_supported(const char *region)
{
	try
	{
		return two_letters(region) &&
			util()->GetCountryCodeForRegion(region) != 0;
	}
	catch (...)
	{
		return 0;
	}
}

/* Lower-case name of a type, e.g. "fixed_line_or_mobile". */
extern "C" const char *
oc_phone_type_name(int type)
{
	static const char *const names[] = {
		"fixed_line", "mobile", "fixed_line_or_mobile", "toll_free",
		"premium_rate", "shared_cost", "voip", "personal_number", "pager",
		"uan", "voicemail", "unknown",
	};

	if (type < 0 || type > OC_PHONE_TYPE_UNKNOWN)
		return "unknown";
	return names[type];
}

/* Name of a status, e.g. "OC_PHONE_TOO_SHORT" (for tests and logs). */
extern "C" const char *
oc_phone_status_name(int status)
{
	static const char *const names[] = {
		"OC_PHONE_OK", "OC_PHONE_NOT_A_NUMBER", "OC_PHONE_NO_REGION",
		"OC_PHONE_BAD_REGION", "OC_PHONE_INVALID_COUNTRY_CODE",
		"OC_PHONE_TOO_SHORT", "OC_PHONE_TOO_LONG", "OC_PHONE_INVALID_LENGTH",
		"OC_PHONE_LOCAL_ONLY", "OC_PHONE_NATIONAL_NOT_VALID",
		"OC_PHONE_EXTENSION", "OC_PHONE_NOT_CANONICAL", "OC_PHONE_BUFFER_TOO_SMALL",
		"OC_PHONE_INTERNAL",
	};

	if (status < 0 || status >= (int) (sizeof(names) / sizeof(names[0])))
		return "OC_PHONE_?";
	return names[status];
}
