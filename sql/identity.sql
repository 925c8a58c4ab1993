--
-- Identity: merge_customers() and unmerge() (docs/identity.md).
--
SET timezone = 'UTC';
SET search_path = omnichannel, public;
-- ids in error messages do not depend on what earlier tests stored
SELECT setval(pg_get_serial_sequence('omnichannel.customer', 'id'), 7000) AS customers_from,
       setval(pg_get_serial_sequence('omnichannel.identity_event', 'id'), 70) AS events_from;

-- Ștefan writes from two addresses and calls from his mobile: ingest sees
-- two customers.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-05-02 09:00+00', 'stefan.popescu@example.ro', 'Factura mai', 'id-1'),
       ('email', 'outbound', '2026-05-02 10:00+00', 'stefan.popescu@example.ro', 'Re: Factura mai', 'id-2');
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('phone', 'inbound', '2026-05-03 09:00+00', '+40 721 555 010', 'id-3'),
       ('sms', 'inbound', '2026-05-03 09:30+00', '+40 721 555 010', 'id-4');
SELECT customer_id AS keep FROM interaction WHERE external_id = 'id-1' \gset
SELECT customer_id AS absorb FROM interaction WHERE external_id = 'id-3' \gset
SELECT thread_id AS absorbed_thread FROM interaction WHERE external_id = 'id-3' \gset
-- an operator on the absorbed thread, before the merge
SELECT split_thread(id, 'sms is another matter') IS NOT NULL AS split
  FROM interaction WHERE external_id = 'id-4';

-- Merge: identifiers, threads, interactions, audit rows move; the absorbed
-- customer points to the survivor.
SELECT merge_customers(:keep, :absorb, 'same person, confirmed by phone') AS merge_event \gset
SELECT action, customer_id = :keep AS keep, other_customer_id = :absorb AS absorb, reason,
       details->'identifiers' AS identifiers, jsonb_array_length(details->'threads') AS threads,
       details->'interactions' AS interactions, details->'forced' AS forced, undone_by
  FROM identity_event WHERE id = :merge_event;
SELECT id = :absorb AS absorbed, merged_into = :keep AS points_to_keep
  FROM customer WHERE id IN (:keep, :absorb) ORDER BY id;
SELECT contact, customer_id = :keep AS with_keep FROM customer_identifier
 WHERE customer_id IN (:keep, :absorb) ORDER BY contact;
SELECT count(*) AS interactions, count(DISTINCT thread_id) AS threads
  FROM interaction WHERE customer_id = :keep;
SELECT count(*) AS left_with_absorbed FROM interaction WHERE customer_id = :absorb;
SELECT count(*) AS thread_events_moved FROM thread_event WHERE customer_id = :keep;
-- timeline() of either id shows the merged history
SELECT count(*) AS via_keep FROM timeline(:keep);
SELECT count(*) AS via_absorbed FROM timeline(:absorb);

-- Ingest follows the merge: by contact point, and by the absorbed id.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-05-03 10:00+00', '+40 721 555 010', 'id-5')
RETURNING customer_id = :keep AS to_keep, thread_id = :absorbed_thread AS same_thread, stitch_reason;
INSERT INTO interaction (customer_id, channel, direction, occurred_at, external_id)
VALUES (:absorb, 'in_person', 'inbound', '2026-05-20 10:00+00', 'id-6')
RETURNING customer_id = :keep AS to_keep, stitch_reason;

-- Refusals: nothing changes.
\set VERBOSITY terse
SELECT merge_customers(:keep, :keep);
SELECT merge_customers(:absorb, :keep);
SELECT merge_customers(:keep, :absorb);
SELECT merge_customers(:keep, -1);
SELECT merge_customers(NULL, :absorb);
SELECT unmerge(-1);
SELECT unmerge(NULL);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT merge_customers(:keep, :absorb);
ROLLBACK;
\set VERBOSITY default

-- Unmerge: the absorbed customer gets back what it had and what arrived
-- since through its identifiers; the pair may not be merged again.
SELECT unmerge(:merge_event, 'two people sharing a phone') AS unmerge_event \gset
SELECT action, details->'undoes' = to_jsonb(:merge_event) AS undoes,
       jsonb_array_length(details->'threads_arrived_since') AS threads_since,
       jsonb_array_length(details->'interactions_split_off') AS split_off
  FROM identity_event WHERE id = :unmerge_event;
SELECT undone_by = :unmerge_event AS undone FROM identity_event WHERE id = :merge_event;
SELECT id = :absorb AS absorbed, merged_into FROM customer WHERE id IN (:keep, :absorb) ORDER BY id;
SELECT contact, customer_id = :absorb AS with_absorbed FROM customer_identifier
 WHERE customer_id IN (:keep, :absorb) ORDER BY contact;
SELECT external_id, customer_id = :absorb AS with_absorbed, stitch_reason
  FROM interaction WHERE external_id LIKE 'id-%' ORDER BY external_id;
SELECT count(*) AS thread_events_back FROM thread_event WHERE customer_id = :absorb;
SELECT count(*) AS misplaced
  FROM interaction i JOIN thread t ON t.id = i.thread_id WHERE t.customer_id <> i.customer_id;
\set VERBOSITY terse
SELECT merge_customers(:keep, :absorb);
SELECT unmerge(:merge_event);
SELECT unmerge(:unmerge_event);
UPDATE identity_event SET reason = 'rewritten' WHERE id = :merge_event;
DELETE FROM identity_event WHERE id = :merge_event;
\set VERBOSITY default

-- Merge protection: different CRM ids are different people, unless forced.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('web', 'inbound', '2026-06-01 09:00+00', 'crm:ACME-1', 'crm-1'),
       ('web', 'inbound', '2026-06-01 09:00+00', 'crm:ACME-2', 'crm-2');
SELECT customer_id AS crm1 FROM interaction WHERE external_id = 'crm-1' \gset
SELECT customer_id AS crm2 FROM interaction WHERE external_id = 'crm-2' \gset
SELECT merge_customers(:crm1, :crm2);
SELECT merge_customers(:crm1, :crm2, 'duplicate CRM records', force => true) AS forced_event \gset
SELECT details->'forced' AS forced FROM identity_event WHERE id = :forced_event;

-- Merges never chain: a customer merged into one that is merged later
-- points at the final survivor, and unmerging the later merge restores it.
SELECT merge_customers(:keep, :crm1) AS chain_event \gset
SELECT id = :crm2 AS crm2, merged_into = :keep AS to_keep FROM customer WHERE id IN (:crm1, :crm2) ORDER BY id;
SELECT unmerge(:chain_event) IS NOT NULL AS unmerged;
SELECT id = :crm2 AS crm2, merged_into = :crm1 AS to_crm1, merged_into IS NULL AS own
  FROM customer WHERE id IN (:crm1, :crm2) ORDER BY id;

-- Suggestion keys: weak evidence only.
SELECT c, email_provider_key(c::contact_point) AS key
  FROM unnest(ARRAY['Jan.Kowalski+sklep@GoogleMail.com', 'jan.kowalski@gmail.com',
                    'jan.kowalski+shop@example.pl', 'tel:+48601234567']) AS c;
SELECT n, name_key(n) AS name_key, name_translit_key(n) AS translit_key
  FROM unnest(ARRAY['Ştefan Ţurcanu', 'Ștefan Țurcanu', 'ŞTEFAN  ȚURCANU',
                    'Łukasz Żółć', 'José María Núñez-Peña', 'Дмитрий Иванов',
                    'Сухов', 'Шухов', 'Jürgen Weiß', 'Ｊｏｈｎ　Ｓｍｉｔｈ', '--', '']) AS n;
SELECT name_key(NULL) IS NULL AS strict;

-- The suggestions view: pairs of customers of their own, never merged by it.
INSERT INTO customer (id, display_name) VALUES
  (97101, 'Ştefan Ţurcanu'), (97102, 'Ștefan Țurcanu'),
  (97103, 'Сухов'), (97104, 'Шухов'), (97105, 'Suhov'),
  (97106, 'María Muñoz'), (97107, 'Maria Munoz');
INSERT INTO customer_identifier (contact, customer_id, source) VALUES
  ('jan.kowalski@gmail.com', 97106, 'import'), ('jankowalski+news@googlemail.com', 97107, 'import'),
  ('someone@example.ro', 97101, 'import');
SELECT customer_a, customer_b, score,
       (SELECT string_agg(e->>'kind', ',' ORDER BY e->>'kind') FROM jsonb_array_elements(evidence) e) AS kinds
  FROM identity_suggestions WHERE customer_a BETWEEN 97101 AND 97107 ORDER BY 1, 2;
-- a pair that must not be linked is not suggested
INSERT INTO identity_no_link (customer_a, customer_b, reason) VALUES (97103, 97104, 'different people');
SELECT count(*) AS suhov_shuhov FROM identity_suggestions WHERE (customer_a, customer_b) = (97103, 97104);
-- a merged customer is not suggested
SELECT merge_customers(97101, 97102, 'suggested by name') IS NOT NULL AS merged;
SELECT count(*) AS stefan FROM identity_suggestions WHERE 97102 IN (customer_a, customer_b);

-- Several identifiers on one interaction: unknown ones link at once, a
-- blocked one never, one of another customer becomes a merge request that
-- apply_identity_links() decides under the safety rules.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-07-01 09:00+00', 'lucia.ferrer@example.es', 'form-1',
        '{"identifiers": ["+34 612 777 001", "noreply@example.es", "crm:ES-77"]}')
RETURNING customer_id AS lucia \gset
SELECT contact, customer_id = :lucia AS lucia FROM customer_identifier
 WHERE contact IN ('email:lucia.ferrer@example.es', 'tel:+34612777001', 'email:noreply@example.es', 'crm:ES-77')
 ORDER BY contact;
SELECT pattern, builtin FROM identity_blocklist ORDER BY builtin DESC, pattern;
SELECT c, identity_blocked(c::contact_point) AS blocked
  FROM unnest(ARRAY['no-reply@shop.example', 'Mailer-Daemon@example.com', 'unknown@example.com',
                    'tel:+40700000000', 'crm:0', 'crm:N/A', 'ana@example.ro', 'tel:+40721234567']) AS c;
-- every identifier linked from an interaction is in the log, with its evidence
SELECT action, customer_id = :lucia AS lucia, other_customer_id, details->>'contact' AS contact,
       details->>'via' AS via
  FROM identity_event WHERE action = 'link' ORDER BY id;
-- a blocked contact point never links: each interaction from it gets a
-- customer of its own, and no identifier is stored
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-07-01 09:30+00', 'No-Reply@shop.example', 'Pedido enviado', 'noreply-1'),
       ('email', 'inbound', '2026-07-01 09:31+00', 'no-reply@shop.example', 'Pedido enviado', 'noreply-2');
SELECT count(DISTINCT customer_id) AS customers,
       (SELECT count(*) FROM customer_identifier WHERE contact = 'no-reply@shop.example') AS identifiers
  FROM interaction WHERE external_id LIKE 'noreply-%';
-- Lucía calls from the number of her web form: one customer, no request
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('phone', 'inbound', '2026-07-01 10:00+00', '+34612777001', 'call-1')
RETURNING customer_id = :lucia AS lucia;
-- a chat of another customer carries Lucía's number: a merge request
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-07-02 09:00+00', 'lucia.f@example.es', 'chat-1',
        '{"identifiers": ["+34 612 777 001"]}')
RETURNING customer_id AS lucia2 \gset
SELECT contact, customer_id = :lucia2 AS requester, other_customer_id = :lucia AS owner, state
  FROM identity_link_request ORDER BY id;
SELECT apply_identity_links() AS applied;
SELECT state, decision ? 'event' AS merged FROM identity_link_request ORDER BY id;
SELECT merged_into = :lucia AS merged_into_lucia FROM customer WHERE id = :lucia2;
-- a switchboard number claimed by three customers stops linking
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('phone', 'inbound', '2026-07-03 09:00+00', '+34 915 550 000', 'sw-0', '{}'),
       ('email', 'inbound', '2026-07-03 09:00+00', 'a@empresa.example', 'sw-1', '{"identifiers": ["+34 915 550 000"]}'),
       ('email', 'inbound', '2026-07-03 09:00+00', 'b@empresa.example', 'sw-2', '{"identifiers": ["+34 915 550 000"]}');
SELECT apply_identity_links() AS applied;
SELECT state, decision FROM identity_link_request WHERE contact = 'tel:+34915550000' ORDER BY id;
-- ... unless the DBA raises the limit for phone numbers (new requests only)
INSERT INTO identity_kind_limit VALUES ('tel', 5);
SELECT kind, max_customers FROM identity_kind_limit;
DELETE FROM identity_kind_limit;
-- different CRM ids are never merged automatically
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-07-04 09:00+00', 'crm:ES-88', 'crm-88', '{"identifiers": ["shared.es@example.es"]}'),
       ('web', 'inbound', '2026-07-04 09:05+00', 'crm:ES-99', 'crm-99', '{"identifiers": ["shared.es@example.es"]}');
SELECT apply_identity_links() AS applied;
SELECT state, decision->>'refused' AS refused FROM identity_link_request
 WHERE contact = 'email:shared.es@example.es';
-- identifiers a sender wrote that are not valid contact points are ignored:
-- the interactions are stored (a web form's bad field may not lose the
-- message), nothing else is linked, ana@example.ro is not taken from its owner
\set VERBOSITY terse
INSERT INTO interaction (channel, direction, contact, external_id, attributes)
VALUES ('web', 'inbound', 'bad.input@example.es', 'bad-1', '{"identifiers": "ana@example.ro"}');
INSERT INTO interaction (channel, direction, contact, external_id, attributes)
VALUES ('web', 'inbound', 'bad.input@example.es', 'bad-2', '{"identifiers": [42, {"a": 1}, null]}');
INSERT INTO interaction (channel, direction, contact, external_id, attributes)
VALUES ('web', 'inbound', 'bad.input@example.es', 'bad-3',
        '{"identifiers": ["not a contact", "+48 12", "tel:+40721999777"]}');
-- other bad input still changes nothing
SELECT apply_identity_links(0);
INSERT INTO identity_blocklist_override (pattern) VALUES ('(unclosed');
\set VERBOSITY default
SELECT count(*) AS bad_rows FROM interaction WHERE external_id LIKE 'bad-%';
SELECT contact, source FROM customer_identifier
 WHERE customer_id = (SELECT customer_id FROM customer_identifier
                       WHERE contact = 'email:bad.input@example.es')
 ORDER BY contact;
SELECT count(*) AS link_requests FROM identity_link_request AS r
  JOIN interaction AS i ON i.id = r.interaction_id WHERE i.external_id LIKE 'bad-%';

-- A thread merge across the two identities of a merge: the thread merged
-- into one that goes back with unmerge goes with it; one merged into a
-- thread that stays, stays (the keys to a thread hold at commit).
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-08-01 09:00+00', 'keep.tm@example.es', 'Keep A', 'tm-1')
RETURNING customer_id AS tm_keep, thread_id AS tm_keep_a \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-08-02 09:00+00', 'keep.tm@example.es', 'Keep B', 'tm-2')
RETURNING thread_id AS tm_keep_b \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-08-03 09:00+00', 'absorb.tm@example.es', 'Absorb A', 'tm-3')
RETURNING customer_id AS tm_absorb, thread_id AS tm_absorb_a \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-08-04 09:00+00', 'absorb.tm@example.es', 'Absorb B', 'tm-4')
RETURNING thread_id AS tm_absorb_b \gset
SELECT merge_customers(:tm_keep, :tm_absorb, 'thread merge test') AS tm_event \gset
-- the survivor's thread A into the absorbed customer's thread A, and the
-- absorbed customer's thread B into the survivor's thread B
SELECT merge_threads(:tm_absorb_a, :tm_keep_a, 'same case') IS NOT NULL AS merged,
       merge_threads(:tm_keep_b, :tm_absorb_b, 'same case') IS NOT NULL AS merged;
BEGIN;
SELECT unmerge(:tm_event) IS NOT NULL AS undone;
COMMIT;
SELECT t.id = :tm_keep_a AS keep_a, t.id = :tm_absorb_b AS absorb_b,
       t.customer_id = :tm_keep AS with_survivor, t.merged_into IS NOT NULL AS merged
  FROM thread AS t WHERE t.id IN (:tm_keep_a, :tm_absorb_b) ORDER BY t.id;
SELECT i.external_id, i.customer_id = :tm_keep AS with_survivor
  FROM interaction AS i WHERE i.external_id LIKE 'tm-%' ORDER BY 1;

-- The identity operator's recipe of docs/identity.md "Privileges", as
-- written there: a merge and its undo with exactly those grants.
CREATE ROLE regress_identity_operator;
GRANT USAGE ON SCHEMA omnichannel TO regress_identity_operator;
GRANT SELECT, UPDATE ON customer, customer_identifier, thread, thread_event, pending_reference,
      interaction, thread_key, thread_subject, sla_clock, sla_event, thread_assignment
   TO regress_identity_operator;
GRANT SELECT, INSERT, UPDATE ON identity_event TO regress_identity_operator;
GRANT USAGE ON SEQUENCE identity_event_id_seq TO regress_identity_operator;
GRANT SELECT, INSERT ON identity_no_link TO regress_identity_operator;
GRANT INSERT ON thread TO regress_identity_operator;
GRANT USAGE ON SEQUENCE thread_id_seq TO regress_identity_operator;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-08-05 09:00+00', 'keep.op@example.es', 'Keep', 'op-1')
RETURNING customer_id AS op_keep \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-08-06 09:00+00', 'absorb.op@example.es', 'Absorb', 'op-2')
RETURNING customer_id AS op_absorb \gset
SET ROLE regress_identity_operator;
SELECT merge_customers(:op_keep, :op_absorb, 'operator merge') AS op_event \gset
SELECT unmerge(:op_event, 'operator undo') IS NOT NULL AS undone;
RESET ROLE;
SELECT i.external_id, i.customer_id = :op_keep AS with_keep
  FROM interaction AS i WHERE i.external_id LIKE 'op-%' ORDER BY 1;
DROP OWNED BY regress_identity_operator;
DROP ROLE regress_identity_operator;
