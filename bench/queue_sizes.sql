-- bench/queue_sizes.sql: sizes and tuple counts of the queue benchmark's
-- tables, recorded under :'label' in bench_queue_size (bench/README.md,
-- "queue").  Run after each phase; bench/queue_check.sql prints them.
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS bench_queue_size (
    label text, rel text, total bigint, heap bigint, indexes bigint,
    live bigint, dead bigint, at timestamptz DEFAULT clock_timestamp());
SELECT pg_stat_clear_snapshot() \g /dev/null
INSERT INTO bench_queue_size (label, rel, total, heap, indexes, live, dead)
SELECT :'label', r.rel, pg_total_relation_size(r.rel::regclass), pg_relation_size(r.rel::regclass),
       pg_indexes_size(r.rel::regclass), s.n_live_tup, s.n_dead_tup
  FROM unnest(ARRAY['omnichannel.thread', 'omnichannel.thread_assignment', 'omnichannel.sla_clock',
                    'omnichannel.sla_event', 'omnichannel.interaction',
                    'bench_plain_thread', 'bench_plain_interaction']) WITH ORDINALITY AS r(rel, n)
  LEFT JOIN pg_stat_user_tables AS s ON s.relid = r.rel::regclass
 ORDER BY r.n;
-- the dispatch indexes alone: what a claim walks
INSERT INTO bench_queue_size (label, rel, total, heap, indexes, live, dead)
SELECT :'label', r.rel || ' (index)', pg_relation_size(r.rel::regclass), NULL, NULL, NULL, NULL
  FROM unnest(ARRAY['omnichannel.thread_dispatch_idx', 'bench_plain_thread_dispatch_idx']) AS r(rel);
