/*-------------------------------------------------------------------------
 *
 * drop_guard.c
 *	  Event trigger that keeps DROP EXTENSION omnichannel (and DROP SCHEMA
 *	  omnichannel) from silently destroying the customer history.
 *
 * The trigger fires at ddl_command_start for DROP EXTENSION, DROP SCHEMA
 * and DROP OWNED, looks at the parse tree for our extension or schema (or,
 * for DROP OWNED, a role that owns the extension's tables) and, if
 * omnichannel.customer or omnichannel.interaction holds a row, raises an
 * error unless omnichannel.allow_drop_with_history is on.  Dropping an
 * empty installation is always allowed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "nodes/value.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pg/omnichannel.h"

PG_FUNCTION_INFO_V1(oc_guard_drop);

/* Does the DROP statement name the extension or schema "omnichannel"? */
static bool
drop_targets_omnichannel(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_EXTENSION &&
		stmt->removeType != OBJECT_SCHEMA)
		return false;

	foreach(lc, stmt->objects)
	{
		Node	   *obj = lfirst(lc);

		if (IsA(obj, String) && strcmp(strVal(obj), "omnichannel") == 0)
			return true;
	}
	return false;
}

/* Does DROP OWNED name the role that owns omnichannel.interaction? */
static bool
drop_owned_targets_omnichannel(DropOwnedStmt *stmt)
{
	Oid			nsp = get_namespace_oid("omnichannel", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("interaction", nsp) : InvalidOid;
	Oid			owner;
	HeapTuple	tp;
	ListCell   *lc;

	if (!OidIsValid(relid))
		return false;
	tp = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tp))
		return false;
	owner = ((Form_pg_class) GETSTRUCT(tp))->relowner;
	ReleaseSysCache(tp);

	foreach(lc, stmt->roles)
	{
		if (get_rolespec_oid(lfirst(lc), true) == owner)
			return true;
	}
	return false;
}

/* Would the drop destroy history: does any customer or interaction exist? */
static bool
history_exists(void)
{
	bool		exists;
	bool		isnull;

	SPI_connect();
	if (SPI_execute("SELECT EXISTS (SELECT 1 FROM omnichannel.interaction) "
					"    OR EXISTS (SELECT 1 FROM omnichannel.customer)",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not check for omnichannel history");
	exists = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return exists && !isnull;
}

/* Event trigger: refuse the drop while history exists. */
Datum
oc_guard_drop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"guard_drop\" must be fired by an event trigger")));

	trigdata = (EventTriggerData *) fcinfo->context;

	if (IsA(trigdata->parsetree, DropStmt))
	{
		if (!drop_targets_omnichannel((DropStmt *) trigdata->parsetree))
			PG_RETURN_VOID();
	}
	else if (IsA(trigdata->parsetree, DropOwnedStmt))
	{
		if (!drop_owned_targets_omnichannel((DropOwnedStmt *) trigdata->parsetree))
			PG_RETURN_VOID();
	}
	else
		PG_RETURN_VOID();

	if (oc_allow_drop_with_history || !history_exists())
		PG_RETURN_VOID();

	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("cannot drop omnichannel while customer history exists"),
			 errdetail("Dropping the extension would delete every customer, thread and interaction it stores."),
			 errhint("Back the history up with pg_dump first, then run SET omnichannel.allow_drop_with_history = on in the same session.")));
	PG_RETURN_VOID();
}
