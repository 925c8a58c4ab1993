--
-- customer_360(): the whole customer as one document.  A customer who called
-- (IVR choices, order A-4711), chatted about the same order, wrote e-mails
-- and was merged with a duplicate who used SMS; the customer_channel rollup
-- against the raw history (ingest, merge, unmerge); refusals.
--
SET timezone = 'UTC';
SET search_path = public, omnichannel;
\set SHOW_CONTEXT never
SELECT setval(pg_get_serial_sequence('omnichannel.' || t, 'id'), 950000) IS NOT NULL AS ids_from_950001
  FROM unnest(ARRAY['customer', 'thread', 'interaction']) AS t;
CREATE TEMP TABLE saved_policies AS SELECT id, active FROM sla_policy;
UPDATE sla_policy SET active = false;
INSERT INTO sla_policy (name, position, first_response, next_response, resolution)
VALUES ('360 everywhere', 950, '1 hour', '2 hours', '48 hours');

-- Marta: a call with IVR choices about order A-4711, a chat the next day naming it,
-- an answer by chat, then an e-mail thread about something else, answered and solved.
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, subject, external_id,
                         agent, attributes)
VALUES ('phone', 'inbound', '2024-04-02 09:00+00', '2024-04-02 09:07+00', '+48 601 360 360',
        'Order A-4711 not delivered', '360-1', NULL,
        '{"ivr": {"language": "pl", "menu": ["orders", "delivery"]}, "keys": {"order": "A-4711"}}')
RETURNING customer_id AS marta, thread_id AS call_thread \gset
UPDATE customer SET display_name = 'Marta Nowak', language = 'pl' WHERE id = :marta;
INSERT INTO interaction (channel, direction, occurred_at, customer_id, subject, body, external_id,
                         agent, attributes)
VALUES ('chat', 'inbound', '2024-04-03 10:00+00', :marta, NULL,
        'Hi, still no parcel for order A-4711', '360-2', NULL, '{"keys": {"order": "A-4711"}}'),
       ('chat', 'outbound', '2024-04-03 10:05+00', :marta, NULL,
        'Sorry! It leaves the warehouse today.', '360-3', 'kasia', '{}')
RETURNING thread_id = :call_thread AS same_thread, stitch_reason;
INSERT INTO interaction (channel, direction, occurred_at, customer_id, subject, body, external_id)
VALUES ('email', 'inbound', '2024-04-05 08:00+00', :marta, 'Invoice address', 'Please change it.', '360-4')
RETURNING thread_id AS mail_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, subject, body, external_id,
                         in_reply_to, agent)
VALUES ('email', 'outbound', '2024-04-05 09:00+00', :marta, 'Re: Invoice address', 'Done.', '360-5',
        '360-4', 'kasia');
UPDATE thread SET status = 'solved', status_changed_at = '2024-04-05 09:30+00' WHERE id = :mail_thread;

-- A duplicate customer (her SMS number) with one message; merged into Marta.
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('sms', 'inbound', '2024-04-04 07:00+00', 'sms:+48 601 360 999', 'Is A-4711 coming?', '360-6')
RETURNING customer_id AS dup \gset
SELECT channel, inbound, outbound, internal, first_at, last_at
  FROM customer_channel WHERE customer_id = :dup;
SELECT merge_customers(:marta, :dup, 'same person') AS merge_event \gset

-- the document, without what depends on when the test runs (the business
-- seconds left until a due time, when rows were written)
CREATE FUNCTION pg_temp.stable_part(j jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN CASE jsonb_typeof(j)
        WHEN 'object' THEN (SELECT COALESCE(jsonb_object_agg(k, pg_temp.stable_part(v)), '{}')
                              FROM jsonb_each(j) AS e(k, v)
                             WHERE k NOT IN ('since', 'created_at', 'business_seconds_left'))
        WHEN 'array' THEN (SELECT COALESCE(jsonb_agg(pg_temp.stable_part(v) ORDER BY n), '[]')
                             FROM jsonb_array_elements(j) WITH ORDINALITY AS e(v, n))
        ELSE j END;
END $$;
SELECT jsonb_pretty(pg_temp.stable_part(customer_360(:marta)));
SELECT jsonb_typeof(customer_360(:marta)->'customer'->'created_at') AS created_at,
       jsonb_typeof(customer_360(:marta)->'open_threads'->0->'sla'->'business_seconds_left') AS seconds_left,
       jsonb_typeof(customer_360(:marta)->'identity'->'merged'->0->'since') AS merged_since;
-- the duplicate's id gives Marta's view, saying which id was asked for
SELECT customer_360(:dup)->'customer'->>'id' = :'marta' AS survivor, customer_360(:dup)->'requested' AS requested;
-- fewer recent interactions; none
SELECT jsonb_array_length(customer_360(:marta, 2)->'recent_interactions') AS two,
       jsonb_array_length(customer_360(:marta, 0)->'recent_interactions') AS none;
-- unknown customer, NULL
SELECT customer_360(424242424) IS NULL AS unknown_is_null, customer_360(NULL) IS NULL AS null_is_null;

-- The rollup equals the raw history, after ingest, merges and an unmerge.
CREATE TEMP VIEW rollup_diff AS
SELECT 'rollup only' AS side, * FROM (
    SELECT customer_id, channel, inbound, outbound, internal, first_at, last_at, last_inbound_at
      FROM customer_channel
    EXCEPT
    SELECT i.customer_id, i.channel,
           count(*) FILTER (WHERE i.direction = 'inbound'), count(*) FILTER (WHERE i.direction = 'outbound'),
           count(*) FILTER (WHERE i.direction = 'internal'), min(i.occurred_at), max(i.occurred_at),
           max(i.occurred_at) FILTER (WHERE i.direction = 'inbound')
      FROM interaction AS i GROUP BY 1, 2) AS a
UNION ALL
SELECT 'raw only', * FROM (
    SELECT i.customer_id, i.channel,
           count(*) FILTER (WHERE i.direction = 'inbound'), count(*) FILTER (WHERE i.direction = 'outbound'),
           count(*) FILTER (WHERE i.direction = 'internal'), min(i.occurred_at), max(i.occurred_at),
           max(i.occurred_at) FILTER (WHERE i.direction = 'inbound')
      FROM interaction AS i GROUP BY 1, 2
    EXCEPT
    SELECT customer_id, channel, inbound, outbound, internal, first_at, last_at, last_inbound_at
      FROM customer_channel) AS b;
SELECT count(*) AS differences_after_merge FROM rollup_diff;
SELECT unmerge(:merge_event, 'not the same person after all') IS NOT NULL AS unmerged;
SELECT count(*) AS differences_after_unmerge FROM rollup_diff;
SELECT channel, inbound FROM customer_channel WHERE customer_id = :dup;
-- a bulk load in one statement counts the same as row by row (whole database)
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
SELECT (ARRAY['email', 'chat', 'sms']::channel[])[1 + g % 3],
       (ARRAY['inbound', 'outbound', 'internal']::direction[])[1 + g % 3 / 2 + g % 2],
       '2024-05-01 00:00+00'::timestamptz + g * interval '7 minutes',
       'bulk' || (g % 5) || '@example.com', '360-bulk-' || g
  FROM generate_series(1, 200) AS g;
SELECT count(*) AS differences_after_bulk FROM rollup_diff;

-- after the refresh of a tampered row, equal again
UPDATE customer_channel SET inbound = inbound + 100 WHERE customer_id = :marta AND channel = 'chat';
SELECT count(*) > 0 AS tampering_seen FROM rollup_diff;
SELECT customer_channel_refresh(ARRAY[:marta]::bigint[]) AS rows_rebuilt;
SELECT count(*) AS differences_after_refresh FROM rollup_diff;

-- restore the policies
UPDATE sla_policy AS p SET active = s.active FROM saved_policies AS s WHERE s.id = p.id;
UPDATE sla_policy SET active = false WHERE name = '360 everywhere';

-- Plans made for any customer (PL/pgSQL keeps one after five calls of
-- customer_360 or thread_context) read a thread's interactions and a
-- customer's open threads by index, never the customer's whole range (a
-- customer may have 100,000 interactions and 20,000 threads): both columns
-- bound interaction_thread_idx, and the queue view read by customer uses
-- thread_customer_unsolved_idx (its predicate is the view's).
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
    p text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        p := p || r || E'\n';
    END LOOP;
    RETURN p;
END $$;
SET plan_cache_mode = force_generic_plan;
SET enable_seqscan = off;
PREPARE thread_rows(bigint, bigint) AS
    SELECT count(*) FROM interaction WHERE customer_id = $1 AND thread_id = $2;
SELECT p ~ '(Index (Only )?Scan using|Bitmap Index Scan on) interaction_thread_idx' AS by_thread_index,
       p ~ 'Index Cond: \(\(thread_id = \$2\) AND \(customer_id = \$1\)\)' AS both_bounded,
       p !~ 'timeline_idx' AS not_the_customer_range
  FROM pg_temp.plan_of('EXECUTE thread_rows(1, 1)') AS p;
PREPARE open_threads(bigint) AS SELECT thread_id, sla_state FROM queue WHERE customer_id = $1;
SELECT p ~ '(Index Scan using|Bitmap Index Scan on) thread_customer_unsolved_idx' AS unsolved_only,
       p !~ 'thread_customer_id_id_key' AS not_every_thread
  FROM pg_temp.plan_of('EXECUTE open_threads(1)') AS p;
DEALLOCATE thread_rows;
DEALLOCATE open_threads;

-- customer_360 itself, under such plans, for a customer with 40 open
-- threads of 3 interactions among many customers with one thread (the
-- statistics say a customer has one open thread): it reads each open
-- thread's row and interactions once.  Joined, the plan read the open
-- threads once per open thread (rows read here counted by the table's and
-- its indexes' statistics of this transaction, which is rolled back).
BEGIN;
INSERT INTO customer (display_name) VALUES ('Many open threads') RETURNING id AS many \gset
INSERT INTO thread (customer_id, subject, channels, opened_at, last_activity_at, status)
SELECT :many, 'Case ' || g, '{}', timestamptz '2024-06-01 09:00+00', timestamptz '2024-06-01 09:00+00', 'open'
  FROM generate_series(1, 40) AS g;
INSERT INTO interaction (customer_id, thread_id, channel, direction, occurred_at, body)
SELECT :many, t.id, 'chat', CASE WHEN k = 2 THEN 'outbound' ELSE 'inbound' END::direction,
       timestamptz '2024-06-01 09:00+00' + t.id * interval '1 minute' + k * interval '1 second', 'm' || k
  FROM thread AS t CROSS JOIN generate_series(1, 3) AS k
 WHERE t.customer_id = :many
 ORDER BY 5;
WITH c AS (INSERT INTO customer (display_name)
           SELECT 'One thread ' || g FROM generate_series(1, 300) AS g RETURNING id)
INSERT INTO thread (customer_id, subject, channels, opened_at, last_activity_at, status)
SELECT c.id, 'Done', '{}', timestamptz '2024-06-01 09:00+00', timestamptz '2024-06-01 09:00+00', 'solved'
  FROM c;
ANALYZE thread, interaction, customer;
CREATE FUNCTION pg_temp.rows_read(rel regclass) RETURNS bigint LANGUAGE sql AS $$
    SELECT pg_stat_get_xact_tuples_returned(rel) + pg_stat_get_xact_tuples_fetched(rel)
           + (SELECT COALESCE(sum(pg_stat_get_xact_tuples_returned(x.indexrelid)), 0)
                FROM pg_index AS x WHERE x.indrelid = rel)::bigint $$;
SELECT pg_temp.rows_read('thread') AS t0, pg_temp.rows_read('interaction') AS i0 \gset
SELECT jsonb_array_length(d->'open_threads') AS open_threads,
       d->'effort'->>'repeat_contacts' AS repeat_contacts
  FROM customer_360(:many) AS d;
-- each open thread's index entry and row twice (the queue view, then its
-- own columns); 120 interactions' entries and rows, the latest 20 and the
-- handoff's thread
SELECT pg_temp.rows_read('thread') - :t0 <= 5 * 40 AS threads_read_once,
       pg_temp.rows_read('interaction') - :i0 <= 3 * 120 AS interactions_read_once;
ROLLBACK;
RESET enable_seqscan;
RESET plan_cache_mode;
