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

#include "core/contact_point.h"
#include "pg/omnichannel.h"

PG_MODULE_MAGIC;

/* omnichannel.allow_drop_with_history: see drop_guard.c */
bool		oc_allow_drop_with_history = false;

/* omnichannel.default_region: see contact_point_io.c; "" = none */
char	   *oc_default_region = NULL;

/* omnichannel.lookups_through_sql: ingest look-ups as SQL (index_probe.c) */
bool		oc_lookups_through_sql = false;

/* omnichannel.moving_customer: whose audit rows move (move_customer_rows) */
static char *oc_moving_customer = NULL;

void		_PG_init(void);

/* Check hook of omnichannel.default_region: empty, or a two-letter region
 * libphonenumber supports; the stored value is upper-cased ("ro" -> "RO"). */
static bool
check_default_region(char **newval, void **extra, GucSource source)
{
	char		canon[OC_CP_REGION_BUFSIZE];

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!oc_cp_region_canonical(*newval, strlen(*newval), canon))
	{
		GUC_check_errdetail("\"%s\" is not a two-letter ISO 3166-1 region code known to libphonenumber.",
							*newval);
		GUC_check_errhint("Use a code such as RO, PL, RU, ES, DE, GB or US, or an empty string for no default region.");
		return false;
	}
	/* *newval is the GUC machinery's own malloc'd copy, of the same length */
	memcpy(*newval, canon, sizeof(canon));
	return true;
}

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

	DefineCustomStringVariable("omnichannel.default_region",
							   "Region used to read phone numbers written in national form.",
							   "A two-letter ISO 3166-1 code such as RO or PL: \"0721 234 567\" "
							   "is read as a number of that region.  Empty (the default) means "
							   "no region: only international numbers (+CC or 00CC) are accepted.",
							   &oc_default_region,
							   "",
							   PGC_USERSET,
							   0,
							   check_default_region, NULL, NULL);

	DefineCustomBoolVariable("omnichannel.lookups_through_sql",
							 "Makes ingest look rows up with SQL queries instead of index scans.",
							 "What ingest does where the tables are distributed by Citus; on one "
							 "node it is slower and only for tests comparing the two ways.",
							 &oc_lookups_through_sql,
							 false,
							 PGC_SUSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("omnichannel.moving_customer",
							   "The customer whose rows move to another in this transaction (internal).",
							   "Set by move_customer_rows() for its delete where Citus distributes the "
							   "tables: the audit tables' trigger lets a Citus shard delete that "
							   "customer's events, which were copied to the other customer.",
							   &oc_moving_customer,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL,
							   NULL, NULL, NULL);

	MarkGUCPrefixReserved("omnichannel");
}
