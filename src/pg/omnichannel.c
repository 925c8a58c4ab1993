/*-------------------------------------------------------------------------
 *
 * omnichannel.c
 *	  Module entry point: PG_MODULE_MAGIC and _PG_init, which defines the
 *	  omnichannel.* configuration parameters.
 *
 * Every other glue file (src/pg/) implements one SQL-visible concern; this
 * one only wires the library into the server.  The GUC variables live here
 * and are declared in omnichannel.h for the files that read them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "pg/omnichannel.h"

PG_MODULE_MAGIC;

/* omnichannel.allow_drop_with_history: see drop_guard.c */
bool		oc_allow_drop_with_history = false;

void		_PG_init(void);

/* Define the omnichannel.* GUCs and reserve the prefix. */
void
_PG_init(void)
{
	DefineCustomBoolVariable("omnichannel.allow_drop_with_history",
							 "Allows DROP EXTENSION omnichannel while customer history exists.",
							 "By default dropping the extension (or its schema) is refused while "
							 "omnichannel.interaction or omnichannel.customer holds rows, because "
							 "the drop would destroy the customer history.",
							 &oc_allow_drop_with_history,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("omnichannel");
}
