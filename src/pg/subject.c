/*-------------------------------------------------------------------------
 *
 * subject.c
 *	  fmgr glue of omnichannel.normalize_subject(text): the base subject
 *	  that the stitching engine compares between e-mail-like interactions.
 *
 * The normalization itself is the server-free core (src/core/subject.c).
 * This file checks the database encoding, fetches only the first
 * OC_SUBJ_MAX_INPUT bytes of the argument (plus three, so that a character
 * that starts before the bound is whole; a long TOASTed subject is never
 * detoasted in full) and turns a core failure into an ereport with the
 * SQLSTATE of its class.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "core/subject.h"

PG_FUNCTION_INFO_V1(oc_normalize_subject);

/* normalize_subject(text): the NFKC case-folded RFC 5256 base subject. */
Datum
oc_normalize_subject(PG_FUNCTION_ARGS)
{
	text	   *subject = PG_GETARG_TEXT_P_SLICE(0, 0, OC_SUBJ_MAX_INPUT + 3);
	char		out[OC_SUBJ_BUFSIZE];
	size_t		outlen;
	oc_subj_info info;
	int			rc;

	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("subject normalization requires a database with encoding UTF8"),
				 errdetail("The database encoding is %s.",
						   GetDatabaseEncodingName())));

	rc = oc_subject_normalize(VARDATA(subject), VARSIZE(subject) - VARHDRSZ,
							  out, sizeof(out), &outlen, &info);
	switch (rc)
	{
		case OC_SUBJ_OK:
			break;
		case OC_SUBJ_BAD_ENCODING:
			ereport(ERROR,
					(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
					 errmsg("invalid byte sequence for encoding \"UTF8\" in subject"),
					 errdetail("%s", info.detail)));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not normalize subject"),
					 errdetail_internal("%s: %s",
										oc_subject_status_name(rc),
										info.detail)));
			break;
	}
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, (int) outlen));
}
