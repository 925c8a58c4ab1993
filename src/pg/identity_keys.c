/*-------------------------------------------------------------------------
 *
 * identity_keys.c
 *	  fmgr glue of the suggestion keys: email_provider_key(contact_point),
 *	  name_key(text) and name_translit_key(text).  The view
 *	  identity_suggestions pairs customers whose keys are equal; the keys
 *	  never link customers by themselves (docs/identity.md).
 *
 * The keys are computed by the server-free core (src/core/identity_keys.c);
 * this file checks the database encoding, reads only the bytes the core
 * reads, and turns a core failure into an ereport.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "core/contact_point.h"
#include "core/identity_keys.h"

PG_FUNCTION_INFO_V1(oc_sql_email_provider_key);
PG_FUNCTION_INFO_V1(oc_sql_name_key);
PG_FUNCTION_INFO_V1(oc_sql_name_translit_key);

typedef int (*key_fn) (const char *, size_t, char *, size_t, size_t *, oc_idkey_info *);

/* The keys need UTF-8 text. */
static void
require_utf8(const char *what)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s requires a database with encoding UTF8", what),
				 errdetail("The database encoding is %s.", GetDatabaseEncodingName())));
}

/* Run a core key function; NULL (SQL) for an empty key. */
static text *
run_key(key_fn fn, const char *what, const char *in, size_t len)
{
	char		out[OC_IDKEY_BUFSIZE];
	size_t		outlen;
	oc_idkey_info info;
	int			rc = fn(in, len, out, sizeof(out), &outlen, &info);

	switch (rc)
	{
		case OC_IDKEY_OK:
			break;
		case OC_IDKEY_BAD_ENCODING:
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid byte sequence for encoding \"UTF8\" in %s", what),
					 errdetail("%s", info.detail)));
			break;
		case OC_IDKEY_BAD_INPUT:
			return NULL;		/* no key: nothing to suggest */
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not compute the %s", what),
					 errdetail_internal("%s: %s", oc_idkey_status_name(rc), info.detail)));
	}
	if (outlen == 0)
		return NULL;
	return cstring_to_text_with_len(out, (int) outlen);
}

/* email_provider_key(contact_point): the provider-folded address, or NULL. */
Datum
oc_sql_email_provider_key(PG_FUNCTION_ARGS)
{
	text	   *cp = PG_GETARG_TEXT_PP(0);
	size_t		kindlen;
	size_t		valueoff;
	text	   *key;

	require_utf8("email_provider_key()");
	if (oc_cp_split(VARDATA_ANY(cp), VARSIZE_ANY_EXHDR(cp), &kindlen, &valueoff) != 0 ||
		kindlen != 5 || memcmp(VARDATA_ANY(cp), "email", 5) != 0)
		PG_RETURN_NULL();
	key = run_key(oc_email_provider_key, "e-mail provider key",
				  VARDATA_ANY(cp) + valueoff, VARSIZE_ANY_EXHDR(cp) - valueoff);
	if (key == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(key);
}

/* A name key of the first OC_IDKEY_MAX_INPUT bytes (plus three: whole characters). */
static Datum
name_key_common(FunctionCallInfo fcinfo, key_fn fn, const char *what)
{
	text	   *name = PG_GETARG_TEXT_P_SLICE(0, 0, OC_IDKEY_MAX_INPUT + 3);
	text	   *key;

	require_utf8(what);
	key = run_key(fn, what, VARDATA(name), VARSIZE(name) - VARHDRSZ);
	if (key == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(key);
}

/* name_key(text): NFKC case-folded name, punctuation and spaces folded. */
Datum
oc_sql_name_key(PG_FUNCTION_ARGS)
{
	return name_key_common(fcinfo, oc_name_key, "name key");
}

/* name_translit_key(text): name_key transliterated to ASCII. */
Datum
oc_sql_name_translit_key(PG_FUNCTION_ARGS)
{
	return name_key_common(fcinfo, oc_name_translit_key, "transliterated name key");
}
