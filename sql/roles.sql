--
-- The role recipes of docs/install.md ("Privileges"), run as written, and
-- for each role what it can do and what it is refused.  Every refusal
-- below is SQLSTATE 42501 (insufficient_privilege: "permission denied
-- for ..."); VERBOSITY terse prints the message.  Keep this file and the
-- recipes in step: each block between "recipe" and "end of recipe" is
-- copied from install.md; the example login roles of install.md (app,
-- crm, ops, desk, lead, bi_reader, dpo_tool) are called regress_oc_* here.
--
SET timezone = 'UTC';

-- recipe: writer
CREATE ROLE omnichannel_writer NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_writer;
GRANT INSERT ON omnichannel.interaction TO omnichannel_writer;
GRANT SELECT (id, customer_id, thread_id, channel, external_id, stitch_reason)
   ON omnichannel.interaction TO omnichannel_writer;
-- end of recipe

-- recipe: reader
CREATE ROLE omnichannel_reader NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_reader;
GRANT SELECT ON omnichannel.customer, omnichannel.customer_identifier,
                omnichannel.customer_channel, omnichannel.interaction, omnichannel.thread,
                omnichannel.thread_event, omnichannel.identity_event, omnichannel.queue
   TO omnichannel_reader;
-- end of recipe

-- recipe: operator
CREATE ROLE omnichannel_operator NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_operator;
GRANT SELECT, UPDATE ON omnichannel.interaction, omnichannel.thread TO omnichannel_operator;
GRANT INSERT ON omnichannel.thread TO omnichannel_operator;
GRANT SELECT, INSERT ON omnichannel.thread_event TO omnichannel_operator;
-- end of recipe

-- recipe: agent desk
CREATE ROLE omnichannel_agent NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_agent;
GRANT EXECUTE ON FUNCTION omnichannel.claim_next(text), omnichannel.release(bigint, text),
                          omnichannel.reassign(bigint, text, text)
   TO omnichannel_agent;
GRANT SELECT ON omnichannel.queue, omnichannel.agent, omnichannel.channel_units_override,
                omnichannel.thread_assignment
   TO omnichannel_agent;
GRANT SELECT, UPDATE (status, priority) ON omnichannel.thread TO omnichannel_agent;
GRANT UPDATE (status) ON omnichannel.agent TO omnichannel_agent;
-- end of recipe

-- recipe: supervisor
CREATE ROLE omnichannel_supervisor NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_supervisor;
GRANT EXECUTE ON FUNCTION omnichannel.recompute_sla(integer, text, boolean),
                          omnichannel.sla_sweep(integer)
   TO omnichannel_supervisor;
GRANT SELECT, INSERT, UPDATE, DELETE ON omnichannel.sla_policy, omnichannel.business_calendar,
                                        omnichannel.agent, omnichannel.channel_units_override,
                                        omnichannel.dispatch_setting_override
   TO omnichannel_supervisor;
-- end of recipe

-- recipe: privacy officer
CREATE ROLE omnichannel_privacy NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO omnichannel_privacy;
GRANT EXECUTE ON FUNCTION omnichannel.forget_customer(bigint, text),
                          omnichannel.apply_retention(integer)
   TO omnichannel_privacy;
GRANT SELECT ON omnichannel.erasure_event TO omnichannel_privacy;
GRANT SELECT, INSERT, UPDATE, DELETE ON omnichannel.retention_setting TO omnichannel_privacy;
-- end of recipe

-- The logins of install.md.
CREATE ROLE regress_oc_app LOGIN IN ROLE omnichannel_writer;
CREATE ROLE regress_oc_crm LOGIN IN ROLE omnichannel_reader;
CREATE ROLE regress_oc_operator LOGIN IN ROLE omnichannel_operator;
CREATE ROLE regress_oc_desk LOGIN IN ROLE omnichannel_reader, omnichannel_writer, omnichannel_agent;
CREATE ROLE regress_oc_lead LOGIN IN ROLE omnichannel_supervisor;
CREATE ROLE regress_oc_dpo LOGIN IN ROLE omnichannel_privacy;
-- recipe: reporting
CREATE ROLE regress_oc_bi LOGIN;
SELECT omnichannel.grant_reporting('regress_oc_bi');
-- end of recipe

-- The DBA's settings (ingest reads them as the table's owner: writers need
-- no privilege on them).
INSERT INTO omnichannel.business_key_pattern_override (name, pattern) VALUES ('order', '\m(A-[0-9]{4,})\M');
INSERT INTO omnichannel.stitch_setting_override (channel, reopen_window) VALUES ('chat', '2 days');

-- ===========================================================================
-- The writer: a new customer, a reply, a subject match, a business key, a
-- late arrival that merges two threads, identifiers in attributes, a
-- retried delivery, RETURNING, COPY and a follow-up of a closed thread,
-- with nothing but INSERT on interaction (and SELECT on six of its columns).
-- ===========================================================================
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
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-04-06 10:30+00', 'other.role@example.com', 'Invoice 77', 'role-other');
-- a web form with more identifiers: one new, one of another customer
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-04-06 11:00+00', 'role.test@example.com', 'role-9',
        '{"identifiers": ["+40 721 999 001", "other.role@example.com"]}');
-- the same delivery again, skipped; RETURNING what ingest decided
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('email', 'inbound', '2026-04-06 10:30+00', 'other.role@example.com', 'role-other')
ON CONFLICT (external_id, channel) DO NOTHING
RETURNING id;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, body, external_id, in_reply_to)
VALUES ('chat', 'inbound', '2026-04-06 10:45+00', 'other.role@example.com', 'About my mail', 'role-other-2', 'role-other')
ON CONFLICT (external_id, channel) DO NOTHING
RETURNING stitch_reason, thread_id = (SELECT thread_id FROM omnichannel.interaction
                                      WHERE external_id = 'role-other' AND channel = 'email') AS same_thread;
-- the same subject, no reference: joined by subject
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-04-06 12:00+00', 'other.role@example.com', 'AW: Invoice 77', 'role-other-3')
RETURNING stitch_reason;
-- COPY: an SMS from the phone number the web form linked
COPY omnichannel.interaction (channel, direction, occurred_at, contact, body, external_id) FROM stdin;
sms	inbound	2026-04-06 11:30+00	+40 721 999 001	Any news?	role-10
\.
RESET ROLE;
UPDATE omnichannel.thread SET status = 'closed'
 WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'role-1');
SET ROLE regress_oc_app;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-04-07 09:00+00', 'role.test@example.com', 'role-8', 'role-3')
RETURNING stitch_reason;
RESET ROLE;
SELECT external_id, stitch_reason, dense_rank() OVER (ORDER BY thread_id) AS thread,
       dense_rank() OVER (ORDER BY customer_id) AS customer
  FROM omnichannel.interaction WHERE external_id LIKE 'role-%' ORDER BY external_id;
SELECT count(*) AS link_requests FROM omnichannel.identity_link_request
 WHERE contact OPERATOR(omnichannel.=) 'email:other.role@example.com';
SELECT count(*) AS late_merges FROM omnichannel.thread_event WHERE reason = 'late arrival'
   AND customer_id = (SELECT customer_id FROM omnichannel.interaction WHERE external_id = 'role-1');
SELECT follow_up_of IS NOT NULL AS follows_up FROM omnichannel.thread
 WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'role-8');

SELECT customer_id AS cust, thread_id AS t1 FROM omnichannel.interaction WHERE external_id = 'role-4' \gset
SELECT thread_id AS t2, id AS i5 FROM omnichannel.interaction WHERE external_id = 'role-5' \gset
SELECT id AS i7 FROM omnichannel.interaction WHERE external_id = 'role-7' \gset
SELECT customer_id AS other_cust FROM omnichannel.interaction WHERE external_id = 'role-other' \gset

-- The writer is refused what is not ingest: reading the history, changing
-- threads (which would stop SLA clocks), the operator, queue, SLA and
-- privacy functions, and the extension's internal functions.
SET ROLE regress_oc_app;
\set VERBOSITY terse
SELECT body FROM omnichannel.interaction WHERE external_id = 'role-1';
SELECT * FROM omnichannel.timeline(:cust);
SELECT omnichannel.customer_360(:cust);
SELECT count(*) FROM omnichannel.customer;
SELECT count(*) FROM omnichannel.customer_identifier;
SELECT count(*) FROM omnichannel.thread;
SELECT count(*) FROM omnichannel.pending_reference;
UPDATE omnichannel.interaction SET body = 'changed' WHERE external_id = 'role-1';
DELETE FROM omnichannel.interaction WHERE external_id = 'role-1';
TRUNCATE omnichannel.interaction;
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :t1;
SELECT omnichannel.merge_threads(:t1, :t2, 'not mine to do');
SELECT omnichannel.split_thread(:i5);
SELECT omnichannel.move_interaction(:i7, :t1);
SELECT omnichannel.sla_sweep();
SELECT * FROM omnichannel.claim_next('regress-desk-agent');
SELECT omnichannel.forget_customer(:cust, 'not mine to do');
SELECT omnichannel.customer_channel_refresh(ARRAY[:cust]::bigint[]);
INSERT INTO omnichannel.stitch_setting_override (channel, reopen_window) VALUES ('sms', '1 day');
\set VERBOSITY default
RESET ROLE;

-- ===========================================================================
-- The reader (a CRM screen): the timeline, the 360 view, a thread's
-- context and events, the queue; refused writes, settings and functions.
-- ===========================================================================
SET ROLE regress_oc_crm;
SELECT count(*) AS timeline_rows FROM omnichannel.timeline(:cust);
SELECT (d->'customer'->>'id')::bigint = :cust AS same_customer,
       jsonb_array_length(d->'identity'->'identifiers'->'tel') AS phones,
       jsonb_array_length(d->'recent_interactions') AS recent
  FROM omnichannel.customer_360(:cust) AS d;
SELECT omnichannel.thread_context(:t1) IS NOT NULL AS has_context;
SELECT count(*) AS thread_events FROM omnichannel.thread_event WHERE thread_id = :t2 OR other_thread_id = :t2;
SELECT count(*) AS queued FROM omnichannel.queue WHERE customer_id = :cust;
\set VERBOSITY terse
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', '+40 721 234 567');
UPDATE omnichannel.thread SET status = 'solved';
UPDATE omnichannel.customer SET display_name = 'Someone';
SELECT omnichannel.merge_threads(:t1, :t2);
SELECT * FROM omnichannel.stitch_setting_override;
SELECT * FROM omnichannel.pending_reference;
SELECT * FROM omnichannel.sla_clock;
SELECT * FROM omnichannel.erasure_event;
SELECT * FROM omnichannel.claim_next('regress-desk-agent');
SELECT omnichannel.recompute_sla();
SELECT omnichannel.forget_customer(:cust, 'not mine to do');
\set VERBOSITY default
RESET ROLE;

-- ===========================================================================
-- The operator corrects threads: merge, split, move; refused ingest,
-- restitch, dispatch, SLA jobs, erasure and the customer table.
-- ===========================================================================
SET ROLE regress_oc_operator;
SELECT omnichannel.merge_threads(:t1, :t2, 'same parcel') = :t1 AS merged;
SELECT omnichannel.split_thread(:i5, 'another matter') AS t3 \gset
SELECT omnichannel.move_interaction(:i7, :t1, 'belongs to the order') > 0 AS moved;
\set VERBOSITY terse
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('sms', 'inbound', '+40 721 234 567', 'role-operator');
SELECT omnichannel.restitch(:cust, 'not mine to do');
SELECT count(*) FROM omnichannel.customer;
DELETE FROM omnichannel.thread_event;
SELECT * FROM omnichannel.claim_next('regress-desk-agent');
SELECT omnichannel.sla_sweep();
SELECT omnichannel.forget_customer(:cust, 'not mine to do');
\set VERBOSITY default
RESET ROLE;
SELECT external_id, stitch_reason,
       CASE thread_id WHEN :t1 THEN 't1' WHEN :t2 THEN 't2' WHEN :t3 THEN 't3' ELSE 'other' END AS thread
  FROM omnichannel.interaction
 WHERE customer_id = :cust AND thread_id IN (:t1, :t2, :t3) ORDER BY occurred_at, id;
SELECT action, reason, actor = 'regress_oc_operator' AS by_operator
  FROM omnichannel.thread_event WHERE customer_id = :cust AND reason <> 'late arrival' ORDER BY id;
SELECT status, merged_into = :t1 AS into_t1 FROM omnichannel.thread WHERE id = :t2;

-- ===========================================================================
-- The agent desk.  As the DBA: an SLA policy for this test's customer only
-- (first response within 1 hour, around the clock), a customer message in
-- queue regress-desk, an available agent serving that queue.
-- ===========================================================================
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

-- The agent role alone: dispatch and status, no message content.
SET ROLE omnichannel_agent;
UPDATE omnichannel.agent SET status = 'available' WHERE id = 'regress-desk-agent';
SELECT status, priority, channel, queue, due_metric, sla_state, policy, assignee
  FROM omnichannel.queue WHERE thread_id = :desk_thread;
UPDATE omnichannel.thread SET priority = 'urgent' WHERE id = :desk_thread;
\set VERBOSITY terse
SELECT body FROM omnichannel.interaction WHERE thread_id = :desk_thread;
SELECT * FROM omnichannel.sla_policy;
\set VERBOSITY default
RESET ROLE;

-- The desk login (reader, writer and agent): the thread raised to urgent
-- is claimed (the only urgent thread its queue can see), read, put on
-- pending; the queue shows it.
SET ROLE regress_oc_desk;
SELECT id = :desk_thread AS claimed_it, priority, assignee, status
  FROM omnichannel.claim_next('regress-desk-agent');
SELECT priority, sla_state, policy, assignee
  FROM omnichannel.queue WHERE thread_id = :desk_thread;
SELECT omnichannel.agent_load('regress-desk-agent') AS load;
SELECT body FROM omnichannel.interaction WHERE thread_id = :desk_thread;
UPDATE omnichannel.thread SET status = 'pending' WHERE id = :desk_thread;
SELECT status, sla_state FROM omnichannel.queue WHERE thread_id = :desk_thread;
-- the agent's day (docs/queue.md), as the desk login
SELECT thread_id = :desk_thread AS desk_thread, how, released_at IS NULL AS still_held
  FROM omnichannel.thread_assignment
 WHERE agent = 'regress-desk-agent' AND assigned_at >= current_date ORDER BY assigned_at;
-- no other thread column, no change to messages, no operator, SLA or
-- privacy functions, no agent settings but the status
\set VERBOSITY terse
UPDATE omnichannel.thread SET subject = 'Parcel' WHERE id = :desk_thread;
UPDATE omnichannel.thread SET assignee = NULL WHERE id = :desk_thread;
UPDATE omnichannel.interaction SET body = 'changed' WHERE thread_id = :desk_thread;
UPDATE omnichannel.agent SET capacity = 100 WHERE id = 'regress-desk-agent';
SELECT omnichannel.merge_threads(:t1, :t3);
SELECT omnichannel.sla_sweep();
SELECT omnichannel.recompute_sla();
SELECT omnichannel.forget_customer(:desk_customer, 'not mine to do');
\set VERBOSITY default
RESET ROLE;

-- ===========================================================================
-- The supervisor: a longer target, recomputed (the paused clock takes it),
-- the sweep, an agent's capacity, a new policy; refused the history,
-- ingest, dispatch, thread changes and erasure.
-- ===========================================================================
SET ROLE regress_oc_lead;
UPDATE omnichannel.sla_policy SET first_response = '2 hours' WHERE name = 'regress desk';
SELECT omnichannel.recompute_sla(policy => (SELECT id FROM omnichannel.sla_policy
                                             WHERE name = 'regress desk')) AS clocks_changed;
SELECT omnichannel.sla_sweep(1000000) IS NOT NULL AS swept;
UPDATE omnichannel.agent SET capacity = 2 WHERE id = 'regress-desk-agent';
INSERT INTO omnichannel.sla_policy (name, position, customer_match, first_response, active)
VALUES ('regress lead draft', 1001, '{"regress": "none"}', '4 hours', false);
\set VERBOSITY terse
SELECT body FROM omnichannel.interaction WHERE thread_id = :desk_thread;
SELECT count(*) FROM omnichannel.thread;
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('sms', 'inbound', '+40 721 234 567', 'role-lead');
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :desk_thread;
SELECT * FROM omnichannel.claim_next('regress-desk-agent');
SELECT omnichannel.merge_threads(:t1, :t3);
SELECT omnichannel.forget_customer(:desk_customer, 'not mine to do');
DELETE FROM omnichannel.sla_clock;
\set VERBOSITY default
RESET ROLE;
-- the sweep logged every breach due by now
SELECT count(*) AS running_past_due_unlogged FROM omnichannel.sla_clock AS c
 WHERE c.stopped_at IS NULL AND c.due_at <= now() AND c.breached_at IS NULL;
SELECT metric, target, due_at IS NULL AS paused, outcome
  FROM omnichannel.sla_clock WHERE thread_id = :desk_thread ORDER BY id;

-- The desk stores its reply (an outbound e-mail answering the customer's)
-- and solves the thread: the assignment ends, the assignee stays.
SET ROLE regress_oc_desk;
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, contact, body,
                                     external_id, in_reply_to)
VALUES (:desk_customer, 'email', 'outbound', now(), 'email:desk.customer@example.com',
        'Delivered today.', 'role-desk-2', 'role-desk-1')
RETURNING thread_id = :desk_thread AS same_thread, stitch_reason;
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :desk_thread;
RESET ROLE;
SELECT agent, how, released_how FROM omnichannel.thread_assignment WHERE thread_id = :desk_thread;
SELECT assignee, status FROM omnichannel.thread WHERE id = :desk_thread;
SELECT metric, outcome FROM omnichannel.sla_clock WHERE thread_id = :desk_thread ORDER BY id;

-- ===========================================================================
-- The reporting login (grant_reporting): the reporting views and nothing
-- else.
-- ===========================================================================
SET ROLE regress_oc_bi;
SELECT sum(inbound) > 0 AS kpis FROM omnichannel.channel_kpis
 WHERE day = '2026-04-01' AND channel = 'email';
SELECT count(*) > 0 AS facts FROM omnichannel.thread_facts;
SELECT count(*) AS attainment_rows FROM omnichannel.sla_attainment \gset
\set VERBOSITY terse
SELECT count(*) FROM omnichannel.interaction;
SELECT count(*) FROM omnichannel.customer;
SELECT count(*) FROM omnichannel.customer_identifier;
SELECT count(*) FROM omnichannel.thread;
SELECT count(*) FROM omnichannel.channel_day;
SELECT count(*) FROM omnichannel.queue;
SELECT count(*) FROM omnichannel.timeline(:cust);
SELECT omnichannel.customer_360(:cust);
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', '+40 721 234 567');
SELECT omnichannel.recompute_sla();
SELECT omnichannel.grant_reporting('regress_oc_app');
\set VERBOSITY default
RESET ROLE;
SELECT count(*) = :attainment_rows AS reads_all_attainment FROM omnichannel.sla_attainment;

-- ===========================================================================
-- The privacy officer: sets a retention period and applies it, erases a
-- customer, reads the erasure log; refused ingest, the history, thread
-- changes, the operator and dispatch functions, and changing the log.
-- ===========================================================================
-- as the writer: a forum post of long ago
SET ROLE regress_oc_app;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('forum', 'inbound', '2001-02-03 10:00+00', 'email:old.forum@example.com', 'An old post', 'role-forum-1');
RESET ROLE;
SET ROLE regress_oc_dpo;
INSERT INTO omnichannel.retention_setting (channel, keep) VALUES ('forum', interval '20 years')
ON CONFLICT (channel) DO UPDATE SET keep = EXCLUDED.keep, updated_at = now(),
                                    updated_by = CURRENT_USER;
SELECT (r->>'interactions')::int >= 1 AS redacted, r->>'more' AS more
  FROM omnichannel.apply_retention(1000) AS r;
SELECT r->'tables'->'customer_identifier' AS identifiers,
       r->'tables'->'interaction'->'rows' AS interactions,
       r->'tables'->'interaction'->'body' AS bodies
  FROM omnichannel.forget_customer(:other_cust, 'DSR-ROLES-1') AS r;
SELECT reason, requested_by, customer_id = :other_cust AS that_customer
  FROM omnichannel.erasure_event WHERE reason = 'DSR-ROLES-1';
\set VERBOSITY terse
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', '+40 721 234 567');
SELECT count(*) FROM omnichannel.interaction;
SELECT count(*) FROM omnichannel.customer;
SELECT count(*) FROM omnichannel.customer_identifier;
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :t1;
SELECT omnichannel.merge_threads(:t1, :t3);
SELECT * FROM omnichannel.claim_next('regress-desk-agent');
SELECT omnichannel.sla_sweep();
UPDATE omnichannel.erasure_event SET reason = 'changed' WHERE reason = 'DSR-ROLES-1';
DELETE FROM omnichannel.erasure_event WHERE reason = 'DSR-ROLES-1';
\set VERBOSITY default
RESET ROLE;
SELECT body IS NULL AS body_gone, contact IS NULL AS contact_gone, channel
  FROM omnichannel.interaction WHERE id = (SELECT max(id) FROM omnichannel.interaction
                                            WHERE channel = 'forum' AND occurred_at = '2001-02-03 10:00+00');
SELECT count(*) AS identifiers_left FROM omnichannel.customer_identifier WHERE customer_id = :other_cust;
SELECT count(*) FILTER (WHERE body IS NOT NULL OR contact IS NOT NULL) AS with_content, count(*) AS rows
  FROM omnichannel.interaction WHERE customer_id = :other_cust;

-- Clean up.
DELETE FROM omnichannel.business_key_pattern_override;
DELETE FROM omnichannel.stitch_setting_override;
DELETE FROM omnichannel.retention_setting;
UPDATE omnichannel.sla_policy SET active = false WHERE name = 'regress desk';
DELETE FROM omnichannel.sla_policy WHERE name = 'regress lead draft';
UPDATE omnichannel.agent SET status = 'offline' WHERE id = 'regress-desk-agent';
SELECT omnichannel.revoke_reporting('regress_oc_bi');
DROP OWNED BY omnichannel_writer, omnichannel_reader, omnichannel_operator,
              omnichannel_agent, omnichannel_supervisor, omnichannel_privacy, regress_oc_bi;
DROP ROLE regress_oc_app, regress_oc_crm, regress_oc_operator, regress_oc_desk, regress_oc_lead,
          regress_oc_dpo, regress_oc_bi,
          omnichannel_writer, omnichannel_reader, omnichannel_operator,
          omnichannel_agent, omnichannel_supervisor, omnichannel_privacy;
