-- test/clients/scenario.sql: the small history of sql/reporting.sql, for the
-- BI client tests (t/030_bi_clients.pl) on a fresh database with the
-- extension installed.  psql script (\gset).  Dates in March 2024, UTC.
--
--   Anna    an e-mail answered in 30 minutes, solved at once (first-contact
--           resolution)
--   Bartek  phone -> chat -> sms in one thread, solved, reopened by the SMS,
--           solved again
--   Celina  two SMS, no reply, under a 1-hour first-response SLA policy
SET timezone = 'UTC';
SET search_path = public, omnichannel;

-- Only this scenario's policy is active: SMS threads have a 1-hour first
-- response around the clock.
UPDATE sla_policy SET active = false;
INSERT INTO sla_policy (name, position, channels, first_response, next_response, resolution)
VALUES ('reporting sms', 900, '{sms}', '1 hour', '2 hours', '24 hours');

-- Anna
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('email', 'inbound', '2024-03-04 09:00+00', 'anna.report@example.com', 'Invoice 1',
        'Secret message body', 'rep-1')
RETURNING customer_id AS anna, thread_id AS t1 \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, subject, external_id, in_reply_to, agent)
VALUES ('email', 'outbound', '2024-03-04 09:30+00', :anna, 'Re: Invoice 1', 'rep-2', 'rep-1', 'ola');
UPDATE thread SET status = 'solved', status_changed_at = '2024-03-04 10:00+00' WHERE id = :t1;

-- Bartek
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('phone', 'inbound', '2024-03-04 10:00+00', '+48 601 777 001', 'rep-3')
RETURNING customer_id AS bartek, thread_id AS t2 \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, external_id, agent)
VALUES ('chat', 'inbound', '2024-03-04 10:20+00', :bartek, 'rep-4', NULL),
       ('chat', 'outbound', '2024-03-04 10:25+00', :bartek, 'rep-5', 'ola'),
       ('chat', 'internal', '2024-03-04 10:26+00', :bartek, 'rep-6', 'ola');
UPDATE thread SET status = 'solved', status_changed_at = '2024-03-04 11:00+00' WHERE id = :t2;
INSERT INTO interaction (channel, direction, occurred_at, customer_id, external_id, in_reply_to)
VALUES ('sms', 'inbound', '2024-03-05 08:00+00', :bartek, 'rep-7', 'rep-5');
UPDATE thread SET status = 'solved', status_changed_at = '2024-03-05 09:00+00' WHERE id = :t2;

-- Celina
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('sms', 'inbound', '2024-03-05 12:00+00', 'sms:+48 601 777 002', 'rep-8')
RETURNING customer_id AS celina, thread_id AS t3 \gset
INSERT INTO interaction (channel, direction, occurred_at, customer_id, external_id)
VALUES ('sms', 'inbound', '2024-03-05 12:10+00', :celina, 'rep-9');
