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

-- PL/pgSQL, a statement per part: on Citus each part reading the customer's
-- rows is one query on its shard, the parts keyed otherwise (identifiers by
-- contact point, customers merged into it, the identity log on the
-- coordinator) are queries of their own, and the functions that read tables
-- (timeline, thread_context) are called here, not inside a query.  Every
-- part reads by index what it returns; the planner's cost of a part for a
-- customer with a long history (estimated from all its threads) can pass
-- jit_above_cost, and compiling would take longer than the read, so no JIT.
CREATE OR REPLACE FUNCTION omnichannel.customer_360(customer bigint, recent integer DEFAULT 20)
RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
    v_id          bigint;
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
    v_recent      jsonb;
BEGIN
    SELECT COALESCE(c.merged_into, c.id) INTO v_id
      FROM omnichannel.customer AS c WHERE c.id = customer_360.customer;
    IF v_id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT jsonb_build_object('id', c.id, 'display_name', c.display_name, 'language', c.language,
                              'attributes', c.attributes, 'created_at', c.created_at)
      INTO v_customer
      FROM omnichannel.customer AS c WHERE c.id = v_id;
    IF v_customer IS NULL THEN
        RETURN NULL;
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
    SELECT jsonb_agg(jsonb_build_object('customer', m.id, 'since', ev.at) ORDER BY m.id) INTO v_merged
      FROM unnest(v_merged_ids) AS m(id)
      LEFT JOIN LATERAL (
            SELECT e.occurred_at AS at FROM omnichannel.identity_event AS e
             WHERE e.action = 'merge' AND e.other_customer_id = m.id AND e.undone_by IS NULL
             ORDER BY e.id DESC LIMIT 1) AS ev ON true;
    SELECT jsonb_agg(jsonb_build_object('channel', ch.channel, 'inbound', ch.inbound,
                                        'outbound', ch.outbound, 'internal', ch.internal,
                                        'first_at', ch.first_at, 'last_at', ch.last_at)
                     ORDER BY ch.last_at DESC, ch.channel),
           (array_agg(ch.channel ORDER BY ch.inbound DESC, ch.last_inbound_at DESC, ch.channel)
                FILTER (WHERE ch.inbound > 0))[1],
           count(*)
      INTO v_channels, v_preferred, v_nchannels
      FROM omnichannel.customer_channel AS ch WHERE ch.customer_id = v_id;
    -- the open threads with their SLA state (the queue view, read by
    -- customer through thread_customer_unsolved_idx), each thread's own
    -- columns and effort read per thread by its key.  Laterals, not joins:
    -- a plan made for any customer (PL/pgSQL keeps one after five calls)
    -- guesses one open thread, and joined it would read all of them once
    -- per open thread; a LIMIT keeps the thread's row from being merged
    -- into such a join.  Each lateral is joined on the customer too (on
    -- Citus, a join on the distribution column within one shard).
    WITH o AS (
        SELECT q.*, t.opened_at, t.last_activity_at, t.thread_channels,
               t.reopen_count, e.interactions, e.inbound, e.channel_switches
          FROM omnichannel.queue AS q
         CROSS JOIN LATERAL (
                SELECT t.opened_at, t.last_activity_at, t.channels AS thread_channels, t.reopen_count
                  FROM omnichannel.thread AS t
                 WHERE t.customer_id = q.customer_id AND t.id = q.thread_id
                 LIMIT 1) AS t
          LEFT JOIN LATERAL (
                SELECT count(*) AS interactions,
                       count(*) FILTER (WHERE v.direction = 'inbound') AS inbound,
                       count(*) FILTER (WHERE v.direction <> 'internal'
                                          AND v.channel <> v.previous_channel) AS channel_switches
                  FROM (SELECT i.direction, i.channel,
                               lag(i.channel) OVER (PARTITION BY i.direction = 'internal'
                                                    ORDER BY i.occurred_at, i.id) AS previous_channel
                          FROM omnichannel.interaction AS i
                         WHERE i.customer_id = q.customer_id AND i.thread_id = q.thread_id) AS v) AS e ON true
         WHERE q.customer_id = v_id)
    SELECT jsonb_agg(jsonb_build_object(
               'thread', o.thread_id, 'status', o.status, 'priority', o.priority,
               'subject', o.subject, 'channels', to_jsonb(o.thread_channels),
               'queue', o.queue, 'assignee', o.assignee,
               'opened_at', o.opened_at, 'last_activity_at', o.last_activity_at,
               'waiting_since', o.waiting_since,
               'sla', jsonb_build_object('state', o.sla_state, 'policy', o.policy,
                                         'due_at', o.due_at, 'metric', o.due_metric,
                                         'business_seconds_left', o.business_seconds_left),
               'effort', jsonb_build_object('interactions', COALESCE(o.interactions, 0),
                                            'channel_switches', COALESCE(o.channel_switches, 0),
                                            'repeat_contacts', greatest(COALESCE(o.inbound, 0) - 1, 0),
                                            'reopened', o.reopen_count))
             ORDER BY o.priority_rank DESC, o.due_at, o.waiting_since, o.thread_id),
           count(*),
           COALESCE(sum(COALESCE(o.channel_switches, 0)), 0),
           COALESCE(sum(greatest(COALESCE(o.inbound, 0) - 1, 0)), 0),
           -- the current thread: the most recently active open one ...
           (array_agg(o.thread_id ORDER BY o.last_activity_at DESC, o.thread_id DESC))[1]
      INTO v_open, v_nopen, v_switches, v_repeats, v_current
      FROM o;
    -- ... else the thread of the latest interaction
    IF v_current IS NULL THEN
        SELECT r.thread_id INTO v_current FROM omnichannel.timeline(v_id, NULL, 1) AS r;
    END IF;
    SELECT jsonb_agg(jsonb_build_object(
               'id', r.id, 'at', r.occurred_at, 'channel', r.channel,
               'direction', r.direction, 'thread', r.thread_id, 'agent', r.agent,
               'subject', r.subject, 'preview', left(r.body, 200))
             ORDER BY r.occurred_at DESC, r.id DESC)
      INTO v_recent
      FROM omnichannel.timeline(v_id, NULL, GREATEST(customer_360.recent, 0)) AS r;
    RETURN jsonb_build_object(
        'customer', v_customer,
        'requested', customer_360.customer,
        'identity', jsonb_build_object('identifiers', COALESCE(v_identifiers, '{}'::jsonb),
                                       'merged', COALESCE(v_merged, '[]'::jsonb)),
        'channels', COALESCE(v_channels, '[]'::jsonb),
        'preferred_channel', v_preferred,
        'open_threads', COALESCE(v_open, '[]'::jsonb),
        'recent_interactions', COALESCE(v_recent, '[]'::jsonb),
        'handoff', CASE WHEN v_current IS NOT NULL THEN omnichannel.thread_context(v_current) END,
        'effort', jsonb_build_object(
            'open_threads', v_nopen,
            'channel_switches', v_switches,
            'repeat_contacts', v_repeats,
            'channels_used', v_nchannels));
END
$$;
COMMENT ON FUNCTION omnichannel.customer_360(bigint, integer) IS
    'The whole customer as one jsonb document: identity (identifiers by kind, merged customers), channels used with counts and last use, the preferred channel, open threads with SLA state and effort, the latest interactions (recent, default 20), the handoff context of the current thread, effort totals; a merged customer''s id gives the survivor''s view; NULL for an unknown customer';
