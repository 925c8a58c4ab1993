/*-------------------------------------------------------------------------
 *
 * contact_point_io.c
 *	  fmgr glue of the omnichannel.contact_point type: text and binary I/O,
 *	  the kind()/value() accessors, the two-argument constructor and
 *	  normalizer_version().
 *
 * The normalization itself is the server-free core (src/core/contact_point.c);
 * this file decodes arguments, checks the database encoding, builds the
 * varlena (the canonical "kind:value" text, no trailing NUL) and turns a core
 * error into an ereport with the SQLSTATE of its class.  Binary receive never
 * trusts its bytes: it normalizes them again like text input.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "core/contact_point.h"

/* First byte of the binary form; bump it if the format ever changes. */
#define OC_CP_BINARY_VERSION	1

PG_FUNCTION_INFO_V1(oc_contact_point_in);
PG_FUNCTION_INFO_V1(oc_contact_point_out);
PG_FUNCTION_INFO_V1(oc_contact_point_recv);
PG_FUNCTION_INFO_V1(oc_contact_point_send);
PG_FUNCTION_INFO_V1(oc_contact_point_kind);
PG_FUNCTION_INFO_V1(oc_contact_point_value);
PG_FUNCTION_INFO_V1(oc_contact_point_make);
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

/* Report a core normalization error; "shown" is the quoted input. */
static void
report(const char *shown, const oc_cp_error *err)
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
		case OC_CP_BUFFER_TOO_SMALL:
		case OC_CP_INTERNAL:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not normalize contact point \"%s\"", shown),
					 errdetail_internal("%s", err->detail)));
			return;
		default:
			code = ERRCODE_INVALID_TEXT_REPRESENTATION;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("invalid contact point \"%s\"", shown),
			 errdetail("%s", err->detail),
			 err->hint[0] ? errhint("%s", err->hint) : 0));
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

/* Normalize input bytes into a datum, or ereport. */
static Datum
normalize_to_datum(const char *s, size_t len)
{
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;

	check_encoding();
	if (oc_cp_normalize(s, len, out, sizeof(out), &outlen, &err) != OC_CP_OK)
	{
		char		shown[OC_CP_QUOTE_BUFSIZE];

		oc_cp_quote(s, len, shown, sizeof(shown));
		report(shown, &err);
	}
	return make_datum(out, outlen);
}

/* contact_point_in(cstring): text input. */
Datum
oc_contact_point_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);

	return normalize_to_datum(str, strlen(str));
}

/* contact_point_out(contact_point): the canonical text. */
Datum
oc_contact_point_out(PG_FUNCTION_ARGS)
{
	text	   *cp = PG_GETARG_TEXT_PP(0);

	PG_RETURN_CSTRING(text_to_cstring(cp));
}

/* contact_point_recv(internal): version byte, then text; re-normalized. */
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
	return normalize_to_datum(str, (size_t) nbytes);
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

/* contact_point(kind text, value text): normalize a value of a given kind. */
Datum
oc_contact_point_make(PG_FUNCTION_ARGS)
{
	text	   *kind = PG_GETARG_TEXT_PP(0);
	text	   *value = PG_GETARG_TEXT_PP(1);
	char		out[OC_CP_BUFSIZE];
	size_t		outlen;
	oc_cp_error err;

	check_encoding();
	if (oc_cp_normalize_parts(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind),
							  VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value),
							  out, sizeof(out), &outlen, &err) != OC_CP_OK)
	{
		char		qk[OC_CP_QUOTE_BUFSIZE];
		char		qv[OC_CP_QUOTE_BUFSIZE];

		oc_cp_quote(VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind), qk, sizeof(qk));
		oc_cp_quote(VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value), qv, sizeof(qv));
		report(psprintf("%s:%s", qk, qv), &err);
	}
	return make_datum(out, outlen);
}

/* normalizer_version(): the ICU and Unicode versions of the normalizer. */
Datum
oc_contact_point_normalizer_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(oc_cp_version()));
}
