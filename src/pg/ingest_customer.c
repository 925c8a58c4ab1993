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
#include "catalog/pg_type.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"

#include "pg/contact_point_io.h"
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
	if (oc_ingest.via_sql)
	{
		/* Citus plans no statement writing two tables distributed apart */
		oc_ingest_run(oc_ingest.new_bare_customer, &args[1], NULL, SPI_OK_INSERT);
		linked = oc_ingest_run(oc_ingest.first_identifier, args, NULL, SPI_OK_INSERT_RETURNING) == 1;
	}
	else
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
 * (a web form's e-mail and phone, a CRM id).  A sender wrote them: what is
 * not a valid contact point, and a blocked one, is ignored.  One nobody
 * owns is the customer's from now on for the rest of the statement (a later
 * row from that address finds it), one of another customer files a merge
 * request; both are written at the statement's end by one call of
 * omnichannel.link_identifiers (ext/80_identity.sql), which also settles an
 * identifier another session linked meanwhile.
 */
void
oc_ingest_link_identifiers(HeapTuple tuple, TupleDesc tupdesc, Datum customer, Snapshot snap)
{
	bool		isnull;
	Datum		attrs = heap_getattr(tuple, oc_ingest.att_attributes, tupdesc, &isnull);
	Datum		interaction;
	Jsonb	   *jb;
	JsonbValue	k;
	JsonbValue *v;
	JsonbIterator *it;
	JsonbValue	jv;
	JsonbIteratorToken tok;

	if (isnull)
		return;
	jb = DatumGetJsonbP(attrs);
	k.type = jbvString;
	k.val.string.val = "identifiers";
	k.val.string.len = strlen("identifiers");
	v = findJsonbValueFromContainer(&jb->root, JB_FOBJECT, &k);
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return;
	interaction = heap_getattr(tuple, oc_ingest.att_id, tupdesc, &isnull);
	if (isnull)
		return;

	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &jv, true)) != WJB_DONE)
	{
		Datum		contact;
		int64		owner;
		IngestStatement *stmt;
		MemoryContext old;

		if (tok != WJB_ELEM || jv.type != jbvString)
			continue;
		contact = oc_contact_point_try(jv.val.string.val, jv.val.string.len);
		if (contact == (Datum) 0 || oc_ingest_contact_blocked(contact))
			continue;
		if (customer_of_contact(contact, snap, &owner))
		{
			if (owner == DatumGetInt64(customer))
				continue;		/* already the customer's */
		}
		else
			oc_ingest_cache_contact(contact, DatumGetInt64(customer));

		stmt = oc_ingest_statement(true);
		old = MemoryContextSwitchTo(stmt->cxt);
		if (stmt->n_links == stmt->max_links)
		{
			stmt->max_links = Max(16, stmt->max_links * 2);
			stmt->link_contacts = stmt->link_contacts == NULL ?
				palloc(sizeof(Datum) * stmt->max_links) :
				repalloc(stmt->link_contacts, sizeof(Datum) * stmt->max_links);
			stmt->link_customers = stmt->link_customers == NULL ?
				palloc(sizeof(Datum) * stmt->max_links) :
				repalloc(stmt->link_customers, sizeof(Datum) * stmt->max_links);
			stmt->link_interactions = stmt->link_interactions == NULL ?
				palloc(sizeof(Datum) * stmt->max_links) :
				repalloc(stmt->link_interactions, sizeof(Datum) * stmt->max_links);
		}
		stmt->link_contacts[stmt->n_links] = PointerGetDatum(PG_DETOAST_DATUM_COPY(contact));
		stmt->link_customers[stmt->n_links] = customer;
		stmt->link_interactions[stmt->n_links] = interaction;
		stmt->n_links++;
		MemoryContextSwitchTo(old);
	}
}

/* Write the identifiers the statement's rows carried: one call. */
void
oc_ingest_write_links(void)
{
	IngestStatement *stmt = oc_ingest_statement(false);
	Datum		args[3];

	if (stmt == NULL || stmt->n_links == 0)
		return;
	args[0] = oc_ingest_array(stmt->link_contacts, NULL, stmt->n_links, oc_ingest.contact_type);
	args[1] = oc_ingest_array(stmt->link_customers, NULL, stmt->n_links, INT8OID);
	args[2] = oc_ingest_array(stmt->link_interactions, NULL, stmt->n_links, INT8OID);
	SPI_connect();
	oc_ingest_run(oc_ingest.link_identifiers, args, NULL, SPI_OK_SELECT);
	SPI_finish();
	stmt->n_links = 0;
}
