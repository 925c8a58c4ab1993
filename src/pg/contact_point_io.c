/*-------------------------------------------------------------------------
 *
 * contact_point_io.c
 *	  fmgr glue of the omnichannel.contact_point type: text and binary I/O,
 *	  the kind()/value() accessors, the constructors (contact_point(kind,
 *	  value [, region]), to_contact_point(input, region)), phone_info() and
 *	  normalizer_version().
 *
 * The normalization itself is the server-free core (src/core/contact_point.c);
 * this file decodes arguments, checks the database encoding, builds the
 * varlena (the canonical "kind:value" text, no trailing NUL) and turns a core
 * error into an ereport with the SQLSTATE of its class.  Binary receive never
 * trusts its bytes: it normalizes them again like text input.
 *
 * Phone numbers in national form are read with a default region: the
 * omnichannel.default_region GUC for the text input, the binary input and
 * contact_point(kind, value) (hence STABLE), or an explicit region argument
 * for contact_point(kind, value, region), to_contact_point(input, region)
 * and phone_info(text, region) (hence IMMUTABLE).  libphonenumber is reached
 * only through the core (src/core/contact_point.c -> src/core/phone.h); no
 * ereport is ever raised while a C++ frame is on the stack.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "core/contact_point.h"
#include "core/phone.h"
#include "pg/contact_point_io.h"
#include "pg/omnichannel.h"

/* First byte of the binary form; bump it if the format ever changes. */
#define OC_CP_BINARY_VERSION	1

PG_FUNCTION_INFO_V1(oc_contact_point_in);
PG_FUNCTION_INFO_V1(oc_contact_point_out);
PG_FUNCTION_INFO_V1(oc_contact_point_recv);
PG_FUNCTION_INFO_V1(oc_contact_point_send);
PG_FUNCTION_INFO_V1(oc_contact_point_kind);
PG_FUNCTION_INFO_V1(oc_contact_point_value);
PG_FUNCTION_INFO_V1(oc_contact_point_make);
PG_FUNCTION_INFO_V1(oc_contact_point_make_region);
PG_FUNCTION_INFO_V1(oc_to_contact_point);
PG_FUNCTION_INFO_V1(oc_try_contact_point);
PG_FUNCTION_INFO_V1(oc_phone_info_jsonb);
PG_FUNCTION_INFO_V1(oc_contact_point_normalizer_version);

/* Refuse to work unless the database encoding is UTF8. */
static void
check_encoding(void)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("contact points require a database with encoding UTF8"),
				 errdetail("The database encoding is %s.",
						   GetDatabaseEncodingName())));
}

/* Report a core normalization error; "what" names the input ("contact
 * point", "phone number") and "shown" is the quoted input. */
static void
report_as(const char *what, const char *shown, const oc_cp_error *err)
{
	int			code;

	switch (err->status)
	{
		case OC_CP_TOO_LONG:
			code = ERRCODE_STRING_DATA_RIGHT_TRUNCATION;
			break;
		case OC_CP_BAD_ENCODING:
			code = ERRCODE_CHARACTER_NOT_IN_REPERTOIRE;
			break;
		case OC_CP_BAD_REGION:	/* the glue checks regions first */
		case OC_CP_BUFFER_TOO_SMALL:
		case OC_CP_INTERNAL:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not normalize %s \"%s\"", what, shown),
					 errdetail_internal("%s", err->detail)));
			return;
		default:
			code = ERRCODE_INVALID_TEXT_REPRESENTATION;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("invalid %s \"%s\"", what, shown),
			 errdetail("%s", err->detail),
			 err->hint[0] ? errhint("%s", err->hint) : 0));
}

/* Report a core error about a contact point input. */
static void
report(const char *shown, const oc_cp_error *err)
{
	report_as("contact point", shown, err);
}

/* Build the varlena holding canonical text. */
static Datum
make_datum(const char *s, size_t len)
{
	text	   *result = (text *) palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), s, len);
	return PointerGetDatum(result);
}

/* The default region of the session: omnichannel.default_region or "". */
static const char *
default_region(void)
{
	return oc_default_region ? oc_default_region : "";
}

/* Check a region argument into canon (upper case), or ereport 22023. */
static const char *
region_arg(text *region, char *canon)
{
	if (!oc_cp_region_canonical(VARDATA_ANY(region), VARSIZE_ANY_EXHDR(region),
								canon))
	{
		char		shown[OC_CP_QUOTE_BUFSIZE];

		oc_cp_quote(VARDATA_ANY(region), VARSIZE_ANY_EXHDR(region),
					shown, sizeof(shown));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid region \"%s\"", shown),
				 errdetail("A region is a two-letter ISO 3166-1 code known to libphonenumber, or an empty string for none."),
				 errhint("Use a code such as RO, PL, RU, ES, DE, GB or US.")));
	}
	return canon;
}

/*
 * Recent normalizations, per backend: a bulk load names the same customers
 * again and again, and parsing a phone number with libphonenumber costs
 * more than the rest of a row's input.  The result depends only on the
 * input bytes, the region and the library, so entries never go stale.
 * Direct-mapped: a slot holds the latest input that hashed to it; only
 * short inputs that normalized are kept (bounded memory, about 1 MB).
 */
#define OC_CP_MEMO_SLOTS	8192
#define OC_CP_MEMO_MAX_INPUT 64

typedef struct CpMemo
{
	uint8		inlen;			/* 0: empty slot */
	uint8		outlen;
	char		region[3];
	char		in[OC_CP_MEMO_MAX_INPUT];
	char		out[OC_CP_MEMO_MAX_INPUT + 16];	/* canonical text is at most this long */
} CpMemo;

static CpMemo *cp_memo = NULL;

static CpMemo *
memo_slot(const char *s, size_t len, const char *region)
{
	uint32		h;

	if (len == 0 || len > OC_CP_MEMO_MAX_INPUT || strlen(region) > 2)
		return NULL;
	if (cp_memo == NULL)
		cp_memo = MemoryContextAllocZero(TopMemoryContext,
										 sizeof(CpMemo) * OC_CP_MEMO_SLOTS);
	h = hash_combine(hash_bytes((const unsigned char *) s, (int) len),
					 hash_bytes((const unsigned char *) region, (int) strlen(region)));
	return &cp_memo[h % OC_CP_MEMO_SLOTS];
}

/*
 * Normalize input bytes into a datum with a default region; invalid input
 * is reported (ereport), or with raise false gives (Datum) 0.
 */
static Datum
normalize_or_not(const char *s, size_t len, const char *region, bool raise)
{
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;
	CpMemo	   *m;

	check_encoding();
	m = memo_slot(s, len, region);
	if (m != NULL && m->inlen == len && memcmp(m->in, s, len) == 0 &&
		strcmp(m->region, region) == 0)
		return make_datum(m->out, m->outlen);
	if (oc_cp_normalize_region(s, len, region, out, sizeof(out), &outlen,
							   &err) != OC_CP_OK)
	{
		char		shown[OC_CP_QUOTE_BUFSIZE];

		if (!raise)
			return (Datum) 0;

		oc_cp_quote(s, len, shown, sizeof(shown));
		report(shown, &err);
	}
	if (m != NULL && outlen <= sizeof(m->out))
	{
		m->inlen = (uint8) len;
		memcpy(m->in, s, len);
		strcpy(m->region, region);
		m->outlen = (uint8) outlen;
		memcpy(m->out, out, outlen);
	}
	return make_datum(out, outlen);
}

/* Normalize input bytes into a datum with a default region, or ereport. */
static Datum
normalize_to_datum(const char *s, size_t len, const char *region)
{
	return normalize_or_not(s, len, region, true);
}

/* contact_point_in(cstring): text input; national phone numbers are read
 * with omnichannel.default_region. */
Datum
oc_contact_point_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);

	return normalize_to_datum(str, strlen(str), default_region());
}

/* contact_point_out(contact_point): the canonical text. */
Datum
oc_contact_point_out(PG_FUNCTION_ARGS)
{
	text	   *cp = PG_GETARG_TEXT_PP(0);

	PG_RETURN_CSTRING(text_to_cstring(cp));
}

/* contact_point_recv(internal): version byte, then text; re-normalized like
 * text input (with omnichannel.default_region). */
Datum
oc_contact_point_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	char	   *str;
	int			nbytes;

	if (version != OC_CP_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported contact point binary format version %d",
						version),
				 errdetail("Only version %d is supported.",
						   OC_CP_BINARY_VERSION)));
	str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	return normalize_to_datum(str, (size_t) nbytes, default_region());
}

/* contact_point_send(contact_point): version byte, then the text. */
Datum
oc_contact_point_send(PG_FUNCTION_ARGS)
{
	text	   *cp = PG_GETARG_TEXT_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, OC_CP_BINARY_VERSION);
	pq_sendtext(&buf, VARDATA_ANY(cp), VARSIZE_ANY_EXHDR(cp));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Split a stored value; a value without ':' is corrupt. */
static void
split_stored(text *cp, size_t *kindlen, size_t *valueoff)
{
	if (oc_cp_split(VARDATA_ANY(cp), VARSIZE_ANY_EXHDR(cp),
					kindlen, valueoff) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stored contact point has no kind")));
}

/* kind(contact_point): the canonical kind, e.g. "email". */
Datum
oc_contact_point_kind(PG_FUNCTION_ARGS)
{
	text	   *cp = PG_GETARG_TEXT_PP(0);
	size_t		kindlen;
	size_t		valueoff;

	split_stored(cp, &kindlen, &valueoff);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(cp), kindlen));
}

/* value(contact_point): the canonical value after "kind:". */
Datum
oc_contact_point_value(PG_FUNCTION_ARGS)
{
	text	   *cp = PG_GETARG_TEXT_PP(0);
	size_t		kindlen;
	size_t		valueoff;

	split_stored(cp, &kindlen, &valueoff);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(VARDATA_ANY(cp) + valueoff,
											  VARSIZE_ANY_EXHDR(cp) - valueoff));
}

/* Normalize a value of a given kind with a default region, or ereport. */
static Datum
make_from_parts(text *kind, text *value, const char *region)
{
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;

	check_encoding();
	if (oc_cp_normalize_parts_region(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind),
									 VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value),
									 region, out, sizeof(out), &outlen,
									 &err) != OC_CP_OK)
	{
		char		qk[OC_CP_QUOTE_BUFSIZE];
		char		qv[OC_CP_QUOTE_BUFSIZE];

		oc_cp_quote(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind), qk, sizeof(qk));
		oc_cp_quote(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), qv, sizeof(qv));
		report(psprintf("%s:%s", qk, qv), &err);
	}
	return make_datum(out, outlen);
}

/* contact_point(kind text, value text): normalize a value of a given kind;
 * national phone numbers are read with omnichannel.default_region. */
Datum
oc_contact_point_make(PG_FUNCTION_ARGS)
{
	return make_from_parts(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1),
						   default_region());
}

/* contact_point(kind text, value text, region text): same, explicit region. */
Datum
oc_contact_point_make_region(PG_FUNCTION_ARGS)
{
	char		canon[OC_CP_REGION_BUFSIZE];

	return make_from_parts(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1),
						   region_arg(PG_GETARG_TEXT_PP(2), canon));
}

/* to_contact_point(input text, region text): the text input with an explicit
 * default region instead of omnichannel.default_region. */
Datum
oc_to_contact_point(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	char		canon[OC_CP_REGION_BUFSIZE];
	const char *region = region_arg(PG_GETARG_TEXT_PP(1), canon);

	return normalize_to_datum(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input),
							  region);
}

/* The contact point of s[0..len), or (Datum) 0 where the input would raise. */
Datum
oc_contact_point_try(const char *s, size_t len)
{
	return normalize_or_not(s, len, default_region(), false);
}

/*
 * try_contact_point(input text): the text input, or NULL where the input
 * function would raise an error (for values a sender wrote, which may not
 * fail the row that carries them).
 */
Datum
oc_try_contact_point(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	Datum		d = oc_contact_point_try(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input));

	if (d == (Datum) 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(d);
}

/* The "reason" of phone_info for a status of the libphonenumber shim. */
static const char *
phone_reason(int status)
{
	switch (status)
	{
		case OC_PHONE_NO_REGION:
			return "no_region";
		case OC_PHONE_NATIONAL_NOT_VALID:
			return "not_valid_for_region";
		case OC_PHONE_INVALID_COUNTRY_CODE:
			return "invalid_country_code";
		case OC_PHONE_TOO_SHORT:
			return "too_short";
		case OC_PHONE_TOO_LONG:
			return "too_long";
		case OC_PHONE_INVALID_LENGTH:
			return "invalid_length";
		case OC_PHONE_LOCAL_ONLY:
			return "local_only";
		case OC_PHONE_NOT_A_NUMBER:
			return "not_a_number";
		case OC_PHONE_EXTENSION:
			return "extension";
		case OC_PHONE_NOT_CANONICAL:
			return "not_canonical";
	}
	return NULL;
}

/* Append "key": "value" (or null) to a JSON object being built. */
static void
json_str(StringInfo buf, const char *key, const char *value)
{
	if (buf->len > 1)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
	if (value && value[0])
		escape_json(buf, value);
	else
		appendStringInfoString(buf, "null");
}

/* Append "key": literal (true, false, null, a number) to a JSON object. */
static void
json_lit(StringInfo buf, const char *key, const char *literal)
{
	if (buf->len > 1)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfo(buf, ": %s", literal);
}

/*
 * phone_info(text [, region text]) -> jsonb: what libphonenumber says about
 * a phone number, and whether a contact point would accept it.  Input that
 * is not a phone number at all (letters, no digits, not UTF-8, a kind that
 * holds no phone number) is an error like the contact point input; a number
 * that libphonenumber read or refused gives an object with "accepted": false
 * and the "reason".
 */
Datum
oc_phone_info_jsonb(PG_FUNCTION_ARGS)
{
	text	   *input = PG_GETARG_TEXT_PP(0);
	char		canon[OC_CP_REGION_BUFSIZE];
	const char *region;
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;
	oc_phone_info info;
	StringInfoData buf;
	int			rc;
	bool		accepted;

	region = PG_NARGS() > 1 ? region_arg(PG_GETARG_TEXT_PP(1), canon)
		: default_region();
	check_encoding();
	rc = oc_cp_phone_info(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input),
						  region, out, sizeof(out), &outlen, &info, &err);
	accepted = (rc == OC_CP_OK);
	if (!accepted && phone_reason(info.status) == NULL)
	{
		char		shown[OC_CP_QUOTE_BUFSIZE];

		oc_cp_quote(VARDATA_ANY(input), VARSIZE_ANY_EXHDR(input),
					shown, sizeof(shown));
		report_as("phone number", shown, &err);
	}

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	json_str(&buf, "e164", accepted ? out : NULL);
	json_lit(&buf, "accepted", accepted ? "true" : "false");
	json_str(&buf, "reason", accepted ? NULL : phone_reason(info.status));
	json_str(&buf, "detail", accepted ? NULL : err.detail);
	json_lit(&buf, "valid", info.valid ? "true" : "false");
	json_lit(&buf, "possible", info.possible ? "true" : "false");
	json_str(&buf, "type", info.parsed ? oc_phone_type_name(info.type) : NULL);
	json_str(&buf, "region", info.parsed ? info.region : NULL);
	if (info.parsed)
		json_lit(&buf, "country_code", psprintf("%d", info.country_code));
	else
		json_lit(&buf, "country_code", "null");
	json_str(&buf, "national", accepted ? info.national_fmt : NULL);
	json_str(&buf, "international", accepted ? info.international_fmt : NULL);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* normalizer_version(): the ICU and Unicode versions of the normalizer. */
Datum
oc_contact_point_normalizer_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(oc_cp_version()));
}
