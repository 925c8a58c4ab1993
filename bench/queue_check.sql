-- bench/queue_check.sql: after the runs of the queue benchmark
-- (bench/README.md, "queue"): no double assignment, assignments and threads
-- agree, no agent over capacity; the sizes before and after (bloat); then
-- two probes of claim_next where nothing fits the agent.  Ends with an
-- error (psql exits with 3 under ON_ERROR_STOP) if a check failed.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\pset footer off

CREATE TEMP TABLE q_check (n serial, name text, bad bigint, fatal boolean DEFAULT true);
INSERT INTO q_check (name, bad)
SELECT 'threads with more than one open assignment', count(*)
  FROM (SELECT a.thread_id FROM omnichannel.thread_assignment AS a
         WHERE a.released_at IS NULL GROUP BY a.thread_id HAVING count(*) > 1) AS d;
INSERT INTO q_check (name, bad)
SELECT 'pairs of assignments of one thread overlapping in time', count(*)
  FROM omnichannel.thread_assignment AS a
  JOIN omnichannel.thread_assignment AS b
    ON b.thread_id = a.thread_id AND b.id > a.id
   AND tstzrange(a.assigned_at, a.released_at) && tstzrange(b.assigned_at, b.released_at);
INSERT INTO q_check (name, bad)
SELECT 'assigned threads whose assignee is not the agent of their latest assignment', count(*)
  FROM (SELECT DISTINCT ON (a.thread_id) a.thread_id, a.agent, a.released_how
          FROM omnichannel.thread_assignment AS a
         ORDER BY a.thread_id, a.assigned_at DESC, a.id DESC) AS l
  JOIN omnichannel.thread AS t ON t.id = l.thread_id
 WHERE t.assignee IS NOT NULL AND t.assignee <> l.agent;
INSERT INTO q_check (name, bad)
SELECT 'assigned threads without any assignment row', count(*)
  FROM omnichannel.thread AS t
 WHERE t.assignee IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM omnichannel.thread_assignment AS a WHERE a.thread_id = t.id);
INSERT INTO q_check (name, bad)
SELECT 'open assignments of another agent than the assignee, or of a solved thread', count(*)
  FROM omnichannel.thread_assignment AS a
  JOIN omnichannel.thread AS t ON t.id = a.thread_id
 WHERE a.released_at IS NULL
   AND (t.assignee IS DISTINCT FROM a.agent OR t.status IN ('solved', 'closed'));
INSERT INTO q_check (name, bad)
SELECT 'agents over capacity', count(*)
  FROM omnichannel.agent AS g
 WHERE omnichannel.agent_load(g.id) > g.capacity + 1e-4;
-- a reply that reopens a solved thread gives it back to the queue (assignee
-- NULL, the agent as preferred_agent): an open thread never keeps an
-- assignee without an open assignment
INSERT INTO q_check (name, bad)
SELECT 'open threads with an assignee and no open assignment', count(*)
  FROM omnichannel.thread AS t
 WHERE t.status = 'open' AND t.assignee IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM omnichannel.thread_assignment AS a
                    WHERE a.thread_id = t.id AND a.released_at IS NULL);
-- not failures: what the replies did to solved threads
INSERT INTO q_check (name, bad, fatal)
SELECT 'info: threads reopened by a reply after an agent solved them, still unsolved',
       count(DISTINCT a.thread_id), false
  FROM omnichannel.thread_assignment AS a
  JOIN omnichannel.thread AS t ON t.id = a.thread_id
 WHERE a.released_how = 'solved' AND t.status NOT IN ('solved', 'closed');
INSERT INTO q_check (name, bad, fatal)
SELECT 'info: threads assigned more than once (reopened, claimed again)', count(*), false
  FROM (SELECT a.thread_id FROM omnichannel.thread_assignment AS a
         GROUP BY a.thread_id HAVING count(*) > 1) AS d;

\echo 'checks (0 expected in every non-info row):'
SELECT name AS check, bad AS rows_found,
       CASE WHEN NOT fatal THEN '' WHEN bad = 0 THEN 'ok' ELSE 'FAIL' END AS result
  FROM q_check ORDER BY n;
SELECT count(*) > 0 AS q_failed FROM q_check WHERE fatal AND bad <> 0 \gset

\echo 'assignments:'
SELECT count(*) AS assignments, count(*) FILTER (WHERE a.how = 'claim') AS claims,
       count(*) FILTER (WHERE a.released_at IS NULL) AS open,
       count(DISTINCT a.thread_id) AS threads, count(DISTINCT a.agent) AS agents,
       min(a.assigned_at)::time(0) AS first, max(a.assigned_at)::time(0) AS last
  FROM omnichannel.thread_assignment AS a;

\echo 'sizes (MB) before the runs and after its side''s run; dead tuples as counted by the statistics:'
SELECT b.rel AS relation,
       round(b.total / 1048576.0, 1) AS total_before, round(a.total / 1048576.0, 1) AS total_after,
       round(b.heap / 1048576.0, 1) AS heap_before, round(a.heap / 1048576.0, 1) AS heap_after,
       round(b.indexes / 1048576.0, 1) AS indexes_before, round(a.indexes / 1048576.0, 1) AS indexes_after,
       a.live AS live_after, a.dead AS dead_after
  FROM bench_queue_size AS b
  JOIN bench_queue_size AS a
    ON a.rel = b.rel
   AND a.label = CASE WHEN b.rel LIKE 'bench_plain%' THEN 'after plain' ELSE 'after extension' END
 WHERE b.label = 'before'
 ORDER BY b.at;

-- Probes: claim_next where nothing fits the agent, with every thread loaded
-- still in the queue's index: an agent at capacity, and an agent serving a
-- queue no thread is in.  Timed in the server, at most 30 s each; rolled back.
\echo 'claim_next when nothing fits the agent (rolled back; NULL ms: cancelled after 30 s):'
BEGIN;
CREATE FUNCTION pg_temp.q_time_claim(p_probe text, p_agent text)
RETURNS TABLE (probe text, ms numeric, got bigint, open_unassigned bigint)
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); n bigint; v_ms numeric;
BEGIN
    BEGIN
        SELECT count(*) INTO n FROM omnichannel.claim_next(p_agent);
        v_ms := round(extract(epoch FROM clock_timestamp() - t0)::numeric * 1000, 1);
    EXCEPTION WHEN query_canceled THEN
        n := NULL;
    END;
    RETURN QUERY SELECT p_probe, v_ms, n,
        (SELECT count(*) FROM omnichannel.thread AS t WHERE t.status = 'open' AND t.assignee IS NULL);
END $$;
-- agent_0 (capacity 1) gets a phone thread by reassign: no spare capacity left
SELECT omnichannel.reassign(t.id, 'agent_0', 'probe') IS NOT NULL AS reassigned
  FROM omnichannel.thread AS t
 WHERE t.status = 'open' AND t.assignee IS NULL AND t.waiting_channel = 'phone'
 LIMIT 1 \g /dev/null
INSERT INTO omnichannel.agent (id, queues, capacity, status) VALUES ('probe_x', '{no such queue}', 3, 'available');
SET LOCAL statement_timeout = '30s';
CREATE TEMP TABLE q_probe AS SELECT * FROM pg_temp.q_time_claim('agent at capacity', 'agent_0');
INSERT INTO q_probe SELECT * FROM pg_temp.q_time_claim('agent with no eligible thread', 'probe_x');
SET LOCAL statement_timeout = 0;
SELECT * FROM q_probe;
ROLLBACK;

\if :q_failed
DO $$ BEGIN RAISE EXCEPTION 'queue benchmark: a check failed (see above)'; END $$;
\endif
