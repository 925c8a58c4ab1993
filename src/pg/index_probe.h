/*-------------------------------------------------------------------------
 *
 * index_probe.h
 *	  Equality look-ups through a btree index without the executor (see
 *	  index_probe.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef OC_INDEX_PROBE_H
#define OC_INDEX_PROBE_H

#include "access/attnum.h"
#include "access/skey.h"
#include "fmgr.h"
#include "nodes/lockoptions.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"

/* What a probe needs to know of its index, resolved once. */
typedef struct OcIndexProbe
{
	Oid			heap;
	Oid			index;
	int			nkeys;			/* equality on the first nkeys columns */
	RegProcedure eqproc[INDEX_MAX_KEYS];
	Oid			collation[INDEX_MAX_KEYS];
	FmgrInfo	eqinfo[INDEX_MAX_KEYS];	/* eqproc, looked up once */
	/* through SQL instead (oc_probe_init's via_sql): */
	bool		via_sql;
	Oid			keytype[INDEX_MAX_KEYS];	/* the key columns' types */
	char	   *sql_from;		/* "FROM table WHERE k1 = $1 AND ..." */
	char	   *sql_order[2];	/* "k1, k2" and "k1 DESC, k2 DESC" */
	MemoryContext sql_cxt;		/* the text above and the saved plans */
	struct OcProbePlan *sql_plans;
	/* routed by the distribution column (oc_probe_route), on Citus: */
	bool		routed;
	void	   *route_plan;		/* saved plan: the column's values for the keys
								 * (NULL: the caller names the value) */
	Oid			route_type;		/* the column's type ... */
	int16		route_typlen;	/* ... its length and by-value, looked up once */
	bool		route_typbyval;
} OcIndexProbe;

extern Oid	oc_index_key_equality(Relation irel, int i);
extern void oc_probe_init(OcIndexProbe *probe, Oid index, int nkeys, bool via_sql);
extern void oc_probe_route(OcIndexProbe *probe, Oid route_index, const char *column);
extern Snapshot oc_probe_snapshot(void);
extern int	oc_probe(const OcIndexProbe *probe, const Datum *keys, Snapshot snap,
					 int natts, const AttrNumber *atts, Datum *values,
					 bool *nulls, int maxrows);
extern int	oc_probe_of(const OcIndexProbe *probe, Datum route, const Datum *keys,
						Snapshot snap, int natts, const AttrNumber *atts,
						Datum *values, bool *nulls, int maxrows);
extern int	oc_probe_dir(const OcIndexProbe *probe, const Datum *keys,
						 Snapshot snap, bool backward, int natts,
						 const AttrNumber *atts, Datum *values, bool *nulls,
						 int maxrows);

extern bool oc_probe_lock(const OcIndexProbe *probe, const Datum *keys,
						  Snapshot snap, LockTupleMode mode);

#endif							/* OC_INDEX_PROBE_H */
