-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/87_customer_360.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

-- Rebuild the rollup of some customers from their interactions (after a merge,
-- an unmerge, or a change to interactions made outside the ingest):
-- customer_channel_rebuild with the caller's privileges (a merge on Citus
-- calls it: Citus refuses a transaction that changes a shard as one role and
-- reads it as another), customer_channel_refresh as the owner.
CREATE OR REPLACE FUNCTION omnichannel.customer_channel_rebuild(customers bigint[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
BEGIN
    -- PL/pgSQL: Citus plans no SQL function over its tables
    DELETE FROM omnichannel.customer_channel AS c WHERE c.customer_id = ANY (customers);
    INSERT INTO omnichannel.customer_channel AS c
           (customer_id, channel, inbound, outbound, internal, first_at, last_at, last_inbound_at)
    SELECT i.customer_id, i.channel,
           count(*) FILTER (WHERE i.direction = 'inbound'),
           count(*) FILTER (WHERE i.direction = 'outbound'),
           count(*) FILTER (WHERE i.direction = 'internal'),
           min(i.occurred_at), max(i.occurred_at),
           max(i.occurred_at) FILTER (WHERE i.direction = 'inbound')
      FROM omnichannel.interaction AS i
     WHERE i.customer_id = ANY (customers)
     GROUP BY 1, 2
     ORDER BY 1, 2;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.customer_channel_rebuild(bigint[]) IS
    'Rebuilds the customer_channel rollup of the given customers from their interactions with the caller''s privileges (SELECT on interaction, SELECT, INSERT and DELETE on customer_channel); returns the rows written';

CREATE OR REPLACE FUNCTION omnichannel.customer_channel_refresh(customers bigint[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT omnichannel.customer_channel_rebuild(customers);
$$;
COMMENT ON FUNCTION omnichannel.customer_channel_refresh(bigint[]) IS
    'Rebuilds the customer_channel rollup of the given customers from their interactions (the rollup triggers on interaction call it for the customers of changed or deleted rows); returns the rows written';

-- The 360-degree view ---------------------------------------------------------------

-- PL/pgSQL, a statement per shard: on Citus the customer's own rows (its
-- channels, open threads with their SLA state and effort, latest
-- interactions) are read by one query on its shard, the parts keyed otherwise
-- (the customer row by id, identifiers by contact point, customers merged
-- into it, the identity log on the coordinator) are queries of their own,
-- run only when there is something to read, and thread_context, which reads
-- tables, is called here, not inside a query.  Every read is by a key
-- (customer, thread, the latest rows of an index), so each query is planned
-- once per session (plan_cache_mode): planning every call cost more than the
-- reads of a customer with a short history.  No bitmap scans: planned for any
-- customer, a thread's interactions would be ANDed with a bitmap of the whole
-- customer_id range of interaction_customer_timeline_idx (100,000 entries for
-- a customer with that many interactions) instead of read by thread.
CREATE OR REPLACE FUNCTION omnichannel.customer_360(customer bigint, recent integer DEFAULT 20)
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_bitmapscan = off
AS $$
DECLARE
    v_id          bigint;
    v_survivor    bigint;
    v_customer    jsonb;
    v_identifiers jsonb;
    v_merged_ids  bigint[];
    v_merged      jsonb;
    v_channels    jsonb;
    v_preferred   omnichannel.channel;
    v_nchannels   bigint;
    v_open        jsonb;
    v_nopen       bigint;
    v_switches    numeric;
    v_repeats     numeric;
    v_current     bigint;
    v_latest      bigint;
    v_recent      jsonb;
BEGIN
    -- the customer asked for; a merged customer's id gives the survivor's view
    SELECT c.merged_into,
           jsonb_build_object('id', c.id, 'display_name', c.display_name, 'language', c.language,
                              'attributes', c.attributes, 'created_at', c.created_at)
      INTO v_survivor, v_customer
      FROM omnichannel.customer AS c WHERE c.id = customer_360.customer;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    v_id := customer_360.customer;
    IF v_survivor IS NOT NULL THEN
        v_id := v_survivor;
        v_customer := NULL;
        SELECT jsonb_build_object('id', c.id, 'display_name', c.display_name, 'language', c.language,
                                  'attributes', c.attributes, 'created_at', c.created_at)
          INTO v_customer
          FROM omnichannel.customer AS c WHERE c.id = v_id;
        IF v_customer IS NULL THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT jsonb_object_agg(k.kind, k.items) INTO v_identifiers
      FROM (SELECT omnichannel.kind(ci.contact) AS kind,
                   jsonb_agg(jsonb_build_object('contact', ci.contact::text, 'source', ci.source,
                                                'since', ci.created_at)
                             ORDER BY ci.created_at, ci.contact) AS items
              FROM omnichannel.customer_identifier AS ci
             WHERE ci.customer_id = v_id
             GROUP BY 1) AS k;
    v_merged_ids := ARRAY(SELECT m.id FROM omnichannel.customer AS m WHERE m.merged_into = v_id ORDER BY m.id);
    IF cardinality(v_merged_ids) > 0 THEN
        SELECT jsonb_agg(jsonb_build_object('customer', m.id, 'since', ev.at) ORDER BY m.id) INTO v_merged
          FROM unnest(v_merged_ids) AS m(id)
          LEFT JOIN LATERAL (
                SELECT e.occurred_at AS at FROM omnichannel.identity_event AS e
                 WHERE e.action = 'merge' AND e.other_customer_id = m.id AND e.undone_by IS NULL
                 ORDER BY e.id DESC LIMIT 1) AS ev ON true;
    END IF;
    -- the customer's rows, one query: channels used (the customer_channel
    -- rollup), the open threads with their SLA state (the queue view) and
    -- effort (each thread's interactions, interaction_thread_idx), the latest
    -- interactions (interaction_customer_timeline_idx, as timeline() reads
    -- them) and the thread of the latest one
    SELECT ch.items, ch.preferred, ch.n, o.items, o.n, o.switches, o.repeats, o.current,
           r.items,
           (SELECT i.thread_id FROM omnichannel.interaction AS i
             WHERE i.customer_id = v_id
             ORDER BY i.occurred_at DESC, i.id DESC LIMIT 1)
      INTO v_channels, v_preferred, v_nchannels, v_open, v_nopen, v_switches, v_repeats, v_current,
           v_recent, v_latest
      FROM (SELECT jsonb_agg(jsonb_build_object('channel', c.channel, 'inbound', c.inbound,
                                                'outbound', c.outbound, 'internal', c.internal,
                                                'first_at', c.first_at, 'last_at', c.last_at)
                             ORDER BY c.last_at DESC, c.channel) AS items,
                   (array_agg(c.channel ORDER BY c.inbound DESC, c.last_inbound_at DESC, c.channel)
                        FILTER (WHERE c.inbound > 0))[1] AS preferred,
                   count(*) AS n
              FROM omnichannel.customer_channel AS c WHERE c.customer_id = v_id) AS ch,
           (SELECT jsonb_agg(jsonb_build_object(
                       'thread', q.thread_id, 'status', q.status, 'priority', q.priority,
                       'subject', q.subject, 'channels', to_jsonb(t.channels),
                       'queue', q.queue, 'assignee', q.assignee,
                       'opened_at', t.opened_at, 'last_activity_at', t.last_activity_at,
                       'waiting_since', q.waiting_since,
                       'sla', jsonb_build_object('state', q.sla_state, 'policy', q.policy,
                                                 'due_at', q.due_at, 'metric', q.due_metric,
                                                 'business_seconds_left', q.business_seconds_left),
                       'effort', jsonb_build_object('interactions', e.interactions,
                                                    'channel_switches', e.channel_switches,
                                                    'repeat_contacts', greatest(e.inbound - 1, 0),
                                                    'reopened', t.reopen_count))
                     ORDER BY q.priority_rank DESC, q.due_at, q.waiting_since, q.thread_id) AS items,
                   count(*) AS n,
                   COALESCE(sum(e.channel_switches), 0) AS switches,
                   COALESCE(sum(greatest(e.inbound - 1, 0)), 0) AS repeats,
                   -- the current thread: the most recently active open one,
                   -- else (below) the thread of the latest interaction
                   (array_agg(t.id ORDER BY t.last_activity_at DESC, t.id DESC))[1] AS current
              FROM omnichannel.thread AS t
             -- each thread's row of the view by its key (OFFSET 0: not
             -- flattened into a scan of all the customer's threads)
             CROSS JOIN LATERAL (
                    SELECT * FROM omnichannel.queue AS q
                     WHERE q.customer_id = t.customer_id AND q.thread_id = t.id OFFSET 0) AS q
             CROSS JOIN LATERAL (
                    SELECT count(*) AS interactions,
                           count(*) FILTER (WHERE v.direction = 'inbound') AS inbound,
                           count(*) FILTER (WHERE v.direction <> 'internal'
                                              AND v.channel <> v.previous_channel) AS channel_switches
                      FROM (SELECT i.direction, i.channel,
                                   lag(i.channel) OVER (PARTITION BY i.direction = 'internal'
                                                        ORDER BY i.occurred_at, i.id) AS previous_channel
                              FROM omnichannel.interaction AS i
                             WHERE i.customer_id = t.customer_id AND i.thread_id = t.id) AS v) AS e
             WHERE t.customer_id = v_id
               AND t.status IN ('open', 'pending', 'on_hold') AND t.merged_into IS NULL) AS o,
           (SELECT jsonb_agg(jsonb_build_object(
                       'id', l.id, 'at', l.occurred_at, 'channel', l.channel,
                       'direction', l.direction, 'thread', l.thread_id, 'agent', l.agent,
                       'subject', l.subject, 'preview', left(l.body, 200))
                     ORDER BY l.occurred_at DESC, l.id DESC) AS items
              FROM (SELECT i.id, i.occurred_at, i.channel, i.direction, i.thread_id, i.agent,
                           i.subject, i.body
                      FROM omnichannel.interaction AS i
                     WHERE i.customer_id = v_id
                     ORDER BY i.occurred_at DESC, i.id DESC
                     LIMIT GREATEST(customer_360.recent, 0)) AS l) AS r;
    RETURN jsonb_build_object(
        'customer', v_customer,
        'requested', customer_360.customer,
        'identity', jsonb_build_object('identifiers', COALESCE(v_identifiers, '{}'::jsonb),
                                       'merged', COALESCE(v_merged, '[]'::jsonb)),
        'channels', COALESCE(v_channels, '[]'::jsonb),
        'preferred_channel', v_preferred,
        'open_threads', COALESCE(v_open, '[]'::jsonb),
        'recent_interactions', COALESCE(v_recent, '[]'::jsonb),
        'handoff', CASE WHEN COALESCE(v_current, v_latest) IS NOT NULL
                        THEN omnichannel.thread_context(COALESCE(v_current, v_latest)) END,
        'effort', jsonb_build_object(
            'open_threads', v_nopen,
            'channel_switches', v_switches,
            'repeat_contacts', v_repeats,
            'channels_used', v_nchannels));
END
$$;
COMMENT ON FUNCTION omnichannel.customer_360(bigint, integer) IS
    'The whole customer as one jsonb document: identity (identifiers by kind, merged customers), channels used with counts and last use, the preferred channel, open threads with SLA state and effort, the latest interactions (recent, default 20), the handoff context of the current thread, effort totals; a merged customer''s id gives the survivor''s view; NULL for an unknown customer';
