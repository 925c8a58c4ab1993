-- ---------------------------------------------------------------------------
-- Reporting: views a BI tool reads over JDBC, ODBC or psycopg, with standard
-- SQL types only (text for enums, float8 seconds for durations, date for
-- days, no extension types), every view and column commented, and a function
-- that grants a reporting login exactly these views.  See docs/reporting.md.
--
--   thread_facts   one row per thread (merged threads left out): what
--                  happened to it, to pivot;
--   channel_kpis   per UTC day and channel: volume, threads opened and their
--                  response, resolution and effort indicators, SLA
--                  attainment.
--
-- Both are computed from the history when read (no rollup yet).
-- ---------------------------------------------------------------------------

CREATE VIEW omnichannel.thread_facts AS
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
       t.status IN ('solved', 'closed') AND COALESCE(n.inbound, 0) <= 1 AND t.reopen_count = 0
                                                         AS first_contact_resolution,
       GREATEST(COALESCE(n.inbound, 0) - 1, 0)           AS repeat_contacts,
       COALESCE(n.inbound, 0) > 0 AND t.first_response_at IS NULL
                                                         AS unanswered
  FROM omnichannel.thread AS t
  LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
  LEFT JOIN (
        SELECT v.thread_id,
               pg_catalog.count(*)                                          AS interactions,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'inbound')  AS inbound,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'outbound') AS outbound,
               pg_catalog.count(*) FILTER (WHERE v.direction = 'internal') AS internal,
               pg_catalog.count(*) FILTER (WHERE v.direction <> 'internal'
                                             AND v.channel <> v.previous_channel) AS channel_switches
          FROM (SELECT i.thread_id, i.direction, i.channel,
                       -- the previous customer-visible interaction's channel
                       pg_catalog.lag(i.channel) OVER (PARTITION BY i.thread_id, i.direction = 'internal'
                                                       ORDER BY i.occurred_at, i.id) AS previous_channel
                  FROM omnichannel.interaction AS i) AS v
         GROUP BY v.thread_id) AS n ON n.thread_id = t.id
  LEFT JOIN LATERAL (
        SELECT c.outcome, c.business_seconds, c.started_at, c.due_at
          FROM omnichannel.sla_clock AS c
         WHERE c.thread_id = t.id AND c.metric = 'first_response'
         ORDER BY c.started_at DESC, c.id DESC LIMIT 1) AS fr ON true
  LEFT JOIN LATERAL (
        SELECT c.outcome, c.business_seconds, c.started_at, c.due_at
          FROM omnichannel.sla_clock AS c
         WHERE c.thread_id = t.id AND c.metric = 'resolution'
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
COMMENT ON COLUMN omnichannel.thread_facts.first_contact_resolution IS 'Resolved with at most one customer message and never reopened';
COMMENT ON COLUMN omnichannel.thread_facts.repeat_contacts IS 'Customer messages after the first: times the customer had to come back about it';
COMMENT ON COLUMN omnichannel.thread_facts.unanswered IS 'The customer wrote and no reply came (yet)';

CREATE VIEW omnichannel.channel_kpis AS
WITH volume AS (
    SELECT (i.occurred_at AT TIME ZONE 'UTC')::date AS day, i.channel::text AS channel,
           pg_catalog.count(*) FILTER (WHERE i.direction = 'inbound')  AS inbound,
           pg_catalog.count(*) FILTER (WHERE i.direction = 'outbound') AS outbound,
           pg_catalog.count(*) FILTER (WHERE i.direction = 'internal') AS internal
      FROM omnichannel.interaction AS i
     GROUP BY 1, 2),
cohort AS (
    SELECT f.opened_day AS day, f.first_channel AS channel,
           pg_catalog.count(*) AS threads_opened,
           pg_catalog.count(f.first_response_seconds) AS answered,
           pg_catalog.avg(f.first_response_seconds) AS first_response_avg_seconds,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_response_seconds)
               AS first_response_median_seconds,
           pg_catalog.percentile_cont(0.9) WITHIN GROUP (ORDER BY f.first_response_seconds)
               AS first_response_p90_seconds,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_response_business_seconds)
               AS first_response_median_business_seconds,
           pg_catalog.count(f.resolved_at) AS resolved,
           pg_catalog.avg(f.resolution_seconds) AS resolution_avg_seconds,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY f.resolution_seconds)
               AS resolution_median_seconds,
           pg_catalog.percentile_cont(0.5) WITHIN GROUP (ORDER BY f.resolution_business_seconds)
               AS resolution_median_business_seconds,
           pg_catalog.count(*) FILTER (WHERE f.reopened) AS reopened,
           pg_catalog.count(*) FILTER (WHERE f.first_contact_resolution) AS first_contact_resolved,
           pg_catalog.count(*) FILTER (WHERE f.channel_switches > 0) AS switched_channel,
           pg_catalog.count(*) FILTER (WHERE f.repeat_contacts > 0) AS repeat_contacted,
           pg_catalog.count(*) FILTER (WHERE f.inbound > 0) AS customer_wrote,
           pg_catalog.count(*) FILTER (WHERE f.unanswered) AS unanswered
      FROM omnichannel.thread_facts AS f
     GROUP BY 1, 2),
sla AS (
    SELECT a.day, a.channel, pg_catalog.sum(a.clocks)::bigint AS sla_clocks,
           pg_catalog.sum(a.achieved)::bigint AS sla_achieved
      FROM omnichannel.sla_attainment AS a
     GROUP BY 1, 2)
SELECT k.day, k.channel,
       COALESCE(v.inbound, 0)         AS inbound,
       COALESCE(v.outbound, 0)        AS outbound,
       COALESCE(v.internal, 0)        AS internal,
       COALESCE(c.threads_opened, 0)  AS threads_opened,
       c.first_response_avg_seconds,
       c.first_response_median_seconds,
       c.first_response_p90_seconds,
       c.first_response_median_business_seconds,
       COALESCE(c.resolved, 0)        AS resolved,
       c.resolution_avg_seconds,
       c.resolution_median_seconds,
       c.resolution_median_business_seconds,
       COALESCE(s.sla_clocks, 0)      AS sla_clocks,
       COALESCE(s.sla_achieved, 0)    AS sla_achieved,
       s.sla_achieved::float8 / NULLIF(s.sla_clocks, 0)              AS sla_attainment_rate,
       c.reopened::float8 / NULLIF(c.resolved, 0)                    AS reopen_rate,
       c.first_contact_resolved::float8 / NULLIF(c.resolved, 0)      AS first_contact_resolution_rate,
       c.switched_channel::float8 / NULLIF(c.threads_opened, 0)      AS channel_switch_rate,
       c.repeat_contacted::float8 / NULLIF(c.threads_opened, 0)      AS repeat_contact_rate,
       c.unanswered::float8 / NULLIF(c.customer_wrote, 0)            AS unanswered_rate
  FROM (SELECT volume.day, volume.channel FROM volume
        UNION SELECT cohort.day, cohort.channel FROM cohort
        UNION SELECT sla.day, sla.channel FROM sla) AS k
  LEFT JOIN volume AS v ON v.day = k.day AND v.channel = k.channel
  LEFT JOIN cohort AS c ON c.day = k.day AND c.channel = k.channel
  LEFT JOIN sla AS s ON s.day = k.day AND s.channel = k.channel;
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
COMMENT ON COLUMN omnichannel.channel_kpis.first_response_median_business_seconds IS 'Cohort: median business seconds of the stopped first-response SLA clocks';
COMMENT ON COLUMN omnichannel.channel_kpis.resolved IS 'Cohort: threads now solved or closed';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_avg_seconds IS 'Cohort: average wall-clock seconds from first customer message to resolution';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_median_seconds IS 'Cohort: median wall-clock seconds to resolution';
COMMENT ON COLUMN omnichannel.channel_kpis.resolution_median_business_seconds IS 'Cohort: median business seconds of the stopped resolution SLA clocks';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_clocks IS 'SLA clocks of any metric started on the channel whose outcome was decided that day (as in sla_attainment)';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_achieved IS 'Of sla_clocks, those achieved';
COMMENT ON COLUMN omnichannel.channel_kpis.sla_attainment_rate IS 'sla_achieved / sla_clocks';
COMMENT ON COLUMN omnichannel.channel_kpis.reopen_rate IS 'Cohort: resolved threads ever reopened / resolved threads';
COMMENT ON COLUMN omnichannel.channel_kpis.first_contact_resolution_rate IS 'Cohort: resolved threads with at most one customer message and no reopening / resolved threads';
COMMENT ON COLUMN omnichannel.channel_kpis.channel_switch_rate IS 'Cohort: threads that switched channel at least once / threads opened';
COMMENT ON COLUMN omnichannel.channel_kpis.repeat_contact_rate IS 'Cohort: threads whose customer wrote more than once / threads opened';
COMMENT ON COLUMN omnichannel.channel_kpis.unanswered_rate IS 'Cohort: threads with a customer message and no reply yet / threads with a customer message';

-- The reporting views, and who may read them -------------------------------------------

CREATE FUNCTION omnichannel.reporting_views()
RETURNS SETOF regclass
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT v::regclass FROM (VALUES ('omnichannel.channel_kpis'), ('omnichannel.thread_facts'),
                                    ('omnichannel.sla_attainment')) AS r(v)
$$;
COMMENT ON FUNCTION omnichannel.reporting_views() IS
    'The views a reporting login may read: channel_kpis, thread_facts, sla_attainment (no message bodies, subjects or contact points)';

CREATE FUNCTION omnichannel.grant_reporting(grantee regrole)
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

CREATE FUNCTION omnichannel.revoke_reporting(grantee regrole)
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
