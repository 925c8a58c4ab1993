/*-------------------------------------------------------------------------
 *
 * ingest_customer.c
 *	  The customer of an interaction's contact point, created on first
 *	  sight; the customer's stitching lock; more identifiers carried in
 *	  attributes.
 *
 * Two sessions seeing a new contact point at once are serialized by the
 * primary key of customer_identifier (INSERT ... ON CONFLICT DO NOTHING
 * after creating the customer): the loser waits for the winner, deletes the
 * customer it had just made and takes the winner's.  No advisory locks, so
 * bulk loads do not fill the lock table (docs/concepts.md "The customer").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/sequence.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"

#include "pg/ingest.h"

/* The customer linked to a contact point, if any. */
static bool
customer_of_contact(Datum contact, Snapshot snap, int64 *customer)
{
	AttrNumber	att = oc_ingest.att_identifier_customer;
	Datum		value;
	bool		isnull;

	if (oc_ingest_cached_contact(contact, customer))
		return true;
	if (oc_probe(&oc_ingest.by_contact, &contact, snap, 1, &att, &value, &isnull, 1) == 0)
		return false;
	*customer = DatumGetInt64(value);
	oc_ingest_cache_contact(contact, *customer);
	return true;
}

/*
 * The customer of a contact point, created (with its identifier) on first
 * sight.  A blocked contact point (noreply@, a placeholder) is never linked:
 * each interaction from it gets a customer of its own.
 */
int64
oc_ingest_resolve_customer(Datum contact, Snapshot snap, bool *created)
{
	Datum		args[2];
	int64		customer;
	bool		linked;

	if (customer_of_contact(contact, snap, &customer))
		return customer;

	SPI_connect();
	customer = nextval_internal(oc_ingest.customer_seq, true);
	args[0] = contact;
	args[1] = Int64GetDatum(customer);
	if (oc_ingest_contact_blocked(contact))
	{
		oc_ingest_run(oc_ingest.new_bare_customer, &args[1], NULL, SPI_OK_INSERT);
		SPI_finish();
		*created = true;
		return customer;
	}
	linked = oc_ingest_run(oc_ingest.new_customer, args, NULL, SPI_OK_INSERT_RETURNING) == 1;

	/*
	 * If not linked, another transaction linked this contact point first and
	 * has committed (the insert waited for it): drop our customer and take
	 * theirs, which a new snapshot sees in READ COMMITTED; in REPEATABLE READ
	 * the insert has already raised a serialization failure.  (The customer
	 * is inserted by the same statement, before its identifier, so every
	 * foreign key holds at its end, also under SET CONSTRAINTS ALL
	 * IMMEDIATE.)
	 */
	if (!linked)
		oc_ingest_run(oc_ingest.drop_customer, &args[1], NULL, SPI_OK_DELETE);
	SPI_finish();
	*created = linked;
	if (linked)
		oc_ingest_cache_contact(contact, customer);
	if (!linked)
	{
		Snapshot	fresh = oc_probe_snapshot();

		linked = customer_of_contact(contact, fresh, &customer);
		UnregisterSnapshot(fresh);
		if (!linked)
			elog(ERROR, "contact point vanished while resolving its customer");
	}
	return customer;
}

/* Take the customer's stitching lock (its row, FOR NO KEY UPDATE, until commit). */
void
oc_ingest_lock_customer(Datum customer, Snapshot snap)
{
	(void) oc_probe_lock(&oc_ingest.by_customer, &customer, snap, LockTupleNoKeyExclusive);
}

/*
 * attributes->'identifiers': more identifiers of the interaction's customer
 * (a web form's e-mail and phone, a CRM id), linked by link_identifiers().
 */
void
oc_ingest_link_identifiers(HeapTuple tuple, TupleDesc tupdesc, Datum customer)
{
	bool		isnull;
	Datum		attrs = heap_getattr(tuple, oc_ingest.att_attributes, tupdesc, &isnull);
	Jsonb	   *jb;
	JsonbValue	k;
	JsonbValue *v;
	Datum		args[3];
	bool		id_null;

	if (isnull)
		return;
	jb = DatumGetJsonbP(attrs);
	k.type = jbvString;
	k.val.string.val = "identifiers";
	k.val.string.len = strlen("identifiers");
	v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &k);
	if (v == NULL || v->type == jbvNull)
		return;
	args[0] = customer;
	args[1] = JsonbPGetDatum(JsonbValueToJsonb(v));
	args[2] = heap_getattr(tuple, oc_ingest.att_id, tupdesc, &id_null);
	SPI_connect();
	oc_ingest_run(oc_ingest.link_identifiers, args, id_null ? "  n" : NULL, SPI_OK_SELECT);
	SPI_finish();
}
