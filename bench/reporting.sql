-- bench/reporting.sql: customer_360() for customers with 10, 1,000 and
-- 100,000 interactions against the naive query a CRM writes without the
-- extension, and channel_kpis over a year of history against the naive KPI
-- query, in the same run, alternating.  Needs the timeline benchmark's load
-- and bench/reporting_load.sql (scripts/bench.sh runs both).
--
--   psql -v rounds=5 -f bench/reporting.sql
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\if :{?rounds}
\else
\set rounds 5
\endif

-- The naive 360: what a CRM computes from the raw tables, the per-channel
-- counts by reading the customer's whole history.
CREATE FUNCTION pg_temp.naive_360(c bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'customer', (SELECT to_jsonb(cu) FROM omnichannel.customer AS cu WHERE cu.id = c),
        'identifiers', (SELECT jsonb_agg(ci.contact::text) FROM omnichannel.customer_identifier AS ci
                         WHERE ci.customer_id = c),
        'channels', (SELECT jsonb_agg(x) FROM (
                        SELECT i.channel, count(*) FILTER (WHERE i.direction = 'inbound') AS inbound,
                               count(*) FILTER (WHERE i.direction = 'outbound') AS outbound,
                               max(i.occurred_at) AS last_at
                          FROM omnichannel.interaction AS i WHERE i.customer_id = c
                         GROUP BY i.channel) AS x),
        'open_threads', (SELECT jsonb_agg(jsonb_build_object('thread', t.id, 'status', t.status,
                                                            'subject', t.subject))
                           FROM omnichannel.thread AS t
                          WHERE t.customer_id = c AND t.status IN ('open', 'pending', 'on_hold')),
        'recent', (SELECT jsonb_agg(r) FROM (
                      SELECT i.id, i.occurred_at, i.channel, i.direction, i.subject
                        FROM omnichannel.interaction AS i WHERE i.customer_id = c
                       ORDER BY i.occurred_at DESC, i.id DESC LIMIT 20) AS r))
$$;

-- The naive KPIs: per day and channel, volume and the first-response
-- median of the threads opened there, straight from the raw tables.
CREATE FUNCTION pg_temp.naive_kpis(d0 date, d1 date) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM (
        SELECT coalesce(v.day, c.day), coalesce(v.channel, c.channel), v.inbound, v.outbound,
               c.threads, c.median_first_response
          FROM (SELECT (i.occurred_at AT TIME ZONE 'UTC')::date AS day, i.channel::text AS channel,
                       count(*) FILTER (WHERE i.direction = 'inbound') AS inbound,
                       count(*) FILTER (WHERE i.direction = 'outbound') AS outbound
                  FROM omnichannel.interaction AS i
                 WHERE i.occurred_at >= d0 AND i.occurred_at < d1 + 1
                 GROUP BY 1, 2) AS v
          FULL JOIN (
               SELECT (t.opened_at AT TIME ZONE 'UTC')::date AS day, t.channels[1]::text AS channel,
                      count(*) AS threads,
                      percentile_cont(0.5) WITHIN GROUP (ORDER BY
                          extract(epoch FROM t.first_response_at - t.first_inbound_at)) AS median_first_response
                 FROM omnichannel.thread AS t
                WHERE t.merged_into IS NULL AND t.opened_at >= d0 AND t.opened_at < d1 + 1
                GROUP BY 1, 2) AS c ON c.day = v.day AND c.channel = v.channel) AS k
$$;

CREATE TABLE bench_reporting_times (variant text, what text, round int, ms float8);
CREATE FUNCTION pg_temp.time_it(variant text, what text, round int, q text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    t0 := clock_timestamp();
    EXECUTE q;
    INSERT INTO bench_reporting_times
    VALUES (variant, what, round, extract(epoch FROM clock_timestamp() - t0) * 1000);
END $$;

SELECT format('reporting: %s interactions, %s threads, %s customers; history %s .. %s',
              (SELECT count(*) FROM omnichannel.interaction), (SELECT count(*) FROM omnichannel.thread),
              (SELECT count(*) FROM omnichannel.customer),
              (SELECT min(occurred_at)::date FROM omnichannel.interaction),
              (SELECT max(occurred_at)::date FROM omnichannel.interaction)) AS setup;

-- customer_360 against the naive 360: 20 calls a round per customer, the
-- order of the two variants alternating (round 0 is a warm-up, discarded)
SELECT stmt FROM (
    SELECT r, b.n, v.k,
           format('SELECT pg_temp.time_it(%L, %L, %s, %L)', v.variant, b.label, r,
                  format('SELECT %s FROM generate_series(1, 20)', v.call)) AS stmt
      FROM generate_series(0, :rounds) AS r
     CROSS JOIN bench_360 AS b
     CROSS JOIN LATERAL (VALUES (0, 'customer_360', format('omnichannel.customer_360(%s)', b.customer_id)),
                                (1, 'naive', format('pg_temp.naive_360(%s)', b.customer_id))) AS v(k, variant, call)
) AS s ORDER BY r, n, (k + r) % 2 \gexec

-- channel_kpis against the naive KPIs: the whole year and one month
SELECT min(occurred_at)::date AS d0, max(occurred_at)::date AS d1 FROM omnichannel.interaction \gset
SELECT (:'d1'::date - 30) AS m0 \gset
SELECT stmt FROM (
    SELECT r, w.w, v.k,
           format('SELECT pg_temp.time_it(%L, %L, %s, %L)', v.variant, w.label, r, v.q) AS stmt
      FROM generate_series(0, :rounds) AS r
     CROSS JOIN (VALUES (1, 'the year', :'d0'::date), (2, 'the last 30 days', :'m0'::date)) AS w(w, label, d0)
     CROSS JOIN LATERAL (VALUES
        (0, 'channel_kpis', format('SELECT count(*) FROM omnichannel.channel_kpis WHERE day BETWEEN %L AND %L',
                                   w.d0, :'d1'::date)),
        (1, 'naive', format('SELECT pg_temp.naive_kpis(%L, %L)', w.d0, :'d1'::date))) AS v(k, variant, q)
) AS s ORDER BY r, w, (k + r) % 2 \gexec

-- results (per call for customer_360: each timing covers 20 calls)
SELECT what, variant,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)
              / CASE WHEN what LIKE '%interactions' THEN 20 ELSE 1 END)::numeric, 3) AS median_ms,
       round((min(ms) / CASE WHEN what LIKE '%interactions' THEN 20 ELSE 1 END)::numeric, 3) AS best_ms,
       count(*) AS rounds
  FROM bench_reporting_times WHERE round > 0
 GROUP BY what, variant ORDER BY what, variant;
SELECT what,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant <> 'naive')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE variant = 'naive'))::numeric, 3)
         AS extension_over_naive_time
  FROM bench_reporting_times WHERE round > 0 GROUP BY what ORDER BY what;
-- the 360 of the largest customer, in short
SELECT jsonb_array_length(d->'channels') AS channels, d->>'preferred_channel' AS preferred,
       jsonb_array_length(d->'open_threads') AS open_threads,
       jsonb_array_length(d->'recent_interactions') AS recent
  FROM (SELECT omnichannel.customer_360(customer_id) AS d FROM bench_360 WHERE n = 100000) AS x;
