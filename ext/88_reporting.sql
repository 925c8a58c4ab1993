-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/88_reporting.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

-- Takes interactions (their times, channels and directions) out of
-- channel_day: the rollup trigger on a DELETE, and restitch where Citus runs
-- no such trigger on a shard.
CREATE OR REPLACE FUNCTION omnichannel.channel_day_take_out(ats timestamptz[],
                                                           channels omnichannel.channel[],
                                                           directions omnichannel.direction[])
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- with the caller's rights: the trigger runs as the owner, restitch
    -- as its caller (on Citus it needs UPDATE on channel_day)
    WITH d AS (
        SELECT (o.at AT TIME ZONE 'UTC')::date AS day, o.channel,
               -count(*) FILTER (WHERE o.direction = 'inbound') AS inbound,
               -count(*) FILTER (WHERE o.direction = 'outbound') AS outbound,
               -count(*) FILTER (WHERE o.direction = 'internal') AS internal
          FROM unnest(ats, channels, directions) AS o(at, channel, direction) GROUP BY 1, 2)
    UPDATE omnichannel.channel_day AS c
       SET inbound = c.inbound + d.inbound, outbound = c.outbound + d.outbound,
           internal = c.internal + d.internal
      FROM d WHERE c.day = d.day AND c.channel = d.channel;
END
$$;
COMMENT ON FUNCTION omnichannel.channel_day_take_out(timestamptz[], omnichannel.channel[], omnichannel.direction[]) IS
    'Takes interactions, given by their times, channels and directions, out of the channel_day rollup (the rollup trigger on a DELETE; restitch on Citus); internal';
REVOKE EXECUTE ON FUNCTION omnichannel.channel_day_take_out(timestamptz[], omnichannel.channel[], omnichannel.direction[])
    FROM PUBLIC;

-- Rows deleted from or changed in interaction after ingest (restitch, a purge, a
-- hand-written UPDATE) leave the rollups: their counts are taken out (and
-- those of the new version put in), and the customers' per-channel rows
-- rebuilt.  TRUNCATE empties them.
CREATE OR REPLACE FUNCTION omnichannel.rollup_after_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_customers bigint[];
BEGIN
    PERFORM omnichannel.check_trigger_table('rollup_after_change', TG_RELID, 'interaction');
    IF TG_OP = 'TRUNCATE' THEN
        TRUNCATE omnichannel.channel_day, omnichannel.customer_channel;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM omnichannel.channel_day_take_out(array_agg(o.occurred_at), array_agg(o.channel),
                                                 array_agg(o.direction))
           FROM old_rows AS o;
        SELECT array_agg(DISTINCT o.customer_id) INTO v_customers FROM old_rows AS o;
    ELSE
        -- only rows whose customer, channel, direction or time changed
        WITH ch AS (
            SELECT o.customer_id AS old_customer, o.channel AS old_channel,
                   o.direction AS old_direction, o.occurred_at AS old_at,
                   n.customer_id AS new_customer, n.channel AS new_channel,
                   n.direction AS new_direction, n.occurred_at AS new_at
              FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
             WHERE (o.customer_id, o.channel, o.direction, o.occurred_at)
                   IS DISTINCT FROM (n.customer_id, n.channel, n.direction, n.occurred_at)),
        delta AS (
            SELECT (x.at AT TIME ZONE 'UTC')::date AS day, x.channel,
                   sum(x.sign) FILTER (WHERE x.direction = 'inbound') AS inbound,
                   sum(x.sign) FILTER (WHERE x.direction = 'outbound') AS outbound,
                   sum(x.sign) FILTER (WHERE x.direction = 'internal') AS internal
              FROM ch CROSS JOIN LATERAL (VALUES (-1, ch.old_at, ch.old_channel, ch.old_direction),
                                                (1, ch.new_at, ch.new_channel, ch.new_direction))
                                         AS x(sign, at, channel, direction)
             GROUP BY 1, 2
             -- a row that only changed customer (a merge) moves no day's count
            HAVING sum(x.sign) FILTER (WHERE x.direction = 'inbound') OPERATOR(pg_catalog.<>) 0
                OR sum(x.sign) FILTER (WHERE x.direction = 'outbound') OPERATOR(pg_catalog.<>) 0
                OR sum(x.sign) FILTER (WHERE x.direction = 'internal') OPERATOR(pg_catalog.<>) 0)
        INSERT INTO omnichannel.channel_day AS c (day, channel, inbound, outbound, internal)
        SELECT d.day, d.channel, COALESCE(d.inbound, 0), COALESCE(d.outbound, 0),
               COALESCE(d.internal, 0)
          FROM delta AS d ORDER BY 1, 2
        ON CONFLICT (day, channel) DO UPDATE
           SET inbound = c.inbound + EXCLUDED.inbound, outbound = c.outbound + EXCLUDED.outbound,
               internal = c.internal + EXCLUDED.internal;
        SELECT array_agg(DISTINCT x.customer) INTO v_customers
          FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
         CROSS JOIN LATERAL (VALUES (o.customer_id), (n.customer_id)) AS x(customer)
         WHERE (o.customer_id, o.channel, o.direction, o.occurred_at)
               IS DISTINCT FROM (n.customer_id, n.channel, n.direction, n.occurred_at);
    END IF;
    IF v_customers IS NOT NULL THEN
        PERFORM omnichannel.customer_channel_refresh(v_customers);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION omnichannel.rollup_after_change() IS
    'Trigger: keeps channel_day and customer_channel equal to the history when interactions are deleted, changed (customer, channel, direction or time) or truncated';
CREATE OR REPLACE TRIGGER rollup_after_delete
    AFTER DELETE ON omnichannel.interaction
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE OR REPLACE TRIGGER rollup_after_update
    AFTER UPDATE ON omnichannel.interaction
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE OR REPLACE TRIGGER rollup_after_truncate
    AFTER TRUNCATE ON omnichannel.interaction
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
COMMENT ON TRIGGER rollup_after_delete ON omnichannel.interaction IS
    'Takes deleted interactions out of the rollups (channel_day, customer_channel)';
COMMENT ON TRIGGER rollup_after_update ON omnichannel.interaction IS
    'Moves changed interactions (customer, channel, direction, time) in the rollups';
COMMENT ON TRIGGER rollup_after_truncate ON omnichannel.interaction IS
    'Empties the rollups with the history';

-- Rebuild channel_day from the whole history (a DBA's repair; reads every interaction).
CREATE OR REPLACE FUNCTION omnichannel.channel_day_refresh()
RETURNS bigint
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    DELETE FROM omnichannel.channel_day;
    WITH fresh AS (
        INSERT INTO omnichannel.channel_day (day, channel, inbound, outbound, internal)
        SELECT (i.occurred_at AT TIME ZONE 'UTC')::date, i.channel,
               count(*) FILTER (WHERE i.direction = 'inbound'),
               count(*) FILTER (WHERE i.direction = 'outbound'),
               count(*) FILTER (WHERE i.direction = 'internal')
          FROM omnichannel.interaction AS i GROUP BY 1, 2 ORDER BY 1, 2
        RETURNING 1)
    SELECT count(*) FROM fresh;
$$;
COMMENT ON FUNCTION omnichannel.channel_day_refresh() IS
    'Rebuilds the channel_day rollup from all interactions; returns the rows written';
REVOKE EXECUTE ON FUNCTION omnichannel.channel_day_refresh() FROM PUBLIC;

CREATE OR REPLACE VIEW omnichannel.thread_facts AS
SELECT t.id                                              AS thread_id,
       t.customer_id,
       t.status::text                                    AS status,
       t.priority::text                                  AS priority,
       t.queue,
       t.assignee,
       p.name                                            AS sla_policy,
       t.opened_at,
       (t.opened_at AT TIME ZONE 'UTC')::date            AS opened_day,
       t.channels[1]::text                               AS first_channel,
       pg_catalog.cardinality(t.channels)                AS channel_count,
       pg_catalog.array_to_string(t.channels, ',')       AS channels,
       t.first_inbound_at,
       t.first_response_at,
       pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at) AS first_response_seconds,
       fr.business_seconds                               AS first_response_business_seconds,
       COALESCE(fr.outcome, CASE WHEN fr.due_at <= pg_catalog.now() THEN 'breached'
                                     WHEN fr.started_at IS NOT NULL THEN 'running' END)
                                                         AS first_response_sla,
       t.solved_at                                       AS resolved_at,
       pg_catalog.date_part('epoch', t.solved_at - COALESCE(t.first_inbound_at, t.opened_at))
                                                         AS resolution_seconds,
       rs.business_seconds                               AS resolution_business_seconds,
       COALESCE(rs.outcome, CASE WHEN rs.due_at <= pg_catalog.now() THEN 'breached'
                                     WHEN rs.started_at IS NOT NULL THEN 'running' END)
                                                         AS resolution_sla,
       COALESCE(n.interactions, 0)                       AS interactions,
       COALESCE(n.inbound, 0)                            AS inbound,
       COALESCE(n.outbound, 0)                           AS outbound,
       COALESCE(n.internal, 0)                           AS internal,
       COALESCE(n.channel_switches, 0)                   AS channel_switches,
       t.reopen_count,
       t.reopen_count > 0                                AS reopened,
       t.solved_at IS NOT NULL AND t.reopen_count = 0
           AND t.last_inbound_at IS NOT DISTINCT FROM t.first_inbound_at
                                                         AS first_contact_resolution,
       GREATEST(COALESCE(n.inbound, 0) - 1, 0)           AS repeat_contacts,
       COALESCE(n.inbound, 0) > 0 AND t.first_response_at IS NULL
                                                         AS unanswered
  FROM omnichannel.thread AS t
  LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
  -- every join names the customer too: on Citus each shard answers for its
  -- customers' threads
  LEFT JOIN (
        SELECT v.customer_id, v.thread_id,
               pg_catalog.count(*)                                          AS interactions,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'inbound')  AS inbound,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'outbound') AS outbound,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'internal') AS internal,
               pg_catalog.count(*) FILTER (WHERE v.direction <> 'internal'
                                             AND v.channel <> v.previous_channel) AS channel_switches
          FROM (SELECT i.customer_id, i.thread_id, i.direction, i.channel,
                       -- the previous customer-visible interaction's channel
                       pg_catalog.lag(i.channel) OVER (PARTITION BY i.customer_id, i.thread_id,
                                                                    i.direction = 'internal'
                                                       ORDER BY i.occurred_at, i.id) AS previous_channel
                  FROM omnichannel.interaction AS i) AS v
         GROUP BY v.customer_id, v.thread_id) AS n ON n.customer_id = t.customer_id AND n.thread_id = t.id
  LEFT JOIN LATERAL (
        SELECT c.outcome, c.business_seconds, c.started_at, c.due_at
          FROM omnichannel.sla_clock AS c
         WHERE c.customer_id = t.customer_id AND c.thread_id = t.id AND c.metric = 'first_response'
         ORDER BY c.started_at DESC, c.id DESC LIMIT 1) AS fr ON true
  LEFT JOIN LATERAL (
        SELECT c.outcome, c.business_seconds, c.started_at, c.due_at
          FROM omnichannel.sla_clock AS c
         WHERE c.customer_id = t.customer_id AND c.thread_id = t.id AND c.metric = 'resolution'
         ORDER BY c.started_at DESC, c.id DESC LIMIT 1) AS rs ON true
 WHERE t.merged_into IS NULL;
COMMENT ON VIEW omnichannel.thread_facts IS
    'One row per thread (threads merged into another left out): status, channels, response and resolution times in wall-clock and business seconds, SLA outcomes, volumes and effort indicators; standard SQL types only, for BI tools to pivot';
COMMENT ON COLUMN omnichannel.thread_facts.thread_id IS 'Thread id';
COMMENT ON COLUMN omnichannel.thread_facts.customer_id IS 'Customer id (an anonymous key: no name or contact point is exposed)';
COMMENT ON COLUMN omnichannel.thread_facts.status IS 'open, pending, on_hold, solved or closed';
COMMENT ON COLUMN omnichannel.thread_facts.priority IS 'low, normal, high or urgent';
COMMENT ON COLUMN omnichannel.thread_facts.queue IS 'Queue of the latest customer message that named one';
COMMENT ON COLUMN omnichannel.thread_facts.assignee IS 'Agent holding the thread (NULL: unassigned)';
COMMENT ON COLUMN omnichannel.thread_facts.sla_policy IS 'Name of the SLA policy its clocks run on (NULL: none)';
COMMENT ON COLUMN omnichannel.thread_facts.opened_at IS 'Time of its earliest interaction';
COMMENT ON COLUMN omnichannel.thread_facts.opened_day IS 'UTC date of opened_at';
COMMENT ON COLUMN omnichannel.thread_facts.first_channel IS 'Channel of its first interaction';
COMMENT ON COLUMN omnichannel.thread_facts.channel_count IS 'Number of distinct channels it used';
COMMENT ON COLUMN omnichannel.thread_facts.channels IS 'Channels it used, comma-separated, in order of first use';
COMMENT ON COLUMN omnichannel.thread_facts.first_inbound_at IS 'Its first customer message (NULL: the customer never wrote)';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_at IS 'The first reply after the first customer message (NULL: none yet)';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_seconds IS 'Wall-clock seconds from first_inbound_at to first_response_at';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_business_seconds IS 'Business seconds of its latest first-response SLA clock, once stopped (NULL without an SLA policy)';
COMMENT ON COLUMN omnichannel.thread_facts.first_response_sla IS 'Outcome of its latest first-response clock: achieved, breached (stopped late, or still running past its due time, as in sla_attainment), cancelled or running (NULL: no clock)';
COMMENT ON COLUMN omnichannel.thread_facts.resolved_at IS 'When it was last set to solved or closed (NULL while unresolved)';
COMMENT ON COLUMN omnichannel.thread_facts.resolution_seconds IS 'Wall-clock seconds from the first customer message (or the opening) to resolved_at';
COMMENT ON COLUMN omnichannel.thread_facts.resolution_business_seconds IS 'Business seconds of its latest resolution clock, once stopped (NULL without an SLA policy)';
COMMENT ON COLUMN omnichannel.thread_facts.resolution_sla IS 'Outcome of its latest resolution clock: achieved, breached (stopped late, or still running past its due time), cancelled or running (NULL: no clock)';
COMMENT ON COLUMN omnichannel.thread_facts.interactions IS 'Interactions in the thread';
COMMENT ON COLUMN omnichannel.thread_facts.inbound IS 'Customer messages';
COMMENT ON COLUMN omnichannel.thread_facts.outbound IS 'Replies to the customer';
COMMENT ON COLUMN omnichannel.thread_facts.internal IS 'Internal notes and transfers';
COMMENT ON COLUMN omnichannel.thread_facts.channel_switches IS 'Times a customer-visible interaction came on another channel than the one before it';
COMMENT ON COLUMN omnichannel.thread_facts.reopen_count IS 'Times it went from solved or closed back to an active status';
COMMENT ON COLUMN omnichannel.thread_facts.reopened IS 'reopen_count > 0';
COMMENT ON COLUMN omnichannel.thread_facts.first_contact_resolution IS 'Resolved, never reopened, and the customer wrote at most once (their latest message is their first)';
COMMENT ON COLUMN omnichannel.thread_facts.repeat_contacts IS 'Customer messages after the first: times the customer had to come back about it';
COMMENT ON COLUMN omnichannel.thread_facts.unanswered IS 'The customer wrote and no reply came (yet)';

CREATE OR REPLACE VIEW omnichannel.channel_kpis AS
SELECT u.day, u.channel,
       pg_catalog.sum(u.inbound)::bigint                 AS inbound,
       pg_catalog.sum(u.outbound)::bigint                AS outbound,
       pg_catalog.sum(u.internal)::bigint                AS internal,
       pg_catalog.sum(u.threads_opened)::bigint          AS threads_opened,
       pg_catalog.max(u.first_response_avg_seconds)      AS first_response_avg_seconds,
       pg_catalog.max(u.first_response_median_seconds)   AS first_response_median_seconds,
       pg_catalog.max(u.first_response_p90_seconds)      AS first_response_p90_seconds,
       pg_catalog.max(u.first_response_median_business_seconds) AS first_response_median_business_seconds,
       pg_catalog.sum(u.resolved)::bigint                AS resolved,
       pg_catalog.max(u.resolution_avg_seconds)          AS resolution_avg_seconds,
       pg_catalog.max(u.resolution_median_seconds)       AS resolution_median_seconds,
       pg_catalog.max(u.resolution_median_business_seconds) AS resolution_median_business_seconds,
       pg_catalog.sum(u.sla_clocks)::bigint              AS sla_clocks,
       pg_catalog.sum(u.sla_achieved)::bigint            AS sla_achieved,
       pg_catalog.sum(u.sla_achieved)::float8 / NULLIF(pg_catalog.sum(u.sla_clocks), 0)
                                                         AS sla_attainment_rate,
       pg_catalog.sum(u.reopened)::float8 / NULLIF(pg_catalog.sum(u.resolved), 0)
                                                         AS reopen_rate,
       pg_catalog.sum(u.first_contact_resolved)::float8 / NULLIF(pg_catalog.sum(u.resolved), 0)
                                                         AS first_contact_resolution_rate,
       pg_catalog.sum(u.switched_channel)::float8 / NULLIF(pg_catalog.sum(u.threads_opened), 0)
                                                         AS channel_switch_rate,
       pg_catalog.sum(u.repeat_contacted)::float8 / NULLIF(pg_catalog.sum(u.threads_opened), 0)
                                                         AS repeat_contact_rate,
       pg_catalog.sum(u.unanswered)::float8 / NULLIF(pg_catalog.sum(u.customer_wrote), 0)
                                                         AS unanswered_rate
  FROM (
    -- volume: the rollup ingest keeps
    SELECT d.day, d.channel::text AS channel, d.inbound, d.outbound, d.internal,
           0 AS threads_opened, NULL::float8 AS first_response_avg_seconds,
           NULL::float8 AS first_response_median_seconds, NULL::float8 AS first_response_p90_seconds,
           NULL::float8 AS first_response_median_business_seconds, 0 AS resolved,
           NULL::float8 AS resolution_avg_seconds, NULL::float8 AS resolution_median_seconds,
           NULL::float8 AS resolution_median_business_seconds, 0 AS sla_clocks, 0 AS sla_achieved,
           0 AS reopened, 0 AS first_contact_resolved, 0 AS switched_channel,
           0 AS repeat_contacted, 0 AS customer_wrote, 0 AS unanswered
      FROM omnichannel.channel_day AS d
    UNION ALL
    -- the cohort: threads opened that day whose first interaction was on the
    -- channel, from the threads' own columns
    SELECT (t.opened_at AT TIME ZONE 'UTC')::date, t.channels[1]::text, 0, 0, 0,
           pg_catalog.count(*),
           pg_catalog.avg(pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at)),
           pg_catalog.percentile_cont(0.5) WITHIN GROUP
               (ORDER BY pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at)),
           pg_catalog.percentile_cont(0.9) WITHIN GROUP
               (ORDER BY pg_catalog.date_part('epoch', t.first_response_at - t.first_inbound_at)),
           NULL::float8,
           pg_catalog.count(t.solved_at),
           pg_catalog.avg(pg_catalog.date_part('epoch', t.solved_at - COALESCE(t.first_inbound_at, t.opened_at))),
           pg_catalog.percentile_cont(0.5) WITHIN GROUP
               (ORDER BY pg_catalog.date_part('epoch', t.solved_at - COALESCE(t.first_inbound_at, t.opened_at))),
           NULL::float8, 0, 0,
           pg_catalog.count(*) FILTER (WHERE t.solved_at IS NOT NULL AND t.reopen_count > 0),
           pg_catalog.count(*) FILTER (WHERE t.solved_at IS NOT NULL AND t.reopen_count = 0
                                         AND t.last_inbound_at IS NOT DISTINCT FROM t.first_inbound_at),
           pg_catalog.count(*) FILTER (WHERE pg_catalog.cardinality(t.channels) > 1),
           pg_catalog.count(*) FILTER (WHERE t.last_inbound_at > t.first_inbound_at),
           pg_catalog.count(t.first_inbound_at),
           pg_catalog.count(*) FILTER (WHERE t.first_inbound_at IS NOT NULL AND t.first_response_at IS NULL)
      FROM omnichannel.thread AS t
     WHERE t.merged_into IS NULL
     GROUP BY 1, 2
    UNION ALL
    -- SLA: clocks started on the channel, decided that day (as in
    -- sla_attainment), and the business seconds of those stopped
    SELECT s.day, s.channel, 0, 0, 0, 0, NULL, NULL, NULL,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_seconds)
               FILTER (WHERE s.metric = 'first_response' AND s.stopped),
           0, NULL, NULL,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY s.business_seconds)
               FILTER (WHERE s.metric = 'resolution' AND s.stopped),
           pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE s.achieved),
           0, 0, 0, 0, 0, 0
      FROM (SELECT (CASE WHEN c.outcome = 'achieved' THEN c.stopped_at ELSE c.due_at END
                    AT TIME ZONE 'UTC')::date AS day,
                   c.channel::text AS channel, c.metric, c.business_seconds,
                   c.outcome = 'achieved' AS achieved, c.stopped_at IS NOT NULL AS stopped
              FROM omnichannel.sla_clock AS c
             WHERE c.outcome IN ('achieved', 'breached')
                OR (c.stopped_at IS NULL AND c.due_at <= pg_catalog.now())) AS s
     GROUP BY 1, 2) AS u
 GROUP BY u.day, u.channel;
COMMENT ON VIEW omnichannel.channel_kpis IS
    'Per UTC day and channel: interaction volume, the threads opened there (by their first channel) with their response, resolution and effort indicators, and SLA attainment; standard SQL types only (rates are fractions 0..1, NULL when there is nothing to divide by)';
COMMENT ON COLUMN omnichannel.channel_kpis.day IS 'UTC date';
COMMENT ON COLUMN omnichannel.channel_kpis.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.channel_kpis.inbound IS 'Customer messages that day on the channel';
COMMENT ON COLUMN omnichannel.channel_kpis.outbound IS 'Replies to customers that day on the channel';
COMMENT ON COLUMN omnichannel.channel_kpis.internal IS 'Internal notes and transfers that day on the channel';
COMMENT ON COLUMN omnichannel.channel_kpis.threads_opened IS 'Threads whose first interaction was that day on the channel (the cohort the following columns describe)';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_avg_seconds IS 'Cohort: average wall-clock seconds from first customer message to first reply (answered threads)';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_median_seconds IS 'Cohort: median wall-clock seconds to the first reply';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_p90_seconds IS 'Cohort: 90th percentile of wall-clock seconds to the first reply';
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_median_business_seconds IS 'Median business seconds of the first-response SLA clocks started on the channel and stopped (achieved or breached) that day';
COMMENT ON COLUMN omnichannel.channel_kpis.resolved IS 'Cohort: threads now resolved (solved or closed from an active status)';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_avg_seconds IS 'Cohort: average wall-clock seconds from first customer message to resolution';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_median_seconds IS 'Cohort: median wall-clock seconds to resolution';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_median_business_seconds IS 'Median business seconds of the resolution SLA clocks started on the channel and stopped that day';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_clocks IS 'SLA clocks of any metric started on the channel whose outcome was decided that day (as in sla_attainment)';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_achieved IS 'Of sla_clocks, those achieved';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_attainment_rate IS 'sla_achieved / sla_clocks';
COMMENT ON COLUMN omnichannel.channel_kpis.reopen_rate IS 'Cohort: resolved threads ever reopened / resolved threads';
COMMENT ON COLUMN omnichannel.channel_kpis.first_contact_resolution_rate IS 'Cohort: resolved threads never reopened whose customer wrote at most once (latest message = first) / resolved threads';
COMMENT ON COLUMN omnichannel.channel_kpis.channel_switch_rate IS 'Cohort: threads that used more than one channel / threads opened';
COMMENT ON COLUMN omnichannel.channel_kpis.repeat_contact_rate IS 'Cohort: threads whose customer wrote again after the first message (latest later than first) / threads opened';
COMMENT ON COLUMN omnichannel.channel_kpis.unanswered_rate IS 'Cohort: threads with a customer message and no reply yet / threads with a customer message';

-- Channel transitions: which channel customers go to next -----------------------

CREATE OR REPLACE VIEW omnichannel.channel_transitions AS
SELECT (s.at AT TIME ZONE 'UTC')::date AS day,
       s.queue,
       s.from_channel::text AS from_channel,
       s.to_channel::text AS to_channel,
       count(*) AS switches,
       count(DISTINCT s.thread_id) AS threads,
       count(DISTINCT s.customer_id) AS customers,
       -- whole seconds: a cell of one customer shows no finer gap
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s.gap_seconds))::float8 AS median_gap_seconds
  FROM (SELECT i.customer_id, i.thread_id, i.occurred_at AS at,
               COALESCE(i.queue, t.queue) AS queue,
               lag(i.channel) OVER w AS from_channel,
               i.channel AS to_channel,
               extract(epoch FROM i.occurred_at OPERATOR(pg_catalog.-) lag(i.occurred_at) OVER w)::float8
                   AS gap_seconds
          FROM omnichannel.interaction AS i
          JOIN omnichannel.thread AS t
            ON t.customer_id OPERATOR(pg_catalog.=) i.customer_id
           AND t.id OPERATOR(pg_catalog.=) i.thread_id
         WHERE i.direction OPERATOR(pg_catalog.=) 'inbound'
        WINDOW w AS (PARTITION BY i.thread_id ORDER BY i.occurred_at, i.id)) AS s
 WHERE s.from_channel IS NOT NULL
   AND s.from_channel OPERATOR(pg_catalog.<>) s.to_channel
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW omnichannel.channel_transitions IS
    'Channel switches of customers within a thread (one problem): a customer message on another channel than the customer''s previous message of the thread; per UTC day of the switch, queue, from and to channel; standard SQL types only';
COMMENT ON COLUMN omnichannel.channel_transitions.day IS 'UTC date of the message on the new channel';
COMMENT ON COLUMN omnichannel.channel_transitions.queue IS 'Queue of that message, else of its thread (NULL: none)';
COMMENT ON COLUMN omnichannel.channel_transitions.from_channel IS 'Channel of the customer''s previous message in the thread';
COMMENT ON COLUMN omnichannel.channel_transitions.to_channel IS 'Channel the customer switched to';
COMMENT ON COLUMN omnichannel.channel_transitions.switches IS 'Switches from from_channel to to_channel';
COMMENT ON COLUMN omnichannel.channel_transitions.threads IS 'Threads with such a switch';
COMMENT ON COLUMN omnichannel.channel_transitions.customers IS 'Customers who made such a switch';
COMMENT ON COLUMN omnichannel.channel_transitions.median_gap_seconds IS 'Median wall-clock seconds between the previous message and the switch, in whole seconds';

-- The reporting views, and who may read them -------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.reporting_views()
RETURNS SETOF regclass
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT v::regclass FROM (VALUES ('omnichannel.channel_kpis'), ('omnichannel.thread_facts'),
                                    ('omnichannel.sla_attainment'),
                                    ('omnichannel.channel_transitions')) AS r(v)
$$;
COMMENT ON FUNCTION omnichannel.reporting_views() IS
    'The views a reporting login may read: channel_kpis, thread_facts, sla_attainment, channel_transitions (no message bodies, subjects or contact points)';

CREATE OR REPLACE FUNCTION omnichannel.grant_reporting(grantee regrole)
RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v regclass;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA omnichannel TO %s', grantee);
    FOR v IN SELECT * FROM omnichannel.reporting_views() LOOP
        EXECUTE format('GRANT SELECT ON %s TO %s', v, grantee);
        RETURN NEXT v;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.grant_reporting(regrole) IS
    'Grants a role USAGE on the schema and SELECT on the reporting views, and nothing else; returns the views granted. The caller must be allowed to grant them (the extension owner or a superuser)';

CREATE OR REPLACE FUNCTION omnichannel.revoke_reporting(grantee regrole)
RETURNS SETOF regclass
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v regclass;
BEGIN
    FOR v IN SELECT * FROM omnichannel.reporting_views() LOOP
        EXECUTE format('REVOKE SELECT ON %s FROM %s', v, grantee);
        RETURN NEXT v;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.revoke_reporting(regrole) IS
    'Revokes SELECT on the reporting views from a role (USAGE on the schema stays: it may have been granted for other reasons); returns the views';
REVOKE EXECUTE ON FUNCTION omnichannel.grant_reporting(regrole), omnichannel.revoke_reporting(regrole)
    FROM PUBLIC;
