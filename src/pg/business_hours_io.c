/*-------------------------------------------------------------------------
 *
 * business_hours_io.c
 *	  fmgr glue of the omnichannel.business_hours type: text input (the
 *	  JSON text form), output (canonical JSON), binary send/receive and the
 *	  omnichannel.business_hours(jsonb) constructor.
 *
 * Parsing, validation, the binary layout and printing are the server-free
 * core (src/core/business_hours.c).  This file checks zone names against
 * PostgreSQL's own zone database (pg_tzset, which also gives the canonical
 * spelling), wraps the core's binary form in a varlena and maps core
 * statuses to SQLSTATEs:
 *	  OC_BH_SYNTAX        22P02 invalid_text_representation
 *	  OC_BH_INVALID       22023 invalid_parameter_value
 *	  OC_BH_BAD_FORMAT    22007 invalid_datetime_format
 *	  OC_BH_OUT_OF_RANGE  22008 datetime_field_overflow
 *	  OC_BH_CORRUPT       XX001 data_corrupted
 * The binary wire format (send/recv) is a version byte and the canonical
 * JSON text, parsed and validated again on receipt, so it never trusts its
 * bytes.  oc_bh_datum_view (shared with business_time.c) checks a stored
 * value and gives a view of it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "core/business_hours.h"
#include "pg/business_hours_io.h"

/* First byte of the send/recv format. */
#define OC_BH_WIRE_VERSION	1

PG_FUNCTION_INFO_V1(oc_business_hours_in);
PG_FUNCTION_INFO_V1(oc_business_hours_out);
PG_FUNCTION_INFO_V1(oc_business_hours_recv);
PG_FUNCTION_INFO_V1(oc_business_hours_send);
PG_FUNCTION_INFO_V1(oc_business_hours_from_jsonb);

/* Raise the error a core status stands for. */
void
oc_bh_report(const oc_bh_error *err)
{
	int			code;

	switch (err->status)
	{
		case OC_BH_SYNTAX:
			code = ERRCODE_INVALID_TEXT_REPRESENTATION;
			break;
		case OC_BH_BAD_FORMAT:
			code = ERRCODE_INVALID_DATETIME_FORMAT;
			break;
		case OC_BH_OUT_OF_RANGE:
			code = ERRCODE_DATETIME_FIELD_OVERFLOW;
			break;
		case OC_BH_CORRUPT:
			code = ERRCODE_DATA_CORRUPTED;
			break;
		case OC_BH_NOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		default:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("invalid business hours: %s", err->msg),
			 err->hint[0] ? errhint("%s", err->hint) : 0));
}

/* Zone check for the core parser: known to pg_tz?  Canonical spelling. */
static int
zone_check(void *ctx, const char *name, char *canon, size_t cap)
{
	pg_tz	   *tz = pg_tzset(name);
	const char *cn;

	if (tz == NULL)
		return 0;
	cn = pg_get_timezone_name(tz);
	if (cn == NULL || strlen(cn) >= cap)
		return 0;
	strlcpy(canon, cn, cap);
	return 1;
}

/* Parse the JSON text form into a business_hours datum, or ereport. */
static Datum
parse_to_datum(const char *s, size_t len)
{
	uint8_t    *bin;
	size_t		binlen;
	oc_bh_error err;
	bytea	   *result;

	if (oc_bh_parse(s, len, zone_check, NULL, &bin, &binlen, &err) != OC_BH_OK)
		oc_bh_report(&err);
	result = (bytea *) palloc(VARHDRSZ + binlen);
	SET_VARSIZE(result, VARHDRSZ + binlen);
	memcpy(VARDATA(result), bin, binlen);
	oc_bh_free(bin);
	return PointerGetDatum(result);
}

/*
 * Check a stored value and fill a view of it.  The bytes must stay valid
 * and 4-byte aligned as long as the view is used.
 */
void
oc_bh_datum_view(const bytea *bh, oc_bh_view *view)
{
	oc_bh_error err;

	if (oc_bh_view_init((const uint8_t *) VARDATA(bh),
						VARSIZE(bh) - VARHDRSZ, view, &err) != OC_BH_OK)
		oc_bh_report(&err);
}

/* Canonical JSON text of a stored value (palloc'd). */
static char *
print_datum(const bytea *bh)
{
	oc_bh_view	view;
	oc_bh_error err;
	char	   *txt;
	size_t		len;
	char	   *result;

	oc_bh_datum_view(bh, &view);
	if (oc_bh_print(&view, &txt, &len, &err) != OC_BH_OK)
		oc_bh_report(&err);
	result = pnstrdup(txt, len);
	oc_bh_free(txt);
	return result;
}

/* business_hours_in(cstring): the JSON text form. */
Datum
oc_business_hours_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);

	return parse_to_datum(str, strlen(str));
}

/* business_hours_out(business_hours): canonical JSON text. */
Datum
oc_business_hours_out(PG_FUNCTION_ARGS)
{
	bytea	   *bh = PG_GETARG_BYTEA_P(0);

	PG_RETURN_CSTRING(print_datum(bh));
}

/* business_hours_recv(internal): version byte, canonical text; re-parsed. */
Datum
oc_business_hours_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	char	   *str;
	int			nbytes;

	if (version != OC_BH_WIRE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported business hours binary format version %d",
						version),
				 errdetail("Only version %d is supported.", OC_BH_WIRE_VERSION)));
	str = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	return parse_to_datum(str, (size_t) nbytes);
}

/* business_hours_send(business_hours): version byte, canonical text. */
Datum
oc_business_hours_send(PG_FUNCTION_ARGS)
{
	bytea	   *bh = PG_GETARG_BYTEA_P(0);
	char	   *txt = print_datum(bh);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, OC_BH_WIRE_VERSION);
	pq_sendtext(&buf, txt, strlen(txt));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* business_hours(jsonb): build a calendar from a jsonb document. */
Datum
oc_business_hours_from_jsonb(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *txt = JsonbToCString(NULL, &jb->root, VARSIZE(jb));

	return parse_to_datum(txt, strlen(txt));
}
