/*-------------------------------------------------------------------------
 *
 * omnichannel.h
 *	  What the glue files share: configuration variables and the few
 *	  cross-file helpers.  Pure core headers live in src/core/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef OMNICHANNEL_PG_H
#define OMNICHANNEL_PG_H

#include "utils/relcache.h"

/* GUC variables, defined in omnichannel.c */
extern bool oc_allow_drop_with_history;
extern char *oc_default_region;	/* omnichannel.default_region, "" = none */
extern bool oc_lookups_through_sql;	/* omnichannel.lookups_through_sql */

/* extension.c: own tables, SQL version, the owner's rights (see there) */
struct TriggerData;

typedef struct OcOwnerContext
{
	Oid			userid;			/* the caller's, restored on leave */
	int			sec_context;
} OcOwnerContext;

extern bool oc_is_own_table(Relation rel, const char *table);
extern void oc_check_own_table(struct TriggerData *trigdata, const char *table,
							   const char *fname);
extern void oc_check_sql_version(void);
extern void oc_owner_enter(OcOwnerContext *ctx, Oid owner);
extern void oc_owner_leave(OcOwnerContext *ctx);
extern void oc_pinned_path_push(void);

#endif							/* OMNICHANNEL_PG_H */
