-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/60_thread_ops.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

-- Append-only audit tables (thread_event, sla_event, identity_event,
-- erasure_event): one trigger function.  Its arguments are the refusal's
-- message and hint, then the changes the table allows (its allow-list):
--   move    only customer_id changes (merge_customers moves events); where
--           Citus distributes the table by customer_id, a move copies the
--           row to the other customer and deletes it: a DELETE, on a
--           shard and by the table's owner, of a row of the customer
--           omnichannel.moving_customer names (move_customer_rows sets it
--           for its statement; merges run as the owner there)
--   undo    undone_by is set, once, and nothing else (unmerge)
--   redact  the privacy redaction of an erased customer's event, by the
--           table's owner (forget_customer runs as it): reason cleared,
--           details replaced by privacy_redact_jsonb(details), nothing else
-- Everything else, and every DELETE, is refused.
CREATE OR REPLACE FUNCTION omnichannel.audit_append_only()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_new   jsonb;
    v_old   jsonb;
    v_allow text[];
BEGIN
    PERFORM omnichannel.check_trigger_table('audit_append_only', TG_RELID,
                                            'thread_event', 'sla_event', 'identity_event', 'erasure_event');
    -- (on a shard of the table only: one node never deletes an event; and
    -- by the table's owner, as merges run there)
    IF TG_OP = 'DELETE' AND 'move' = ANY (TG_ARGV[2:])
       AND TG_RELID <> ALL (ARRAY['omnichannel.thread_event', 'omnichannel.sla_event']::pg_catalog.regclass[])
       AND pg_catalog.current_setting('omnichannel.moving_customer', true) = (pg_catalog.to_jsonb(OLD) ->> 'customer_id')
       AND (SELECT pg_catalog.pg_get_userbyid(c.relowner)
              FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) = CURRENT_USER
    THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        v_new := pg_catalog.to_jsonb(NEW);
        v_old := pg_catalog.to_jsonb(OLD);
        v_allow := TG_ARGV[2:];
        IF 'move' = ANY (v_allow) AND v_new - 'customer_id' = v_old - 'customer_id' THEN
            RETURN NEW;
        END IF;
        IF 'undo' = ANY (v_allow) AND v_old -> 'undone_by' = 'null'::jsonb
           AND v_new -> 'undone_by' <> 'null'::jsonb
           AND v_new - 'undone_by' = v_old - 'undone_by' THEN
            RETURN NEW;
        END IF;
        -- (the owner test first and on its own: other roles may not read customer)
        IF 'redact' = ANY (v_allow)
           AND (SELECT pg_catalog.pg_get_userbyid(c.relowner)
                  FROM pg_catalog.pg_class AS c WHERE c.oid = TG_RELID) = CURRENT_USER
        THEN
            IF v_new - 'reason' - 'details' = v_old - 'reason' - 'details'
               AND coalesce(v_new -> 'reason', 'null'::jsonb) = 'null'::jsonb
               AND (v_new -> 'details')
                   IS NOT DISTINCT FROM omnichannel.privacy_redact_jsonb(v_old -> 'details')
               AND EXISTS (SELECT FROM omnichannel.customer AS c
                            WHERE c.id IN ((v_old ->> 'customer_id')::bigint,
                                           (v_old ->> 'other_customer_id')::bigint)
                              AND c.erased_at IS NOT NULL)
            THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    RAISE EXCEPTION '%', TG_ARGV[0]
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = pg_catalog.format('%s of event %s of %s.%s was refused.',
                                         TG_OP, OLD.id, TG_TABLE_SCHEMA, TG_TABLE_NAME),
              HINT = TG_ARGV[1];
END
$$;
COMMENT ON FUNCTION omnichannel.audit_append_only() IS
    'Trigger: refuses UPDATE and DELETE on an audit table except the changes its arguments allow after the message and the hint: move (only customer_id changes; on a Citus shard, the delete by the owner of a row copied to another customer by move_customer_rows), undo (undone_by set once), redact (the privacy redaction of an erased customer''s event by the table''s owner)';

CREATE OR REPLACE TRIGGER thread_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.thread_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.audit_append_only(
        'thread events are append-only',
        'Record a correcting operation (move_interaction, split_thread, merge_threads) instead.',
        'move', 'redact');
COMMENT ON TRIGGER thread_event_append_only ON omnichannel.thread_event IS
    'Keeps the audit trail append-only';

-- Shared helpers -----------------------------------------------------------------

-- A thread's queue facts from all its interactions, by the server-free
-- core's rules (src/pg/queue_facts.c): the one definition ingest applies as
-- rows arrive, applied again after anything that rewrites a history.
CREATE OR REPLACE FUNCTION omnichannel.thread_queue_facts(customers bigint[], threads bigint[])
RETURNS TABLE (thread_id bigint, first_inbound_at timestamptz, first_response_at timestamptz,
               last_inbound_at timestamptz, last_outbound_at timestamptz,
               waiting_since timestamptz, waiting_channel omnichannel.channel, queue text)
AS 'MODULE_PATHNAME', 'oc_thread_queue_facts'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION omnichannel.thread_queue_facts(bigint[], bigint[]) IS
    'The queue-fact columns of threads (of the given customers: on Citus their shards alone are read) — first and last customer message and reply, first response, waiting since, waiting channel, queue — recomputed from all their interactions by the rules ingest applies; a row per thread that has interactions';

CREATE OR REPLACE FUNCTION omnichannel.refresh_queue_facts(threads bigint[], customers bigint[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_changed bigint;
    v_customers bigint[] := refresh_queue_facts.customers;
    f_id bigint[]; f_fi timestamptz[]; f_fr timestamptz[]; f_li timestamptz[]; f_lo timestamptz[];
    f_ws timestamptz[]; f_wc omnichannel.channel[]; f_q text[];
BEGIN
    IF threads IS NULL THEN
        RETURN 0;
    END IF;
    -- the threads' customers, when the caller does not name them (ingest does)
    IF v_customers IS NULL THEN
        v_customers := ARRAY(SELECT DISTINCT t.customer_id FROM omnichannel.thread AS t
                              WHERE t.id = ANY (threads));
    END IF;
    -- the facts first, on their own: on Citus a statement of one customer
    -- runs on its shard whole, where thread_queue_facts() (which reads
    -- interaction) may not run; PL/pgSQL, and the customers named in every
    -- statement, so that each reads their shards alone
    SELECT array_agg(f.thread_id), array_agg(f.first_inbound_at), array_agg(f.first_response_at),
           array_agg(f.last_inbound_at), array_agg(f.last_outbound_at), array_agg(f.waiting_since),
           array_agg(f.waiting_channel), array_agg(f.queue)
      INTO f_id, f_fi, f_fr, f_li, f_lo, f_ws, f_wc, f_q
      FROM omnichannel.thread_queue_facts(v_customers, threads) AS f;
    WITH changed AS (
        UPDATE omnichannel.thread AS t
           SET first_inbound_at = f.fi, first_response_at = f.fr,
               last_inbound_at = f.li, last_outbound_at = f.lo,
               -- a solved or closed thread waits for nobody (sla_status_change)
               waiting_since = CASE WHEN t.status IN ('solved', 'closed') THEN NULL ELSE f.ws END,
               waiting_channel = f.wc, queue = f.q
          FROM (SELECT x.id, f.fi, f.fr, f.li, f.lo, f.ws, f.wc, f.q
                  FROM unnest(threads) AS x(id)
                  LEFT JOIN unnest(f_id, f_fi, f_fr, f_li, f_lo, f_ws, f_wc, f_q)
                            AS f(id, fi, fr, li, lo, ws, wc, q) ON f.id = x.id) AS f
         WHERE t.customer_id = ANY (v_customers) AND t.id = f.id
           AND (t.first_inbound_at, t.first_response_at, t.last_inbound_at, t.last_outbound_at,
                t.waiting_since, t.waiting_channel, t.queue)
               IS DISTINCT FROM
               (f.fi, f.fr, f.li, f.lo,
                CASE WHEN t.status IN ('solved', 'closed') THEN NULL ELSE f.ws END, f.wc, f.q)
        RETURNING t.id)
    SELECT pg_catalog.count(*) INTO v_changed FROM changed;
    RETURN v_changed;
END
$$;
COMMENT ON FUNCTION omnichannel.refresh_queue_facts(bigint[], bigint[]) IS
    'Writes thread_queue_facts() into the threads whose stored facts differ (a solved or closed thread waits for nobody); customers: the threads'' customers, when known (on Citus only their shards are read); returns how many changed (ingest calls it for threads a late row reached; refresh_thread for every operator change)';

CREATE OR REPLACE FUNCTION omnichannel.refresh_thread(thread bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_thread  bigint := refresh_thread.thread;
    v_n       bigint;
    v_first   timestamptz;
    v_last    timestamptz;
    v_subject text;
    v_chans   omnichannel.channel[];
BEGIN
    IF v_thread IS NULL THEN
        RAISE EXCEPTION 'thread must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT count(*), min(i.occurred_at), max(i.occurred_at),
           (array_agg(i.subject ORDER BY i.occurred_at, i.id)
                FILTER (WHERE i.subject IS NOT NULL))[1]
      INTO v_n, v_first, v_last, v_subject
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_thread;
    SELECT coalesce(array_agg(c.channel ORDER BY c.first_at, c.first_id),
                    '{}'::omnichannel.channel[])
      INTO v_chans
      FROM (SELECT i.channel, min(i.occurred_at) AS first_at, min(i.id) AS first_id
              FROM omnichannel.interaction AS i
             WHERE i.thread_id = v_thread
             GROUP BY i.channel) AS c;
    IF v_n > 0 THEN
        UPDATE omnichannel.thread AS t
           SET opened_at = v_first, last_activity_at = v_last,
               subject = v_subject, channels = v_chans
         WHERE t.id = v_thread;
    ELSE
        -- an empty thread keeps its times and subject as history
        UPDATE omnichannel.thread AS t
           SET channels = v_chans
         WHERE t.id = v_thread;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'thread % does not exist', v_thread
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- the queue facts, recomputed by the rules ingest applies (the C core);
    -- the SLA clocks are left as they ran
    PERFORM omnichannel.refresh_queue_facts(ARRAY[v_thread]);
END
$$;
COMMENT ON FUNCTION omnichannel.refresh_thread(bigint) IS
    'Recomputes a thread''s opened_at, last_activity_at, channels, subject and queue facts (refresh_queue_facts) from its interactions (an empty thread keeps its times and subject); SLA clocks are not re-derived';

-- Takes the operation lock and checks the isolation level (internal).
CREATE OR REPLACE FUNCTION omnichannel.thread_ops_lock()
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'thread operations require the READ COMMITTED isolation level'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('The current transaction is %s; its snapshot could miss interactions committed by concurrent ingest.',
                                             upper(current_setting('transaction_isolation'))),
                  HINT = 'Run the operation in a READ COMMITTED transaction.';
    END IF;
    LOCK TABLE omnichannel.interaction IN SHARE ROW EXCLUSIVE MODE;
END
$$;
COMMENT ON FUNCTION omnichannel.thread_ops_lock() IS
    'Internal to the thread operator functions: refuses non-READ COMMITTED transactions and serializes against ingest and other operators';

-- The operations -------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.move_interaction(interaction bigint, thread bigint,
                                             reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_interaction bigint := move_interaction.interaction;
    v_target      bigint := move_interaction.thread;
    v_reason      text := move_interaction.reason;
    v_from        bigint;
    v_customer    bigint;
    v_prev_reason text;
    v_prev_ev     jsonb;
    v_target_cust bigint;
    v_target_merged bigint;
    v_merged      bigint;
    v_left        bigint;
    v_event       bigint;
    v_user        text := CURRENT_USER;
    r             record;
BEGIN
    IF v_interaction IS NULL OR v_target IS NULL THEN
        RAISE EXCEPTION 'interaction and thread must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    SELECT i.thread_id, i.customer_id, i.stitch_reason, i.stitch_evidence
      INTO v_from, v_customer, v_prev_reason, v_prev_ev
      FROM omnichannel.interaction AS i
     WHERE i.id = v_interaction;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'interaction % does not exist', v_interaction
            USING ERRCODE = 'foreign_key_violation';
    END IF;

    -- lock both threads in id order; the target's customer first, since on
    -- Citus a row lock is one shard's (a target of another customer is
    -- refused below, after its lock)
    SELECT t.customer_id INTO v_target_cust FROM omnichannel.thread AS t WHERE t.id = v_target;
    FOR r IN SELECT x.id, x.customer_id
               FROM (VALUES (v_from, v_customer), (v_target, v_target_cust)) AS x(id, customer_id)
              WHERE x.customer_id IS NOT NULL
              ORDER BY x.id
    LOOP
        SELECT t.merged_into INTO v_merged
          FROM omnichannel.thread AS t
         WHERE t.customer_id = r.customer_id AND t.id = r.id FOR UPDATE;
        IF r.id = v_target THEN
            v_target_merged := v_merged;
        END IF;
    END LOOP;
    IF v_target_cust IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', v_target
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_target_cust <> v_customer THEN
        RAISE EXCEPTION 'thread % belongs to customer %, not to customer %',
                        v_target, v_target_cust, v_customer
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = pg_catalog.format('Interaction %s belongs to customer %s; a thread never mixes customers.',
                                             v_interaction, v_customer),
                  HINT = 'Merge the customers first if they are the same person.';
    END IF;
    IF v_target = v_from THEN
        RAISE EXCEPTION 'interaction % is already in thread %', v_interaction, v_target
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_target_merged IS NOT NULL THEN
        RAISE EXCEPTION 'thread % was merged into thread %', v_target, v_target_merged
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Move the interaction to thread %s instead.', v_target_merged);
    END IF;

    SELECT count(*) INTO v_left
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = v_customer AND i.thread_id = v_from AND i.id <> v_interaction;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_customer, 'move', v_from, v_target, ARRAY[v_interaction], v_reason,
            jsonb_build_object('previous_reason', v_prev_reason,
                               'previous_evidence', v_prev_ev,
                               'emptied_thread', v_left = 0))
    RETURNING id INTO v_event;

    UPDATE omnichannel.interaction AS i
       SET thread_id = v_target,
           stitch_reason = 'manual',
           stitch_evidence = jsonb_build_object(
               'action', 'move', 'by', v_user, 'event_id', v_event,
               'from_thread', v_from, 'reason', v_reason,
               'previous_reason', v_prev_reason, 'previous_evidence', v_prev_ev)
     WHERE i.customer_id = v_customer AND i.id = v_interaction;

    IF v_left = 0 THEN
        -- the emptied thread stays (events reference it), closed, pointing
        -- at where its interaction went; so do threads merged into it
        UPDATE omnichannel.thread AS t
           SET merged_into = v_target, status = 'closed'
         WHERE t.customer_id = v_customer AND (t.id = v_from OR t.merged_into = v_from);
    END IF;
    PERFORM omnichannel.refresh_thread(v_from);
    PERFORM omnichannel.refresh_thread(v_target);
    RETURN v_event;
END
$$;
COMMENT ON FUNCTION omnichannel.move_interaction(bigint, bigint, text) IS
    'Moves one interaction to another thread of the same customer (stitch_reason manual), records a thread_event and returns its id';

CREATE OR REPLACE FUNCTION omnichannel.split_thread(interaction bigint, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_interaction bigint := split_thread.interaction;
    v_reason      text := split_thread.reason;
    v_from        bigint;
    v_customer    bigint;
    v_at          timestamptz;
    v_priority    omnichannel.priority;
    v_new         bigint;
    v_ids         bigint[];
    v_prev        jsonb;
    v_event       bigint;
BEGIN
    IF v_interaction IS NULL THEN
        RAISE EXCEPTION 'interaction must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    SELECT i.thread_id, i.customer_id, i.occurred_at
      INTO v_from, v_customer, v_at
      FROM omnichannel.interaction AS i
     WHERE i.id = v_interaction;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'interaction % does not exist', v_interaction
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    -- locked by its customer too: on Citus a row lock is one shard's
    SELECT t.priority INTO v_priority
      FROM omnichannel.thread AS t WHERE t.customer_id = v_customer AND t.id = v_from FOR UPDATE;

    SELECT array_agg(i.id ORDER BY i.occurred_at, i.id),
           jsonb_object_agg(i.id::text, jsonb_build_object(
               'previous_reason', i.stitch_reason,
               'previous_evidence', i.stitch_evidence))
      INTO v_ids, v_prev
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = v_customer AND i.thread_id = v_from
       AND (i.occurred_at > v_at OR (i.occurred_at = v_at AND i.id >= v_interaction));
    -- (no row comparison: Citus fails to plan one here)
    IF NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                    WHERE i.customer_id = v_customer AND i.thread_id = v_from
                      AND (i.occurred_at < v_at OR (i.occurred_at = v_at AND i.id < v_interaction))) THEN
        RAISE EXCEPTION 'interaction % is the first interaction of thread %', v_interaction, v_from
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Splitting there would leave nothing in the thread.',
                  HINT = 'Split at a later interaction, or move interactions with move_interaction.';
    END IF;

    INSERT INTO omnichannel.thread
           (customer_id, status, priority, opened_at, last_activity_at)
    VALUES (v_customer, 'open', v_priority, v_at, v_at)
    RETURNING id INTO v_new;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_customer, 'split', v_from, v_new, v_ids, v_reason,
            jsonb_build_object('at_interaction', v_interaction, 'previous', v_prev))
    RETURNING id INTO v_event;

    -- the evidence from values and the previous reasons read above (v_prev):
    -- Citus takes no stable function over a column in an UPDATE
    UPDATE omnichannel.interaction AS i
       SET thread_id = v_new,
           stitch_reason = 'manual',
           stitch_evidence = jsonb_build_object(
               'action', 'split', 'by', CURRENT_USER, 'event_id', v_event,
               'from_thread', v_from, 'reason', v_reason)
               || (v_prev -> i.id::text)
     WHERE i.customer_id = v_customer AND i.id = ANY (v_ids);

    PERFORM omnichannel.refresh_thread(v_from);
    PERFORM omnichannel.refresh_thread(v_new);
    RETURN v_new;
END
$$;
COMMENT ON FUNCTION omnichannel.split_thread(bigint, text) IS
    'Moves an interaction and every later one of its thread (by occurred_at, id) to a new thread, records a thread_event and returns the new thread''s id';

CREATE OR REPLACE FUNCTION omnichannel.merge_threads(keep bigint, absorb bigint, reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep     bigint := merge_threads.keep;
    v_absorb   bigint := merge_threads.absorb;
    v_reason   text := merge_threads.reason;
    v_keep_row record;
    v_abs_row  record;
    v_ids      bigint[];
    v_prev     jsonb;
    v_repoint  bigint[];
    v_event    bigint;
    v_custs    bigint[];
    r          record;
BEGIN
    IF v_keep IS NULL OR v_absorb IS NULL THEN
        RAISE EXCEPTION 'keep and absorb must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF v_keep = v_absorb THEN
        RAISE EXCEPTION 'could not merge thread % into itself', v_keep
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM omnichannel.thread_ops_lock();

    -- lock both threads in id order, by their customer (on Citus a row
    -- lock is taken on one shard only); threads of two customers are
    -- refused below, read without the lock
    SELECT array_agg(DISTINCT t.customer_id) INTO v_custs
      FROM omnichannel.thread AS t WHERE t.id IN (v_keep, v_absorb);
    IF pg_catalog.cardinality(v_custs) = 1 THEN
        FOR r IN SELECT t.id, t.customer_id, t.status, t.merged_into
                   FROM omnichannel.thread AS t
                  WHERE t.customer_id = v_custs[1] AND t.id IN (v_keep, v_absorb)
                  ORDER BY t.id
                    FOR UPDATE
        LOOP
            IF r.id = v_keep THEN v_keep_row := r; ELSE v_abs_row := r; END IF;
        END LOOP;
    ELSE
        FOR r IN SELECT t.id, t.customer_id, t.status, t.merged_into
                   FROM omnichannel.thread AS t WHERE t.id IN (v_keep, v_absorb)
        LOOP
            IF r.id = v_keep THEN v_keep_row := r; ELSE v_abs_row := r; END IF;
        END LOOP;
    END IF;
    IF v_keep_row IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', v_keep
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_abs_row IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', v_absorb
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_keep_row.customer_id <> v_abs_row.customer_id THEN
        RAISE EXCEPTION 'thread % belongs to customer %, not to customer %',
                        v_absorb, v_abs_row.customer_id, v_keep_row.customer_id
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'Only threads of the same customer can be merged.',
                  HINT = 'Merge the customers first if they are the same person.';
    END IF;
    IF v_keep_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'thread % was merged into thread %', v_keep, v_keep_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = pg_catalog.format('Merge into thread %s instead.', v_keep_row.merged_into);
    END IF;
    IF v_abs_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'thread % was already merged into thread %', v_absorb, v_abs_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;

    SELECT coalesce(array_agg(i.id ORDER BY i.occurred_at, i.id), '{}'),
           coalesce(jsonb_object_agg(i.id::text, jsonb_build_object(
               'previous_reason', i.stitch_reason,
               'previous_evidence', i.stitch_evidence)), '{}')
      INTO v_ids, v_prev
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = v_keep_row.customer_id AND i.thread_id = v_absorb;
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO v_repoint
      FROM omnichannel.thread AS t
     WHERE t.customer_id = v_keep_row.customer_id AND t.merged_into = v_absorb;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_keep_row.customer_id, 'merge', v_keep, v_absorb, v_ids, v_reason,
            jsonb_build_object('absorbed_status', v_abs_row.status,
                               'repointed_threads', to_jsonb(v_repoint),
                               'previous', v_prev))
    RETURNING id INTO v_event;

    -- the evidence from values and the previous reasons read above (v_prev):
    -- Citus takes no stable function over a column in an UPDATE
    UPDATE omnichannel.interaction AS i
       SET thread_id = v_keep,
           stitch_reason = 'manual',
           stitch_evidence = jsonb_build_object(
               'action', 'merge', 'by', CURRENT_USER, 'event_id', v_event,
               'from_thread', v_absorb, 'reason', v_reason)
               || (v_prev -> i.id::text)
     WHERE i.customer_id = v_keep_row.customer_id AND i.thread_id = v_absorb;

    -- no chains: whatever pointed at the absorbed thread now points at keep
    UPDATE omnichannel.thread AS t
       SET merged_into = v_keep, status = 'closed'
     WHERE t.customer_id = v_keep_row.customer_id AND (t.id = v_absorb OR t.merged_into = v_absorb);

    PERFORM omnichannel.refresh_thread(v_absorb);
    PERFORM omnichannel.refresh_thread(v_keep);
    RETURN v_keep;
END
$$;
COMMENT ON FUNCTION omnichannel.merge_threads(bigint, bigint, text) IS
    'Moves every interaction of thread absorb into thread keep (same customer), closes absorb with merged_into = keep, records a thread_event and returns keep';

-- Automatic merges by ingest ------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.late_arrival_merge(keep bigint, absorb bigint, evidence jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_keep     bigint := late_arrival_merge.keep;
    v_absorb   bigint := late_arrival_merge.absorb;
    v_keep_row record;
    v_abs_row  record;
    v_ids      bigint[];
    r          record;
BEGIN
    -- ingest already holds ROW EXCLUSIVE on interaction; operators (SHARE
    -- ROW EXCLUSIVE) cannot run meanwhile.  Lock the threads in id order
    -- against concurrent ingest touching them.
    FOR r IN SELECT t.id, t.customer_id, t.status, t.merged_into
               FROM omnichannel.thread AS t
              WHERE t.id IN (v_keep, v_absorb)
              ORDER BY t.id
                FOR UPDATE
    LOOP
        IF r.id = v_keep THEN v_keep_row := r; ELSE v_abs_row := r; END IF;
    END LOOP;
    IF v_keep = v_absorb OR v_keep_row IS NULL OR v_abs_row IS NULL
       OR v_keep_row.customer_id <> v_abs_row.customer_id
       OR v_keep_row.merged_into IS NOT NULL OR v_abs_row.merged_into IS NOT NULL THEN
        RETURN;     -- nothing (left) to merge
    END IF;

    SELECT coalesce(array_agg(i.id ORDER BY i.occurred_at, i.id), '{}')
      INTO v_ids
      FROM omnichannel.interaction AS i
     WHERE i.thread_id = v_absorb;

    INSERT INTO omnichannel.thread_event
           (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
    VALUES (v_keep_row.customer_id, 'merge', v_keep, v_absorb, v_ids, 'late arrival',
            jsonb_build_object('automatic', true, 'evidence', evidence,
                               'absorbed_status', v_abs_row.status));

    -- the interactions keep their stitch_reason and evidence; the event
    -- says why they moved
    UPDATE omnichannel.interaction AS i
       SET thread_id = v_keep
     WHERE i.thread_id = v_absorb;
    UPDATE omnichannel.thread AS t
       SET merged_into = v_keep, status = 'closed'
     WHERE t.id = v_absorb OR t.merged_into = v_absorb;

    PERFORM omnichannel.refresh_thread(v_absorb);
    PERFORM omnichannel.refresh_thread(v_keep);
END
$$;
COMMENT ON FUNCTION omnichannel.late_arrival_merge(bigint, bigint, jsonb) IS
    'Internal to ingest: a message arrived after replies to it that had opened their own thread; merges that thread into the message''s (thread_event action merge, reason late arrival, details.automatic)';

-- Recompute a customer's threads ---------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.restitch(customer bigint, reason text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer bigint := restitch.customer;
    v_reason   text := restitch.reason;
    v_rows     omnichannel.interaction[];
    v_old      jsonb;           -- interaction id -> old thread
    v_old_threads bigint[];     -- the threads that held them
    v_claimed  bigint[] := '{}';
    v_after    bigint;
    v_moved    bigint := 0;
    v_events   bigint := 0;
    v_citus    boolean;
    r          record;
    n          record;
BEGIN
    IF v_customer IS NULL THEN
        RAISE EXCEPTION 'customer must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM omnichannel.thread_ops_lock();
    PERFORM FROM omnichannel.customer AS c WHERE c.id = v_customer FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % does not exist', v_customer
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    PERFORM FROM omnichannel.thread AS t WHERE t.customer_id = v_customer ORDER BY t.id FOR UPDATE;
    v_citus := omnichannel.citus_distributed();

    -- (no coalesce of the rows in the query: on Citus a shard's rows are of
    -- the shard's own type)
    SELECT array_agg(i ORDER BY i.occurred_at, i.id),
           coalesce(jsonb_object_agg(i.id::text, i.thread_id), '{}'),
           coalesce(array_agg(DISTINCT i.thread_id), '{}')
      INTO v_rows, v_old, v_old_threads
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = v_customer;
    v_rows := coalesce(v_rows, '{}');

    -- Forget what ingest derived, then store the history again in time
    -- order: the ingest trigger decides every thread afresh.  Manual
    -- decisions (stitch_reason manual) keep their thread; the rows keep
    -- their ids and every other column.
    DELETE FROM omnichannel.thread_key AS k WHERE k.customer_id = v_customer;
    DELETE FROM omnichannel.thread_subject AS k WHERE k.customer_id = v_customer;
    DELETE FROM omnichannel.pending_reference AS p WHERE p.customer_id = v_customer;
    DELETE FROM omnichannel.interaction AS i WHERE i.customer_id = v_customer;
    -- one statement, in time order: each row sees the rows before it, as
    -- row by row, and ingest's statement state is made once.  Where Citus
    -- distributes the tables, through interaction_in (the way in there),
    -- and the rollups are kept here: no trigger on a shard takes the
    -- deleted rows out of them, ingest puts the rows in again.
    IF v_citus THEN
        PERFORM omnichannel.channel_day_take_out(array_agg(u.occurred_at), array_agg(u.channel),
                                                 array_agg(u.direction))
           FROM unnest(v_rows) AS u;
    END IF;
    EXECUTE pg_catalog.format($q$INSERT INTO %s
           (id, customer_id, thread_id, channel, direction, occurred_at, ended_at, contact,
            agent, queue, subject, body, external_id, in_reply_to, refs, attributes,
            stitch_reason, stitch_evidence, created_at)
    SELECT u.id, u.customer_id,
           CASE WHEN u.stitch_reason = 'manual' THEN u.thread_id END,
           u.channel, u.direction, u.occurred_at, u.ended_at, u.contact,
           u.agent, u.queue, u.subject, u.body, u.external_id, u.in_reply_to, u.refs,
           u.attributes,
           CASE WHEN u.stitch_reason = 'manual' THEN 'manual' END,
           CASE WHEN u.stitch_reason = 'manual' THEN u.stitch_evidence END,
           u.created_at
      FROM unnest($1) AS u
     ORDER BY u.occurred_at, u.id$q$,
        CASE WHEN v_citus THEN 'omnichannel.interaction_in' ELSE 'omnichannel.interaction' END)
      USING v_rows;
    IF v_citus THEN
        PERFORM omnichannel.customer_channel_rebuild(ARRAY[v_customer]);
    END IF;

    -- A thread ingest opened now takes the id of the old thread that held
    -- its earliest interaction, when that one holds nothing but manual
    -- placements and is not yet taken, so that threads keep their ids,
    -- status, assignee and context.
    -- (every statement names the customer: on Citus each reads its shard)
    FOR n IN SELECT t.id AS new_id,
                    (v_old ->> (SELECT i.id FROM omnichannel.interaction AS i
                                 WHERE i.customer_id = v_customer AND i.thread_id = t.id
                                 ORDER BY i.occurred_at, i.id LIMIT 1)::text)::bigint AS old_id
               FROM omnichannel.thread AS t
              WHERE t.customer_id = v_customer
                AND t.id <> ALL (v_old_threads)
                AND EXISTS (SELECT FROM omnichannel.interaction AS i
                             WHERE i.customer_id = v_customer AND i.thread_id = t.id)
              ORDER BY t.opened_at, t.id
    LOOP
        IF n.old_id IS NOT NULL AND n.old_id <> ALL (v_claimed)
           AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                            WHERE i.customer_id = v_customer AND i.thread_id = n.old_id
                              AND i.stitch_reason <> 'manual')
           AND (SELECT t.merged_into IS NULL FROM omnichannel.thread AS t
                 WHERE t.customer_id = v_customer AND t.id = n.old_id) THEN
            UPDATE omnichannel.interaction AS i SET thread_id = n.old_id
             WHERE i.customer_id = v_customer AND i.thread_id = n.new_id;
            UPDATE omnichannel.thread_key AS k SET thread_id = n.old_id
             WHERE k.customer_id = v_customer AND k.thread_id = n.new_id;
            UPDATE omnichannel.thread_subject AS k SET thread_id = n.old_id
             WHERE k.customer_id = v_customer AND k.thread_id = n.new_id;
            UPDATE omnichannel.thread AS t SET merged_into = n.old_id
             WHERE t.customer_id = v_customer AND t.merged_into = n.new_id;
            -- the SLA clocks: an open thread takes those ingest gave it
            -- when it stored the rows again, by the new stitching (its own
            -- were of the old one), with their due times and policy; a
            -- thread in any other status keeps the clocks it ran (its
            -- status paused or stopped them), and the new ones go.  The
            -- events of either stay in the append-only log as written.
            IF (SELECT t.status FROM omnichannel.thread AS t
                 WHERE t.customer_id = v_customer AND t.id = n.old_id) = 'open' THEN
                DELETE FROM omnichannel.sla_clock AS c
                 WHERE c.customer_id = v_customer AND c.thread_id = n.old_id;
                UPDATE omnichannel.sla_clock AS c SET thread_id = n.old_id
                 WHERE c.customer_id = v_customer AND c.thread_id = n.new_id;
                UPDATE omnichannel.thread AS t
                   SET sla_policy_id = x.sla_policy_id, first_response_due = x.first_response_due,
                       next_response_due = x.next_response_due,
                       periodic_update_due = x.periodic_update_due,
                       resolution_due = x.resolution_due, sla_due_at = x.sla_due_at,
                       sla_paused = x.sla_paused
                  FROM omnichannel.thread AS x
                 WHERE t.customer_id = v_customer AND t.id = n.old_id
                   AND x.customer_id = v_customer AND x.id = n.new_id;
            ELSE
                DELETE FROM omnichannel.sla_clock AS c
                 WHERE c.customer_id = v_customer AND c.thread_id = n.new_id;
            END IF;
            DELETE FROM omnichannel.thread AS t WHERE t.customer_id = v_customer AND t.id = n.new_id;
            PERFORM omnichannel.refresh_thread(n.old_id);
            v_claimed := v_claimed || n.old_id;
        END IF;
    END LOOP;

    -- Old threads left empty point to where their first interaction went.
    FOR r IN SELECT t.id,
                    (SELECT i.thread_id FROM omnichannel.interaction AS i
                      WHERE i.customer_id = v_customer AND (v_old ->> i.id::text)::bigint = t.id
                      ORDER BY i.occurred_at, i.id LIMIT 1) AS went_to
               FROM omnichannel.thread AS t
              WHERE t.customer_id = v_customer AND t.merged_into IS NULL
                AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                                 WHERE i.customer_id = v_customer AND i.thread_id = t.id)
    LOOP
        IF r.went_to IS NOT NULL AND r.went_to <> r.id THEN
            UPDATE omnichannel.thread AS t SET merged_into = r.went_to, status = 'closed'
             WHERE t.customer_id = v_customer AND (t.id = r.id OR t.merged_into = r.id);
        END IF;
    END LOOP;

    -- One audit row per (from, to) pair of threads.
    FOR r IN SELECT (v_old ->> i.id::text)::bigint AS from_thread, i.thread_id AS to_thread,
                    array_agg(i.id ORDER BY i.occurred_at, i.id) AS ids
               FROM omnichannel.interaction AS i
              WHERE i.customer_id = v_customer
                AND (v_old ->> i.id::text)::bigint IS DISTINCT FROM i.thread_id
              GROUP BY 1, 2 ORDER BY 1, 2
    LOOP
        INSERT INTO omnichannel.thread_event
               (customer_id, action, thread_id, other_thread_id, interaction_ids, reason, details)
        VALUES (v_customer, 'restitch', r.from_thread, r.to_thread, r.ids, v_reason,
                jsonb_build_object('automatic', false));
        v_moved := v_moved + cardinality(r.ids);
        v_events := v_events + 1;
    END LOOP;
    FOR r IN SELECT t.id FROM omnichannel.thread AS t WHERE t.customer_id = v_customer LOOP
        PERFORM omnichannel.refresh_thread(r.id);
    END LOOP;

    SELECT count(DISTINCT i.thread_id) INTO v_after
      FROM omnichannel.interaction AS i WHERE i.customer_id = v_customer;
    RETURN jsonb_build_object('customer', v_customer,
                              'interactions', cardinality(v_rows),
                              'threads_before', cardinality(v_old_threads),
                              'threads_after', v_after,
                              'moved', v_moved,
                              'events', v_events);
END
$$;
COMMENT ON FUNCTION omnichannel.restitch(bigint, text) IS
    'Recomputes a customer''s threads from scratch: every interaction not placed by hand (stitch_reason manual) is stitched again in (occurred_at, id) order; threads keep their ids where they can; moves are recorded as thread_event rows (action restitch); returns a summary';
