-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/20_model.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

-- Every trigger function of the extension fires only on its own tables:
-- the C ones check in C (src/pg/extension.c), the SQL ones call this first.
CREATE OR REPLACE FUNCTION omnichannel.check_trigger_table(function text, relid oid,
                                                          VARIADIC tables text[])
RETURNS void
AS 'MODULE_PATHNAME', 'oc_check_trigger_table'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.check_trigger_table(text, oid, text[]) IS
    'Raises an error unless relid is one of the named tables of the extension (its schema, its name): the first statement of every SQL trigger function of the extension, so that none runs on a look-alike table';

-- Ingest: resolve the customer and the thread inside INSERT / COPY -----------

CREATE OR REPLACE FUNCTION omnichannel.interaction_before_insert()
RETURNS trigger
AS 'MODULE_PATHNAME', 'oc_interaction_before_insert'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.interaction_before_insert() IS
    'Ingest trigger: resolves or creates the customer from contact, decides the thread, opens it or records activity on it';

CREATE OR REPLACE FUNCTION omnichannel.interaction_after_statement()
RETURNS trigger
AS 'MODULE_PATHNAME', 'oc_interaction_after_statement'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.interaction_after_statement() IS
    'Ingest statement trigger: writes the activity, queue facts and due times of the threads the statement''s rows joined (moving their SLA clocks through sla_ingest), records their key and subject look-up rows, and removes threads opened for rows that ON CONFLICT DO NOTHING skipped and that no stored row joined';

CREATE OR REPLACE FUNCTION omnichannel.interaction_after_row()
RETURNS trigger
AS 'MODULE_PATHNAME', 'oc_interaction_after_row'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.interaction_after_row() IS
    'Ingest row trigger: writes the threads the statement opened (and the rest of its thread bookkeeping) before the first opening row''s foreign key is checked';

CREATE OR REPLACE TRIGGER ingest
    BEFORE INSERT ON omnichannel.interaction
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_before_insert();
-- The threads a statement opens are written once, at its end, with what all
-- its rows made of them.  Under SET CONSTRAINTS ... IMMEDIATE the foreign key
-- of interaction to thread is checked row by row before any statement
-- trigger fires, so the first row that opened a thread writes them all;
-- triggers fire in name order and the foreign key's own trigger is named
-- "RI_ConstraintTrigger_...": this name sorts before it (upper-case I).
CREATE OR REPLACE TRIGGER "Ingest_threads"
    AFTER INSERT ON omnichannel.interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH ROW WHEN (NEW.stitch_reason = 'new')
    EXECUTE FUNCTION omnichannel.interaction_after_row();
COMMENT ON TRIGGER "Ingest_threads" ON omnichannel.interaction IS
    'Writes the threads the statement opened before the first opening row''s foreign key is checked (named to fire before the foreign key''s trigger)';
CREATE OR REPLACE TRIGGER ingest_flush
    AFTER INSERT ON omnichannel.interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.interaction_after_statement();
COMMENT ON TRIGGER ingest ON omnichannel.interaction IS
    'Resolves the customer and the thread of each new interaction';
COMMENT ON TRIGGER ingest_flush ON omnichannel.interaction IS
    'Writes the threads'' activity, queue facts and SLA clocks once per statement, and removes threads left empty by rows that ON CONFLICT skipped';

-- The same ingest on omnichannel.interaction_in (the way in on Citus); its
-- statement trigger moves the statement's rows into interaction first.
CREATE OR REPLACE TRIGGER ingest
    BEFORE INSERT ON omnichannel.interaction_in
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_before_insert();
CREATE OR REPLACE TRIGGER "Ingest_threads"
    AFTER INSERT ON omnichannel.interaction_in
    REFERENCING NEW TABLE AS new_rows
    FOR EACH ROW WHEN (NEW.stitch_reason = 'new')
    EXECUTE FUNCTION omnichannel.interaction_after_row();
CREATE OR REPLACE TRIGGER ingest_flush
    AFTER INSERT ON omnichannel.interaction_in
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.interaction_after_statement();
COMMENT ON TRIGGER ingest ON omnichannel.interaction_in IS
    'Resolves the customer and the thread of each new interaction (a retried delivery is skipped)';
COMMENT ON TRIGGER "Ingest_threads" ON omnichannel.interaction_in IS
    'Writes the threads the statement opened, as on interaction';
COMMENT ON TRIGGER ingest_flush ON omnichannel.interaction_in IS
    'Moves the statement''s rows into interaction, then writes the threads'' activity, queue facts, SLA clocks and look-up rows, as on interaction';
