--
-- timeline(): newest first across channels, keyset pages that neither skip
-- nor repeat rows when timestamps tie, served by an index (no Sort).
--
SET timezone = 'UTC';

-- A customer with 600 interactions on every channel; many share a timestamp
-- (a third of them land on the same 5-minute marks), and 40 other customers
-- with 200 each (so a generic plan estimates a customer's history as small).
INSERT INTO omnichannel.customer (display_name) VALUES ('Timeline Tester') RETURNING id AS tc \gset
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, subject)
SELECT :tc,
       (enum_range(NULL::omnichannel.channel))[1 + g % 13],
       CASE WHEN g % 3 = 0 THEN 'outbound' ELSE 'inbound' END::omnichannel.direction,
       timestamptz '2026-01-01 00:00+00' + ((g / 3) * interval '5 minutes'),
       'message ' || g
  FROM generate_series(1, 600) g;
INSERT INTO omnichannel.customer (display_name)
SELECT 'other ' || g FROM generate_series(1, 40) g;
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at)
SELECT c.id, 'email', 'inbound', timestamptz '2026-01-01 00:00+00' + g * interval '1 minute'
  FROM omnichannel.customer c, generate_series(1, 200) g
 WHERE c.display_name LIKE 'other %'
 ORDER BY c.id, g;
ANALYZE omnichannel.interaction;

-- first page (newest first; ties in the id order of insertion, newest first)
SELECT channel, direction, occurred_at, subject
  FROM omnichannel.timeline(:tc, lim => 7);

-- Page through the whole history with 13-row pages and the (occurred_at, id)
-- cursor: every row exactly once, in the same order as a full sort.
CREATE TEMP TABLE paged (n serial, id bigint);
DO $$
DECLARE
    tc bigint := (SELECT id FROM omnichannel.customer WHERE display_name = 'Timeline Tester');
    cur_at timestamptz;
    cur_id bigint;
    r record;
    got int;
BEGIN
    LOOP
        got := 0;
        FOR r IN SELECT * FROM omnichannel.timeline(tc, cur_at, 13, NULL, cur_id) LOOP
            INSERT INTO paged (id) VALUES (r.id);
            cur_at := r.occurred_at; cur_id := r.id; got := got + 1;
        END LOOP;
        EXIT WHEN got < 13;
    END LOOP;
END $$;
WITH expected AS (
    SELECT row_number() OVER (ORDER BY occurred_at DESC, id DESC) AS n, id
      FROM omnichannel.interaction WHERE customer_id = :tc)
SELECT (SELECT count(*) FROM paged) AS paged_rows,
       (SELECT count(DISTINCT id) FROM paged) AS distinct_rows,
       (SELECT count(*) FROM expected) AS expected_rows,
       (SELECT count(*) FROM expected e JOIN paged p USING (n) WHERE e.id <> p.id) AS out_of_order;

-- "before" alone means strictly older: the tie group at that instant is skipped
SELECT count(*) AS strictly_older
  FROM omnichannel.timeline(:tc, '2026-01-01 00:10+00', NULL);
SELECT count(*) AS expected
  FROM omnichannel.interaction WHERE customer_id = :tc AND occurred_at < '2026-01-01 00:10+00';

-- channel filter
SELECT channel, count(*)
  FROM omnichannel.timeline(:tc, lim => 1000, channels => '{sms,chatbot}')
 GROUP BY channel ORDER BY channel;

-- The plan is a backward scan of the timeline index with a LIMIT: no Sort,
-- and a deep page costs what the first page costs.  timeline() is PL/pgSQL
-- (Citus plans no SQL function over its tables), so its plan is not shown
-- by EXPLAIN; what it reads is: the buffers a page touches, first and deep,
-- beside those of reading the customer's whole history (about 15 pages of
-- the table).  With the generic plan, as an application's driver would run
-- it, and after a first call (the plan is made then).
SET plan_cache_mode = force_generic_plan;
CREATE FUNCTION pg_temp.buffers(q text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    l text;
BEGIN
    EXECUTE q;
    FOR l IN EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
        IF l ~ 'Buffers: shared' THEN
            RETURN coalesce(substring(l from 'hit=([0-9]+)')::integer, 0)
                 + coalesce(substring(l from 'read=([0-9]+)')::integer, 0);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
SELECT pg_temp.buffers(format('SELECT * FROM omnichannel.timeline(%s)', :tc)) < 12 AS first_page_few_buffers,
       pg_temp.buffers(format('SELECT * FROM omnichannel.timeline(%s, %L, 50, NULL, 42)', :tc, '2026-01-01 02:00+00'))
           < 12 AS deep_page_few_buffers,
       pg_temp.buffers(format('SELECT * FROM omnichannel.timeline(%s, lim => NULL)', :tc))
           >= 15 AS whole_history_more;
-- "what did the customer do since ...": the range is read by the index, from
-- both ends (the since bound is an index condition, not a filter): a late
-- range reads what a page reads
SELECT pg_temp.buffers(format('SELECT * FROM omnichannel.timeline(%s, lim => NULL, since => %L)',
                              :tc, '2026-01-01 16:00+00')) < 12 AS since_range_few_buffers;
RESET plan_cache_mode;
SELECT count(*) AS since_rows,
       count(*) FILTER (WHERE occurred_at < '2026-01-01 00:10+00') AS older_than_since
  FROM omnichannel.timeline(:tc, lim => NULL, since => '2026-01-01 00:10+00');
SELECT count(*) AS expected
  FROM omnichannel.interaction WHERE customer_id = :tc AND occurred_at >= '2026-01-01 00:10+00';
-- since and before together: a window, newest first, paged as usual
SELECT count(*) AS window_rows
  FROM omnichannel.timeline(:tc, before => '2026-01-01 00:20+00', lim => NULL,
                            since => '2026-01-01 00:10+00');
SELECT count(*) AS expected
  FROM omnichannel.interaction WHERE customer_id = :tc
   AND occurred_at >= '2026-01-01 00:10+00' AND occurred_at < '2026-01-01 00:20+00';

-- edge cases
SELECT count(*) AS unknown_customer FROM omnichannel.timeline(-1);
SELECT count(*) AS zero_limit FROM omnichannel.timeline(:tc, lim => 0);
SELECT count(*) AS null_limit_means_all FROM omnichannel.timeline(:tc, lim => NULL);
SELECT * FROM omnichannel.timeline(:tc, lim => -1);
