--
-- Ingest by plain INSERT / COPY: customer resolution, thread assignment,
-- retried deliveries, and every refusal.
--
SET timezone = 'UTC';
-- the contact_point operators live in schema omnichannel
SET search_path = public, omnichannel;

-- A first e-mail creates the customer, the identifier and a thread.
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('email', 'inbound', '2026-11-02 09:00+00', 'Jan.Kowalski@Example.PL',
        'Zamówienie A-1234', 'Dzień dobry, gdzie jest moja paczka?', '<m1@mail.example.pl>')
RETURNING id, customer_id, thread_id, contact, stitch_reason, stitch_evidence;

SELECT contact, customer_id, source FROM omnichannel.customer_identifier ORDER BY contact;
SELECT id, customer_id, status, priority, subject, channels, opened_at, last_activity_at
  FROM omnichannel.thread ORDER BY id;

-- The same address spelled differently is the same customer; a reply by
-- In-Reply-To joins the thread.
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'outbound', '2026-11-02 10:00+00', 'email:jan.kowalski@EXAMPLE.pl',
        'Re: Zamówienie A-1234', '<m2@mail.example.com>', '<m1@mail.example.pl>')
RETURNING id, customer_id, thread_id, stitch_reason, stitch_evidence;

-- References only (oldest first): the latest known reference wins.
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, contact, subject, external_id, refs)
VALUES ('email', 'inbound', '2026-11-02 11:00+00', 'jan.kowalski@example.pl',
        'Re: Re: Zamówienie A-1234', '<m3@mail.example.pl>',
        ARRAY['<m1@mail.example.pl>', '<unknown@elsewhere>', '<m2@mail.example.com>'])
RETURNING id, customer_id, thread_id, stitch_reason, stitch_evidence;

-- A reference crosses channels: a phone call, then a chat naming the call.
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, ended_at, contact, subject, external_id, attributes)
VALUES ('phone', 'inbound', '2026-11-10 08:30+00', '2026-11-10 08:41+00', '+48 601 234 567',
        'Paczka A-1234', 'call-7781',
        '{"ivr": {"language": "pl", "menu": ["orders", "delivery status"]}, "order": "A-1234"}')
RETURNING id, customer_id, thread_id, stitch_reason;
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, contact, body, external_id, in_reply_to)
VALUES ('chat', 'inbound', '2026-11-17 14:05+00', 'tel:+48601234567',
        'Dzwoniłem w zeszłym tygodniu w sprawie A-1234', 'chat-55', 'call-7781')
RETURNING id, customer_id, thread_id, stitch_reason, stitch_evidence;
SELECT id, customer_id, subject, channels, opened_at, last_activity_at
  FROM omnichannel.thread ORDER BY id;

-- A reference into another customer's thread never joins it.
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-11-03 12:00+00', 'maria.lopez@example.es',
        'RE: Zamówienie A-1234', '<m9@correo.example.es>', '<m1@mail.example.pl>')
RETURNING id, customer_id, thread_id, stitch_reason, stitch_evidence;

-- A given customer_id is used as is (the contact is not linked to it).
INSERT INTO omnichannel.customer (display_name, language)
VALUES ('Ion Popescu', 'ro') RETURNING id AS popescu \gset
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, subject)
VALUES (:popescu, 'in_person', 'inbound', '2026-11-04 10:00+00', 'Vizită în magazin: factură')
RETURNING customer_id = :popescu AS same_customer, stitch_reason;
SELECT count(*) AS popescu_identifiers
  FROM omnichannel.customer_identifier WHERE customer_id = :popescu;

-- A given thread_id: the customer comes from the thread, reason "manual".
SELECT thread_id AS popescu_thread FROM omnichannel.interaction
 WHERE customer_id = :popescu \gset
INSERT INTO omnichannel.interaction (thread_id, channel, direction, occurred_at, body)
VALUES (:popescu_thread, 'phone', 'outbound', '2026-11-04 15:00+00', 'Sunat înapoi, factura trimisă')
RETURNING customer_id = :popescu AS same_customer, thread_id = :popescu_thread AS same_thread,
          stitch_reason;
SELECT channels, opened_at, last_activity_at FROM omnichannel.thread WHERE id = :popescu_thread;

-- An older interaction arriving late moves opened_at back.
INSERT INTO omnichannel.interaction (thread_id, channel, direction, occurred_at, body)
VALUES (:popescu_thread, 'sms', 'outbound', '2026-11-01 08:00+00', 'Reamintire programare');
SELECT channels, opened_at, last_activity_at FROM omnichannel.thread WHERE id = :popescu_thread;

-- Retried deliveries: ON CONFLICT DO NOTHING stores nothing twice and
-- creates no customer or thread.
SELECT (SELECT count(*) FROM omnichannel.interaction) AS interactions,
       (SELECT count(*) FROM omnichannel.thread) AS threads,
       (SELECT count(*) FROM omnichannel.customer) AS customers \gset before_
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-11-17 14:05+00', 'tel:+48601234567', 'chat-55')
ON CONFLICT DO NOTHING RETURNING id;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-11-17 14:05+00', 'new.person@example.com', 'chat-55')
ON CONFLICT (channel, external_id) DO NOTHING RETURNING id;
SELECT (SELECT count(*) FROM omnichannel.interaction) - :before_interactions AS new_interactions,
       (SELECT count(*) FROM omnichannel.thread) - :before_threads AS new_threads,
       (SELECT count(*) FROM omnichannel.customer) - :before_customers AS new_customers;
-- without ON CONFLICT a retry is the usual unique violation
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('chat', 'inbound', 'tel:+48601234567', 'chat-55');
-- the same id on another channel is another interaction
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('sms', 'inbound', '2026-11-17 15:00+00', 'tel:+48601234567', 'chat-55')
RETURNING channel, external_id, stitch_reason;

-- Several rows in one statement: a later row may reference an earlier one.
INSERT INTO omnichannel.interaction
    (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('social', 'inbound', '2026-11-05 09:00+00', 'twitter:@Anna_Smith', 'Late delivery!', 'tw-1', NULL),
       ('social', 'outbound', '2026-11-05 09:10+00', 'twitter:@anna_smith', NULL, 'tw-2', 'tw-1'),
       ('messaging', 'inbound', '2026-11-05 09:30+00', 'twitter:@anna_smith', NULL, 'dm-1', 'tw-2')
RETURNING external_id, stitch_reason, stitch_evidence->>'external_id' AS matched;
SELECT count(DISTINCT thread_id) AS threads, count(DISTINCT customer_id) AS customers
  FROM omnichannel.interaction WHERE external_id IN ('tw-1', 'tw-2', 'dm-1');
SELECT channels FROM omnichannel.thread
 WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'tw-1');

-- COPY goes through the same ingest.
COPY omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to) FROM STDIN;
email	inbound	2026-11-06 08:00:00+00	olga.ivanova@example.ru	Возврат денег за заказ	<r1@mail.example.ru>	\N
email	outbound	2026-11-06 09:00:00+00	olga.ivanova@example.ru	Re: Возврат денег за заказ	<r2@mail.example.com>	<r1@mail.example.ru>
messaging	inbound	2026-11-06 10:00:00+00	whatsapp:+7 912 345 67 89	\N	wa-1	\N
\.
-- a COPY with a duplicate stores nothing (COPY has no ON CONFLICT)
COPY omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to) FROM STDIN;
messaging	outbound	2026-11-06 10:04:00+00	whatsapp:+79123456789	\N	wa-1b	wa-1
messaging	inbound	2026-11-06 10:00:00+00	whatsapp:+7 912 345 67 89	\N	wa-1	\N
\.
COPY omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to) FROM STDIN;
messaging	outbound	2026-11-06 10:05:00+00	whatsapp:+79123456789	\N	wa-2	wa-1
\.
SELECT i.external_id, i.channel, c.contact, i.stitch_reason,
       i.thread_id = first_value(i.thread_id) OVER (PARTITION BY i.customer_id ORDER BY i.id) AS in_first_thread
  FROM omnichannel.interaction i
  JOIN omnichannel.customer_identifier c ON c.customer_id = i.customer_id
 WHERE i.external_id IN ('<r1@mail.example.ru>', '<r2@mail.example.com>', 'wa-1', 'wa-2')
 ORDER BY i.id;

-- Refusals: each is a clear error and stores nothing.
SELECT count(*) AS interactions FROM omnichannel.interaction \gset before_
-- neither contact nor customer
INSERT INTO omnichannel.interaction (channel, direction) VALUES ('chat', 'inbound');
-- a thread that does not exist
INSERT INTO omnichannel.interaction (thread_id, channel, direction) VALUES (999999, 'chat', 'inbound');
-- a customer that does not exist
INSERT INTO omnichannel.interaction (customer_id, channel, direction) VALUES (999999, 'chat', 'inbound');
-- a bad contact point in a multi-row insert: the good row is not stored either
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('email', 'inbound', 'good.row@example.com', 'multi-1'),
       ('email', 'inbound', 'email:not-an-address', 'multi-2');
SELECT count(*) AS customers_for_good_row FROM omnichannel.customer_identifier
 WHERE contact = 'good.row@example.com';
-- empty external id, attributes that are not an object, end before start
-- (terse: the failing row's details contain now())
\set VERBOSITY terse
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('chat', 'inbound', 'tel:+48601234567', '');
INSERT INTO omnichannel.interaction (channel, direction, contact, attributes)
VALUES ('chat', 'inbound', 'tel:+48601234567', '"ivr"');
INSERT INTO omnichannel.interaction (channel, direction, contact, occurred_at, ended_at)
VALUES ('phone', 'inbound', 'tel:+48601234567', '2026-11-02 10:00+00', '2026-11-02 09:00+00');
\set VERBOSITY default
-- unknown channel / direction
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('fax', 'inbound', 'tel:+48601234567');
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('chat', 'sideways', 'tel:+48601234567');
-- a customer_id that disagrees with the given thread
INSERT INTO omnichannel.interaction (customer_id, thread_id, channel, direction)
VALUES (:popescu, (SELECT min(thread_id) FROM omnichannel.interaction WHERE customer_id <> :popescu),
        'chat', 'inbound');
-- a thread id the trigger did not open, even with a customer and a reason
INSERT INTO omnichannel.interaction (customer_id, thread_id, channel, direction, stitch_reason)
VALUES (:popescu, 424242, 'chat', 'inbound', 'new');
-- Ingest also works when a transaction makes every constraint immediate:
-- a new customer, a new thread and a reply, checked statement by statement.
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('chat', 'inbound', 'immediate@example.com', 'imm-1')
RETURNING stitch_reason;
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id, in_reply_to)
VALUES ('chat', 'outbound', 'immediate@example.com', 'imm-2', 'imm-1')
RETURNING stitch_reason;
ROLLBACK;
-- ... and when one statement opens threads and joins them: the threads are
-- written before the first opening row's foreign key is checked
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id, in_reply_to, subject)
VALUES ('email', 'inbound', 'immediate2@example.com', 'imm2-1', NULL, 'Refund'),
       ('email', 'outbound', 'immediate2@example.com', 'imm2-2', 'imm2-1', 'Re: Refund'),
       ('sms', 'inbound', 'tel:+48601999002', 'imm3-1', NULL, NULL)
RETURNING external_id, stitch_reason;
SELECT t.subject, t.channels, count(i.*) AS interactions,
       t.first_inbound_at IS NOT NULL AS has_customer_message, t.waiting_since IS NULL AS answered
  FROM omnichannel.thread t JOIN omnichannel.interaction i ON i.thread_id = t.id
 WHERE i.external_id LIKE 'imm_-_' GROUP BY t.id, t.customer_id ORDER BY t.subject;
ROLLBACK;
SELECT count(*) - :before_interactions AS stored_by_refusals FROM omnichannel.interaction;

-- the triggers refuse to be called any other way
SELECT omnichannel.interaction_before_insert();
CREATE TABLE not_ours (x int);
CREATE TRIGGER t BEFORE DELETE ON not_ours FOR EACH ROW
    EXECUTE FUNCTION omnichannel.interaction_before_insert();
INSERT INTO not_ours VALUES (1);
DELETE FROM not_ours;
SELECT omnichannel.interaction_after_row();
CREATE TRIGGER r AFTER INSERT ON not_ours FOR EACH STATEMENT
    EXECUTE FUNCTION omnichannel.interaction_after_row();
INSERT INTO not_ours VALUES (2);
DROP TRIGGER r ON not_ours;
CREATE TRIGGER r AFTER INSERT ON not_ours FOR EACH ROW
    EXECUTE FUNCTION omnichannel.interaction_after_row();
INSERT INTO not_ours VALUES (3);
DROP TRIGGER r ON not_ours;
CREATE TRIGGER s AFTER INSERT ON not_ours FOR EACH STATEMENT
    EXECUTE FUNCTION omnichannel.interaction_after_statement();
INSERT INTO not_ours VALUES (4);
DROP TABLE not_ours;

-- Every interaction is in a thread of its own customer.
SELECT count(*) AS misplaced
  FROM omnichannel.interaction i JOIN omnichannel.thread t ON t.id = i.thread_id
 WHERE t.customer_id <> i.customer_id;

-- One statement or one row at a time: the same threads, with the same
-- activity and queue facts (a statement's threads are written at its end).
CREATE TEMP TABLE conv (n int, channel omnichannel.channel, direction omnichannel.direction,
                        at timestamptz, agent text, subject text, queue text, reply_to int);
INSERT INTO conv VALUES
 (1, 'chat', 'inbound', '2026-05-04 10:00+00', NULL, 'Order A-77 broken', 'support', NULL),
 (2, 'chat', 'outbound', '2026-05-04 10:05+00', 'ana', 'Re: Order A-77 broken', NULL, 1),
 (3, 'email', 'inbound', '2026-05-04 11:00+00', NULL, 'Order A-77 broken again', 'billing', NULL),
 (4, 'phone', 'inbound', '2026-05-04 12:00+00', 'ion', NULL, NULL, NULL),
 (5, 'email', 'internal', '2026-05-04 12:30+00', 'ion', 'note', NULL, NULL),
 (6, 'sms', 'inbound', '2026-05-05 09:00+00', NULL, 'still waiting', NULL, NULL),
 (7, 'email', 'inbound', '2026-05-06 09:00+00', NULL, 'A new question', NULL, NULL),
 (8, 'email', 'outbound', '2026-05-06 09:30+00', 'ana', 'Re: A new question', NULL, 7);
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, agent, subject, queue,
                                     contact, external_id, in_reply_to)
SELECT channel, direction, at, agent, subject, queue, 'batch@example.com', 'b-' || n,
       'b-' || reply_to
  FROM conv ORDER BY n;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM conv ORDER BY n LOOP
        INSERT INTO omnichannel.interaction (channel, direction, occurred_at, agent, subject, queue,
                                             contact, external_id, in_reply_to)
        VALUES (r.channel, r.direction, r.at, r.agent, r.subject, r.queue, 'single@example.com',
                's-' || r.n, 's-' || r.reply_to);
    END LOOP;
END $$;
CREATE TEMP VIEW conv_threads AS
SELECT ci.contact, t.subject, t.channels, t.status, t.opened_at, t.last_activity_at,
       t.first_inbound_at, t.first_response_at, t.last_inbound_at, t.last_outbound_at,
       t.waiting_since, t.waiting_channel, t.queue,
       array_agg(substr(i.external_id, 3)::int ORDER BY i.id) AS rows
  FROM omnichannel.thread t
  JOIN omnichannel.interaction i ON i.thread_id = t.id
  JOIN omnichannel.customer_identifier ci ON ci.customer_id = t.customer_id
 WHERE ci.contact IN ('batch@example.com', 'single@example.com')
 GROUP BY ci.contact, t.id, t.customer_id;
SELECT count(*) FILTER (WHERE contact = 'batch@example.com') AS batch_threads,
       count(*) FILTER (WHERE contact = 'single@example.com') AS single_threads
  FROM conv_threads;
CREATE TEMP VIEW conv_facts AS
SELECT contact, subject, channels, status, opened_at, last_activity_at, first_inbound_at,
       first_response_at, last_inbound_at, last_outbound_at, waiting_since,
       waiting_channel, queue, rows
  FROM conv_threads;
SELECT 'only in one' AS differs, * FROM (
    (SELECT * FROM conv_facts WHERE contact = 'batch@example.com'
     EXCEPT SELECT 'batch@example.com', f.subject, f.channels, f.status, f.opened_at,
                   f.last_activity_at, f.first_inbound_at, f.first_response_at,
                   f.last_inbound_at, f.last_outbound_at, f.waiting_since,
                   f.waiting_channel, f.queue, f.rows
              FROM conv_facts AS f WHERE f.contact = 'single@example.com')
    UNION ALL
    (SELECT * FROM conv_facts WHERE contact = 'single@example.com'
     EXCEPT SELECT 'single@example.com', f.subject, f.channels, f.status, f.opened_at,
                   f.last_activity_at, f.first_inbound_at, f.first_response_at,
                   f.last_inbound_at, f.last_outbound_at, f.waiting_since,
                   f.waiting_channel, f.queue, f.rows
              FROM conv_facts AS f WHERE f.contact = 'batch@example.com')) AS d;
-- what they are
SELECT subject, channels, waiting_since, waiting_channel, queue, first_response_at, rows
  FROM conv_threads WHERE contact = 'batch@example.com' ORDER BY opened_at;
-- (closed, so that later tests' queues do not see them)
UPDATE omnichannel.thread SET status = 'closed'
 WHERE customer_id IN (SELECT customer_id FROM omnichannel.customer_identifier
                        WHERE contact IN ('batch@example.com', 'single@example.com'));
