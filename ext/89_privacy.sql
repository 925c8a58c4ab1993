-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/89_privacy.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

-- Redaction of JSON evidence -----------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.privacy_redact_jsonb(value jsonb)
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- keys whose string values are vocabulary of the extension (stitching
    -- rules, actions, statuses, thread tokens, key names, role names),
    -- never a customer's data
    keep CONSTANT text[] := ARRAY['via', 'follow_up_via', 'previous_reason', 'absorbed_status',
                                  'action', 'by', 'token', 'key'];
BEGIN
    CASE jsonb_typeof(value)
    WHEN 'object' THEN
        RETURN (SELECT coalesce(jsonb_object_agg(e.key,
                                    CASE WHEN e.key = ANY (keep) AND jsonb_typeof(e.value) = 'string'
                                         THEN e.value
                                         ELSE omnichannel.privacy_redact_jsonb(e.value) END),
                                '{}'::jsonb)
                  FROM jsonb_each(value) AS e);
    WHEN 'array' THEN
        RETURN (SELECT coalesce(jsonb_agg(omnichannel.privacy_redact_jsonb(e.value) ORDER BY e.n),
                                '[]'::jsonb)
                  FROM jsonb_array_elements(value) WITH ORDINALITY AS e(value, n));
    WHEN 'string' THEN
        RETURN 'null'::jsonb;
    ELSE
        RETURN value;       -- numbers (ids, counts, seconds), booleans, null
    END CASE;
END
$$;
COMMENT ON FUNCTION omnichannel.privacy_redact_jsonb(jsonb) IS
    'Redacts JSON evidence (stitch_evidence, audit details): keeps its shape, object keys, numbers, booleans and the strings of the keys via, follow_up_via, previous_reason, absorbed_status, action, by, token and key; every other string becomes null';

CREATE OR REPLACE TRIGGER erasure_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.erasure_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.audit_append_only(
        'erasure events are append-only',
        'The erasure log records what was erased; it is never changed.');
COMMENT ON TRIGGER erasure_event_append_only ON omnichannel.erasure_event IS
    'Keeps the erasure log append-only';

-- Erasure ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.forget_customer(customer bigint, reason text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customer  bigint := forget_customer.customer;
    v_reason    text := forget_customer.reason;
    v_row       record;
    v_ids       bigint[];       -- the customer and every customer merged into it
    v_contacts  omnichannel.contact_point[];
    v_inter     bigint[];
    v_caller    text;
    v_event     bigint;
    v_counts    jsonb := '{}';
    v_c         jsonb;
    n           bigint;
    v_one       bigint;
    v_ext       text[];
    v_chan      omnichannel.channel[];
BEGIN
    IF v_customer IS NULL THEN
        RAISE EXCEPTION 'customer must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF v_reason IS NULL THEN
        RAISE EXCEPTION 'reason must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give the erasure request''s reference, e.g. a ticket number, without personal data.';
    END IF;
    IF btrim(v_reason) = '' THEN
        RAISE EXCEPTION 'reason must not be empty'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give the erasure request''s reference, e.g. a ticket number, without personal data.';
    END IF;
    -- the caller (calling_role: SECURITY DEFINER changes current_user)
    v_caller := omnichannel.calling_role();

    PERFORM omnichannel.thread_ops_lock();

    SELECT c.id, c.merged_into INTO v_row
      FROM omnichannel.customer AS c WHERE c.id = v_customer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % does not exist', v_customer
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF v_row.merged_into IS NOT NULL THEN
        RAISE EXCEPTION 'customer % was merged into customer %', v_customer, v_row.merged_into
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('Its identifiers, threads and interactions belong to customer %s now.',
                                             v_row.merged_into),
                  HINT = pg_catalog.format('Erase customer %s, the surviving customer; that erases customer %s with it.',
                                           v_row.merged_into, v_customer);
    END IF;

    -- the customer and those merged into it (never a chain), locked in id
    -- order, each with its threads; merges take thread_ops_lock too, so the
    -- set cannot change.  A customer at a time: on Citus a row lock is
    -- taken on one shard only.
    SELECT array_agg(c.id ORDER BY c.id) INTO v_ids
      FROM omnichannel.customer AS c
     WHERE c.id = v_customer OR c.merged_into = v_customer;
    FOREACH v_one IN ARRAY v_ids LOOP
        PERFORM FROM omnichannel.customer AS c WHERE c.id = v_one FOR UPDATE;
        PERFORM FROM omnichannel.thread AS t WHERE t.customer_id = v_one ORDER BY t.id FOR UPDATE;
    END LOOP;

    -- customer: an anonymous shell
    SELECT jsonb_build_object(
               'rows', count(*),
               'display_name', count(*) FILTER (WHERE c.display_name IS NOT NULL),
               'language', count(*) FILTER (WHERE c.language IS NOT NULL),
               'attributes', count(*) FILTER (WHERE c.attributes <> '{}'::jsonb))
      INTO v_c
      FROM omnichannel.customer AS c
     WHERE c.id = ANY (v_ids)
       AND (c.display_name IS NOT NULL OR c.language IS NOT NULL OR c.attributes <> '{}'::jsonb);
    v_counts := v_counts || jsonb_build_object('customer', v_c);
    UPDATE omnichannel.customer AS c
       SET display_name = NULL, language = NULL, attributes = '{}'::jsonb, erased_at = now()
     WHERE c.id = ANY (v_ids);

    -- identifiers: gone, so the next contact from them is a new customer
    SELECT coalesce(array_agg(i.contact), '{}') INTO v_contacts
      FROM omnichannel.customer_identifier AS i WHERE i.customer_id = ANY (v_ids);
    DELETE FROM omnichannel.customer_identifier AS i WHERE i.customer_id = ANY (v_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('customer_identifier', jsonb_build_object('deleted', n));

    -- interactions: the rows stay, their content goes
    SELECT coalesce(array_agg(i.id), '{}'),
           coalesce(array_agg(i.external_id) FILTER (WHERE i.external_id IS NOT NULL), '{}'),
           coalesce(array_agg(i.channel) FILTER (WHERE i.external_id IS NOT NULL), '{}')
      INTO v_inter, v_ext, v_chan
      FROM omnichannel.interaction AS i WHERE i.customer_id = ANY (v_ids);
    SELECT jsonb_build_object(
               'rows', count(*),
               'contact', count(*) FILTER (WHERE i.contact IS NOT NULL),
               'subject', count(*) FILTER (WHERE i.subject IS NOT NULL),
               'body', count(*) FILTER (WHERE i.body IS NOT NULL),
               'external_id', count(*) FILTER (WHERE i.external_id IS NOT NULL),
               'in_reply_to', count(*) FILTER (WHERE i.in_reply_to IS NOT NULL),
               'refs', count(*) FILTER (WHERE i.refs IS NOT NULL),
               'attributes', count(*) FILTER (WHERE i.attributes <> '{}'::jsonb),
               'business_keys', count(*) FILTER (WHERE i.business_keys IS NOT NULL),
               'subject_key', count(*) FILTER (WHERE i.subject_key IS NOT NULL),
               'stitch_evidence', count(*) FILTER (
                   WHERE i.stitch_evidence IS DISTINCT FROM omnichannel.privacy_redact_jsonb(i.stitch_evidence)))
      INTO v_c
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = ANY (v_ids) AND i.id = ANY (v_inter)
       AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
            OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
            OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
            OR i.attributes <> '{}'::jsonb
            OR i.stitch_evidence IS DISTINCT FROM omnichannel.privacy_redact_jsonb(i.stitch_evidence));
    v_counts := v_counts || jsonb_build_object('interaction', v_c);
    -- who held their deliveries goes with the external ids (filled on Citus
    -- only; by value: on Citus the two tables are not co-located)
    DELETE FROM omnichannel.delivery_customer AS d
     WHERE d.customer_id = ANY (v_ids)
       AND (d.external_id, d.channel) IN (SELECT x.e, x.c FROM unnest(v_ext, v_chan) AS x(e, c));
    UPDATE omnichannel.interaction AS i
       SET contact = NULL, subject = NULL, body = NULL, external_id = NULL,
           in_reply_to = NULL, refs = NULL, attributes = '{}'::jsonb, business_keys = NULL,
           subject_key = NULL, stitch_evidence = omnichannel.privacy_redact_jsonb(i.stitch_evidence)
     WHERE i.customer_id = ANY (v_ids) AND i.id = ANY (v_inter)
       AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
            OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
            OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
            OR i.attributes <> '{}'::jsonb
            OR i.stitch_evidence IS DISTINCT FROM omnichannel.privacy_redact_jsonb(i.stitch_evidence));

    -- threads: no subject, no hand-off context
    SELECT jsonb_build_object(
               'rows', count(*),
               'subject', count(*) FILTER (WHERE t.subject IS NOT NULL),
               'context', count(*) FILTER (WHERE t.context <> '{}'::jsonb))
      INTO v_c
      FROM omnichannel.thread AS t
     WHERE t.customer_id = ANY (v_ids) AND (t.subject IS NOT NULL OR t.context <> '{}'::jsonb);
    v_counts := v_counts || jsonb_build_object('thread', v_c);
    UPDATE omnichannel.thread AS t
       SET subject = NULL, context = '{}'::jsonb
     WHERE t.customer_id = ANY (v_ids) AND (t.subject IS NOT NULL OR t.context <> '{}'::jsonb);

    -- look-up rows derived from the content
    DELETE FROM omnichannel.thread_key AS k WHERE k.customer_id = ANY (v_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_key', jsonb_build_object('deleted', n));
    DELETE FROM omnichannel.thread_subject AS k WHERE k.customer_id = ANY (v_ids);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_subject', jsonb_build_object('deleted', n));
    DELETE FROM omnichannel.pending_reference AS p
     WHERE p.customer_id = ANY (v_ids) OR p.interaction_id = ANY (v_inter);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('pending_reference', jsonb_build_object('deleted', n));
    DELETE FROM omnichannel.identity_link_request AS q
     WHERE q.customer_id = ANY (v_ids) OR q.other_customer_id = ANY (v_ids)
        OR q.contact OPERATOR(omnichannel.=) ANY (v_contacts);
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('identity_link_request', jsonb_build_object('deleted', n));

    -- free-text reasons on the customer's operational rows
    UPDATE omnichannel.thread_assignment AS a SET reason = NULL
     WHERE a.customer_id = ANY (v_ids) AND a.reason IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_assignment', jsonb_build_object('reason', n));
    UPDATE omnichannel.identity_no_link AS l SET reason = NULL
     WHERE (l.customer_a = ANY (v_ids) OR l.customer_b = ANY (v_ids)) AND l.reason IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('identity_no_link', jsonb_build_object('reason', n));

    -- audit rows: redacted in place (their triggers allow exactly this to
    -- the owner, for an erased customer); the events themselves stay
    UPDATE omnichannel.thread_event AS e
       SET reason = NULL, details = omnichannel.privacy_redact_jsonb(e.details)
     WHERE e.customer_id = ANY (v_ids)
       AND (e.reason IS NOT NULL OR e.details IS DISTINCT FROM omnichannel.privacy_redact_jsonb(e.details));
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('thread_event', jsonb_build_object('redacted', n));
    -- sla_event.details holds statuses, policy and interaction ids only:
    -- nothing personal, left as it is
    UPDATE omnichannel.identity_event AS e
       SET reason = NULL, details = omnichannel.privacy_redact_jsonb(e.details)
     WHERE (e.customer_id = ANY (v_ids) OR e.other_customer_id = ANY (v_ids))
       AND (e.reason IS NOT NULL OR e.details IS DISTINCT FROM omnichannel.privacy_redact_jsonb(e.details));
    GET DIAGNOSTICS n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object('identity_event', jsonb_build_object('redacted', n));

    INSERT INTO omnichannel.erasure_event (customer_id, merged_customers, reason, requested_by, counts)
    VALUES (v_customer, array_remove(v_ids, v_customer), v_reason, v_caller, v_counts)
    RETURNING id INTO v_event;

    RETURN jsonb_build_object('customer', v_customer,
                              'merged_customers', to_jsonb(array_remove(v_ids, v_customer)),
                              'erasure_event', v_event,
                              'tables', v_counts);
END
$$;
COMMENT ON FUNCTION omnichannel.forget_customer(bigint, text) IS
    'Erases a customer''s personal data (and that of the customers merged into it) on every channel: identifiers and merge requests deleted; name, language, attributes, interaction content, external ids, thread subjects and context cleared; look-up rows deleted; audit reasons cleared and details redacted; interaction, thread and SLA rows stay for the KPIs; logs an erasure_event and returns what it erased; refuses a customer merged into another';

CREATE OR REPLACE FUNCTION omnichannel.apply_retention(max_rows integer DEFAULT 10000)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now      timestamptz;
    v_per      boolean;
    st         record;
    v_ids      bigint[] := '{}';
    v_custs    bigint[] := '{}';
    v_thrs     bigint[] := '{}';
    v_ats      timestamptz[] := '{}';
    v_cand     bigint[];
    v_cand_custs bigint[];
    v_threads  bigint[];
    v_group    bigint[];
    v_locked   bigint[];
    v_done     bigint[] := '{}';
    v_done_cust bigint[] := '{}';
    v_ext      text[] := '{}';
    v_chan     omnichannel.channel[] := '{}';
    v_touched  bigint[];
    v_tcust    bigint[];
    v_sub_ids  bigint[];
    v_sub_custs bigint[];
    v_subs     text[];
    v_by_chan  jsonb;
    v_keys     bigint;
    v_subjects bigint;
    v_pending  bigint;
    v_tsubject bigint;
    v_tcontext bigint;
    v_more     boolean;
BEGIN
    IF max_rows IS NULL OR max_rows < 1 THEN
        RAISE EXCEPTION 'max_rows must be positive'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'apply_retention requires the READ COMMITTED isolation level'
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = pg_catalog.format('The current transaction is %s; rows locked by concurrent sessions would make it fail.',
                                             upper(current_setting('transaction_isolation'))),
                  HINT = 'Run it in a READ COMMITTED transaction.';
    END IF;
    -- the lock ingest takes, taken before any row lock: an operator function
    -- (SHARE ROW EXCLUSIVE) waits for this batch instead of deadlocking with it
    LOCK TABLE omnichannel.interaction IN ROW EXCLUSIVE MODE;

    v_now := now();
    v_per := omnichannel.per_customer_writes();

    -- the oldest interactions past their channel's period that still hold
    -- personal content, at most max_rows over all channels: the oldest
    -- max_rows of each channel (a query per channel, by its index; on Citus
    -- no LIMIT may follow a setting into a lateral query), then of them all
    FOR st IN SELECT r.channel, r.keep FROM omnichannel.retention_setting AS r ORDER BY r.channel LOOP
        SELECT v_ids || coalesce(array_agg(x.id), '{}'), v_custs || coalesce(array_agg(x.customer_id), '{}'),
               v_thrs || coalesce(array_agg(x.thread_id), '{}'), v_ats || coalesce(array_agg(x.occurred_at), '{}')
          INTO v_ids, v_custs, v_thrs, v_ats
          FROM (SELECT i.id, i.customer_id, i.thread_id, i.occurred_at
                  FROM omnichannel.interaction AS i
                 WHERE i.channel = st.channel
                   AND i.occurred_at < v_now - st.keep
                   AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                        OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
                        OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
                        OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)
                 ORDER BY i.occurred_at, i.id
                 LIMIT max_rows) AS x;
    END LOOP;
    SELECT coalesce(array_agg(c.id ORDER BY c.at, c.id), '{}'),
           coalesce(array_agg(DISTINCT c.thread), '{}'),
           coalesce(array_agg(DISTINCT c.customer), '{}')
      INTO v_cand, v_threads, v_cand_custs
      FROM (SELECT x.id, x.customer, x.thread, x.at
              FROM unnest(v_ids, v_custs, v_thrs, v_ats) AS x(id, customer, thread, at)
             ORDER BY x.at, x.id
             LIMIT max_rows) AS c;

    -- their threads, then the rows, each skipping what another session holds
    -- (ingest, a claim, an operator): never waits on a row, so never
    -- deadlocks; what is skipped is left for the next run.  All customers
    -- at once on one node, a customer at a time on Citus (a row lock there
    -- is one shard's).
    FOR v_group IN SELECT array_agg(x.customer)
                     FROM unnest(v_cand_custs) AS x(customer)
                    GROUP BY CASE WHEN v_per THEN x.customer END
                    ORDER BY min(x.customer)
    LOOP
        SELECT coalesce(array_agg(t.id), '{}') INTO v_locked
          FROM (SELECT t.id FROM omnichannel.thread AS t
                 WHERE t.customer_id = ANY (v_group) AND t.id = ANY (v_threads)
                 ORDER BY t.id FOR NO KEY UPDATE SKIP LOCKED) AS t;
        SELECT v_done || coalesce(array_agg(i.id), '{}'),
               v_done_cust || coalesce(array_agg(i.customer_id), '{}'),
               v_ext || coalesce(array_agg(i.external_id) FILTER (WHERE i.external_id IS NOT NULL), '{}'),
               v_chan || coalesce(array_agg(i.channel) FILTER (WHERE i.external_id IS NOT NULL), '{}')
          INTO v_done, v_done_cust, v_ext, v_chan
          FROM (SELECT i.id, i.customer_id, i.external_id, i.channel
                  FROM omnichannel.interaction AS i
                 WHERE i.customer_id = ANY (v_group) AND i.id = ANY (v_cand)
                   AND i.thread_id = ANY (v_locked)
                   AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                        OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
                        OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
                        OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)
                   FOR UPDATE SKIP LOCKED) AS i;
    END LOOP;

    -- who held their deliveries goes with the external ids (filled on
    -- Citus only; by value: there the two tables are not co-located)
    DELETE FROM omnichannel.delivery_customer AS d
     WHERE d.customer_id = ANY (v_done_cust)
       AND (d.external_id, d.channel) IN (SELECT x.e, x.c FROM unnest(v_ext, v_chan) AS x(e, c));
    WITH redacted AS (
        UPDATE omnichannel.interaction AS i
           SET contact = NULL, subject = NULL, body = NULL, external_id = NULL,
               in_reply_to = NULL, refs = NULL, attributes = '{}'::jsonb, business_keys = NULL,
               subject_key = NULL, stitch_evidence = omnichannel.privacy_redact_jsonb(i.stitch_evidence)
         WHERE i.customer_id = ANY (v_done_cust) AND i.id = ANY (v_done)
        RETURNING i.customer_id, i.thread_id, i.channel)
    SELECT coalesce(array_agg(DISTINCT r.thread_id), '{}'), coalesce(array_agg(DISTINCT r.customer_id), '{}'),
           coalesce((SELECT jsonb_object_agg(b.channel::text, b.n ORDER BY b.channel)
                       FROM (SELECT r2.channel, count(*) AS n FROM redacted AS r2
                              GROUP BY r2.channel) AS b), '{}')
      INTO v_touched, v_tcust, v_by_chan
      FROM redacted AS r;

    -- look-up rows no remaining interaction of their thread carries
    DELETE FROM omnichannel.thread_key AS k
     WHERE k.customer_id = ANY (v_tcust) AND k.thread_id = ANY (v_touched)
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.customer_id = k.customer_id AND i.thread_id = k.thread_id
                          AND i.business_keys ->> k.name = k.value);
    GET DIAGNOSTICS v_keys = ROW_COUNT;
    DELETE FROM omnichannel.thread_subject AS k
     WHERE k.customer_id = ANY (v_tcust) AND k.thread_id = ANY (v_touched)
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.customer_id = k.customer_id AND i.thread_id = k.thread_id
                          AND i.subject_key = k.subject_key);
    GET DIAGNOSTICS v_subjects = ROW_COUNT;
    DELETE FROM omnichannel.pending_reference AS p WHERE p.interaction_id = ANY (v_done);
    GET DIAGNOSTICS v_pending = ROW_COUNT;

    -- a thread's subject is its first remaining interaction subject; its
    -- hand-off context goes with the last interaction holding content
    -- (read first, written from values: Citus plans no correlated LIMIT
    -- in an UPDATE)
    SELECT coalesce(array_agg(x.id), '{}'), coalesce(array_agg(x.customer_id), '{}'),
           coalesce(array_agg(x.subject), '{}')
      INTO v_sub_ids, v_sub_custs, v_subs
      FROM (SELECT t.id, t.customer_id, t.subject AS old_subject,
                   (SELECT i.subject FROM omnichannel.interaction AS i
                     WHERE i.customer_id = t.customer_id AND i.thread_id = t.id AND i.subject IS NOT NULL
                     ORDER BY i.occurred_at, i.id LIMIT 1) AS subject
              FROM omnichannel.thread AS t
             WHERE t.customer_id = ANY (v_tcust) AND t.id = ANY (v_touched)
               AND t.subject IS NOT NULL) AS x
     WHERE x.old_subject IS DISTINCT FROM x.subject;
    UPDATE omnichannel.thread AS t SET subject = s.subject
      FROM unnest(v_sub_ids, v_sub_custs, v_subs) AS s(id, customer_id, subject)
     WHERE t.customer_id = s.customer_id AND t.id = s.id AND t.subject IS DISTINCT FROM s.subject;
    GET DIAGNOSTICS v_tsubject = ROW_COUNT;
    UPDATE omnichannel.thread AS t SET context = '{}'::jsonb
     WHERE t.customer_id = ANY (v_tcust) AND t.id = ANY (v_touched) AND t.context <> '{}'::jsonb
       AND NOT EXISTS (SELECT FROM omnichannel.interaction AS i
                        WHERE i.customer_id = t.customer_id AND i.thread_id = t.id
                          AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                               OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL
                               OR i.refs IS NOT NULL OR i.business_keys IS NOT NULL
                               OR i.subject_key IS NOT NULL
                               OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb));
    GET DIAGNOSTICS v_tcontext = ROW_COUNT;

    -- (a query per channel, as above: on Citus no correlated query may
    -- follow a setting, and an EXISTS here fails to plan)
    v_more := false;
    FOR st IN SELECT r.channel, r.keep FROM omnichannel.retention_setting AS r ORDER BY r.channel LOOP
        PERFORM 1 FROM omnichannel.interaction AS i
          WHERE i.channel = st.channel
            AND i.occurred_at < v_now - st.keep
            AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
                 OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
                 OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
                 OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)
          LIMIT 1;
        v_more := FOUND;
        EXIT WHEN v_more;
    END LOOP;

    RETURN jsonb_build_object('interactions', cardinality(v_done),
                              'by_channel', v_by_chan,
                              'skipped_locked', cardinality(v_cand) - cardinality(v_done),
                              'thread_subject_cleared', v_tsubject,
                              'thread_context_cleared', v_tcontext,
                              'thread_key', v_keys,
                              'thread_subject', v_subjects,
                              'pending_reference', v_pending,
                              'more', v_more);
END
$$;
COMMENT ON FUNCTION omnichannel.apply_retention(integer) IS
    'Redacts the personal content (contact, subject, body, external ids, attributes, keys, evidence) of at most max_rows interactions older than their channel''s retention_setting, oldest first, keeping the anonymous rows; drops the look-up rows and thread subjects and context nothing carries any more; skips rows other sessions hold; returns counts and whether more remain';

-- Who may erase: EXECUTE is granted to roles (docs/privacy.md "Grants").
REVOKE EXECUTE ON FUNCTION omnichannel.forget_customer(bigint, text),
    omnichannel.apply_retention(integer)
    FROM PUBLIC;
