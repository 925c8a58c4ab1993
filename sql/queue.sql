--
-- The universal queue: agents, capacity in channel units, claim_next in
-- dispatch order (priority, SLA due time, waiting since) with queues,
-- skills and languages, the previous agent's preference, release,
-- reassign, the assignment log, the queue view, and every refusal.
--
SET timezone = 'UTC';
SET search_path = public, omnichannel;
\set SHOW_CONTEXT never
SELECT setval(pg_get_serial_sequence('omnichannel.' || t, 'id'), 920000) IS NOT NULL AS ids_from_920001
  FROM unnest(ARRAY['customer', 'thread', 'interaction', 'thread_assignment']) AS t;
-- earlier tests' threads belong to another queue than this test's agents serve
UPDATE thread SET queue = 'elsewhere' WHERE queue IS NULL;

-- capacity units: built-in defaults and an override
SELECT * FROM channel_units ORDER BY channel;
INSERT INTO channel_units_override (channel, units) VALUES ('sms', 0.25);
SELECT channel_units('sms') AS sms, channel_units('chat') AS chat, channel_units(NULL) AS unknown,
       default_channel_units(NULL) IS NULL AS no_default_for_null;

-- A policy around the clock for this test's customers: first response in 1 hour.
INSERT INTO sla_policy (name, position, customer_match, first_response)
VALUES ('queue test', 1, '{"qt": 1}', '1 hour');

INSERT INTO agent (id, display_name, queues, skills, languages, capacity, status) VALUES
  ('ana', 'Ana', '{q,billing}', '{}',       '{}',      1, 'available'),
  ('bob', 'Bob', '{billing}',   '{}',       '{}',      1, 'available'),
  ('eve', 'Eve', '{q}',         '{german}', '{de,en}', 1, 'available'),
  ('zed', 'Zed', '{q}',         '{}',       '{}',      1, 'offline');

CREATE TEMP TABLE tmp_label (label text PRIMARY KEY, id bigint NOT NULL);
CREATE FUNCTION pg_temp.label(bigint) RETURNS text LANGUAGE sql AS $$
    SELECT label FROM tmp_label WHERE id = $1 $$;
-- a customer with one inbound message, now - age, on a channel and queue
CREATE FUNCTION pg_temp.ask(label text, chan omnichannel.channel, q text, age interval,
                            lang text DEFAULT NULL, attrs jsonb DEFAULT '{"qt": 1}')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c bigint; t bigint;
BEGIN
    INSERT INTO omnichannel.customer (display_name, language, attributes)
    VALUES (label, lang, attrs) RETURNING id INTO c;
    INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, contact, queue, external_id)
    VALUES (c, chan, 'inbound', now() - age, ('email:' || replace(label, ' ', '.') || '@queue.example')::omnichannel.contact_point,
            q, 'queue-' || label)
    RETURNING thread_id INTO t;
    INSERT INTO tmp_label VALUES (label, t);
    RETURN t;
END $$;

SELECT pg_temp.ask('A chat',   'chat',  'q',       '30 minutes') IS NOT NULL AS a,
       pg_temp.ask('B mail',   'email', 'q',       '50 minutes') IS NOT NULL AS b,
       pg_temp.ask('C call',   'phone', 'q',       '5 minutes')  IS NOT NULL AS c,
       pg_temp.ask('D bill',   'chat',  'billing', '40 minutes') IS NOT NULL AS d,
       pg_temp.ask('E german', 'email', 'q',       '55 minutes', 'de') IS NOT NULL AS e,
       pg_temp.ask('F no sla', 'email', 'q',       '2 hours', NULL, '{}') IS NOT NULL AS f;
UPDATE thread SET priority = 'high' WHERE id = (SELECT id FROM tmp_label WHERE label = 'C call');
UPDATE thread SET required_skills = '{german}' WHERE id = (SELECT id FROM tmp_label WHERE label = 'E german');

-- the queue in dispatch order
SELECT pg_temp.label(thread_id) AS thread, status, priority, channel, queue, sla_state,
       round(business_seconds_left / 60) AS minutes_left, assignee
  FROM queue WHERE thread_id IN (SELECT id FROM tmp_label)
 ORDER BY priority_rank DESC, due_at NULLS LAST, waiting_since;

-- 1. Ana takes the high-priority call; a call fills her capacity.
SELECT pg_temp.label(id) AS claimed, assignee, status FROM claim_next('ana');
SELECT agent_load('ana') AS ana_load;
SELECT count(*) AS nothing_more_for_ana FROM claim_next('ana');
-- 2. Bob serves billing only: the billing chat.
SELECT pg_temp.label(id) AS claimed FROM claim_next('bob');
-- 3. Eve has the German skill and language: the German mail, though the
--    mail B is older (E is due sooner).
SELECT pg_temp.label(id) AS claimed FROM claim_next('eve');
-- 4. The next for Eve: B (due sooner than A), then A; F has no SLA: last.
SELECT pg_temp.label(id) AS claimed FROM claim_next('eve');
SELECT agent_load('eve') AS eve_load;
SELECT pg_temp.label(id) AS claimed FROM claim_next('eve');
SELECT pg_temp.label(id) AS claimed FROM claim_next('eve');
SELECT agent_load('eve') AS eve_load;

-- 5. Solving ends the assignment (the assignee stays on the thread) and
--    frees capacity; release gives a thread back; reassign moves it.
UPDATE thread SET status = 'solved' WHERE id = (SELECT id FROM tmp_label WHERE label = 'C call');
SELECT agent_load('ana') AS ana_load;
SELECT pg_temp.label(id) AS released, assignee FROM release((SELECT id FROM tmp_label WHERE label = 'A chat'), 'customer asked for a callback');
SELECT pg_temp.label(id) AS claimed FROM claim_next('ana');
SELECT pg_temp.label(id) AS reassigned, assignee FROM reassign((SELECT id FROM tmp_label WHERE label = 'A chat'), 'zed', 'Zed speaks to this customer');
SELECT pg_temp.label(id) AS same_agent_again, assignee FROM reassign((SELECT id FROM tmp_label WHERE label = 'A chat'), 'zed');
SELECT pg_temp.label(thread_id) AS thread, agent, how, released_how, reason
  FROM thread_assignment WHERE thread_id IN (SELECT id FROM tmp_label) ORDER BY id;
-- never two open assignments of one thread
INSERT INTO thread_assignment (customer_id, thread_id, agent, how)
SELECT customer_id, id, 'bob', 'claim' FROM thread WHERE id = (SELECT id FROM tmp_label WHERE label = 'A chat');

-- 6. Capacity in units: three chats (0.34 each) do not fit in 1.
UPDATE thread SET status = 'solved'
 WHERE id IN (SELECT id FROM tmp_label) AND status = 'open';
SELECT pg_temp.ask('G chat 1', 'chat', 'q', '3 minutes') IS NOT NULL,
       pg_temp.ask('G chat 2', 'chat', 'q', '2 minutes') IS NOT NULL,
       pg_temp.ask('G chat 3', 'chat', 'q', '1 minute') IS NOT NULL,
       pg_temp.ask('G mail',   'email', 'q', '0 minutes') IS NOT NULL;
SELECT pg_temp.label(id) AS claimed FROM claim_next('ana');
SELECT pg_temp.label(id) AS claimed FROM claim_next('ana');
-- the third chat does not fit (0.68 + 0.34 > 1); the mail (0.1) does
SELECT pg_temp.label(id) AS claimed FROM claim_next('ana');
SELECT round(agent_load('ana')::numeric, 2) AS ana_load;
-- pending threads take no capacity
UPDATE thread SET status = 'pending' WHERE id = (SELECT id FROM tmp_label WHERE label = 'G chat 1');
SELECT pg_temp.label(id) AS claimed FROM claim_next('ana');

-- 7. A returning customer's thread waits for their previous agent while
--    that agent is available.
UPDATE thread SET status = 'solved'
 WHERE id IN (SELECT id FROM tmp_label) AND status IN ('open', 'pending');
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, queue, external_id)
SELECT t.customer_id, 'chat', 'inbound', now(), 'email:B.mail@queue.example', 'q', 'queue-B-again'
  FROM thread AS t WHERE t.id = (SELECT id FROM tmp_label WHERE label = 'B mail')
RETURNING thread_id AS returning_thread \gset
INSERT INTO tmp_label VALUES ('B returns', :returning_thread);
SELECT preferred_agent FROM thread WHERE id = :returning_thread;
UPDATE agent SET queues = '{q,billing}' WHERE id = 'bob';
SELECT count(*) AS bob_waits FROM claim_next('bob');
UPDATE agent SET status = 'away' WHERE id = 'eve';
SELECT pg_temp.label(id) AS bob_takes_it FROM claim_next('bob');
-- and with the preference turned off, nobody waits
SELECT (release(:returning_thread)).assignee IS NULL AS released;
UPDATE agent SET status = 'available' WHERE id = 'eve';
INSERT INTO dispatch_setting_override (previous_agent_wait) VALUES ('0');
SELECT * FROM dispatch_settings();
SELECT pg_temp.label(id) AS bob_takes_it FROM claim_next('bob');

-- 8. A reopened thread goes back to the queue, its last agent preferred.
UPDATE thread SET status = 'solved' WHERE id = :returning_thread;
SELECT assignee, preferred_agent FROM thread WHERE id = :returning_thread;
UPDATE thread SET status = 'open' WHERE id = :returning_thread;
SELECT status, assignee, preferred_agent FROM thread WHERE id = :returning_thread;
SELECT agent_load('bob') AS bob_load;

-- 8b. The previous agent is the one of the customer's latest earlier
--     thread that had one, not of the first.
INSERT INTO interaction (channel, direction, occurred_at, contact, queue, subject, external_id)
VALUES ('email', 'inbound', now() - interval '60 days', 'email:prev@queue.example', 'q', 'First', 'prev-1')
RETURNING thread_id AS prev_first \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, queue, subject, external_id)
VALUES ('email', 'inbound', now() - interval '30 days', 'email:prev@queue.example', 'q', 'Second', 'prev-2')
RETURNING thread_id AS prev_second \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, queue, subject, external_id)
VALUES ('email', 'inbound', now() - interval '20 days', 'email:prev@queue.example', 'q', 'Third', 'prev-3')
RETURNING thread_id AS prev_third \gset
UPDATE thread SET assignee = 'eve', status = 'solved' WHERE id = :prev_first;
UPDATE thread SET assignee = 'bob', status = 'solved' WHERE id = :prev_second;
UPDATE thread SET status = 'solved' WHERE id = :prev_third;
INSERT INTO interaction (channel, direction, occurred_at, contact, queue, external_id)
VALUES ('chat', 'inbound', now(), 'email:prev@queue.example', 'q', 'prev-4')
RETURNING thread_id NOT IN (:prev_first, :prev_second, :prev_third) AS new_thread \gset
SELECT :'new_thread' AS new_thread,
       (SELECT preferred_agent FROM thread WHERE id = (SELECT thread_id FROM interaction WHERE external_id = 'prev-4'))
       AS previous_agent;

-- 9. Refusals; each changes nothing.
\set VERBOSITY terse
SELECT * FROM claim_next('nobody');
SELECT * FROM claim_next('zed');
SELECT count(*) AS no_agent_no_row FROM claim_next(NULL);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT * FROM claim_next('ana');
ROLLBACK;
SELECT release((SELECT id FROM tmp_label WHERE label = 'F no sla'));
SELECT pg_temp.ask('H new', 'email', 'q', '1 minute') IS NOT NULL AS h;
SELECT release((SELECT id FROM tmp_label WHERE label = 'H new'));
SELECT release(-1);
SELECT reassign((SELECT id FROM tmp_label WHERE label = 'F no sla'), 'nobody');
SELECT reassign((SELECT id FROM tmp_label WHERE label = 'C call'), 'ana');
SELECT reassign((SELECT id FROM tmp_label WHERE label = 'F no sla'), NULL);
SELECT reassign(-1, 'ana');
INSERT INTO agent (id, capacity) VALUES ('bad', 0);
INSERT INTO agent (id, status) VALUES ('bad', 'sleeping');
INSERT INTO agent (id) VALUES ('');
INSERT INTO channel_units_override (channel, units) VALUES ('chat', 0);
INSERT INTO dispatch_setting_override (singleton) VALUES (false);
INSERT INTO dispatch_setting_override (previous_agent_wait) VALUES ('1 minute');
UPDATE dispatch_setting_override SET previous_agent_wait = '-1 minute';
\set VERBOSITY default
SELECT count(*) AS agents FROM agent;
SELECT pg_temp.label(thread_id) AS thread, agent, how, released_how
  FROM thread_assignment WHERE released_at IS NULL AND thread_id IN (SELECT id FROM tmp_label) ORDER BY id;
-- who may call the dispatch functions is a matter of EXECUTE grants
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace
   AND p.proname IN ('claim_next', 'release', 'reassign')
 ORDER BY 1;

-- the planner estimates the channel test of claim_eligible (which every
-- thread here passes: all channels fit) from thread_waiting_channel_stat,
-- not at the default for an expression, which made a claim sort a whole
-- queue instead of reading its head in dispatch order
ANALYZE thread;
CREATE FUNCTION pg_temp.estimated_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    p json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO p;
    RETURN (p -> 0 -> 'Plan' ->> 'Plan Rows')::float8;
END $$;
SELECT count(*) > 10 AS enough_threads,
       pg_temp.estimated_rows($q$SELECT 1 FROM omnichannel.thread AS t
                                WHERE COALESCE(t.waiting_channel, t.channels[1], 'other'::omnichannel.channel)
                                      = ANY (enum_range(NULL::omnichannel.channel))$q$) >= 0.5 * count(*)
         AS channel_test_estimated_from_statistics
  FROM thread;

-- an agent's load reads the agent's open threads by thread_assignee_open_idx,
-- also with statistics taken before any thread was assigned (a copy of the
-- thread table and its indexes, vacuumed with none assigned, then 4,000
-- assigned): with thread_customer_assigned_idx open to any query it read all
-- of that one instead, every thread ever assigned, at every claim
CREATE TEMP TABLE agent_threads (LIKE omnichannel.thread INCLUDING DEFAULTS INCLUDING INDEXES);
INSERT INTO agent_threads (id, customer_id, status, opened_at, last_activity_at, channels)
SELECT g, g, 'open', '2026-11-02 09:00+00', '2026-11-02 09:00+00', '{email}'
  FROM generate_series(1, 5000) AS g;
VACUUM ANALYZE agent_threads;
UPDATE agent_threads SET assignee = 'agent_' || (id % 16), assigned_at = '2026-11-02 10:00+00' WHERE id <= 4000;
EXPLAIN (COSTS OFF)
SELECT COALESCE(t.waiting_channel, t.channels[1]) AS channel, count(*) AS n
  FROM agent_threads AS t
 WHERE t.assignee = 'agent_3' AND t.status = 'open'
 GROUP BY 1;
-- the look-up of a customer's previous agent still reads its own index
EXPLAIN (COSTS OFF)
SELECT o.assignee FROM agent_threads AS o
 WHERE o.customer_id = 7 AND o.id < 4000 AND o.assignee IS NOT NULL
 ORDER BY o.id DESC LIMIT 1;
DROP TABLE agent_threads;

-- On one node claim_next finds and locks its thread with claim_pick (C,
-- src/pg/claim.c); the regress_sql suite runs this file through the SQL path
-- of Citus, with the same expected output.  An agent serving two queues gets
-- their heads (and the threads with no queue) merged in dispatch order.
BEGIN;
-- (every other waiting thread on hold meanwhile)
UPDATE thread SET status = 'on_hold' WHERE status = 'open' AND assignee IS NULL;
INSERT INTO agent (id, capacity, queues, status) VALUES ('pia', 10, '{pq1,pq2}', 'available');
SELECT pg_temp.ask('P1 pq1',   'email', 'pq1', '10 minutes') IS NOT NULL AS p1,
       pg_temp.ask('P2 pq2',   'email', 'pq2', '40 minutes') IS NOT NULL AS p2,
       pg_temp.ask('P3 none',  'email', NULL,  '20 minutes') IS NOT NULL AS p3,
       pg_temp.ask('P4 pq1',   'email', 'pq1', '30 minutes') IS NOT NULL AS p4,
       pg_temp.ask('P5 high',  'email', 'pq2', '5 minutes')  IS NOT NULL AS p5,
       pg_temp.ask('P6 other', 'email', 'pq3', '50 minutes') IS NOT NULL AS p6;
UPDATE thread SET priority = 'high' WHERE id = (SELECT id FROM tmp_label WHERE label = 'P5 high');
SELECT pg_temp.label(id) AS pia_1, priority, queue FROM claim_next('pia');
SELECT pg_temp.label(id) AS pia_2, priority, queue FROM claim_next('pia');
SELECT pg_temp.label(id) AS pia_3, priority, queue FROM claim_next('pia');
-- who may take a thread is claim_eligible()'s to say, on either path: a
-- new definition applies at the next claim (the parsed test is dropped)
SAVEPOINT rule;
CREATE OR REPLACE FUNCTION omnichannel.claim_eligible(t omnichannel.thread, a omnichannel.agent,
                                          fits omnichannel.channel[], cutoff timestamptz,
                                          available text[])
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT t.queue IS NOT NULL $$;
SELECT pg_temp.label(id) AS pia_with_a_queue, queue FROM claim_next('pia');
ROLLBACK TO rule;
SELECT pg_temp.label(id) AS pia_4, priority, queue FROM claim_next('pia');
SELECT pg_temp.label(id) AS pia_5, priority, queue FROM claim_next('pia');
SELECT count(*) AS pia_6_none FROM claim_next('pia');
-- a queue named twice counts once; a NULL element names no queue (the
-- threads with none are still read)
UPDATE agent SET queues = '{pq3,pq3,NULL}' WHERE id = 'pia';
SELECT pg_temp.label(id) AS pia_pq3, queue FROM claim_next('pia');
SELECT count(*) AS pia_pq3_none FROM claim_next('pia');
-- more than 64 queues: one scan of the whole dispatch order, the test
-- keeps the agent's queues
SELECT pg_temp.ask('P7 many', 'email', 'pq3', '1 minute') IS NOT NULL AS p7,
       pg_temp.ask('P8 not', 'email', 'pq4', '2 minutes') IS NOT NULL AS p8;
UPDATE agent SET queues = ARRAY(SELECT 'many' || g FROM generate_series(1, 100) AS g) || '{pq3}'
 WHERE id = 'pia';
SELECT pg_temp.label(id) AS pia_many, queue FROM claim_next('pia');
SELECT count(*) AS pia_many_none FROM claim_next('pia');
ROLLBACK;
-- C path only (the SQL path needs no index): without a usable dispatch
-- index a claim says so, not a read error; without the queues' index an
-- agent serving some queues reads the whole dispatch order
BEGIN;
SET LOCAL omnichannel.lookups_through_sql = off;
UPDATE thread SET status = 'on_hold' WHERE status = 'open' AND assignee IS NULL;
INSERT INTO agent (id, capacity, queues, status) VALUES ('pia', 10, '{pq1}', 'available');
SELECT pg_temp.ask('P9 pq1', 'email', 'pq1', '1 minute') IS NOT NULL AS p9;
DROP INDEX omnichannel.thread_queue_dispatch_idx;
SELECT pg_temp.label(id) AS pia_no_queue_index, queue FROM claim_next('pia');
DROP INDEX omnichannel.thread_dispatch_idx;
SELECT * FROM claim_next('pia');
ROLLBACK;
-- C path: a claim whose test claims again (claim_eligible() redefined by
-- the owner to run code that replaces a function, which drops the parsed
-- test, and claims for another agent) keeps the test it parsed; the inner
-- claim parses its own and keeps it for itself alone; each gets its thread
BEGIN;
SET LOCAL omnichannel.lookups_through_sql = off;
UPDATE thread SET status = 'on_hold' WHERE status = 'open' AND assignee IS NULL;
INSERT INTO agent (id, capacity, queues, status)
VALUES ('pia', 10, '{pq1}', 'available'), ('pio', 10, '{pq2}', 'available');
SELECT pg_temp.ask('R1 pq1', 'email', 'pq1', '2 minutes') IS NOT NULL AS r1,
       pg_temp.ask('R2 pq2', 'email', 'pq2', '1 minute') IS NOT NULL AS r2;
CREATE FUNCTION public.claim_again() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF current_setting('regress_oc.claimed_again', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('regress_oc.claimed_again', 'yes', true);
        CREATE OR REPLACE FUNCTION public.claim_again_noop() RETURNS integer LANGUAGE sql AS 'SELECT 1';
        PERFORM set_config('regress_oc.inner_claim',
                           (SELECT pg_temp.label(c.id) FROM omnichannel.claim_next('pio') AS c), true);
    END IF;
    RETURN true;
END
$$;
CREATE OR REPLACE FUNCTION omnichannel.claim_eligible(t omnichannel.thread, a omnichannel.agent,
                                          fits omnichannel.channel[], cutoff timestamptz,
                                          available text[])
RETURNS boolean LANGUAGE sql VOLATILE
AS $$ SELECT public.claim_again() AND t.queue = ANY (a.queues) $$;
SELECT pg_temp.label(id) AS outer_claim, queue FROM claim_next('pia');
SELECT current_setting('regress_oc.inner_claim') AS inner_claim;
ROLLBACK;
-- claim_pick is claim_next's own: not executable by PUBLIC, and whoever is
-- granted it still needs SELECT and UPDATE on the thread table, as a row
-- lock would
SELECT has_function_privilege('public',
           'omnichannel.claim_pick(omnichannel.agent,omnichannel.channel[],timestamptz,text[])',
           'EXECUTE') AS public_may_pick;
CREATE ROLE regress_oc_picker;
GRANT USAGE ON SCHEMA omnichannel TO regress_oc_picker;
GRANT SELECT ON omnichannel.agent, omnichannel.thread TO regress_oc_picker;
GRANT EXECUTE ON FUNCTION omnichannel.claim_pick(omnichannel.agent, omnichannel.channel[], timestamptz, text[])
    TO regress_oc_picker;
SET ROLE regress_oc_picker;
\set VERBOSITY terse
SELECT (omnichannel.claim_pick(g, enum_range(NULL::omnichannel.channel), now(), '{}')).id
  FROM omnichannel.agent AS g WHERE g.id = 'ana';
\set VERBOSITY default
RESET ROLE;
REVOKE ALL ON FUNCTION omnichannel.claim_pick(omnichannel.agent, omnichannel.channel[], timestamptz, text[])
    FROM regress_oc_picker;
REVOKE ALL ON omnichannel.agent, omnichannel.thread FROM regress_oc_picker;
REVOKE ALL ON SCHEMA omnichannel FROM regress_oc_picker;
DROP ROLE regress_oc_picker;

-- leave nothing active behind
UPDATE sla_policy SET active = false;
UPDATE agent SET status = 'offline';
DELETE FROM dispatch_setting_override;
