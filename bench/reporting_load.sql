-- bench/reporting_load.sql: three more customers on top of the timeline
-- benchmark's year of history, with 10, 1,000 and 100,000 interactions,
-- loaded through the real ingest (customer_id and thread_id named, five
-- interactions a thread, all channels, in time order), for
-- bench/reporting.sql.  Run by scripts/bench.sh after the timeline load.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TABLE bench_360 (label text PRIMARY KEY, customer_id bigint NOT NULL, n integer NOT NULL);
WITH base AS (SELECT max(id) AS m FROM omnichannel.customer)
INSERT INTO bench_360
SELECT v.label, base.m + v.k, v.n FROM base,
       (VALUES ('10 interactions', 1, 10), ('1,000 interactions', 2, 1000),
               ('100,000 interactions', 3, 100000)) AS v(label, k, n);
INSERT INTO omnichannel.customer (id, display_name, language, attributes)
SELECT customer_id, 'Bench ' || label, 'pl', '{"tier": "b2b"}' FROM bench_360;
INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT ('email:bench360-' || customer_id || '@bench.example.com')::omnichannel.contact_point,
       customer_id, 'import'
  FROM bench_360;
-- five interactions a thread; the latest thread of each is still open
CREATE TABLE bench_360_threads AS
SELECT b.customer_id, j, nextval(pg_get_serial_sequence('omnichannel.thread', 'id')) AS thread_id
  FROM bench_360 AS b CROSS JOIN LATERAL generate_series(0, (b.n + 4) / 5 - 1) AS j;
INSERT INTO omnichannel.thread (id, customer_id, subject, channels, opened_at, last_activity_at, status)
SELECT t.thread_id, t.customer_id, 'Case ' || t.thread_id, '{}',
       timestamptz '2025-11-20 12:00+00', timestamptz '2025-11-20 12:00+00',
       CASE WHEN t.j < (b.n + 4) / 5 - 2 THEN 'solved' ELSE 'open' END::omnichannel.thread_status
  FROM bench_360_threads AS t JOIN bench_360 AS b USING (customer_id);
INSERT INTO omnichannel.interaction
       (customer_id, thread_id, channel, direction, occurred_at, agent, subject, body, attributes)
SELECT b.customer_id, t.thread_id,
       (enum_range(NULL::omnichannel.channel))[1 + abs(hashint8(b.customer_id * 7919 + k)::bigint) % 13],
       CASE WHEN k % 2 = 1 THEN 'inbound' ELSE 'outbound' END::omnichannel.direction,
       timestamptz '2025-11-20 12:00+00' + interval '365 days' * (k - 1)::float8 / b.n,
       CASE WHEN k % 2 = 0 THEN 'agent' || (k % 40) END,
       'Order B-' || (b.customer_id * 10 + k % 10) || ': question',
       'Body of interaction ' || k || ' of a bench customer.',
       jsonb_build_object('keys', jsonb_build_object('order', 'B-' || (b.customer_id * 10 + k % 10)))
  FROM bench_360 AS b
 CROSS JOIN LATERAL generate_series(1, b.n) AS k
  JOIN bench_360_threads AS t ON t.customer_id = b.customer_id AND t.j = (k - 1) / 5
 ORDER BY 5;
ANALYZE;
SELECT label, b.n AS interactions,
       (SELECT count(*) FROM omnichannel.interaction AS i WHERE i.customer_id = b.customer_id) AS stored,
       (SELECT count(*) FROM omnichannel.thread AS t
         WHERE t.customer_id = b.customer_id AND t.status = 'open') AS open_threads
  FROM bench_360 AS b ORDER BY b.n;
