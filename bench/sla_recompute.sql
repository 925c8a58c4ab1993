-- bench/sla_recompute.sql: recompute_sla() after a policy change, against
-- the bare computation (one UPDATE re-deriving the same due times in a plain
-- copy of the clocks) in the same run.  See bench/README.md.
--
--   psql -X -q -v threads=200000 -v rounds=3 -f bench/sla_recompute.sql
--
-- :threads open threads, one per customer, each started by one customer
-- message through the real ingest (so two running clocks each: first
-- response and resolution, in a Warsaw office calendar with holidays), a
-- tenth of them pending (paused clocks).  Each round changes the policy's
-- targets (alternately 2 h / 32 h and 4 h / 40 h) and times
--   recompute_sla(policy => id)     locks the threads, re-derives every
--                                   running clock, logs an event per changed
--                                   clock, refreshes the threads' due columns
--   the baseline                    UPDATE of a plain table holding the same
--                                   clocks' (started_at, pauses) with
--                                   business_time_add() for the new target
-- and checks afterwards that every running clock's due time is what the
-- business-time engine gives for its start, target and pauses, and that every
-- thread's sla_due_at is the earliest of its clocks'.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\if :{?threads}
\else
\set threads 200000
\endif
\if :{?rounds}
\else
\set rounds 3
\endif
CREATE EXTENSION IF NOT EXISTS omnichannel;

INSERT INTO omnichannel.business_calendar (name, hours)
VALUES ('bench office', '{"time_zone": "Europe/Warsaw",
   "hours": {"mon": [["08:00","12:00"],["12:30","17:00"]], "tue": [["08:00","12:00"],["12:30","17:00"]],
             "wed": [["08:00","12:00"],["12:30","17:00"]], "thu": [["08:00","12:00"],["12:30","17:00"]],
             "fri": [["08:00","15:00"]]},
   "holidays": ["2026-11-01", "2026-11-11", "2026-12-25", "2026-12-26"]}')
ON CONFLICT (name) DO NOTHING;
INSERT INTO omnichannel.sla_policy (name, position, calendar, first_response, next_response, resolution)
VALUES ('bench recompute', 1000, 'bench office', '4 hours', '8 hours', '40 hours')
ON CONFLICT (name) DO NOTHING;
SELECT id AS policy FROM omnichannel.sla_policy WHERE name = 'bench recompute' \gset

\echo loading :threads threads through ingest ...
SELECT clock_timestamp() AS t0 \gset
INSERT INTO omnichannel.customer (display_name)
SELECT 'bench recompute ' || g FROM generate_series(1, :threads) g;
CREATE TEMP TABLE bench_customers AS
SELECT id, row_number() OVER (ORDER BY id) AS n
  FROM omnichannel.customer WHERE display_name LIKE 'bench recompute %';
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, external_id)
SELECT c.id, (ARRAY['email','chat','phone','web']::omnichannel.channel[])[1 + c.n % 4], 'inbound',
       timestamptz '2026-11-02 07:00+00' + (c.n % 5000) * interval '97 seconds',
       'bench-recompute-' || c.n
  FROM bench_customers AS c;
UPDATE omnichannel.thread AS t SET status = 'pending', status_changed_at = t.opened_at + interval '1 hour'
 WHERE t.customer_id IN (SELECT id FROM bench_customers WHERE n % 10 = 0);
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric, 1) AS load_seconds,
       (SELECT count(*) FROM omnichannel.sla_clock WHERE policy_id = :policy AND stopped_at IS NULL) AS running_clocks,
       (SELECT count(*) FROM omnichannel.sla_clock WHERE policy_id = :policy AND paused_since IS NOT NULL) AS paused_clocks
\gset
\echo loaded in :load_seconds s: :running_clocks running clocks, :paused_clocks of them paused
VACUUM ANALYZE omnichannel.thread;
VACUUM ANALYZE omnichannel.sla_clock;

-- the baseline's table: the same clocks, nothing else
DROP TABLE IF EXISTS bench_plain_clock;
CREATE TABLE bench_plain_clock AS
SELECT id, metric, started_at, pauses, paused_since, target::interval AS target, due_at
  FROM omnichannel.sla_clock WHERE policy_id = :policy AND stopped_at IS NULL;
ALTER TABLE bench_plain_clock ADD PRIMARY KEY (id);
VACUUM ANALYZE bench_plain_clock;
SELECT hours AS cal FROM omnichannel.business_calendar WHERE name = 'bench office' \gset

CREATE TEMP TABLE bench_times (round int, side text, seconds float8, changed bigint);

-- one round: change the targets, time recompute_sla, time the baseline
CREATE FUNCTION pg_temp.bench_round(r int, policy int, cal omnichannel.business_hours)
RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
    fr interval := CASE WHEN r % 2 = 1 THEN '2 hours' ELSE '4 hours' END;
    res interval := CASE WHEN r % 2 = 1 THEN '32 hours' ELSE '40 hours' END;
    t timestamptz;
    n bigint;
BEGIN
    UPDATE omnichannel.sla_policy SET first_response = fr, resolution = res WHERE id = policy;
    t := clock_timestamp();
    n := omnichannel.recompute_sla(policy => policy);
    INSERT INTO bench_times VALUES (r, 'recompute_sla', extract(epoch FROM clock_timestamp() - t), n);
    t := clock_timestamp();
    UPDATE bench_plain_clock AS c
       SET target = CASE c.metric WHEN 'first_response' THEN fr ELSE res END,
           due_at = CASE WHEN c.paused_since IS NOT NULL THEN NULL
                         ELSE omnichannel.business_time_add(cal, c.started_at,
                                  CASE c.metric WHEN 'first_response' THEN fr ELSE res END, c.pauses) END;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO bench_times VALUES (r, 'baseline', extract(epoch FROM clock_timestamp() - t), n);
END $f$;
\echo rounds: recompute_sla() and the baseline, one after the other, each round its own transaction
SELECT format('SELECT pg_temp.bench_round(%s, %s, %L)', r, :policy, :'cal')
  FROM generate_series(1, :rounds) AS r \gexec

SELECT side, count(*) AS rounds, round(min(seconds)::numeric, 3) AS best_s,
       round(avg(seconds)::numeric, 3) AS mean_s, max(changed) AS clocks_changed
  FROM bench_times GROUP BY side ORDER BY side;
SELECT round((SELECT avg(seconds) FROM bench_times WHERE side = 'recompute_sla')::numeric
           / (SELECT avg(seconds) FROM bench_times WHERE side = 'baseline')::numeric, 2)
       AS recompute_over_baseline,
       round(:running_clocks / (SELECT avg(seconds) FROM bench_times WHERE side = 'recompute_sla')::numeric)
       AS clocks_per_second;

-- correctness afterwards
SELECT count(*) FILTER (WHERE c.paused_since IS NULL AND c.due_at IS DISTINCT FROM
           omnichannel.business_time_add(:'cal'::omnichannel.business_hours, c.started_at,
                                         c.target, c.pauses)) AS wrong_due_times,
       count(*) FILTER (WHERE c.paused_since IS NOT NULL AND c.due_at IS NOT NULL) AS paused_with_due,
       count(*) FILTER (WHERE c.target::interval <> CASE c.metric WHEN 'first_response' THEN p.first_response::interval
                                                      ELSE p.resolution::interval END) AS wrong_targets
  FROM omnichannel.sla_clock AS c JOIN omnichannel.sla_policy AS p ON p.id = c.policy_id
 WHERE c.policy_id = :policy AND c.stopped_at IS NULL;
SELECT count(*) AS threads_with_wrong_sla_due_at
  FROM omnichannel.thread AS t
 WHERE t.sla_policy_id = :policy
   AND t.sla_due_at IS DISTINCT FROM (SELECT min(c.due_at) FROM omnichannel.sla_clock AS c
                                       WHERE c.thread_id = t.id AND c.stopped_at IS NULL);
