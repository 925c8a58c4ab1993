/*-------------------------------------------------------------------------
 *
 * contact_point_ops.c
 *	  Comparison, btree and hash support of the omnichannel.contact_point
 *	  type.
 *
 * A stored contact point is its canonical "kind:value" text, so equality is
 * byte equality and the order is plain memcmp: kind first (':' sorts before
 * every letter of a kind name), then value.  The order does not depend on
 * any collation, ICU or libc version, which keeps btree indexes valid across
 * library upgrades.  Hash functions hash the same bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(oc_contact_point_eq);
PG_FUNCTION_INFO_V1(oc_contact_point_ne);
PG_FUNCTION_INFO_V1(oc_contact_point_lt);
PG_FUNCTION_INFO_V1(oc_contact_point_le);
PG_FUNCTION_INFO_V1(oc_contact_point_gt);
PG_FUNCTION_INFO_V1(oc_contact_point_ge);
PG_FUNCTION_INFO_V1(oc_contact_point_cmp);
PG_FUNCTION_INFO_V1(oc_contact_point_hash);
PG_FUNCTION_INFO_V1(oc_contact_point_hash_extended);

/* Bytewise three-way comparison of two stored contact points. */
static int
cp_cmp(text *a, text *b)
{
	size_t		la = VARSIZE_ANY_EXHDR(a);
	size_t		lb = VARSIZE_ANY_EXHDR(b);
	int			r = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	if (r != 0)
		return r < 0 ? -1 : 1;
	return (la < lb) ? -1 : (la > lb) ? 1 : 0;
}

/* Compare the two arguments and free detoasted copies. */
static int
cp_cmp_args(FunctionCallInfo fcinfo)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);
	int			r = cp_cmp(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

/* contact_point = contact_point */
Datum
oc_contact_point_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cp_cmp_args(fcinfo) == 0);
}

/* contact_point <> contact_point */
Datum
oc_contact_point_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cp_cmp_args(fcinfo) != 0);
}

/* contact_point < contact_point */
Datum
oc_contact_point_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cp_cmp_args(fcinfo) < 0);
}

/* contact_point <= contact_point */
Datum
oc_contact_point_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cp_cmp_args(fcinfo) <= 0);
}

/* contact_point > contact_point */
Datum
oc_contact_point_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cp_cmp_args(fcinfo) > 0);
}

/* contact_point >= contact_point */
Datum
oc_contact_point_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(cp_cmp_args(fcinfo) >= 0);
}

/* btree support function 1: -1, 0 or 1. */
Datum
oc_contact_point_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(cp_cmp_args(fcinfo));
}

/* hash support function 1: 32-bit hash of the canonical bytes. */
Datum
oc_contact_point_hash(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	Datum		h = hash_any((unsigned char *) VARDATA_ANY(a),
							 VARSIZE_ANY_EXHDR(a));

	PG_FREE_IF_COPY(a, 0);
	return h;
}

/* hash support function 2: seeded 64-bit hash of the canonical bytes. */
Datum
oc_contact_point_hash_extended(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	Datum		h = hash_any_extended((unsigned char *) VARDATA_ANY(a),
									  VARSIZE_ANY_EXHDR(a),
									  PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(a, 0);
	return h;
}
