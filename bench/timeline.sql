-- ---------------------------------------------------------------------------
-- bench/timeline.sql: timeline() latency against a floor and against what a
-- CRM without the extension writes.  Run by scripts/bench.sh after the load
-- and VACUUM ANALYZE; needs table bench_counts(customer_id, n) from the load.
--
-- psql variables: rounds (timed rounds, after one warm-up round).
--
-- Variants, same customers, same pages, interleaved call by call (the order
-- of the three rotates each call) and timed in the server with
-- clock_timestamp() around each call:
--   timeline  SELECT * FROM omnichannel.timeline(customer, before, 50, NULL, before_id)
--   floor     the keys of the same 50 rows from a bare index-only scan of
--             interaction (customer_id, occurred_at, id): the least any
--             keyset page can cost
--   crm join  SELECT i.* FROM customer_identifier JOIN interaction ON contact
--             ... ORDER BY occurred_at DESC LIMIT 50 OFFSET 50*(page-1),
--             with an index on interaction (contact, occurred_at) made for it
-- Pages: page 1 of customers with >= 50 interactions; page 10 of customers
-- with >= 500; page 40 of customers with >= 2,000.  Page k of the keyset
-- variants starts after the (occurred_at, id) of row 50*(k-1).
-- ---------------------------------------------------------------------------

\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;

-- The sample: deterministic customers per page class.
DROP TABLE IF EXISTS bench_sample, bench_time;
CREATE TABLE bench_sample AS
WITH picks AS (
    (SELECT 1 AS page, customer_id FROM bench_counts WHERE n >= 50
      ORDER BY hashint8(customer_id), customer_id LIMIT 200)
    UNION ALL
    (SELECT 10, customer_id FROM bench_counts WHERE n >= 500
      ORDER BY hashint8(customer_id + 1), customer_id LIMIT 100)
    UNION ALL
    (SELECT 40, customer_id FROM bench_counts WHERE n >= 2000
      ORDER BY hashint8(customer_id + 2), customer_id LIMIT 100))
SELECT row_number() OVER (ORDER BY hashint8(p.customer_id * 100 + p.page)) AS sample_id,
       p.page, p.customer_id, cur.occurred_at AS before, cur.id AS before_id
  FROM picks p
  LEFT JOIN LATERAL (
      SELECT i.occurred_at, i.id FROM omnichannel.interaction i
       WHERE i.customer_id = p.customer_id AND p.page > 1
       ORDER BY i.occurred_at DESC, i.id DESC
      OFFSET greatest(50 * (p.page - 1) - 1, 0) LIMIT 1) cur ON true;

CREATE TABLE bench_time (round int, sample_id bigint, variant text, ms double precision);

CREATE OR REPLACE FUNCTION bench_call(variant text, cust bigint, page int,
                                      b timestamptz, bid bigint)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
BEGIN
    IF variant = 'timeline' THEN
        t0 := clock_timestamp();
        PERFORM * FROM omnichannel.timeline(cust, b, 50, NULL, bid);
        t1 := clock_timestamp();
    ELSIF variant = 'floor' THEN
        t0 := clock_timestamp();
        PERFORM occurred_at, id FROM omnichannel.interaction
          WHERE customer_id = cust
            AND (occurred_at, id) < (coalesce(b, 'infinity'), coalesce(bid, 9223372036854775807))
          ORDER BY occurred_at DESC, id DESC LIMIT 50;
        t1 := clock_timestamp();
    ELSE
        t0 := clock_timestamp();
        PERFORM i.* FROM omnichannel.customer_identifier ci
          JOIN omnichannel.interaction i ON i.contact OPERATOR(omnichannel.=) ci.contact
          WHERE ci.customer_id = cust
          ORDER BY i.occurred_at DESC LIMIT 50 OFFSET 50 * (page - 1);
        t1 := clock_timestamp();
    END IF;
    RETURN extract(epoch FROM t1 - t0) * 1000;
END $$;

CREATE OR REPLACE PROCEDURE bench_run(rounds int) LANGUAGE plpgsql AS $$
DECLARE
    s record;
    v text;
    variants text[] := '{timeline,floor,crm join}';
    k int := 0;
    ms double precision;
BEGIN
    FOR r IN 0 .. rounds LOOP            -- round 0 warms the caches, not kept
        FOR s IN SELECT * FROM bench_sample ORDER BY sample_id LOOP
            k := k + 1;
            FOR j IN 0 .. 2 LOOP
                v := variants[1 + (k + j) % 3];
                ms := bench_call(v, s.customer_id, s.page, s.before, s.before_id);
                IF r > 0 THEN
                    INSERT INTO bench_time VALUES (r, s.sample_id, v, ms);
                END IF;
            END LOOP;
        END LOOP;
        COMMIT;
    END LOOP;
END $$;

\echo
\echo 'Plans (one page-10 sample), EXPLAIN ANALYZE:'
SELECT customer_id AS x_cust, before AS x_before, before_id AS x_bid
  FROM bench_sample WHERE page = 10 ORDER BY sample_id LIMIT 1 \gset
\echo '-- timeline (inlined SQL function):'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM omnichannel.timeline(:x_cust, :'x_before', 50, NULL, :x_bid);
\echo '-- floor (must be an Index Only Scan with Heap Fetches: 0):'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT occurred_at, id FROM omnichannel.interaction
 WHERE customer_id = :x_cust AND (occurred_at, id) < (:'x_before', :x_bid)
 ORDER BY occurred_at DESC, id DESC LIMIT 50;
\echo '-- crm join:'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT i.* FROM omnichannel.customer_identifier ci
  JOIN omnichannel.interaction i ON i.contact OPERATOR(omnichannel.=) ci.contact
 WHERE ci.customer_id = :x_cust
 ORDER BY i.occurred_at DESC LIMIT 50 OFFSET 450;

\echo
SELECT count(*) AS n_samples FROM bench_sample \gset
\echo 'Timing' :n_samples 'samples x 3 variants x' :rounds 'rounds (after a warm-up round) ...'
CALL bench_run(:rounds);

-- Result: p50/p99 per variant and page class, ratio of p50 to timeline's,
-- and the median of the paired ratio (same customer, page, round).
\echo
\pset footer off
WITH t AS (
    SELECT bt.*, s.page FROM bench_time bt JOIN bench_sample s USING (sample_id)),
pairs AS (
    SELECT t.page, t.variant, t.ms / nullif(tl.ms, 0) AS ratio
      FROM t JOIN bench_time tl ON tl.round = t.round AND tl.sample_id = t.sample_id
                              AND tl.variant = 'timeline'),
stats AS (
    SELECT page, variant, count(*) AS calls,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
      FROM t GROUP BY page, variant),
paired AS (
    SELECT page, variant, percentile_cont(0.5) WITHIN GROUP (ORDER BY ratio) AS pr
      FROM pairs GROUP BY page, variant)
SELECT s.variant, 'page ' || s.page AS pages, s.calls,
       round(s.p50::numeric, 3) AS "p50 ms", round(s.p99::numeric, 3) AS "p99 ms",
       round((s.p50 / tl.p50)::numeric, 2) AS "p50 / timeline p50",
       round(p.pr::numeric, 2) AS "paired ratio (median)"
  FROM stats s
  JOIN stats tl ON tl.page = s.page AND tl.variant = 'timeline'
  JOIN paired p ON p.page = s.page AND p.variant = s.variant
 ORDER BY s.page, array_position('{timeline,floor,crm join}'::text[], s.variant);
