--
-- SLA clocks: policy matching, each metric's start and stop rule, pauses,
-- solved and reopened, cancellations, a breach over a DST weekend, a
-- holiday, policy, priority and calendar changes mid-thread, the warning
-- state, the breach sweep, attainment, and every refusal.
--
SET timezone = 'UTC';
SET search_path = public, omnichannel;
\set SHOW_CONTEXT never
SELECT setval(pg_get_serial_sequence('omnichannel.' || t, 'id'), 910000) IS NOT NULL AS ids_from_910001
  FROM unnest(ARRAY['customer', 'thread', 'interaction', 'sla_clock', 'sla_event']) AS t;

-- Calendars: an office in Warsaw (Christmas off) and one open at weekends too.
INSERT INTO business_calendar (name, hours) VALUES
  ('office', '{"time_zone": "Europe/Warsaw",
               "hours": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
                         "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]},
               "holidays": ["2026-12-25", "2026-12-26"]}'),
  ('weekend', '{"time_zone": "Europe/Warsaw",
                "hours": {"sat": [["10:00","18:00"]], "sun": [["10:00","18:00"]]}}');

INSERT INTO sla_policy (name, position, active, channels, priorities, customer_match, calendar,
                        first_response, next_response, periodic_update, resolution, warning_ratio)
VALUES ('never',    5, false, NULL, NULL, NULL, NULL, '1 hour', NULL, NULL, NULL, 0.75),
       ('gold',    10, true, NULL, NULL, '{"tier": "gold"}', NULL, '1 hour', '2 hours', NULL, '8 hours', 0.75),
       ('urgent',  20, true, NULL, '{urgent}', NULL, 'office', '1 hour', '1 hour', NULL, '4 hours', 0.75),
       ('mail',    30, true, '{email,web}', NULL, NULL, 'office', '4 hours', '8 hours', '16 hours', '24 hours', 0.75),
       ('weekend', 40, true, '{chat}', NULL, NULL, 'weekend', '4 hours', NULL, NULL, NULL, 0.5);

-- which policy applies: first active match in position order
SELECT p.channel, p.priority, p.attrs, sla.name AS policy
  FROM (VALUES ('email'::channel, 'normal'::priority, '{}'::jsonb),
               ('email', 'normal', '{"tier": "gold", "x": 1}'),
               ('email', 'urgent', '{}'),
               ('web', 'low', '{}'),
               ('chat', 'high', '{}'),
               ('phone', 'normal', '{}'),
               ('phone', 'normal', NULL)) AS p(channel, priority, attrs)
  LEFT JOIN sla_policy AS sla ON sla.id = sla_policy_for(p.channel, p.priority, p.attrs);

CREATE TEMP TABLE tmp_label (label text PRIMARY KEY, id bigint NOT NULL);
-- a thread's clocks, in start order
CREATE FUNCTION pg_temp.clocks(label text)
RETURNS TABLE (metric text, started_at timestamptz, due_at timestamptz, paused_since timestamptz,
               stopped_at timestamptz, outcome text, business_s double precision, wall_s double precision,
               pauses tstzmultirange)
LANGUAGE sql AS $$
    SELECT c.metric, c.started_at, c.due_at, c.paused_since, c.stopped_at, c.outcome,
           c.business_seconds, c.wall_seconds, c.pauses
      FROM omnichannel.sla_clock AS c JOIN tmp_label AS l ON l.id = c.thread_id
     WHERE l.label = $1 ORDER BY c.started_at, c.id $$;
CREATE FUNCTION pg_temp.events(label text)
RETURNS TABLE (metric text, event text, at timestamptz, due_at timestamptz,
               business_s double precision, details jsonb)
LANGUAGE sql AS $$
    SELECT e.metric, e.event, e.at, e.due_at, e.business_seconds, e.details - 'interaction'
      FROM omnichannel.sla_event AS e JOIN tmp_label AS l ON l.id = e.thread_id
     WHERE l.label = $1 ORDER BY e.id $$;
-- the thread's due columns agree with its running clocks
CREATE FUNCTION pg_temp.thread_sla(label text)
RETURNS TABLE (status text, policy text, waiting_since timestamptz, first_response_at timestamptz,
               sla_due_at timestamptz, sla_paused boolean, dues_agree boolean)
LANGUAGE sql AS $$
    SELECT t.status, p.name, t.waiting_since, t.first_response_at, t.sla_due_at, t.sla_paused,
           (t.first_response_due, t.next_response_due, t.periodic_update_due, t.resolution_due,
            t.sla_due_at, t.sla_paused) IS NOT DISTINCT FROM
           (SELECT (d.first_response_due, d.next_response_due, d.periodic_update_due,
                    d.resolution_due, d.sla_due_at, d.sla_paused)
              FROM omnichannel.sla_thread_dues(t.customer_id, t.id) AS d)
      FROM omnichannel.thread AS t JOIN tmp_label AS l ON l.id = t.id
      LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
     WHERE l.label = $1 $$;

-- 1. First response, resolution, internal notes, next response, periodic update.
-- A mail on Monday 10:00 Warsaw (09:00 UTC): first response due 14:00 local,
-- resolution after 24 business hours (Thursday 10:00 local).
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-02 09:00+00', 'email:sla1@example.com', 'Parcel lost', 'sla-m1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('mail', :t);
SELECT * FROM pg_temp.clocks('mail');
SELECT * FROM pg_temp.thread_sla('mail');
-- an internal note is not a reply: nothing stops
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to, body)
VALUES ('email', 'internal', '2026-03-02 10:00+00', 'email:sla1@example.com', 'sla-n1', 'sla-m1', 'checking the depot');
SELECT metric, stopped_at FROM pg_temp.clocks('mail');
-- the reply at 12:30 UTC (13:30 local) is within 4 business hours: achieved;
-- it starts the periodic update (16 business hours)
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to, agent)
VALUES ('email', 'outbound', '2026-03-02 12:30+00', 'email:sla1@example.com', 'Re: Parcel lost', 'sla-m2', 'sla-m1', 'ana');
-- two customer messages in a row: one next-response clock, from the first
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-02 15:00+00', 'email:sla1@example.com', 'Re: Parcel lost', 'sla-m3', 'sla-m2'),
       ('email', 'inbound', '2026-03-03 08:00+00', 'email:sla1@example.com', 'Re: Parcel lost', 'sla-m4', 'sla-m3');
SELECT * FROM pg_temp.clocks('mail');
SELECT * FROM pg_temp.thread_sla('mail');
-- the reply on Tuesday 13:00 UTC: next response took 15:00-16:00 Monday and
-- 09:00-14:00 Tuesday local = 6 business hours of 8: achieved; the periodic
-- update too; a new periodic update starts
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to, agent)
VALUES ('email', 'outbound', '2026-03-03 13:00+00', 'email:sla1@example.com', 'Re: Parcel lost', 'sla-m5', 'sla-m4', 'ana');
SELECT * FROM pg_temp.clocks('mail');

-- 2. Pauses: pending on Tuesday 15:00 UTC pauses every clock (due NULL) ...
UPDATE thread SET status = 'pending', status_changed_at = '2026-03-03 15:00+00' WHERE id = :t;
SELECT metric, due_at, paused_since FROM pg_temp.clocks('mail') WHERE stopped_at IS NULL;
SELECT * FROM pg_temp.thread_sla('mail');
-- ... the customer's answer on Thursday 08:00 UTC makes it open and resumes
-- them (the pause left out), and starts a next response
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-05 08:00+00', 'email:sla1@example.com', 'Re: Parcel lost', 'sla-m6', 'sla-m5');
SELECT * FROM pg_temp.clocks('mail') WHERE stopped_at IS NULL;
SELECT * FROM pg_temp.thread_sla('mail');
-- on_hold pauses too; back to open resumes
UPDATE thread SET status = 'on_hold', status_changed_at = '2026-03-05 09:00+00' WHERE id = :t;
UPDATE thread SET status = 'open', status_changed_at = '2026-03-05 11:00+00' WHERE id = :t;
SELECT metric, due_at, pauses FROM pg_temp.clocks('mail') WHERE stopped_at IS NULL;

-- 3. Solved achieves resolution (or breaches it when late); the response
-- clocks not yet due are cancelled, the ones past due breached.
UPDATE thread SET status = 'solved', status_changed_at = '2026-03-05 14:00+00' WHERE id = :t;
SELECT metric, stopped_at, outcome, business_s, wall_s FROM pg_temp.clocks('mail');
SELECT * FROM pg_temp.thread_sla('mail');
-- reopened on Monday: resolution resumes, the solved period left out
UPDATE thread SET status = 'open', status_changed_at = '2026-03-09 09:00+00' WHERE id = :t;
SELECT metric, due_at, stopped_at, outcome, pauses FROM pg_temp.clocks('mail') WHERE metric = 'resolution';
-- solved again one business hour later: resolution counts 18 + 1 hours
UPDATE thread SET status = 'solved', status_changed_at = '2026-03-09 10:00+00' WHERE id = :t;
SELECT metric, due_at, stopped_at, outcome, business_s FROM pg_temp.clocks('mail') WHERE metric = 'resolution';
SELECT * FROM pg_temp.events('mail');
-- a status change back in time is taken as happening at the previous one
UPDATE thread SET status = 'closed', status_changed_at = '2020-01-01 00:00+00' WHERE id = :t;
SELECT status, status_changed_at FROM thread WHERE id = :t;

-- 4. A reply stored in the same statement as the message it answers.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('web', 'inbound', '2026-03-10 09:00+00', 'email:sla2@example.com', 'Form: invoice', 'sla-w1', NULL),
       ('web', 'outbound', '2026-03-10 10:00+00', 'email:sla2@example.com', 'Re: Form: invoice', 'sla-w2', 'sla-w1'),
       ('web', 'inbound', '2026-03-10 11:00+00', 'email:sla2@example.com', 'Re: Form: invoice', 'sla-w3', 'sla-w2');
SELECT thread_id AS t FROM interaction WHERE external_id = 'sla-w1' \gset
INSERT INTO tmp_label VALUES ('batch', :t);
SELECT * FROM pg_temp.clocks('batch');
SELECT * FROM pg_temp.thread_sla('batch');
-- a thread the company opens: no clock until the customer writes
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-03-10 09:00+00', 'email:sla3@example.com', 'Your renewal', 'sla-o1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('outbound first', :t);
SELECT count(*) AS clocks FROM pg_temp.clocks('outbound first');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-10 12:00+00', 'email:sla3@example.com', 'Re: Your renewal', 'sla-o2', 'sla-o1');
SELECT metric, started_at, due_at FROM pg_temp.clocks('outbound first');

-- 5. A breach over the DST weekend: chat on Saturday 2026-03-28 16:00 CET
-- (15:00 UTC), calendar open 10-18 local at weekends, target 4 hours: 2
-- hours on Saturday, 2 on Sunday after the clocks went forward: due Sunday
-- 12:00 CEST = 10:00 UTC.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-03-28 15:00+00', 'email:sla4@example.com', 'sla-c1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('dst', :t);
SELECT metric, started_at, due_at FROM pg_temp.clocks('dst');
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('chat', 'outbound', '2026-03-29 10:30+00', 'email:sla4@example.com', 'sla-c2', 'sla-c1');
SELECT metric, due_at, stopped_at, outcome, business_s, wall_s FROM pg_temp.clocks('dst');
SELECT metric, event, at, business_s FROM pg_temp.events('dst');

-- 6. A holiday: a mail on Thursday 2026-12-24 16:00 local; 25 and 26
-- December are holidays, 27 a Sunday: the 4 hours run 16:00-17:00 Thursday
-- and 09:00-12:00 Monday.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-12-24 15:00+00', 'email:sla5@example.com', 'Gift card', 'sla-x1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('holiday', :t);
SELECT metric, started_at, due_at FROM pg_temp.clocks('holiday');

-- 7. A gold customer gets the gold policy (around the clock).
INSERT INTO customer (display_name, attributes) VALUES ('Gold Customer', '{"tier": "gold"}')
RETURNING id AS gold \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id)
VALUES (:gold, 'phone', 'inbound', '2026-03-07 22:00+00', 'tel:+48600100200', 'sla-g1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('gold', :t);
SELECT * FROM pg_temp.thread_sla('gold');
SELECT metric, due_at FROM pg_temp.clocks('gold');
-- a live session an agent takes answers the customer: the gold customer's
-- call picked up by an agent 20 minutes later achieves the first response
INSERT INTO interaction (customer_id, channel, direction, occurred_at, ended_at, contact, agent, external_id)
VALUES (:gold, 'phone', 'inbound', '2026-03-07 22:20+00', '2026-03-07 22:31+00', 'tel:+48600100200', 'marta', 'sla-g2');
SELECT metric, stopped_at, outcome, business_s FROM pg_temp.clocks('gold');
SELECT * FROM pg_temp.thread_sla('gold');
-- a thread that starts with an answered call: answered at once, resolution runs
INSERT INTO customer (display_name, attributes) VALUES ('Gold Caller', '{"tier": "gold"}')
RETURNING id AS goldc \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, agent, external_id)
VALUES (:goldc, 'chat', 'inbound', '2026-03-08 10:00+00', 'web:visitor-77', 'marta', 'sla-g3')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('answered chat', :t);
SELECT metric, started_at, stopped_at, outcome, business_s FROM pg_temp.clocks('answered chat');
SELECT * FROM pg_temp.thread_sla('answered chat');

-- 8. Policy change mid-thread: the mail policy's first response becomes 2
-- hours; recompute_sla re-derives the running clocks from their starts.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-11 09:00+00', 'email:sla6@example.com', 'Change of address', 'sla-p1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('policy change', :t);
SELECT metric, due_at FROM pg_temp.clocks('policy change');
UPDATE sla_policy SET first_response = '2 hours' WHERE name = 'mail';
-- nothing moves until recompute_sla
SELECT metric, due_at FROM pg_temp.clocks('policy change');
SELECT recompute_sla(policy => (SELECT id FROM sla_policy WHERE name = 'mail')) > 0 AS recomputed;
SELECT metric, due_at FROM pg_temp.clocks('policy change');
SELECT metric, event, due_at, details->>'previous_due_at' AS previous_due
  FROM pg_temp.events('policy change') WHERE event = 'recompute';
SELECT * FROM pg_temp.thread_sla('policy change');
-- a second run changes nothing
SELECT recompute_sla() AS recomputed_again;
-- the priority becomes urgent: the urgent policy applies at once
UPDATE thread SET priority = 'urgent' WHERE id = :t;
SELECT * FROM pg_temp.thread_sla('policy change');
SELECT metric, due_at FROM pg_temp.clocks('policy change') WHERE stopped_at IS NULL;
-- a calendar change: the office opens at 08:00 on weekdays
UPDATE business_calendar
   SET hours = '{"time_zone": "Europe/Warsaw",
                 "hours": {"mon": [["08:00","17:00"]], "tue": [["08:00","17:00"]], "wed": [["08:00","17:00"]],
                           "thu": [["08:00","17:00"]], "fri": [["08:00","17:00"]]},
                 "holidays": ["2026-12-25", "2026-12-26"]}'
 WHERE name = 'office';
SELECT recompute_sla(calendar => 'office') > 0 AS recomputed;
SELECT metric, due_at FROM pg_temp.clocks('holiday');
-- a policy no longer measuring a metric stops its running clocks: cancelled,
-- or breached when already past due (this one was due on 11 March)
UPDATE sla_policy SET resolution = NULL WHERE name = 'urgent';
SELECT recompute_sla(policy => (SELECT id FROM sla_policy WHERE name = 'urgent')) AS changed;
SELECT metric, stopped_at IS NOT NULL AS stopped, outcome FROM pg_temp.clocks('policy change');
-- its breach is logged first, at the due time, with the target as its
-- business seconds, like every other breach (one event: sla_breach_event)
SELECT metric, event, at = due_at AS at_due_time, due_at, business_s
  FROM pg_temp.events('policy change') WHERE metric = 'resolution' AND event IN ('breach', 'cancel');

-- 9. Merged threads' clocks are cancelled (breached, had they been due).
INSERT INTO customer (display_name, attributes) VALUES ('Gold Merge', '{"tier": "gold"}')
RETURNING id AS goldm \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, subject, external_id)
VALUES (:goldm, 'email', 'inbound', now() - interval '20 minutes', 'email:sla7@example.com', 'Broken lid', 'sla-y1')
RETURNING thread_id AS keep \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, subject, external_id)
VALUES (:goldm, 'email', 'inbound', now() - interval '10 minutes', 'email:sla7@example.com', 'Also: refund?', 'sla-y2')
RETURNING thread_id AS absorb \gset
INSERT INTO tmp_label VALUES ('absorbed', :absorb);
SELECT :keep <> :absorb AS two_threads;
SELECT merge_threads(:keep, :absorb, 'same case') = :keep AS merged;
SELECT metric, outcome FROM pg_temp.clocks('absorbed');
SELECT metric, event, details->>'to' AS status FROM pg_temp.events('absorbed') WHERE event <> 'start';

-- 10. The queue: states relative to now (gold: 1 hour to first response,
-- around the clock, warning in its last quarter).
INSERT INTO customer (display_name, attributes) VALUES ('Gold Two', '{"tier": "gold"}')
RETURNING id AS gold2 \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id)
VALUES (:gold2, 'phone', 'inbound', now() - interval '10 minutes', 'tel:+48600100201', 'sla-q1')
RETURNING thread_id AS q_ok \gset
INSERT INTO customer (display_name, attributes) VALUES ('Gold Three', '{"tier": "gold"}')
RETURNING id AS gold3 \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id)
VALUES (:gold3, 'sms', 'inbound', now() - interval '50 minutes', 'tel:+48600100202', 'sla-q2')
RETURNING thread_id AS q_warn \gset
INSERT INTO customer (display_name, attributes) VALUES ('Gold Four', '{"tier": "gold"}')
RETURNING id AS gold4 \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id)
VALUES (:gold4, 'phone', 'inbound', now() - interval '2 hours', 'tel:+48600100203', 'sla-q3')
RETURNING thread_id AS q_late \gset
INSERT INTO customer (display_name, attributes) VALUES ('Gold Five', '{"tier": "gold"}')
RETURNING id AS gold5 \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id)
VALUES (:gold5, 'video', 'inbound', now() - interval '30 hours', 'tel:+48600100204', 'sla-q4')
RETURNING thread_id AS q_paused \gset
UPDATE thread SET status = 'pending' WHERE id = :q_paused;
SELECT CASE thread_id WHEN :q_ok THEN 'ok' WHEN :q_warn THEN 'warning' WHEN :q_late THEN 'late'
                      WHEN :q_paused THEN 'paused' END AS thread,
       status, priority, channel, due_metric, sla_state, policy,
       round(business_seconds_left / 60) AS minutes_left
  FROM queue WHERE thread_id IN (:q_ok, :q_warn, :q_late, :q_paused)
 ORDER BY priority_rank DESC, due_at NULLS LAST;
-- the sweep records the breaches it sees, once
SELECT sla_sweep() >= 1 AS swept;
SELECT count(*) AS breach_events FROM sla_event WHERE thread_id = :q_late AND event = 'breach';
SELECT sla_sweep() AS swept_again_for_late FROM (SELECT 1) AS x
 WHERE NOT EXISTS (SELECT 1 FROM sla_clock WHERE thread_id = :q_late AND breached_at IS NULL AND stopped_at IS NULL);
SELECT count(*) AS breach_events FROM sla_event WHERE thread_id = :q_late AND event = 'breach';
-- answered late: breached once, not twice
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES (:gold4, 'phone', 'outbound', now(), 'tel:+48600100203', 'sla-q5', 'sla-q3');
SELECT metric, event FROM sla_event WHERE thread_id = :q_late ORDER BY id;

-- 11. Attainment (the days above, in UTC).
SELECT day, channel, policy, metric, clocks, achieved, breached, achieved_pct,
       median_business_seconds, median_wall_seconds
  FROM sla_attainment WHERE day < '2026-11-01' ORDER BY day, channel, policy, metric;
-- standard SQL types only
SELECT a.attname, format_type(a.atttypid, a.atttypmod)
  FROM pg_attribute AS a
 WHERE a.attrelid IN ('omnichannel.sla_attainment'::regclass, 'omnichannel.queue'::regclass)
   AND a.attnum > 0 AND format_type(a.atttypid, a.atttypmod) LIKE 'omnichannel.%';

-- 12. A policy that stops pausing on on_hold resumes the clocks of on-hold
-- threads when recomputed (the pause closed then); gold threads run around
-- the clock, so the due time moves by the length of the pause.  One
-- transaction, so that now() is one instant.
BEGIN;
INSERT INTO customer (display_name, attributes) VALUES ('Gold Hold', '{"tier": "gold"}')
RETURNING id AS goldh \gset
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id)
VALUES (:goldh, 'email', 'inbound', now() - interval '30 minutes', 'email:hold@example.com', 'sla-h1')
RETURNING thread_id AS t \gset
INSERT INTO tmp_label VALUES ('on hold', :t);
UPDATE thread SET status = 'on_hold', status_changed_at = now() - interval '20 minutes' WHERE id = :t;
SELECT metric, due_at IS NULL AS no_due, paused_since = now() - interval '20 minutes' AS paused_20_min_ago
  FROM pg_temp.clocks('on hold') WHERE stopped_at IS NULL;
UPDATE sla_policy SET pause_statuses = '{pending}' WHERE name = 'gold';
SELECT recompute_sla(policy => (SELECT id FROM sla_policy WHERE name = 'gold')) >= 2 AS recomputed;
SELECT k.metric, k.paused_since IS NULL AS running,
       k.due_at - now() AS due_in, k.pauses = tstzmultirange(tstzrange(now() - interval '20 minutes', now())) AS pause_closed_now
  FROM sla_clock AS k WHERE k.thread_id = :t AND k.stopped_at IS NULL ORDER BY k.metric;
SELECT status, sla_paused, dues_agree FROM pg_temp.thread_sla('on hold');
COMMIT;
UPDATE sla_policy SET pause_statuses = '{pending,on_hold}' WHERE name = 'gold';
-- solved while the customer waits: no longer waiting; reopened, only the
-- resolution clock resumes, and a new message starts a next response
UPDATE thread SET status = 'solved' WHERE id = :t;
SELECT waiting_since, sla_due_at FROM thread WHERE id = :t;
UPDATE thread SET status = 'open' WHERE id = :t;
SELECT metric, outcome FROM pg_temp.clocks('on hold') ORDER BY metric;
INSERT INTO interaction (customer_id, channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES (:goldh, 'email', 'inbound', now(), 'email:hold@example.com', 'sla-h2', 'sla-h1');
SELECT metric, outcome FROM pg_temp.clocks('on hold') ORDER BY metric, started_at;

-- 13. Refusals; each changes nothing.
\set VERBOSITY terse
INSERT INTO sla_policy (name, position, first_response) VALUES ('bad', 99, '1 day');
INSERT INTO sla_policy (name, position, first_response) VALUES ('bad', 99, '0');
INSERT INTO sla_policy (name, position, first_response) VALUES ('bad', 99, '-1 hour');
INSERT INTO sla_policy (name, position, resolution) VALUES ('bad', 99, '1 month');
INSERT INTO sla_policy (name, position, warning_ratio) VALUES ('bad', 99, 0);
INSERT INTO sla_policy (name, position, warning_ratio) VALUES ('bad', 99, 1.5);
INSERT INTO sla_policy (name, position, pause_statuses) VALUES ('bad', 99, '{solved}');
INSERT INTO sla_policy (name, position, calendar) VALUES ('bad', 99, 'nowhere');
INSERT INTO sla_policy (name, position) VALUES ('bad', 10);
INSERT INTO sla_policy (name, position, customer_match) VALUES ('bad', 99, '[1]');
INSERT INTO business_calendar (name, hours) VALUES ('', '{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}}');
DELETE FROM sla_policy WHERE name = 'mail';
SELECT recompute_sla(policy => 424242);
SELECT recompute_sla(calendar => 'nowhere');
SELECT sla_sweep(0);
UPDATE sla_event SET at = now() WHERE id = (SELECT min(id) FROM sla_event);
DELETE FROM sla_event WHERE id = (SELECT min(id) FROM sla_event);
\set VERBOSITY default
SELECT count(*) AS policies FROM sla_policy;
-- solved late, reopened and solved late again: the resolution clock
-- breached at its due time once, and has one breach event (the stop that
-- logs it in the same statement skips a clock that has one)
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-10 09:00+00', 'email:sla-late2@example.com', 'Broken kettle', 'sla-l1')
RETURNING thread_id AS t2 \gset
INSERT INTO tmp_label VALUES ('late twice', :t2);
UPDATE thread SET status = 'solved', status_changed_at = '2026-03-16 12:00+00' WHERE id = :t2;
UPDATE thread SET status = 'open', status_changed_at = '2026-03-17 09:00+00' WHERE id = :t2;
UPDATE thread SET status = 'solved', status_changed_at = '2026-03-17 10:00+00' WHERE id = :t2;
SELECT metric, due_at, stopped_at, outcome FROM pg_temp.clocks('late twice') WHERE metric = 'resolution';
SELECT metric, event, at, due_at FROM pg_temp.events('late twice') WHERE metric = 'resolution';
-- a reopened clock's breach is not logged again when a calendar change
-- (recompute_sla not yet run) made its due time look later than its stop
INSERT INTO business_calendar (name, hours) VALUES ('flip', always_open());
INSERT INTO sla_policy (name, position, channels, calendar, resolution)
VALUES ('flip', 50, '{sms}', 'flip', '1 hour');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('sms', 'inbound', '2026-11-02 09:00+00', 'tel:+48601999111', 'Kettle', 'sla-f1')
RETURNING thread_id AS t3 \gset
INSERT INTO tmp_label VALUES ('calendar flip', :t3);
UPDATE thread SET status = 'solved', status_changed_at = '2026-11-02 12:00+00' WHERE id = :t3;
UPDATE business_calendar SET hours = business_hours('{"time_zone": "UTC", "hours": {"mon": [["09:00","09:30"]]}}')
 WHERE name = 'flip';
UPDATE thread SET status = 'open', status_changed_at = '2026-11-02 13:00+00' WHERE id = :t3;
UPDATE business_calendar SET hours = always_open() WHERE name = 'flip';
UPDATE thread SET status = 'solved', status_changed_at = '2026-11-03 09:00+00' WHERE id = :t3;
SELECT metric, event, at, due_at FROM pg_temp.events('calendar flip') WHERE metric = 'resolution';
-- every breach this file caused, whichever way (sweep, late reply, solve,
-- recompute, a late history in one statement), is logged once, at its due
-- time, with the target's business seconds and the wall time to the due
-- time, and before the event that stopped its clock
SELECT count(*) FILTER (WHERE c.breached_at IS NOT NULL) AS breached_clocks,
       count(*) FILTER (WHERE b.n = 1) AS with_one_breach_event,
       count(*) FILTER (WHERE b.n = 1 AND b.at = c.breached_at AND b.due_at = c.breached_at
                          AND b.business_seconds = date_part('epoch', c.target::interval)
                          AND b.wall_seconds = date_part('epoch', c.breached_at - c.started_at)
                          AND NOT EXISTS (SELECT 1 FROM sla_event AS s
                                           WHERE s.clock_id = c.id AND s.event IN ('achieve', 'cancel')
                                             AND s.id < b.first_id)) AS agreeing,
       count(*) FILTER (WHERE c.breached_at IS NULL AND b.n > 0) AS breach_events_without_breach
  FROM sla_clock AS c
  LEFT JOIN LATERAL (SELECT count(*) AS n, min(e.id) AS first_id, min(e.at) AS at, min(e.due_at) AS due_at,
                            min(e.business_seconds) AS business_seconds, min(e.wall_seconds) AS wall_seconds
                       FROM sla_event AS e WHERE e.clock_id = c.id AND e.event = 'breach') AS b ON true;
-- the internal helpers are not for everyone
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace
   AND p.proname IN ('recompute_sla', 'sla_sweep', 'sla_stop_clocks', 'sla_rederive', 'sla_log_breaches')
 ORDER BY 1;

-- sla_dues() and the view sla_running_dues (what ingest joins on Citus) are
-- one rule: they agree for every thread, with and without running clocks
SELECT count(*) FILTER (WHERE v.thread_id IS NOT NULL) > 0 AS some_clocks_run,
       count(*) FILTER (WHERE v.thread_id IS NULL) > 0 AS some_threads_without,
       count(*) FILTER (WHERE (d.thread_id, d.first_response_due, d.next_response_due, d.periodic_update_due,
                               d.resolution_due, d.sla_due_at, d.sla_paused, d.policy_id)
                              IS DISTINCT FROM
                              (v.thread_id, v.first_response_due, v.next_response_due, v.periodic_update_due,
                               v.resolution_due, v.sla_due_at, v.sla_paused, v.policy_id)) AS disagree
  FROM thread AS t
 CROSS JOIN LATERAL sla_dues(t.customer_id, t.id) AS d
  LEFT JOIN sla_running_dues AS v ON v.thread_id = t.id;

-- on one node the clock rules of a status change (sla_status_change) and of
-- a small ingest statement (src/pg/ingest_write.c) run with the plans made
-- once per session; in the caller's transaction its plan_cache_mode is its
-- own again after them, also when the statement that fired them fails
SET plan_cache_mode = force_custom_plan;
SELECT count(*) > 0 AS policies_active FROM sla_policy WHERE active;
BEGIN;
UPDATE thread SET status = 'pending'
 WHERE id = (SELECT max(id) FROM thread WHERE status = 'open' AND sla_policy_id IS NOT NULL);
SHOW plan_cache_mode;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body)
VALUES ('email', 'inbound', '2026-11-20 10:00+00', 'email:plans@example.com', 'Plans', 'A question');
SHOW plan_cache_mode;
SAVEPOINT s;
-- the status trigger runs, then the row fails its check (merged means closed)
\set VERBOSITY terse
UPDATE thread SET status = 'solved', merged_into = -1
 WHERE id = (SELECT max(id) FROM thread WHERE status = 'pending');
\set VERBOSITY default
ROLLBACK TO SAVEPOINT s;
SHOW plan_cache_mode;
COMMIT;
RESET plan_cache_mode;

-- the clock rules read the clocks of the statement's threads by key, also in
-- the plans a session keeps: here statistics that saw no running clock
-- (ANALYZE after every clock stopped, in this transaction), then 400 threads
-- with running clocks, then one reply; plans joining freely read all of them,
-- through the index of running clocks, for the reply (1,045 index entries).
-- With ingest's look-ups through SQL (the Citus path, lookups_through_sql)
-- the thread writes read the customers' running clocks through
-- sla_running_dues, on Citus one shard's: not checked there.
BEGIN;
UPDATE sla_clock SET stopped_at = started_at, outcome = 'cancelled' WHERE stopped_at IS NULL;
ANALYZE omnichannel.sla_clock;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
SELECT 'email', 'inbound', '2026-11-03 09:00+00'::timestamptz + g * interval '1 minute',
       ('email:keyed' || g || '@plans.example.com')::contact_point, 'Keyed ' || g, 'A question', 'keyed-in-' || g
  FROM generate_series(1, 400) AS g;
CREATE TEMP TABLE clock_reads AS
SELECT i.indexrelid, pg_stat_get_xact_tuples_returned(i.indexrelid) AS n
  FROM pg_index AS i WHERE i.indrelid = 'omnichannel.sla_clock'::regclass;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id, in_reply_to)
VALUES ('email', 'outbound', '2026-11-03 12:00+00', 'email:keyed7@plans.example.com', 'Re: Keyed 7',
        'An answer', 'keyed-out-7', 'keyed-in-7');
SELECT (SELECT count(*) FROM sla_clock WHERE stopped_at IS NULL) >= 400 AS clocks_running,
       omnichannel.per_customer_writes()
       OR sum(pg_stat_get_xact_tuples_returned(r.indexrelid) - r.n) < 50 AS read_by_key
  FROM clock_reads AS r;
SELECT c.metric, c.outcome, c.stopped_at
  FROM sla_clock AS c JOIN thread AS t ON t.id = c.thread_id
 WHERE t.subject = 'Keyed 7' ORDER BY c.metric;
ROLLBACK;

-- leave no active policy behind for later tests
UPDATE sla_policy SET active = false;
