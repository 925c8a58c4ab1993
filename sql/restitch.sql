--
-- restitch(customer): recompute a customer's threads from scratch, in time
-- order, keeping manual decisions and thread ids where it can.
--
SET timezone = 'UTC';
SET search_path = omnichannel, public;

-- With the subject rule off, three mails on one subject opened three
-- threads; a call joined the latest by recency.
INSERT INTO stitch_setting_override (channel, subject_window) VALUES ('email', '0');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-02-02 09:00+00', 'lena@example.de', 'Lieferung A-4004 fehlt', 'rs-1'),
       ('email', 'inbound', '2026-02-03 09:00+00', 'lena@example.de', 'AW: Lieferung A-4004 fehlt', 'rs-2'),
       ('email', 'inbound', '2026-02-04 09:00+00', 'lena@example.de', 'WG: Lieferung A-4004 fehlt', 'rs-3'),
       ('phone', 'inbound', '2026-02-04 10:00+00', 'lena@example.de', NULL, 'rs-4'),
       ('email', 'inbound', '2026-02-20 09:00+00', 'lena@example.de', 'Rechnung', 'rs-5');
SELECT customer_id AS lena FROM interaction WHERE external_id = 'rs-1' \gset
SELECT external_id, dense_rank() OVER (ORDER BY thread_id) AS thread, stitch_reason
  FROM interaction WHERE customer_id = :lena ORDER BY occurred_at;
SELECT min(thread_id) AS first_thread FROM interaction WHERE customer_id = :lena \gset
-- an operator put the invoice mail into the first thread by hand
SELECT move_interaction(i.id, :first_thread, 'same case') IS NOT NULL AS moved
  FROM interaction i WHERE external_id = 'rs-5';
DELETE FROM stitch_setting_override;

-- The subject rule is on again: restitch joins the mails; the manual
-- decision stays; the first thread keeps its id.
SELECT restitch(:lena, 'subject rule enabled') - 'customer' AS summary;
SELECT external_id, thread_id = :first_thread AS in_first_thread, stitch_reason,
       stitch_evidence->>'via' AS via
  FROM interaction WHERE customer_id = :lena ORDER BY occurred_at;
SELECT t.id = :first_thread AS first_thread, t.status, t.merged_into = :first_thread AS points_to_first,
       t.opened_at, t.last_activity_at, t.channels
  FROM thread t WHERE t.customer_id = :lena ORDER BY t.id;
SELECT action, thread_id = :first_thread AS from_first, other_thread_id = :first_thread AS to_first,
       cardinality(interaction_ids) AS moved, reason
  FROM thread_event WHERE customer_id = :lena ORDER BY id;
-- deterministic: a second run changes nothing
SELECT restitch(:lena) - 'customer' AS again;
-- the same history arrived in another order restitches to the same threads
SELECT string_agg(ids, ' | ' ORDER BY ids) AS threads
  FROM (SELECT string_agg(external_id, ',' ORDER BY external_id) AS ids
          FROM interaction WHERE customer_id = :lena GROUP BY thread_id) s;

-- Refusals: nothing changes.
\set VERBOSITY terse
SELECT restitch(NULL);
SELECT restitch(-1);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT restitch(:lena);
ROLLBACK;
\set VERBOSITY default
SELECT count(*) AS events FROM thread_event WHERE customer_id = :lena;
