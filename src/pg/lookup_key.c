/*-------------------------------------------------------------------------
 *
 * lookup_key.c
 *	  The form in which a sender's value is indexed: external ids,
 *	  references to them, business keys, base subjects.
 *
 * Senders control these values (a mail header, an order number in a web
 * form, a subject line), and a btree entry holds at most about 2.7 kB: one
 * longer value used to fail its row, and with it a whole COPY.  So every
 * look-up table and the (external_id, channel) key store the value's
 * look-up form instead:
 *
 *	- the value itself, when it has at most OC_LOOKUP_KEY_MAX bytes and
 *	  does not start with OC_LOOKUP_KEY_PREFIX, or when it is a look-up form
 *	  already (the prefix and 64 lower-case hex digits);
 *	- else OC_LOOKUP_KEY_PREFIX followed by the hexadecimal SHA-256 of the
 *	  value (83 bytes).
 *
 * The form of a form is itself, so restored rows (pg_dump) keep theirs.  Two
 * values have the same look-up form exactly when they are equal, up to a
 * SHA-256 collision or a sender writing out the form of another's value
 * (which gains nothing: a sender can name that value itself).  Ingest computes
 * it in C; SQL has omnichannel.lookup_key(text), the same function, for
 * queries and for the update script that converts stored values.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "pg/lookup_key.h"

PG_FUNCTION_INFO_V1(oc_lookup_key);

/* Is s[0..len) a look-up form made of a digest: the prefix and 64 hex digits? */
static bool
is_digest_form(const char *s, size_t len)
{
	size_t		plen = strlen(OC_LOOKUP_KEY_PREFIX);

	if (len != plen + 2 * PG_SHA256_DIGEST_LENGTH || memcmp(s, OC_LOOKUP_KEY_PREFIX, plen) != 0)
		return false;
	for (size_t i = plen; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Is the value its own look-up form? */
static bool
stored_as_is(const char *s, size_t len)
{
	size_t		plen = strlen(OC_LOOKUP_KEY_PREFIX);

	if (len >= plen && memcmp(s, OC_LOOKUP_KEY_PREFIX, plen) == 0)
		return is_digest_form(s, len);
	return len <= OC_LOOKUP_KEY_MAX;
}

/* Does a text datum differ from its look-up form? */
bool
oc_lookup_key_differs(Datum value)
{
	text	   *t = DatumGetTextPP(value);

	return !stored_as_is(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

/* The look-up form of s[0..len) as a palloc'd C string. */
char *
oc_lookup_key_cstring(const char *s, size_t len)
{
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	pg_cryptohash_ctx *ctx;
	char	   *out;
	size_t		plen = strlen(OC_LOOKUP_KEY_PREFIX);

	if (stored_as_is(s, len))
		return pnstrdup(s, len);

	ctx = pg_cryptohash_create(PG_SHA256);
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) s, len) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute SHA-256 digest: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);

	out = palloc(plen + 2 * PG_SHA256_DIGEST_LENGTH + 1);
	memcpy(out, OC_LOOKUP_KEY_PREFIX, plen);
	hex_encode((const char *) digest, PG_SHA256_DIGEST_LENGTH, out + plen);
	out[plen + 2 * PG_SHA256_DIGEST_LENGTH] = '\0';
	return out;
}

/* The look-up form of a text datum (the datum itself when stored as is). */
Datum
oc_lookup_key_datum(Datum value)
{
	text	   *t = DatumGetTextPP(value);

	if (stored_as_is(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)))
		return PointerGetDatum(t);
	return CStringGetTextDatum(oc_lookup_key_cstring(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* SQL omnichannel.lookup_key(text) → text. */
Datum
oc_lookup_key(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(oc_lookup_key_datum(PG_GETARG_DATUM(0)));
}
