--
-- Reporting views: thread_facts and channel_kpis on a small history (a
-- first-contact resolution, a channel switch with a reopening, an unanswered
-- customer under an SLA), cross-checked against the raw tables; their types
-- and comments; the reporting role and what it is refused.
--
SET timezone = 'UTC';
SET search_path = public, omnichannel;
\set SHOW_CONTEXT never
SELECT setval(pg_get_serial_sequence('omnichannel.' || t, 'id'), 940000) IS NOT NULL AS ids_from_940001
  FROM unnest(ARRAY['customer', 'thread', 'interaction']) AS t;

-- Only this test's policy is active while it runs (the others are restored at the end):
-- SMS threads have a 1-hour first response around the clock.
CREATE TEMP TABLE saved_policies AS SELECT id, active FROM sla_policy;
UPDATE sla_policy SET active = false;
INSERT INTO sla_policy (name, position, channels, first_response, next_response, resolution)
VALUES ('reporting sms', 900, '{sms}', '1 hour', '2 hours', '24 hours');

-- Anna: an e-mail answered in 30 minutes, solved at once (first-contact resolution).
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2024-03-04 09:00+00', 'anna.report@example.com', 'Invoice 1', 'rep-1')
RETURNING customer_id AS anna, thread_id AS t1 \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, subject, external_id, in_reply_to, agent)
VALUES ('email', 'outbound', '2024-03-04 09:30+00', :anna, 'Re: Invoice 1', 'rep-2', 'rep-1', 'ola');
UPDATE thread SET status = 'solved', status_changed_at = '2024-03-04 10:00+00' WHERE id = :t1;

-- Bartek: a call, a chat 20 minutes later (same thread, another channel), a chat
-- reply, an internal note; solved; an SMS the next morning answering the chat
-- reopens it; solved again.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('phone', 'inbound', '2024-03-04 10:00+00', '+48 601 777 001', 'rep-3')
RETURNING customer_id AS bartek, thread_id AS t2 \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, external_id, agent)
VALUES ('chat', 'inbound', '2024-03-04 10:20+00', :bartek, 'rep-4', NULL),
       ('chat', 'outbound', '2024-03-04 10:25+00', :bartek, 'rep-5', 'ola'),
       ('chat', 'internal', '2024-03-04 10:26+00', :bartek, 'rep-6', 'ola')
RETURNING thread_id = :t2 AS same_thread, stitch_reason;
UPDATE thread SET status = 'solved', status_changed_at = '2024-03-04 11:00+00' WHERE id = :t2;
INSERT INTO interaction (channel, direction, occurred_at, customer_id, external_id, in_reply_to)
VALUES ('sms', 'inbound', '2024-03-05 08:00+00', :bartek, 'rep-7', 'rep-5')
RETURNING thread_id = :t2 AS same_thread, stitch_reason;
SELECT status, reopen_count, solved_at FROM thread WHERE id = :t2;
UPDATE thread SET status = 'solved', status_changed_at = '2024-03-05 09:00+00' WHERE id = :t2;

-- Celina: two SMS ten minutes apart, no reply (her 1-hour clock ran out long ago).
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('sms', 'inbound', '2024-03-05 12:00+00', 'sms:+48 601 777 002', 'rep-8')
RETURNING customer_id AS celina, thread_id AS t3 \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, external_id)
VALUES ('sms', 'inbound', '2024-03-05 12:10+00', :celina, 'rep-9')
RETURNING thread_id = :t3 AS same_thread, stitch_reason;

-- thread_facts
SELECT thread_id - 940000 AS thread, status, first_channel, channels, channel_count,
       interactions, inbound, outbound, internal, channel_switches,
       first_response_seconds, first_response_sla, resolved_at, resolution_seconds,
       reopen_count, reopened, first_contact_resolution, repeat_contacts, unanswered,
       sla_policy, opened_day
  FROM thread_facts WHERE thread_id IN (:t1, :t2, :t3) ORDER BY thread_id;

-- channel_kpis for the two days
SELECT day, channel, inbound, outbound, internal, threads_opened,
       first_response_avg_seconds, first_response_median_seconds, resolved,
       resolution_median_seconds, sla_clocks, sla_achieved, sla_attainment_rate,
       reopen_rate, first_contact_resolution_rate, channel_switch_rate,
       repeat_contact_rate, unanswered_rate
  FROM channel_kpis WHERE day BETWEEN '2024-03-04' AND '2024-03-05' ORDER BY day, channel;

-- Cross-checks against the raw tables, over the whole history of this database
-- (every test before this one left data): volumes, threads, answered threads.
SELECT (SELECT sum(inbound + outbound + internal) FROM channel_kpis)
         = (SELECT count(*) FROM interaction) AS volume_matches,
       (SELECT sum(threads_opened) FROM channel_kpis)
         = (SELECT count(*) FROM thread WHERE merged_into IS NULL) AS threads_match,
       (SELECT sum(resolved) FROM channel_kpis)
         = (SELECT count(*) FROM thread WHERE merged_into IS NULL AND solved_at IS NOT NULL) AS resolved_match,
       (SELECT count(*) FROM thread_facts WHERE first_response_seconds IS NOT NULL)
         = (SELECT count(*) FROM thread WHERE merged_into IS NULL AND first_response_at IS NOT NULL
                                          AND first_inbound_at IS NOT NULL) AS answered_match,
       (SELECT sum(f.inbound) FROM thread_facts AS f)
         = (SELECT count(*) FROM interaction AS i JOIN thread AS t ON t.id = i.thread_id
             WHERE t.merged_into IS NULL AND i.direction = 'inbound') AS inbound_match,
       (SELECT sum(sla_clocks) FROM channel_kpis) = (SELECT sum(clocks) FROM sla_attainment) AS sla_matches;

-- channel_transitions: Bartek went from the phone to the chat (20 minutes
-- later) and, the next morning, to SMS; agents' replies and notes are no
-- switch, nor are Celina's two SMS.
SELECT day, queue, from_channel, to_channel, switches, threads, customers, median_gap_seconds
  FROM channel_transitions WHERE day BETWEEN '2024-03-04' AND '2024-03-05'
 ORDER BY day, from_channel, to_channel;
-- cross-check with the raw history: customer messages of a thread on another
-- channel than the customer's previous message of that thread
SELECT (SELECT sum(switches) FROM channel_transitions) =
       (SELECT count(*) FROM (
            SELECT i.channel, lag(i.channel) OVER (PARTITION BY i.thread_id ORDER BY i.occurred_at, i.id) AS prev
              FROM interaction AS i WHERE i.direction = 'inbound') AS x
         WHERE x.prev <> x.channel) AS switches_match;

-- The channel_day rollup equals the raw history, after ingest (every test
-- before this one), a hand-written DELETE and an UPDATE of channel and time.
CREATE TEMP VIEW day_diff AS
SELECT count(*) AS differences FROM (
    (SELECT day, channel, inbound, outbound, internal FROM channel_day
      WHERE inbound <> 0 OR outbound <> 0 OR internal <> 0
     EXCEPT
     SELECT (i.occurred_at AT TIME ZONE 'UTC')::date, i.channel,
            count(*) FILTER (WHERE i.direction = 'inbound'), count(*) FILTER (WHERE i.direction = 'outbound'),
            count(*) FILTER (WHERE i.direction = 'internal')
       FROM interaction AS i GROUP BY 1, 2)
    UNION ALL
    (SELECT (i.occurred_at AT TIME ZONE 'UTC')::date, i.channel,
            count(*) FILTER (WHERE i.direction = 'inbound'), count(*) FILTER (WHERE i.direction = 'outbound'),
            count(*) FILTER (WHERE i.direction = 'internal')
       FROM interaction AS i GROUP BY 1, 2
     EXCEPT
     SELECT day, channel, inbound, outbound, internal FROM channel_day)) AS d;
SELECT differences AS after_ingest FROM day_diff;
BEGIN;
DELETE FROM interaction WHERE external_id = 'rep-9';
SELECT differences AS after_delete FROM day_diff;
UPDATE interaction SET channel = 'web', occurred_at = occurred_at + interval '1 day'
 WHERE external_id = 'rep-8';
SELECT differences AS after_update FROM day_diff;
SELECT day, channel, inbound FROM channel_kpis WHERE day BETWEEN '2024-03-05' AND '2024-03-06'
   AND channel IN ('sms', 'web') ORDER BY 1, 2;
ROLLBACK;
-- a merge moves interactions to another customer: their days do not change, so
-- no channel_day row is written (row versions unchanged), and the customers'
-- per-channel rows follow
BEGIN;
CREATE TEMP TABLE day_versions AS SELECT day, channel, xmin::text AS v FROM channel_day;
SELECT merge_customers(keep => :anna, absorb => :celina, reason => 'reporting test') IS NOT NULL AS merged;
SELECT count(*) AS day_rows_written
  FROM channel_day AS c JOIN day_versions AS d USING (day, channel) WHERE c.xmin::text <> d.v;
SELECT differences AS after_merge FROM day_diff;
SELECT customer_id = :anna AS anna, channel, inbound, outbound FROM customer_channel
 WHERE customer_id IN (:anna, :celina) ORDER BY 1 DESC, 2;
ROLLBACK;
-- the KPI cohorts add up to the thread facts
SELECT (SELECT round(sum(first_contact_resolution_rate * resolved)) FROM channel_kpis WHERE resolved > 0)
         = (SELECT count(*) FROM thread_facts WHERE first_contact_resolution) AS fcr_matches,
       (SELECT round(sum(reopen_rate * resolved)) FROM channel_kpis WHERE resolved > 0)
         = (SELECT count(*) FROM thread_facts WHERE reopened AND resolved_at IS NOT NULL) AS reopened_match,
       (SELECT round(sum(channel_switch_rate * threads_opened)) FROM channel_kpis WHERE threads_opened > 0)
         = (SELECT count(*) FROM thread_facts WHERE channel_count > 1) AS switched_match,
       (SELECT round(sum(unanswered_rate * x.wrote)) FROM channel_kpis AS k
          JOIN (SELECT opened_day, first_channel, count(*) FILTER (WHERE inbound > 0) AS wrote
                  FROM thread_facts GROUP BY 1, 2) AS x
            ON x.opened_day = k.day AND x.first_channel = k.channel
         WHERE x.wrote > 0)
         = (SELECT count(*) FROM thread_facts WHERE unanswered) AS unanswered_match;

-- Standard SQL types only, and every column commented.
SELECT c.table_name, c.column_name, c.data_type
  FROM information_schema.columns AS c
 WHERE c.table_schema = 'omnichannel' AND c.table_name IN ('channel_kpis', 'thread_facts', 'sla_attainment')
   AND c.data_type NOT IN ('bigint', 'integer', 'text', 'boolean', 'date', 'double precision',
                           'numeric', 'timestamp with time zone');
SELECT a.attrelid::regclass AS view, a.attname AS uncommented
  FROM pg_attribute AS a
 WHERE a.attrelid IN (SELECT * FROM reporting_views()) AND a.attnum > 0
   AND col_description(a.attrelid, a.attnum) IS NULL;
SELECT v AS view, obj_description(v, 'pg_class') IS NOT NULL AS commented FROM reporting_views() AS v;

-- The reporting role: the reporting views and nothing else.
CREATE ROLE regress_oc_bi LOGIN;
SELECT grant_reporting('regress_oc_bi');
SET ROLE regress_oc_bi;
SELECT count(*) > 0 AS reads_kpis FROM channel_kpis;
SELECT count(*) > 0 AS reads_thread_facts FROM thread_facts;
SELECT count(*) AS attainment_rows FROM sla_attainment \gset
\set VERBOSITY terse
SELECT body FROM interaction LIMIT 1;
SELECT contact FROM customer_identifier LIMIT 1;
SELECT subject FROM thread LIMIT 1;
SELECT display_name FROM customer LIMIT 1;
SELECT * FROM queue LIMIT 1;
SELECT * FROM timeline(1);
SELECT grant_reporting('regress_oc_bi');
\set VERBOSITY default
RESET ROLE;
SELECT count(*) = :attainment_rows AS reads_all_attainment FROM sla_attainment;
-- what the role holds, from the catalog
SELECT c.relname, has_table_privilege('regress_oc_bi', c.oid, 'SELECT') AS can_select
  FROM pg_class AS c
 WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind IN ('r', 'v')
   AND has_table_privilege('regress_oc_bi', c.oid, 'SELECT')
 ORDER BY 1;
SELECT revoke_reporting('regress_oc_bi');
SELECT count(*) AS still_readable
  FROM pg_class AS c
 WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind IN ('r', 'v')
   AND has_table_privilege('regress_oc_bi', c.oid, 'SELECT');
SELECT count(*) AS granted_to_null FROM grant_reporting(NULL);
SELECT grant_reporting('regress_oc_nobody');
REVOKE USAGE ON SCHEMA omnichannel FROM regress_oc_bi;
DROP ROLE regress_oc_bi;

-- restore the policies
UPDATE sla_policy AS p SET active = s.active FROM saved_policies AS s WHERE s.id = p.id;
UPDATE sla_policy SET active = false WHERE name = 'reporting sms';
