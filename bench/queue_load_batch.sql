-- bench/queue_load_batch.sql: one batch of the queue benchmark's load
-- (bench/queue_load.sql): the first customer message of threads lo < id <= hi,
-- in time order, through the real ingest (customer_id and thread_id named),
-- so that the SLA trigger starts the clocks and fills the thread's queue
-- facts.  scripts/bench.sh runs two batches at a time.
SET client_min_messages = warning;
SET TimeZone = 'UTC';
INSERT INTO omnichannel.interaction
       (customer_id, thread_id, channel, direction, occurred_at, contact, queue, subject, body, external_id)
SELECT m.customer_id, m.thread_id, m.channel, 'inbound', m.occurred_at,
       ('email:customer' || m.customer_id || '@bench.example.com')::omnichannel.contact_point,
       m.queue, 'Order A-' || m.thread_id || ': question',
       'Where is my order A-' || m.thread_id || '? It was due yesterday.',
       'load-' || m.thread_id
  FROM bench_queue_msg AS m
 WHERE m.thread_id > :lo AND m.thread_id <= :hi
 ORDER BY m.occurred_at, m.thread_id;
