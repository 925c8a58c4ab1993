-- bench/queue_load.sql: the data of the queue benchmark (bench/README.md,
-- "queue").  Run by scripts/bench.sh in an empty database:
--
--   psql -X -q -v threads=1000000 -f bench/queue_load.sql
--
-- :threads open, unassigned threads of (:threads + 1) / 2 customers, each with one
-- unanswered customer message that went through the real ingest (customer_id
-- and thread_id named, the fast path), so that the SLA trigger starts their
-- clocks and writes waiting_since, waiting_channel, queue, language, policy
-- and due times exactly as in production.  Deterministic (hashes of ids).
--   * priority: 2 % urgent, 13 % high, 70 % normal, 15 % low;
--   * channel of the message: 20 % phone, 30 % chat, 50 % e-mail;
--   * queue: billing, sales, support, tech, returns, general;
--   * language (the customer's): en 40 %, de 20 %, pl 20 %, ro 10 %, es 10 %;
--   * 2 % of the threads require the skill 'billing';
--   * messages spread over the 7 days before the load, in time order.
-- Policies: gold customers (10 %) 24x7, urgent/high and live channels and the
-- rest in an office calendar (Mon-Fri 08:00-20:00 Europe/Warsaw).
-- 16 agents agent_0 .. agent_15, available, capacity 1-3 units; each serves
-- five of the six queues or all of them, three languages or any, and
-- a quarter have the 'billing' skill: most threads fit most agents.
-- The messages then go in through bench/queue_load_batch.sql, and
-- bench/queue_load_finish.sql makes the plain copy and runs VACUUM ANALYZE.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
\if :{?threads}
\else
\set threads 1000000
\endif
CREATE EXTENSION IF NOT EXISTS omnichannel;

-- ---- calendar, policies, agents ---------------------------------------------
INSERT INTO omnichannel.business_calendar (name, hours)
VALUES ('office', omnichannel.business_hours(
    '{"time_zone": "Europe/Warsaw",
      "hours": {"mon": [["08:00","20:00"]], "tue": [["08:00","20:00"]], "wed": [["08:00","20:00"]],
                "thu": [["08:00","20:00"]], "fri": [["08:00","20:00"]]},
      "holidays": ["2026-11-11", "2026-12-24", "2026-12-25", "2026-12-26"]}'));
INSERT INTO omnichannel.sla_policy
       (name, position, channels, priorities, customer_match, calendar,
        first_response, next_response, resolution)
VALUES ('gold', 10, NULL, NULL, '{"tier": "gold"}', NULL, '30 minutes', '1 hour', '8 hours'),
       ('urgent', 20, NULL, '{urgent,high}', NULL, 'office', '1 hour', '2 hours', '24 hours'),
       ('live', 30, '{phone,chat}', NULL, NULL, 'office', '15 minutes', '1 hour', '48 hours'),
       ('standard', 40, NULL, NULL, NULL, 'office', '4 hours', '8 hours', '120 hours');

INSERT INTO omnichannel.agent (id, display_name, queues, skills, languages, capacity, status)
SELECT 'agent_' || k, 'Agent ' || k,
       CASE WHEN k < 12 THEN array_remove(ARRAY['billing','sales','support','tech','returns','general'],
                                          (ARRAY['billing','sales','support','tech','returns','general'])[1 + k % 6])
            ELSE '{}' END,
       CASE WHEN k % 4 = 0 THEN '{billing}' ELSE '{}' END::text[],
       CASE WHEN k < 8 THEN '{en,de,pl}' WHEN k < 12 THEN '{en,ro,es}' ELSE '{}' END::text[],
       1 + k % 3, 'available'
  FROM generate_series(0, 15) AS k;

-- ---- customers and their identifiers ----------------------------------------
INSERT INTO omnichannel.customer (id, display_name, language, attributes, created_at)
SELECT c, 'Customer ' || c,
       (ARRAY['en','en','en','en','de','de','pl','pl','ro','es'])[1 + (hashint4(c) & 1023) % 10],
       jsonb_build_object('tier', CASE WHEN (hashint4(c * 7) & 1023) % 10 = 0 THEN 'gold' ELSE 'standard' END),
       timestamptz '2024-01-01 00:00+00'
  FROM generate_series(1, (:threads + 1) / 2) AS c;
SELECT setval(pg_get_serial_sequence('omnichannel.customer', 'id'), (:threads + 1) / 2) \g /dev/null
INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT ('email:customer' || c || '@bench.example.com')::omnichannel.contact_point, c, 'import'
  FROM generate_series(1, (:threads + 1) / 2) AS c;

-- ---- threads (bulk) and their first message (through the ingest) -------------
-- m: what every thread's message is; the thread row is written first with the
-- priority and skills routing would have set, the message then names it.
CREATE UNLOGGED TABLE bench_queue_msg AS
SELECT g AS thread_id, (g + 1) / 2 AS customer_id,
       (ARRAY['phone','phone','chat','chat','chat','email','email','email','email','email'])
           [1 + (hashint4(g * 13) & 1023) % 10]::omnichannel.channel AS channel,
       CASE WHEN (hashint4(g * 17) & 1023) % 100 < 2 THEN 'urgent'
            WHEN (hashint4(g * 17) & 1023) % 100 < 15 THEN 'high'
            WHEN (hashint4(g * 17) & 1023) % 100 < 85 THEN 'normal'
            ELSE 'low' END::omnichannel.priority AS priority,
       (ARRAY['billing','sales','support','tech','returns','general'])[1 + (hashint4(g * 19) & 1023) % 6] AS queue,
       date_trunc('minute', now()) - interval '7 days'
           + interval '7 days' * ((g - 1)::float8 / greatest(:threads, 1)) AS occurred_at,
       (hashint4(g * 23) & 1023) % 50 = 0 AS billing_skill
  FROM generate_series(1, :threads) AS g;
ALTER TABLE bench_queue_msg ADD PRIMARY KEY (thread_id);
-- occurred_at grows with the id, so the dispatch order (priority, due time)
-- is not the id order

INSERT INTO omnichannel.thread (id, customer_id, priority, subject, opened_at, last_activity_at, required_skills)
SELECT m.thread_id, m.customer_id, m.priority, 'Order A-' || m.thread_id || ': question',
       m.occurred_at, m.occurred_at, CASE WHEN m.billing_skill THEN '{billing}' ELSE '{}' END::text[]
  FROM bench_queue_msg AS m ORDER BY m.thread_id;
SELECT setval(pg_get_serial_sequence('omnichannel.thread', 'id'), :threads) \g /dev/null

-- the messages go in through the real ingest: bench/queue_load_batch.sql,
-- thread ids (lo, hi], two sessions at a time (scripts/bench.sh), then
-- bench/queue_load_finish.sql
