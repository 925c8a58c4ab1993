-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/80_identity.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE TRIGGER identity_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.identity_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.audit_append_only(
        'identity events are append-only',
        'Undo a merge with omnichannel.unmerge(event).',
        'undo', 'redact');
COMMENT ON TRIGGER identity_event_append_only ON omnichannel.identity_event IS
    'Keeps the identity log append-only';

-- Merge ------------------------------------------------------------------------------

-- Rows of one customer given to another: an UPDATE of customer_id on one
-- node.  Where Citus distributes the tables by customer_id, which it
-- cannot update, the rows are copied to the other customer (every column
-- kept, ids too: there the keys include customer_id) and deleted
-- (citus_move_rows); the audit tables' rows by their owner only.  The one
-- way a customer's rows change customer, for move_threads, merge_customers
-- and unmerge.  Runs with the caller's privileges.
CREATE OR REPLACE FUNCTION omnichannel.move_customer_rows(rel regclass, from_customer bigint,
                                                          to_customer bigint, by_column text,
                                                          ids bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    IF NOT EXISTS (SELECT FROM omnichannel.citus_table_role() AS t
                    WHERE t.table_name = rel AND t.distribution_column = 'customer_id') THEN
        RAISE EXCEPTION 'table % does not hold rows of one customer', rel
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF by_column NOT IN ('customer_id', 'id', 'thread_id') THEN
        RAISE EXCEPTION 'rows cannot be chosen by column "%"', by_column
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Choose them by customer_id, id or thread_id.';
    END IF;
    IF from_customer = to_customer OR cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    IF NOT omnichannel.citus_distributed() THEN
        EXECUTE pg_catalog.format('UPDATE %s AS r SET customer_id = $2 WHERE r.customer_id = $1 AND r.%I = ANY ($3)',
                                  rel, by_column)
          USING from_customer, to_customer, ids;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        RETURN v_n;
    END IF;
    IF rel NOT IN ('omnichannel.thread_event'::regclass, 'omnichannel.sla_event'::regclass) THEN
        RETURN omnichannel.citus_move_rows(rel, from_customer, to_customer, by_column, ids);
    END IF;
    -- an audit table: its trigger lets a shard delete the rows of the
    -- customer named here, for the table's owner (merge_customers and
    -- unmerge run as the owner on Citus); SET LOCAL, not set_config(), and
    -- citus.propagate_set_commands = local: Citus passes it to the workers
    SET LOCAL citus.propagate_set_commands = 'local';
    EXECUTE pg_catalog.format('SET LOCAL omnichannel.moving_customer = %L', from_customer);
    v_n := omnichannel.citus_move_rows(rel, from_customer, to_customer, by_column, ids);
    SET LOCAL omnichannel.moving_customer = '';
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.move_customer_rows(regclass, bigint, bigint, text, bigint[]) IS
    'Gives rows of one customer (those whose by_column is in ids) to another: an UPDATE of customer_id on one node, a copy and a delete where Citus distributes the tables by customer_id; returns the rows moved; internal to move_threads, merge_customers and unmerge, which audit';

-- The copy and the delete on Citus (move_customer_rows has checked the
-- table and the column).
CREATE OR REPLACE FUNCTION omnichannel.citus_move_rows(rel regclass, from_customer bigint,
                                                       to_customer bigint, by_column text,
                                                       ids bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rows jsonb;
    v_n    bigint;
BEGIN
    EXECUTE pg_catalog.format('SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(r) || pg_catalog.jsonb_build_object(''customer_id'', $2)) '
                              'FROM %s AS r WHERE r.customer_id = $1 AND r.%I = ANY ($3)', rel, by_column)
      INTO v_rows USING from_customer, to_customer, ids;
    IF v_rows IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE pg_catalog.format('DELETE FROM %s AS r WHERE r.customer_id = $1 AND r.%I = ANY ($2)', rel, by_column)
      USING from_customer, ids;
    EXECUTE pg_catalog.format('INSERT INTO %s SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1)',
                              rel, rel)
      USING v_rows;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.citus_move_rows(regclass, bigint, bigint, text, bigint[]) IS
    'Internal to move_customer_rows on Citus: copies rows of one customer to another (every column kept) and deletes them, with the caller''s privileges';

-- What moves with a thread when it changes customer: the thread, its
-- interactions, its key and subject look-up rows, its SLA clocks and
-- assignments (sla_event and thread_event are moved by the callers, which
-- record which rows).  One definition for merge and unmerge; explicit,
-- since no foreign key cascades an update of customer_id (on Citus that
-- column is the distribution column).  The keys between them are deferred
-- to the commit.
CREATE OR REPLACE FUNCTION omnichannel.move_threads(threads bigint[], from_customer bigint,
                                                    to_customer bigint)
RETURNS integer
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_moved  integer;
    v_all    bigint[];
    v_next   bigint[];
    v_ext    text[];
    v_chan   omnichannel.channel[];
    v_rel    regclass;
BEGIN
    -- a thread merged into another (merge_threads) goes where the thread it
    -- ended in goes: with a moving thread that is not merged itself, or not
    -- at all (it is empty and closed; its key points at its survivor).
    -- (a loop, not a recursive query: Citus plans none over its tables)
    SELECT coalesce(array_agg(t.id), '{}') INTO v_next
      FROM omnichannel.thread AS t
     WHERE t.customer_id = from_customer AND t.merged_into IS NULL AND t.id = ANY (threads);
    v_all := v_next;
    WHILE cardinality(v_next) > 0 LOOP
        SELECT coalesce(array_agg(t.id), '{}') INTO v_next
          FROM omnichannel.thread AS t
         WHERE t.customer_id = from_customer AND t.merged_into = ANY (v_next)
           AND t.id <> ALL (v_all);
        v_all := v_all || v_next;
    END LOOP;

    -- who holds the moved deliveries (filled on Citus only; by value: there
    -- the two tables are not co-located)
    IF omnichannel.citus_distributed() THEN
        SELECT coalesce(array_agg(i.external_id), '{}'), coalesce(array_agg(i.channel), '{}')
          INTO v_ext, v_chan
          FROM omnichannel.interaction AS i
         WHERE i.customer_id = from_customer AND i.thread_id = ANY (v_all) AND i.external_id IS NOT NULL;
        UPDATE omnichannel.delivery_customer AS d SET customer_id = to_customer
         WHERE d.customer_id = from_customer
           AND (d.external_id, d.channel) IN (SELECT x.e, x.c FROM unnest(v_ext, v_chan) AS x(e, c));
    END IF;

    v_moved := omnichannel.move_customer_rows('omnichannel.thread', from_customer, to_customer, 'id', v_all);
    FOREACH v_rel IN ARRAY ARRAY['omnichannel.interaction', 'omnichannel.thread_key',
                                 'omnichannel.thread_subject', 'omnichannel.sla_clock',
                                 'omnichannel.thread_assignment']::regclass[] LOOP
        PERFORM omnichannel.move_customer_rows(v_rel, from_customer, to_customer, 'thread_id', v_all);
    END LOOP;
    -- the rollup of the two customers (on one node the trigger on
    -- interaction's UPDATE does it; Citus runs no such trigger on a shard),
    -- with the caller's privileges: Citus refuses a transaction that reads a
    -- shard as one role after another changed it
    IF omnichannel.citus_distributed() THEN
        PERFORM omnichannel.customer_channel_rebuild(ARRAY[from_customer, to_customer]);
    END IF;
    RETURN v_moved;
END
$$;
COMMENT ON FUNCTION omnichannel.move_threads(bigint[], bigint, bigint) IS
    'Moves threads of one customer to another with their interactions, key and subject look-up rows, SLA clocks and assignments, and the threads merged into them (a thread merged into one that stays, stays); the part of merge_customers and unmerge that a cascade did before 0.2.0; returns the number of threads moved; not audited: call those';
-- Executable by whoever may merge: it runs with the caller's privileges, and
-- moves only what the caller could move with UPDATE statements.

-- The callers' rights: merge_customers and unmerge run with them on one
-- node.  On Citus, which refuses a transaction that reads a shard as one
-- role after another changed it, they run as the tables' owner (the audit
-- tables let only the owner delete the events a move copied), for a caller
-- holding what the same call takes on one node (docs/identity.md), checked
-- here.  The role that called: SECURITY DEFINER changes current_user, not
-- the role setting.
CREATE OR REPLACE FUNCTION omnichannel.calling_role()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pg_catalog.current_setting('role') = 'none' THEN session_user::text
                ELSE pg_catalog.current_setting('role') END
$$;
COMMENT ON FUNCTION omnichannel.calling_role() IS
    'The role that called: the role set by SET ROLE, else the session user (inside SECURITY DEFINER functions, where current_user is the owner)';

CREATE OR REPLACE FUNCTION omnichannel.check_privileges(who text, wants text[])
RETURNS void
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w text;
BEGIN
    -- each want: 'PRIVILEGE[, PRIVILEGE] ON table'
    FOREACH w IN ARRAY wants LOOP
        IF NOT pg_catalog.has_table_privilege(who, pg_catalog.split_part(w, ' ON ', 2)::regclass,
                                              pg_catalog.split_part(w, ' ON ', 1)) THEN
            RAISE EXCEPTION 'permission denied for table %', pg_catalog.split_part(w, ' ON ', 2)
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = pg_catalog.format('Role %s lacks %s on it, which the same call takes on one node.',
                                                 who, pg_catalog.split_part(w, ' ON ', 1));
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.check_privileges(text, text[]) IS
    'Raises 42501 unless the role holds every privilege listed (''SELECT, UPDATE ON omnichannel.thread'', ...); for SECURITY DEFINER functions that do for a caller what it may do itself';

-- What an identity operator holds (docs/identity.md "Privileges"): a merge,
-- and for an unmerge also these.
CREATE OR REPLACE FUNCTION omnichannel.identity_operator_privileges(undo boolean)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT ARRAY['SELECT, UPDATE ON omnichannel.customer', 'SELECT, UPDATE ON omnichannel.customer_identifier',
                 'SELECT, UPDATE ON omnichannel.thread', 'SELECT, UPDATE ON omnichannel.thread_event',
                 'SELECT, UPDATE ON omnichannel.pending_reference', 'SELECT, UPDATE ON omnichannel.interaction',
                 'SELECT, UPDATE ON omnichannel.thread_key', 'SELECT, UPDATE ON omnichannel.thread_subject',
                 'SELECT, UPDATE ON omnichannel.sla_clock', 'SELECT, UPDATE ON omnichannel.sla_event',
                 'SELECT, UPDATE ON omnichannel.thread_assignment', 'SELECT, INSERT ON omnichannel.identity_event',
                 'SELECT ON omnichannel.identity_no_link']
           || CASE WHEN undo THEN ARRAY['UPDATE ON omnichannel.identity_event', 'INSERT ON omnichannel.identity_no_link',
                                        'INSERT ON omnichannel.thread']
                   ELSE '{}'::text[] END
$$;
COMMENT ON FUNCTION omnichannel.identity_operator_privileges(boolean) IS
    'The table privileges merge_customers (undo false) or unmerge (undo true) takes with the caller''s rights on one node; checked for the caller where they run as the owner (Citus)';

CREATE OR REPLACE FUNCTION omnichannel.merge_customers(keep bigint, absorb bigint, reason text DEFAULT NULL,
                                            force boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF omnichannel.citus_distributed() THEN
        RETURN omnichannel.merge_customers_as_owner(keep, absorb, reason, force);
    END IF;
    RETURN omnichannel.merge_customers_run(keep, absorb, reason, force, CURRENT_USER);
END
$$;
COMMENT ON FUNCTION omnichannel.merge_customers(bigint, bigint, text, boolean) IS
    'Merges customer absorb into keep: identifiers, threads, interactions and audit rows move, absorb points to keep; refuses pairs in identity_no_link and, unless force, customers with different crm: ids; returns the identity_event id';

CREATE OR REPLACE FUNCTION omnichannel.merge_customers_as_owner(keep bigint, absorb bigint, reason text,
                                                                force boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_caller text := omnichannel.calling_role();
BEGIN
    PERFORM omnichannel.check_privileges(v_caller, omnichannel.identity_operator_privileges(false));
    RETURN omnichannel.merge_customers_run(keep, absorb, reason, force, v_caller);
END
$$;
COMMENT ON FUNCTION omnichannel.merge_customers_as_owner(bigint, bigint, text, boolean) IS
    'merge_customers on Citus: runs it as the owner for a caller holding the privileges it takes on one node (identity_operator_privileges)';

CREATE OR REPLACE FUNCTION omnichannel.merge_customers_run(keep bigint, absorb bigint, reason text,
                                                           force boolean, actor text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep     bigint := merge_customers_run.keep;
    v_absorb   bigint := merge_customers_run.absorb;
    v_reason   text := merge_customers_run.reason;
    v_keep_row record;
    v_abs_row  record;
    v_found_row record;
    v_crm_keep text[];
    v_crm_abs  text[];
    v_contacts text[];
    v_threads  bigint[];
    v_tevents  bigint[];
    v_pending  jsonb;
    v_repoint  bigint[];
    v_count    bigint;
    v_event    bigint;
    r          record;
BEGIN
    IF v_keep IS NULL OR v_absorb IS NULL OR force IS NULL THEN
        RAISE EXCEPTION 'keep, absorb and force must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF v_keep = v_absorb THEN
        RAISE EXCEPTION 'could not merge customer % into itself', v_keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    -- the two customers locked in id order, one at a time (on Citus a row
    -- lock is one shard's)
    FOR r IN SELECT x.id FROM unnest(ARRAY[v_keep, v_absorb]) AS x(id) ORDER BY x.id LOOP
        SELECT c.id, c.merged_into INTO v_found_row
          FROM omnichannel.customer AS c WHERE c.id = r.id FOR UPDATE;
        IF FOUND THEN
            IF r.id = v_keep THEN v_keep_row := v_found_row; ELSE v_abs_row := v_found_row; END IF;
        END IF;
    END LOOP;
    IF v_keep_row IS NULL THEN
        RAISE EXCEPTION 'customer % does not exist', v_keep USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_abs_row IS NULL THEN
        RAISE EXCEPTION 'customer % does not exist', v_absorb USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_keep_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was merged into customer %', v_keep, v_keep_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Merge into customer %s instead.', v_keep_row.merged_into);
    END IF;
    IF v_abs_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was already merged into customer %', v_absorb, v_abs_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF EXISTS (SELECT FROM omnichannel.identity_no_link AS n
                WHERE n.customer_a = least(v_keep, v_absorb)
                  AND n.customer_b = greatest(v_keep, v_absorb)) THEN
        RAISE EXCEPTION 'customers % and % must not be merged', v_keep, v_absorb
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The pair is in omnichannel.identity_no_link (an earlier merge of them was undone).',
                  HINT = 'Delete the pair from omnichannel.identity_no_link if they are the same person after all.';
    END IF;

    -- merge protection: different CRM ids are different people
    SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_keep
      FROM omnichannel.customer_identifier AS i
     WHERE i.customer_id = v_keep AND omnichannel.kind(i.contact) = 'crm';
    SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_abs
      FROM omnichannel.customer_identifier AS i
     WHERE i.customer_id = v_absorb AND omnichannel.kind(i.contact) = 'crm';
    IF v_crm_keep IS NOT NULL AND v_crm_abs IS NOT NULL AND NOT v_crm_keep && v_crm_abs
       AND NOT force THEN
        RAISE EXCEPTION 'customers % and % have different CRM ids', v_keep, v_absorb
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Customer %s is %s in the CRM, customer %s is %s.',
                                             v_keep, array_to_string(v_crm_keep, ', '),
                                             v_absorb, array_to_string(v_crm_abs, ', ')),
                  HINT = 'Pass force => true if the CRM records are duplicates of one person.';
    END IF;

    -- what moves, recorded for unmerge
    SELECT coalesce(array_agg(i.contact::text ORDER BY i.contact::text), '{}') INTO v_contacts
      FROM omnichannel.customer_identifier AS i WHERE i.customer_id = v_absorb;
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO v_threads
      FROM omnichannel.thread AS t WHERE t.customer_id = v_absorb;
    SELECT coalesce(array_agg(e.id ORDER BY e.id), '{}') INTO v_tevents
      FROM omnichannel.thread_event AS e WHERE e.customer_id = v_absorb;
    SELECT coalesce(jsonb_agg(jsonb_build_array(p.external_id, p.interaction_id)
                              ORDER BY p.external_id, p.interaction_id), '[]') INTO v_pending
      FROM omnichannel.pending_reference AS p WHERE p.customer_id = v_absorb;
    SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') INTO v_repoint
      FROM omnichannel.customer AS c WHERE c.merged_into = v_absorb;
    SELECT count(*) INTO v_count FROM omnichannel.interaction AS i WHERE i.customer_id = v_absorb;

    INSERT INTO omnichannel.identity_event (action, customer_id, other_customer_id, reason, actor, details)
    VALUES ('merge', v_keep, v_absorb, v_reason, merge_customers_run.actor,
            jsonb_build_object('identifiers', to_jsonb(v_contacts),
                               'threads', to_jsonb(v_threads),
                               'thread_events', to_jsonb(v_tevents),
                               'pending_references', v_pending,
                               'repointed_customers', to_jsonb(v_repoint),
                               'interactions', v_count,
                               'forced', force))
    RETURNING id INTO v_event;

    UPDATE omnichannel.customer_identifier AS i SET customer_id = v_keep
     WHERE i.customer_id = v_absorb;
    -- threads carry their interactions, look-up rows, clocks and assignments
    PERFORM omnichannel.move_threads(v_threads, v_absorb, v_keep);
    PERFORM omnichannel.move_customer_rows('omnichannel.thread_event', v_absorb, v_keep,
                                           'customer_id', ARRAY[v_absorb]);
    PERFORM omnichannel.move_customer_rows('omnichannel.sla_event', v_absorb, v_keep,
                                           'customer_id', ARRAY[v_absorb]);
    UPDATE omnichannel.pending_reference AS p SET customer_id = v_keep
     WHERE p.customer_id = v_absorb;
    -- no chains
    UPDATE omnichannel.customer AS c SET merged_into = v_keep
     WHERE c.id = v_absorb OR c.merged_into = v_absorb;
    RETURN v_event;
END
$$;
COMMENT ON FUNCTION omnichannel.merge_customers_run(bigint, bigint, text, boolean, text) IS
    'Internal: the body of merge_customers, with the caller''s rights on one node and the owner''s on Citus; actor is recorded in the identity_event';

-- Unmerge ----------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.unmerge(event bigint, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF omnichannel.citus_distributed() THEN
        RETURN omnichannel.unmerge_as_owner(event, reason);
    END IF;
    RETURN omnichannel.unmerge_run(event, reason, CURRENT_USER);
END
$$;
COMMENT ON FUNCTION omnichannel.unmerge(bigint, text) IS
    'Undoes a merge_customers event: the absorbed customer gets back its identifiers, threads, interactions and audit rows, and what arrived since through its identifiers; records the pair in identity_no_link and an unmerge identity_event, whose id it returns';

CREATE OR REPLACE FUNCTION omnichannel.unmerge_as_owner(event bigint, reason text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_caller text := omnichannel.calling_role();
BEGIN
    PERFORM omnichannel.check_privileges(v_caller, omnichannel.identity_operator_privileges(true));
    RETURN omnichannel.unmerge_run(event, reason, v_caller);
END
$$;
COMMENT ON FUNCTION omnichannel.unmerge_as_owner(bigint, text) IS
    'unmerge on Citus: runs it as the owner for a caller holding the privileges it takes on one node (identity_operator_privileges)';

CREATE OR REPLACE FUNCTION omnichannel.unmerge_run(event bigint, reason text, actor text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_event    bigint := unmerge_run.event;
    v_reason   text := unmerge_run.reason;
    e          omnichannel.identity_event;
    v_keep     bigint;
    v_absorb   bigint;
    v_contacts text[];
    v_threads  bigint[];
    v_since    bigint[];
    v_split    jsonb := '[]';
    v_new      bigint;
    v_ids      bigint[];
    v_undo     bigint;
    v_prev     jsonb;
    v_user     text := unmerge_run.actor;
    r          record;
BEGIN
    IF v_event IS NULL THEN
        RAISE EXCEPTION 'event must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();
    SELECT * INTO e FROM omnichannel.identity_event AS ev WHERE ev.id = v_event FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'identity event % does not exist', v_event
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF e.action <> 'merge' THEN
        RAISE EXCEPTION 'identity event % is not a merge', v_event
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF e.undone_by IS NOT NULL THEN
        RAISE EXCEPTION 'merge % was already undone by event %', v_event, e.undone_by
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    v_keep := e.customer_id;
    v_absorb := e.other_customer_id;
    -- in id order, one at a time (on Citus a row lock is one shard's)
    FOR r IN SELECT x.id FROM unnest(ARRAY[v_keep, v_absorb]) AS x(id) ORDER BY x.id LOOP
        PERFORM FROM omnichannel.customer AS c WHERE c.id = r.id FOR UPDATE;
    END LOOP;
    IF (SELECT c.merged_into FROM omnichannel.customer AS c WHERE c.id = v_absorb)
       IS DISTINCT FROM v_keep THEN
        RAISE EXCEPTION 'customer % is no longer merged into customer %', v_absorb, v_keep
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A later merge moved the survivor; undo that merge first.';
    END IF;
    IF (SELECT c.merged_into FROM omnichannel.customer AS c WHERE c.id = v_keep) IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was merged again since', v_keep
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Undo the later merge of the survivor first.';
    END IF;

    SELECT coalesce(array_agg(x), '{}') INTO v_contacts
      FROM jsonb_array_elements_text(e.details->'identifiers') AS x;
    SELECT coalesce(array_agg(x::bigint), '{}') INTO v_threads
      FROM jsonb_array_elements_text(e.details->'threads') AS x;

    -- what arrived since through the absorbed customer's identifiers: a
    -- thread made only of such interactions goes back whole; such
    -- interactions in a thread shared with the survivor go to a new thread
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO v_since
      FROM omnichannel.thread AS t
     WHERE t.customer_id = v_keep AND t.created_at >= e.occurred_at
       AND t.id <> ALL (v_threads)
       AND EXISTS (SELECT FROM omnichannel.interaction AS i
                    WHERE i.customer_id = t.customer_id AND i.thread_id = t.id)
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.customer_id = t.customer_id AND i.thread_id = t.id
                          AND (i.contact IS NULL OR i.contact::text <> ALL (v_contacts)));
    FOR r IN SELECT i.thread_id, array_agg(i.id ORDER BY i.occurred_at, i.id) AS ids,
                    min(i.occurred_at) AS first_at
               FROM omnichannel.interaction AS i
              WHERE i.customer_id = v_keep AND i.created_at >= e.occurred_at
                AND i.contact::text = ANY (v_contacts)
                AND i.thread_id <> ALL (v_threads) AND i.thread_id <> ALL (v_since)
              GROUP BY i.thread_id ORDER BY i.thread_id
    LOOP
        INSERT INTO omnichannel.thread (customer_id, opened_at, last_activity_at)
        VALUES (v_absorb, r.first_at, r.first_at)
        RETURNING id INTO v_new;
        -- the interactions leave the survivor's thread for the new one,
        -- then go to the absorbed customer (move_customer_rows; the key to
        -- the thread is checked at the commit).  The evidence from values
        -- read first: Citus takes no stable function over a column in an
        -- UPDATE.
        SELECT jsonb_object_agg(i.id::text, jsonb_build_object('previous_reason', i.stitch_reason,
                                                               'previous_evidence', i.stitch_evidence))
          INTO v_prev
          FROM omnichannel.interaction AS i
         WHERE i.customer_id = v_keep AND i.id = ANY (r.ids);
        UPDATE omnichannel.interaction AS i
           SET thread_id = v_new, stitch_reason = 'manual',
               stitch_evidence = jsonb_build_object('action', 'unmerge', 'by', v_user,
                                                    'identity_event', v_event,
                                                    'from_thread', r.thread_id)
                                 || (v_prev -> i.id::text)
         WHERE i.customer_id = v_keep AND i.id = ANY (r.ids);
        PERFORM omnichannel.move_customer_rows('omnichannel.interaction', v_keep, v_absorb, 'id', r.ids);
        PERFORM omnichannel.refresh_thread(r.thread_id);
        PERFORM omnichannel.refresh_thread(v_new);
        v_split := v_split || jsonb_build_object('from_thread', r.thread_id, 'new_thread', v_new,
                                                 'interactions', to_jsonb(r.ids));
    END LOOP;

    UPDATE omnichannel.customer_identifier AS i SET customer_id = v_absorb
     WHERE i.customer_id = v_keep AND i.contact::text = ANY (v_contacts);
    PERFORM omnichannel.move_threads(v_threads || v_since, v_keep, v_absorb);
    PERFORM omnichannel.move_customer_rows('omnichannel.thread_event', v_keep, v_absorb, 'id',
                                           ARRAY(SELECT x::bigint FROM jsonb_array_elements_text(e.details->'thread_events') AS x));
    -- the SLA log follows its threads
    PERFORM omnichannel.move_customer_rows('omnichannel.sla_event', v_keep, v_absorb, 'thread_id',
                                           v_threads || v_since);
    UPDATE omnichannel.pending_reference AS p SET customer_id = v_absorb
     WHERE p.customer_id = v_keep
       AND (p.external_id, p.interaction_id) IN
           (SELECT x->>0, (x->>1)::bigint FROM jsonb_array_elements(e.details->'pending_references') AS x);
    UPDATE omnichannel.customer AS c SET merged_into = NULL WHERE c.id = v_absorb;
    UPDATE omnichannel.customer AS c SET merged_into = v_absorb
     WHERE c.id IN (SELECT x::bigint FROM jsonb_array_elements_text(e.details->'repointed_customers') AS x)
       AND c.merged_into = v_keep;

    INSERT INTO omnichannel.identity_no_link (customer_a, customer_b, reason)
    VALUES (least(v_keep, v_absorb), greatest(v_keep, v_absorb),
            coalesce(v_reason, pg_catalog.format('unmerge of identity event %s', v_event)))
    ON CONFLICT DO NOTHING;

    INSERT INTO omnichannel.identity_event (action, customer_id, other_customer_id, reason, actor, details)
    VALUES ('unmerge', v_keep, v_absorb, v_reason, v_user,
            jsonb_build_object('undoes', v_event,
                               'threads_arrived_since', to_jsonb(v_since),
                               'interactions_split_off', v_split))
    RETURNING id INTO v_undo;
    UPDATE omnichannel.identity_event AS ev SET undone_by = v_undo WHERE ev.id = v_event;
    RETURN v_undo;
END
$$;
COMMENT ON FUNCTION omnichannel.unmerge_run(bigint, text, text) IS
    'Internal: the body of unmerge, with the caller''s rights on one node and the owner''s on Citus; actor is recorded in the identity_event and the moved interactions'' evidence';

-- Suggestions: weak evidence, never a merge ----------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.email_provider_key(contact omnichannel.contact_point)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_sql_email_provider_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.email_provider_key(omnichannel.contact_point) IS
    'Provider-folded key of an e-mail contact point (a +tag dropped; dots dropped and googlemail.com read as gmail.com at Gmail), NULL for other kinds; a suggestion key only';

CREATE OR REPLACE FUNCTION omnichannel.name_key(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_sql_name_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.name_key(text) IS
    'Name key for duplicate suggestions: NFKC case-folded, Romanian cedilla letters read as comma-below, punctuation and white space folded to one space; diacritics and scripts kept; NULL if nothing is left; depends on the ICU version';

CREATE OR REPLACE FUNCTION omnichannel.name_translit_key(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_sql_name_translit_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.name_translit_key(text) IS
    'name_key transliterated to ASCII (ICU Any-Latin; Latin-ASCII): matches Дмитрий and Dmitrij, but also makes different surnames collide (Сухов, Шухов); a weak suggestion key only';

CREATE OR REPLACE VIEW omnichannel.identity_suggestions AS
WITH active AS (
    SELECT c.id, c.display_name
      FROM omnichannel.customer AS c
     WHERE c.merged_into IS NULL
), keys AS (
    SELECT i.customer_id, 'email_provider'::text AS kind,
           omnichannel.email_provider_key(i.contact) AS key, i.contact::text AS evidence
      FROM omnichannel.customer_identifier AS i
      JOIN active AS a ON a.id = i.customer_id
     WHERE omnichannel.kind(i.contact) = 'email'
    UNION ALL
    SELECT a.id, 'name', omnichannel.name_key(a.display_name), a.display_name
      FROM active AS a WHERE a.display_name IS NOT NULL
    UNION ALL
    SELECT a.id, 'name_translit', omnichannel.name_translit_key(a.display_name), a.display_name
      FROM active AS a WHERE a.display_name IS NOT NULL
), pairs AS (
    SELECT DISTINCT x.customer_id AS customer_a, y.customer_id AS customer_b, x.kind, x.key,
           x.evidence AS evidence_a, y.evidence AS evidence_b
      FROM keys AS x
      JOIN keys AS y ON y.kind = x.kind AND y.key = x.key AND y.customer_id > x.customer_id
     WHERE x.key IS NOT NULL
)
SELECT p.customer_a, p.customer_b,
       -- the strongest evidence counts: a provider-folded address 0.6, the
       -- name 0.3, only the transliterated name 0.1
       least(1.0, coalesce(max(0.6) FILTER (WHERE p.kind = 'email_provider'), 0)
                  + coalesce(max(0.3) FILTER (WHERE p.kind = 'name'),
                             max(0.1) FILTER (WHERE p.kind = 'name_translit'), 0))::numeric(3,2) AS score,
       pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'kind', p.kind, 'key', p.key, 'a', p.evidence_a, 'b', p.evidence_b)
           ORDER BY p.kind, p.evidence_a, p.evidence_b) AS evidence
  FROM pairs AS p
 WHERE NOT EXISTS (SELECT FROM omnichannel.identity_no_link AS n
                    WHERE n.customer_a = p.customer_a AND n.customer_b = p.customer_b)
 GROUP BY p.customer_a, p.customer_b;
COMMENT ON VIEW omnichannel.identity_suggestions IS
    'Likely duplicate customers from weak evidence (provider-folded e-mail, name keys), with the evidence and a score; never merged automatically: an operator decides with merge_customers';
COMMENT ON COLUMN omnichannel.identity_suggestions.customer_a IS 'The lower customer id of the pair';
COMMENT ON COLUMN omnichannel.identity_suggestions.customer_b IS 'The higher customer id of the pair';
COMMENT ON COLUMN omnichannel.identity_suggestions.score IS
    'How strong the evidence is, 0 to 1: provider-folded e-mail 0.6, plus name 0.3 (or only the transliterated name 0.1)';
COMMENT ON COLUMN omnichannel.identity_suggestions.evidence IS
    'What matched: [{"kind": email_provider | name | name_translit, "key", "a", "b"}]';

CREATE OR REPLACE FUNCTION omnichannel.builtin_identity_blocklist()
RETURNS TABLE (pattern text, note text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES ('^email:(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)([+._-][^@]*)?@',
            'automatic senders'),
           ('^email:(unknown|none|null|nobody|noemail|no-?mail|test|n/?a)@', 'placeholder addresses'),
           ('^tel:\+[0-9]{1,3}(0{6,}|9{6,}|1234567890?)$', 'placeholder numbers'),
           ('^[a-z]+:(0+|unknown|none|null|n/?a|-+|x+)$', 'placeholder ids')
$$;
COMMENT ON FUNCTION omnichannel.builtin_identity_blocklist() IS
    'The built-in block list: contact points that never link customers (automatic senders, placeholders)';

CREATE OR REPLACE VIEW omnichannel.identity_blocklist AS
SELECT b.pattern, b.note, true AS builtin FROM omnichannel.builtin_identity_blocklist() AS b
UNION ALL
SELECT u.pattern, u.note, false FROM omnichannel.identity_blocklist_override AS u;
COMMENT ON VIEW omnichannel.identity_blocklist IS 'The block list in force: built-in patterns and the DBA''s (identity_blocklist_override)';
COMMENT ON COLUMN omnichannel.identity_blocklist.pattern IS 'Regular expression on kind:value';
COMMENT ON COLUMN omnichannel.identity_blocklist.note IS 'Why';
COMMENT ON COLUMN omnichannel.identity_blocklist.builtin IS 'Built in, or added in identity_blocklist_override';

CREATE OR REPLACE FUNCTION omnichannel.identity_blocked(contact omnichannel.contact_point)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT FROM omnichannel.identity_blocklist AS b
                    WHERE contact::pg_catalog.text OPERATOR(pg_catalog.~*) b.pattern)
$$;
COMMENT ON FUNCTION omnichannel.identity_blocked(omnichannel.contact_point) IS
    'Whether a contact point is on the block list (it never links customers)';

-- Called by the ingest trigger for an interaction with attributes->'identifiers'.
CREATE OR REPLACE FUNCTION omnichannel.link_identifiers(contacts omnichannel.contact_point[],
                                                        customers bigint[],
                                                        interactions bigint[])
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r       record;
    v_owner bigint;
BEGIN
    -- in the order the statement's rows carried them
    FOR r IN SELECT u.contact, u.customer, u.interaction
               FROM ROWS FROM (unnest(contacts), unnest(customers), unnest(interactions))
                    WITH ORDINALITY AS u(contact, customer, interaction, n)
              ORDER BY u.n
    LOOP
        SELECT i.customer_id INTO v_owner
          FROM omnichannel.customer_identifier AS i WHERE i.contact OPERATOR(omnichannel.=) r.contact;
        IF v_owner IS NULL THEN
            INSERT INTO omnichannel.customer_identifier (contact, customer_id)
            VALUES (r.contact, r.customer)
            ON CONFLICT (contact) DO NOTHING
            RETURNING customer_id INTO v_owner;
            IF v_owner IS NOT NULL THEN
                INSERT INTO omnichannel.identity_event (action, customer_id, details)
                VALUES ('link', r.customer,
                        jsonb_build_object('contact', r.contact::text, 'interaction_id', r.interaction,
                                           'via', 'attributes.identifiers'));
                CONTINUE;
            END IF;
            SELECT i.customer_id INTO v_owner   -- linked concurrently
              FROM omnichannel.customer_identifier AS i WHERE i.contact OPERATOR(omnichannel.=) r.contact;
        END IF;
        CONTINUE WHEN v_owner = r.customer;
        INSERT INTO omnichannel.identity_link_request
               (contact, customer_id, other_customer_id, interaction_id)
        VALUES (r.contact, r.customer, v_owner, r.interaction)
        ON CONFLICT DO NOTHING;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.link_identifiers(omnichannel.contact_point[], bigint[], bigint[]) IS
    'Internal to ingest, once per statement: links the identifiers its rows carried in attributes->''identifiers'' (valid, not blocked; ingest read them) to the rows'' customers, each logged; one of another customer becomes an identity_link_request';

CREATE OR REPLACE FUNCTION omnichannel.apply_identity_links(max_requests integer DEFAULT 1000)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r          record;
    v_a        bigint;
    v_b        bigint;
    v_limit    integer;
    v_claims   bigint;
    v_crm_a    text[];
    v_crm_b    text[];
    v_event    bigint;
    v_state    text;
    v_decision jsonb;
    v_done     jsonb := '{"merged": 0, "same": 0, "refused": 0}';
BEGIN
    IF max_requests IS NULL OR max_requests < 1 THEN
        RAISE EXCEPTION 'max_requests must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM omnichannel.thread_ops_lock();
    FOR r IN SELECT q.* FROM omnichannel.identity_link_request AS q
              WHERE q.state = 'pending' ORDER BY q.id LIMIT max_requests
    LOOP
        -- where both customers are now
        SELECT coalesce(c.merged_into, c.id) INTO v_a FROM omnichannel.customer AS c WHERE c.id = r.customer_id;
        SELECT coalesce(c.merged_into, c.id) INTO v_b FROM omnichannel.customer AS c WHERE c.id = r.other_customer_id;
        SELECT coalesce((SELECT l.max_customers FROM omnichannel.identity_kind_limit AS l
                          WHERE l.kind = omnichannel.kind(r.contact)), 2) INTO v_limit;
        -- every customer that claimed the identifier: its owner and the requesters
        -- (as recorded: customers merged since still count as claimants)
        SELECT count(*) INTO v_claims
          FROM (SELECT q.customer_id FROM omnichannel.identity_link_request AS q
                 WHERE q.contact OPERATOR(omnichannel.=) r.contact
                UNION SELECT q.other_customer_id FROM omnichannel.identity_link_request AS q
                 WHERE q.contact OPERATOR(omnichannel.=) r.contact) AS claimants;
        SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_a
          FROM omnichannel.customer_identifier AS i
         WHERE i.customer_id = v_a AND omnichannel.kind(i.contact) = 'crm';
        SELECT array_agg(omnichannel.value(i.contact) ORDER BY 1) INTO v_crm_b
          FROM omnichannel.customer_identifier AS i
         WHERE i.customer_id = v_b AND omnichannel.kind(i.contact) = 'crm';
        v_event := NULL;
        IF v_a IS NULL OR v_b IS NULL OR v_a = v_b THEN
            v_state := 'same';
            v_decision := jsonb_build_object('customer', coalesce(v_a, v_b));
        ELSIF omnichannel.identity_blocked(r.contact) THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'blocked');
        ELSIF v_claims > v_limit THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'limit', 'customers', v_claims, 'limit', v_limit);
        ELSIF EXISTS (SELECT FROM omnichannel.identity_no_link AS n
                       WHERE n.customer_a = least(v_a, v_b) AND n.customer_b = greatest(v_a, v_b)) THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'no_link');
        ELSIF v_crm_a IS NOT NULL AND v_crm_b IS NOT NULL AND NOT v_crm_a && v_crm_b THEN
            v_state := 'refused';
            v_decision := jsonb_build_object('refused', 'crm', 'crm_ids', to_jsonb(v_crm_a || v_crm_b));
        ELSE
            -- the older customer survives
            v_event := omnichannel.merge_customers(least(v_a, v_b), greatest(v_a, v_b),
                           pg_catalog.format('identifier %s on interaction %s', r.contact, r.interaction_id));
            v_state := 'merged';
            v_decision := jsonb_build_object('event', v_event);
        END IF;
        UPDATE omnichannel.identity_link_request AS q
           SET state = v_state, decided_at = now(), decision = v_decision
         WHERE q.id = r.id;
        v_done := jsonb_set(v_done, ARRAY[v_state], to_jsonb((v_done->>v_state)::int + 1));
    END LOOP;
    RETURN v_done || jsonb_build_object('pending', (SELECT count(*) FROM omnichannel.identity_link_request AS q
                                                     WHERE q.state = 'pending'));
END
$$;
COMMENT ON FUNCTION omnichannel.apply_identity_links(integer) IS
    'Decides pending identity_link_requests in arrival order: merges the two customers (the older survives) unless the identifier is blocked, claimed by more customers than its kind''s limit, the pair is in identity_no_link, or both have different crm: ids; returns counts';
