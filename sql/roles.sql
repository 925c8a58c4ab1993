--
-- The GRANT recipes of docs/install.md, run as written: a writer ingests
-- through every stitching path, a reader reads and cannot write, an
-- operator corrects threads, an agent desk claims and reads the queue, a
-- supervisor changes a policy and recomputes.  Keep this file and the
-- recipes in step.
--
SET timezone = 'UTC';

CREATE ROLE omnichannel_writer NOLOGIN;
CREATE ROLE omnichannel_reader NOLOGIN;

GRANT USAGE ON SCHEMA omnichannel TO omnichannel_writer, omnichannel_reader;

GRANT SELECT ON ALL TABLES IN SCHEMA omnichannel TO omnichannel_reader;

GRANT SELECT, INSERT ON omnichannel.interaction, omnichannel.customer,
                        omnichannel.customer_identifier, omnichannel.thread
   TO omnichannel_writer;
GRANT UPDATE ON omnichannel.interaction TO omnichannel_writer;
GRANT UPDATE, DELETE ON omnichannel.thread TO omnichannel_writer;
GRANT DELETE ON omnichannel.customer TO omnichannel_writer;
GRANT SELECT ON omnichannel.business_key_pattern, omnichannel.stitch_setting TO omnichannel_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON omnichannel.thread_key, omnichannel.thread_subject
   TO omnichannel_writer;
GRANT SELECT, INSERT, DELETE ON omnichannel.pending_reference TO omnichannel_writer;
GRANT SELECT, INSERT ON omnichannel.thread_event TO omnichannel_writer;
GRANT SELECT ON omnichannel.identity_blocklist TO omnichannel_writer;
GRANT INSERT ON omnichannel.identity_link_request, omnichannel.identity_event TO omnichannel_writer;
GRANT USAGE ON SEQUENCE omnichannel.customer_id_seq, omnichannel.thread_id_seq,
                        omnichannel.interaction_id_seq, omnichannel.thread_event_id_seq,
                        omnichannel.identity_link_request_id_seq, omnichannel.identity_event_id_seq
   TO omnichannel_writer;

CREATE ROLE omnichannel_operator NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_operator;
GRANT SELECT, UPDATE ON omnichannel.interaction, omnichannel.thread TO omnichannel_operator;
GRANT SELECT, INSERT ON omnichannel.thread_event TO omnichannel_operator;
GRANT INSERT ON omnichannel.thread TO omnichannel_operator;
GRANT USAGE ON SEQUENCE omnichannel.thread_id_seq, omnichannel.thread_event_id_seq
   TO omnichannel_operator;

CREATE ROLE omnichannel_agent NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_agent;
GRANT EXECUTE ON FUNCTION omnichannel.claim_next(text), omnichannel.release(bigint, text),
                          omnichannel.reassign(bigint, text, text)
   TO omnichannel_agent;
GRANT SELECT ON omnichannel.queue, omnichannel.sla_policy, omnichannel.business_calendar,
                omnichannel.agent, omnichannel.channel_load
   TO omnichannel_agent;
GRANT SELECT, UPDATE (status, priority) ON omnichannel.thread TO omnichannel_agent;
GRANT UPDATE (status) ON omnichannel.agent TO omnichannel_agent;

CREATE ROLE omnichannel_supervisor NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_supervisor;
GRANT EXECUTE ON FUNCTION omnichannel.recompute_sla(integer, text, boolean),
                          omnichannel.sla_sweep(integer)
   TO omnichannel_supervisor;
GRANT SELECT, INSERT, UPDATE, DELETE ON omnichannel.sla_policy, omnichannel.business_calendar,
                                        omnichannel.agent, omnichannel.channel_load,
                                        omnichannel.dispatch_setting
   TO omnichannel_supervisor;
GRANT USAGE ON SEQUENCE omnichannel.sla_policy_id_seq TO omnichannel_supervisor;

CREATE ROLE regress_oc_app LOGIN IN ROLE omnichannel_writer;
CREATE ROLE regress_oc_bi LOGIN IN ROLE omnichannel_reader;
CREATE ROLE regress_oc_supervisor LOGIN IN ROLE omnichannel_operator;
-- (only the agent recipe: install.md's desk login is a writer too)
CREATE ROLE regress_oc_desk LOGIN IN ROLE omnichannel_agent;
CREATE ROLE regress_oc_lead LOGIN IN ROLE omnichannel_supervisor;

-- The DBA's settings (writers read them, need not change them).
INSERT INTO omnichannel.business_key_pattern (name, pattern) VALUES ('order', '\m(A-[0-9]{4,})\M');
INSERT INTO omnichannel.stitch_setting (channel, reopen_window) VALUES ('chat', '2 days');

-- The writer: a new customer, a reply, a subject match, a business key, a
-- late arrival that merges two threads, a follow-up of a closed thread.
SET ROLE regress_oc_app;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-04-01 09:00+00', 'role.test@example.com', 'Order A-5005 late', 'role-1'),
       ('email', 'outbound', '2026-04-01 10:00+00', 'role.test@example.com', 'Re: Order A-5005 late', 'role-2'),
       ('email', 'inbound', '2026-04-02 09:00+00', 'role.test@example.com', 'Re: Order A-5005 late', 'role-3'),
       ('chat', 'inbound', '2026-04-05 09:00+00', 'role.test@example.com', 'about A-5005', 'role-4');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-04-06 09:00+00', 'role.test@example.com', 'Photos', 'role-6', 'role-5'),
       ('web', 'inbound', '2026-04-06 10:00+00', 'role.test@example.com', 'Form', 'role-7', 'role-5')
ON CONFLICT DO NOTHING;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-04-06 08:00+00', 'role.test@example.com', 'Your parcel', 'role-5');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('email', 'inbound', '2026-04-06 10:30+00', 'other.role@example.com', 'role-other');
-- a web form with more identifiers: one new, one of another customer
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-04-06 11:00+00', 'role.test@example.com', 'role-9',
        '{"identifiers": ["+40 721 999 001", "other.role@example.com"]}');
RESET ROLE;
UPDATE omnichannel.thread SET status = 'closed'
 WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'role-1');
SET ROLE regress_oc_app;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-04-07 09:00+00', 'role.test@example.com', 'role-8', 'role-3');
RESET ROLE;
SELECT external_id, stitch_reason, dense_rank() OVER (ORDER BY thread_id) AS thread
  FROM omnichannel.interaction WHERE external_id LIKE 'role-%' ORDER BY external_id;
SELECT count(*) AS link_requests FROM omnichannel.identity_link_request
 WHERE contact OPERATOR(omnichannel.=) 'email:other.role@example.com';
SELECT count(*) AS late_merges FROM omnichannel.thread_event WHERE reason = 'late arrival'
   AND customer_id = (SELECT customer_id FROM omnichannel.interaction WHERE external_id = 'role-1');
SELECT follow_up_of IS NOT NULL AS follows_up FROM omnichannel.thread
 WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'role-8');

-- The reader reads, and is refused writes.
SET ROLE regress_oc_bi;
SELECT count(*) AS timeline_rows
  FROM omnichannel.timeline((SELECT customer_id FROM omnichannel.interaction WHERE external_id = 'role-1'));
\set VERBOSITY terse
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', '+40 721 234 567');
UPDATE omnichannel.thread SET status = 'solved';
\set VERBOSITY default
RESET ROLE;

-- The operator corrects threads.  (Writers hold the same privileges,
-- since ingest itself merges threads on a late arrival.)
SELECT thread_id AS t1 FROM omnichannel.interaction WHERE external_id = 'role-4' \gset
SELECT thread_id AS t2 FROM omnichannel.interaction WHERE external_id = 'role-5' \gset
SET ROLE regress_oc_supervisor;
SELECT omnichannel.merge_threads(:t1, :t2, 'same parcel') = :t1 AS merged;
RESET ROLE;

-- The agent desk.  As the DBA: an SLA policy for this test's customer only
-- (first response within 1 hour, around the clock), a customer message in
-- queue regress-desk, an available agent serving that queue.
INSERT INTO omnichannel.sla_policy (name, position, customer_match, first_response)
VALUES ('regress desk', 1000, '{"regress": "desk"}', '1 hour');
INSERT INTO omnichannel.customer (display_name, attributes)
VALUES ('Desk Customer', '{"regress": "desk"}')
RETURNING id AS desk_customer \gset
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, contact, queue,
                                     subject, body, external_id)
VALUES (:desk_customer, 'email', 'inbound', now(), 'email:desk.customer@example.com', 'regress-desk',
        'Where is my parcel?', 'Ordered a week ago.', 'role-desk-1')
RETURNING thread_id AS desk_thread \gset
INSERT INTO omnichannel.agent (id, queues, status) VALUES ('regress-desk-agent', '{regress-desk}', 'offline');

-- The desk: the agent starts its shift, the thread is raised to urgent and
-- claimed (the only urgent thread its queue can see), the queue shows it.
SET ROLE regress_oc_desk;
UPDATE omnichannel.agent SET status = 'available' WHERE id = 'regress-desk-agent';
SELECT status, priority, channel, queue, due_metric, sla_state, policy, assignee
  FROM omnichannel.queue WHERE thread_id = :desk_thread;
UPDATE omnichannel.thread SET priority = 'urgent' WHERE id = :desk_thread;
SELECT id = :desk_thread AS claimed_it, priority, assignee, status
  FROM omnichannel.claim_next('regress-desk-agent');
SELECT priority, sla_state, policy, assignee
  FROM omnichannel.queue WHERE thread_id = :desk_thread;
SELECT omnichannel.agent_load('regress-desk-agent') AS load;
UPDATE omnichannel.thread SET status = 'pending' WHERE id = :desk_thread;
SELECT status, sla_state FROM omnichannel.queue WHERE thread_id = :desk_thread;
-- the recipe grants no message bodies, no other thread column, no SLA jobs
\set VERBOSITY terse
SELECT body FROM omnichannel.interaction WHERE thread_id = :desk_thread;
UPDATE omnichannel.thread SET subject = 'Parcel' WHERE id = :desk_thread;
SELECT omnichannel.sla_sweep();
\set VERBOSITY default
RESET ROLE;

-- The supervisor: a longer target, recomputed (the paused clock takes it),
-- the sweep, an agent's capacity.
SET ROLE regress_oc_lead;
UPDATE omnichannel.sla_policy SET first_response = '2 hours' WHERE name = 'regress desk';
SELECT omnichannel.recompute_sla(policy => (SELECT id FROM omnichannel.sla_policy
                                             WHERE name = 'regress desk')) AS clocks_changed;
SELECT omnichannel.sla_sweep() >= 0 AS swept;
UPDATE omnichannel.agent SET capacity = 2 WHERE id = 'regress-desk-agent';
RESET ROLE;
SELECT metric, target, due_at IS NULL AS paused, outcome
  FROM omnichannel.sla_clock WHERE thread_id = :desk_thread ORDER BY id;

-- The desk solves the thread: the assignment ends, the assignee stays.
SET ROLE regress_oc_desk;
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :desk_thread;
RESET ROLE;
SELECT agent, how, released_how FROM omnichannel.thread_assignment WHERE thread_id = :desk_thread;
SELECT assignee, status FROM omnichannel.thread WHERE id = :desk_thread;

-- Roles without the grants are refused the dispatch and SLA functions.
SET ROLE regress_oc_bi;
\set VERBOSITY terse
SELECT * FROM omnichannel.claim_next('regress-desk-agent');
SELECT omnichannel.recompute_sla();
\set VERBOSITY default
RESET ROLE;

-- Clean up.
DELETE FROM omnichannel.business_key_pattern;
DELETE FROM omnichannel.stitch_setting;
UPDATE omnichannel.sla_policy SET active = false WHERE name = 'regress desk';
UPDATE omnichannel.agent SET status = 'offline' WHERE id = 'regress-desk-agent';
DROP OWNED BY omnichannel_writer, omnichannel_reader, omnichannel_operator,
              omnichannel_agent, omnichannel_supervisor;
DROP ROLE regress_oc_app, regress_oc_bi, regress_oc_supervisor, regress_oc_desk, regress_oc_lead,
          omnichannel_writer, omnichannel_reader, omnichannel_operator,
          omnichannel_agent, omnichannel_supervisor;
