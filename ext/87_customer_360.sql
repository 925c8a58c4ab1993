-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/87_customer_360.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

-- Rebuild the rollup of some customers from their interactions (after a merge,
-- an unmerge, or a change to interactions made outside the ingest).
CREATE OR REPLACE FUNCTION omnichannel.customer_channel_refresh(customers bigint[])
RETURNS bigint
LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM omnichannel.customer_channel AS c WHERE c.customer_id = ANY (customers);
    WITH fresh AS (
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
         ORDER BY 1, 2
        RETURNING 1)
    SELECT count(*) FROM fresh;
$$;
COMMENT ON FUNCTION omnichannel.customer_channel_refresh(bigint[]) IS
    'Rebuilds the customer_channel rollup of the given customers from their interactions (the rollup triggers on interaction call it for the customers of changed or deleted rows); returns the rows written';

-- The 360-degree view ---------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.customer_360(customer bigint, recent integer DEFAULT 20)
RETURNS jsonb
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH asked AS (
        SELECT c.id AS asked, COALESCE(c.merged_into, c.id) AS id
          FROM omnichannel.customer AS c WHERE c.id = customer_360.customer),
    cu AS (
        SELECT c.*, asked.asked FROM asked JOIN omnichannel.customer AS c ON c.id = asked.id),
    ch AS (
        SELECT cc.* FROM cu JOIN omnichannel.customer_channel AS cc ON cc.customer_id = cu.id),
    open_threads AS (
        SELECT q.*, t.opened_at, t.last_activity_at, t.channels AS thread_channels,
               t.reopen_count, e.interactions, e.inbound, e.channel_switches
          FROM cu
          JOIN omnichannel.thread AS t ON t.customer_id = cu.id
               AND t.status IN ('open', 'pending', 'on_hold') AND t.merged_into IS NULL
          JOIN omnichannel.queue AS q ON q.thread_id = t.id
          CROSS JOIN LATERAL (
                SELECT count(*) AS interactions,
                       count(*) FILTER (WHERE v.direction = 'inbound') AS inbound,
                       count(*) FILTER (WHERE v.direction <> 'internal'
                                          AND v.channel <> v.previous_channel) AS channel_switches
                  FROM (SELECT i.direction, i.channel,
                               lag(i.channel) OVER (PARTITION BY i.direction = 'internal'
                                                    ORDER BY i.occurred_at, i.id) AS previous_channel
                          FROM omnichannel.interaction AS i
                         WHERE i.thread_id = t.id) AS v) AS e),
    -- the current thread: the most recently active open one, else the
    -- thread of the latest interaction (both without reading all threads)
    latest_thread AS (
        SELECT COALESCE(
                   (SELECT o.thread_id FROM open_threads AS o
                     ORDER BY o.last_activity_at DESC, o.thread_id DESC LIMIT 1),
                   (SELECT r.thread_id FROM omnichannel.timeline(cu.id, NULL, 1) AS r)) AS id
          FROM cu)
    SELECT jsonb_build_object(
        'customer', jsonb_build_object(
            'id', cu.id, 'display_name', cu.display_name, 'language', cu.language,
            'attributes', cu.attributes, 'created_at', cu.created_at),
        'requested', cu.asked,
        'identity', jsonb_build_object(
            'identifiers', COALESCE((
                SELECT jsonb_object_agg(k.kind, k.items)
                  FROM (SELECT omnichannel.kind(ci.contact) AS kind,
                               jsonb_agg(jsonb_build_object('contact', ci.contact::text,
                                                            'source', ci.source,
                                                            'since', ci.created_at)
                                         ORDER BY ci.created_at, ci.contact) AS items
                          FROM omnichannel.customer_identifier AS ci
                         WHERE ci.customer_id = cu.id
                         GROUP BY 1) AS k), '{}'::jsonb),
            'merged', COALESCE((
                SELECT jsonb_agg(jsonb_build_object('customer', m.id, 'since', ev.at)
                                 ORDER BY m.id)
                  FROM omnichannel.customer AS m
                  LEFT JOIN LATERAL (
                        SELECT e.occurred_at AS at FROM omnichannel.identity_event AS e
                         WHERE e.action = 'merge' AND e.other_customer_id = m.id
                           AND e.undone_by IS NULL
                         ORDER BY e.id DESC LIMIT 1) AS ev ON true
                 WHERE m.merged_into = cu.id), '[]'::jsonb)),
        'channels', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'channel', ch.channel, 'inbound', ch.inbound, 'outbound', ch.outbound,
                       'internal', ch.internal, 'first_at', ch.first_at, 'last_at', ch.last_at)
                     ORDER BY ch.last_at DESC, ch.channel)
              FROM ch), '[]'::jsonb),
        'preferred_channel', (
            SELECT ch.channel FROM ch WHERE ch.inbound > 0
             ORDER BY ch.inbound DESC, ch.last_inbound_at DESC, ch.channel LIMIT 1),
        'open_threads', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'thread', o.thread_id, 'status', o.status, 'priority', o.priority,
                       'subject', o.subject, 'channels', to_jsonb(o.thread_channels),
                       'queue', o.queue, 'assignee', o.assignee,
                       'opened_at', o.opened_at, 'last_activity_at', o.last_activity_at,
                       'waiting_since', o.waiting_since,
                       'sla', jsonb_build_object('state', o.sla_state, 'policy', o.policy,
                                                 'due_at', o.due_at, 'metric', o.due_metric,
                                                 'business_seconds_left', o.business_seconds_left),
                       'effort', jsonb_build_object('interactions', o.interactions,
                                                    'channel_switches', o.channel_switches,
                                                    'repeat_contacts', greatest(o.inbound - 1, 0),
                                                    'reopened', o.reopen_count))
                     ORDER BY o.priority_rank DESC, o.due_at, o.waiting_since, o.thread_id)
              FROM open_threads AS o), '[]'::jsonb),
        'recent_interactions', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'id', r.id, 'at', r.occurred_at, 'channel', r.channel,
                       'direction', r.direction, 'thread', r.thread_id, 'agent', r.agent,
                       'subject', r.subject, 'preview', left(r.body, 200))
                     ORDER BY r.occurred_at DESC, r.id DESC)
              FROM omnichannel.timeline(cu.id, NULL, GREATEST(customer_360.recent, 0)) AS r),
            '[]'::jsonb),
        'handoff', (SELECT omnichannel.thread_context(lt.id) FROM latest_thread AS lt),
        'effort', jsonb_build_object(
            'open_threads', (SELECT count(*) FROM open_threads),
            'channel_switches', (SELECT COALESCE(sum(o.channel_switches), 0) FROM open_threads AS o),
            'repeat_contacts', (SELECT COALESCE(sum(greatest(o.inbound - 1, 0)), 0) FROM open_threads AS o),
            'channels_used', (SELECT count(*) FROM ch)))
      FROM cu
$$;
COMMENT ON FUNCTION omnichannel.customer_360(bigint, integer) IS
    'The whole customer as one jsonb document: identity (identifiers by kind, merged customers), channels used with counts and last use, the preferred channel, open threads with SLA state and effort, the latest interactions (recent, default 20), the handoff context of the current thread, effort totals; a merged customer''s id gives the survivor''s view; NULL for an unknown customer';
