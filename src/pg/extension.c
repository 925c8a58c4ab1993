/*-------------------------------------------------------------------------
 *
 * extension.c
 *	  The installed extension as the C code sees it, and the rules for code
 *	  that runs with the owner's rights.
 *
 * Three things every trigger and internal query of the library relies on:
 *
 *	- Own tables only.  The C triggers read and write the extension's
 *	  tables by name, in the schema of the table they fire on, and decode
 *	  its columns by number.  oc_check_own_table() refuses to run on any
 *	  relation but omnichannel.<table> of the installed extension: a
 *	  look-alike temporary table with the same column names would otherwise
 *	  steer them (a crash, or writes into the real tables).  On Citus a
 *	  trigger of a distributed table fires on its shards: a shard of the
 *	  table, as Citus's catalog records it, is the table.
 *
 *	- One SQL version.  The library serves the SQL objects of its own
 *	  version (OC_EXTVERSION, from the control file).  After the package is
 *	  upgraded and before ALTER EXTENSION omnichannel UPDATE, ingest stops
 *	  with a clear error instead of failing deep inside on a changed table.
 *
 *	- The owner's rights under a pinned search_path.  Ingest keeps
 *	  customers, threads, clocks and rollups as the interaction table's
 *	  owner, as PostgreSQL's own foreign-key triggers do, so that a writer
 *	  needs only INSERT on omnichannel.interaction.  Everything run that way
 *	  (saved plans, and the functions they call) runs under
 *	  a search path of pg_catalog alone and names every object with its
 *	  schema, so that nothing the writer can create (a temporary type or
 *	  table, a function in a schema of its own) is ever resolved by it,
 *	  however warm the plan cache.  See docs/security.md.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "pg/omnichannel.h"

PG_FUNCTION_INFO_V1(oc_check_trigger_table);

/* The schema of the installed extension, as last looked up (or invalid). */
static Oid	extension_nsp = InvalidOid;

/*
 * The installed extension's row of pg_extension: its schema and (if
 * version is not NULL) its version, palloc'd.  InvalidOid when it is not
 * installed.
 */
static Oid
read_extension(char **version)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nsp = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("omnichannel"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion,
									 RelationGetDescr(rel), &isnull);

		nsp = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
		if (version != NULL)
			*version = isnull ? NULL : TextDatumGetCString(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nsp;
}

/*
 * Is the relation in namespace nsp named relname the table omnichannel.<table>
 * of the installed extension?  Only a superuser can create in the
 * extension's schema (CREATE EXTENSION refuses one that others own or may
 * create in), so the schema and the name identify the table.  The schema is
 * remembered; a mismatch looks it up again (the extension may have been
 * dropped and created anew).
 */
static bool citus_shard_of(Oid relid, const char *relname, Oid nsp, const char *table);

static bool
own_table(Oid relid, Oid nsp, const char *relname, char relkind, const char *table)
{
	if (relkind != RELKIND_RELATION)
		return false;
	if (nsp != extension_nsp)
		extension_nsp = read_extension(NULL);
	if (!OidIsValid(extension_nsp) || nsp != extension_nsp)
		return false;
	return strcmp(relname, table) == 0 || citus_shard_of(relid, relname, nsp, table);
}

/*
 * On Citus, is relid (named relname, in the extension's schema nsp) a shard
 * of the table omnichannel.<table>?  Shards are named <table>_<shard id>;
 * Citus's catalog pg_dist_shard says whose shard it is.  The relations that
 * passed are remembered for the backend (a trigger fires per row).
 */
#define SHARDS_REMEMBERED 64

static bool
citus_shard_of(Oid relid, const char *relname, Oid nsp, const char *table)
{
	static Oid	passed[SHARDS_REMEMBERED];
	static int	npassed = 0;		/* entries filled */
	static int	next = 0;			/* the next to replace */
	size_t		len = strlen(table);
	const char *digits;
	Oid			dist_shard;
	Oid			logical;
	bool		found;

	if (strncmp(relname, table, len) != 0 || relname[len] != '_')
		return false;
	digits = relname + len + 1;
	if (*digits == '\0' || strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 18)
		return false;
	for (int i = 0; i < npassed; i++)
		if (passed[i] == relid)
			return true;
	dist_shard = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	logical = get_relname_relid(table, nsp);
	if (!OidIsValid(dist_shard) || !OidIsValid(logical))
		return false;
	{
		Oid			types[2] = {INT8OID, REGCLASSOID};
		Datum		args[2] = {Int64GetDatum(strtoll(digits, NULL, 10)), ObjectIdGetDatum(logical)};

		SPI_connect();
		if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_dist_shard "
								  " WHERE shardid OPERATOR(pg_catalog.=) $1 "
								  "   AND logicalrelid OPERATOR(pg_catalog.=) $2",
								  2, types, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not read pg_dist_shard");
		found = SPI_processed == 1;
		SPI_finish();
	}
	if (found)
	{
		passed[next] = relid;
		next = (next + 1) % SHARDS_REMEMBERED;
		npassed = Min(npassed + 1, SHARDS_REMEMBERED);
	}
	return found;
}

/* Is rel the table omnichannel.<table> of the installed extension? */
bool
oc_is_own_table(Relation rel, const char *table)
{
	return own_table(RelationGetRelid(rel), RelationGetNamespace(rel), RelationGetRelationName(rel),
					 rel->rd_rel->relkind, table);
}

/* The refusal of a trigger function fired on a table not its own. */
static void
refuse_trigger_table(const char *fname, Oid relid, const char *tables)
{
	char	   *nsp = get_namespace_name(get_rel_namespace(relid));
	char	   *rel = get_rel_name(relid);

	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("trigger function \"%s\" may not fire on table \"%s.%s\"",
					fname, nsp ? nsp : "?", rel ? rel : "?"),
			 errdetail("It fires only on %s of the omnichannel extension.", tables)));
}

/* Refuse to run a C trigger function of ours on any table but its own. */
void
oc_check_own_table(TriggerData *trigdata, const char *table, const char *fname)
{
	if (!oc_is_own_table(trigdata->tg_relation, table))
		refuse_trigger_table(fname, RelationGetRelid(trigdata->tg_relation),
							 psprintf("omnichannel.%s", table));
}

/*
 * check_trigger_table(function text, relid oid, VARIADIC tables text[]):
 * the same refusal for the extension's SQL trigger functions, which call it
 * first with TG_RELID and the tables they are made for.
 */
Datum
oc_check_trigger_table(PG_FUNCTION_ARGS)
{
	char	   *fname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			relid = PG_GETARG_OID(1);
	ArrayType  *tables = PG_GETARG_ARRAYTYPE_P(2);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	   *relname = get_rel_name(relid);
	StringInfoData list;

	deconstruct_array(tables, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n && relname != NULL; i++)
		if (!nulls[i] &&
			own_table(relid, get_rel_namespace(relid), relname, get_rel_relkind(relid),
					  TextDatumGetCString(elems[i])))
			PG_RETURN_VOID();

	initStringInfo(&list);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			appendStringInfo(&list, "%somnichannel.%s", list.len > 0 ? ", " : "",
							 TextDatumGetCString(elems[i]));
	refuse_trigger_table(fname, relid, list.data);
	PG_RETURN_VOID();
}

/*
 * Refuse to work on SQL objects of another version than the library's.
 * Called when a cache of table layouts is built (once per backend, and
 * again after the tables change); silent while an update script runs.
 */
void
oc_check_sql_version(void)
{
	char	   *installed = NULL;

	if (creating_extension)
		return;
	(void) read_extension(&installed);

	if (installed != NULL && strcmp(installed, OC_EXTVERSION) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("omnichannel library %s cannot serve the installed SQL version %s",
						OC_EXTVERSION, installed),
				 errdetail("The library was upgraded; the extension's tables and functions in this database were not."),
				 errhint("Run ALTER EXTENSION omnichannel UPDATE in this database.")));
}

/*
 * Run as owner from here on: its user id (local to this code, with row
 * security not forced, as for the checks of a foreign key; not a
 * security-restricted operation, which could not queue the deferred
 * foreign-key checks of the rows written) and the pinned search path:
 * pg_catalog alone, the temporary schema not even after it.  The path is
 * pushed as an override (namespace.c), which costs a list copy instead of
 * a search_path setting's parse and recomputation on every row; while it
 * is in force the SET search_path of the functions called is not applied,
 * and every one of them names all it uses with its schema anyway.  Undone
 * by oc_owner_leave, or by the abort of the (sub)transaction on an error.
 */
void
oc_owner_enter(OcOwnerContext *ctx, Oid owner)
{
	GetUserIdAndSecContext(&ctx->userid, &ctx->sec_context);
	SetUserIdAndSecContext(owner, ctx->sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	oc_pinned_path_push();
}

/*
 * The pinned search path alone (see oc_owner_enter), for code that parses
 * what the owner's code will run; PopOverrideSearchPath() undoes it.
 */
void
oc_pinned_path_push(void)
{
	static OverrideSearchPath pinned = {NIL, false, false};

	if (pinned.schemas == NIL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		pinned.schemas = list_make1_oid(PG_CATALOG_NAMESPACE);
		MemoryContextSwitchTo(old);
	}
	PushOverrideSearchPath(&pinned);
}

/* Back to the caller's user id and search path. */
void
oc_owner_leave(OcOwnerContext *ctx)
{
	PopOverrideSearchPath();
	SetUserIdAndSecContext(ctx->userid, ctx->sec_context);
}
