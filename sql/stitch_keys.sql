--
-- Business keys out of the box, and keys as evidence against a join.
-- Keys are read from attributes->'keys', from the top-level attribute names
-- of business_key_attributes and by the patterns of business_key_patterns
-- (built-in ones, which the DBA can replace or switch off).  A thread that
-- holds a key of the same name with other values is not joined by recency
-- or subject (the veto); an explicit reference or token still joins it.
--
SET timezone = 'UTC';
SET search_path = omnichannel, public;

-- What is read out of the box.
SELECT name, string_agg(attribute, ', ' ORDER BY attribute) AS attributes
  FROM business_key_attributes WHERE enabled GROUP BY name ORDER BY name;
SELECT name, enabled, built_in, overridden FROM business_key_patterns ORDER BY name;
-- the built-in patterns pass the check the DBA's patterns must pass
SELECT count(*) AS builtin_patterns, bool_and(check_key_pattern(pattern)) AS all_safe
  FROM builtin_key_patterns();

-- The seeds' case with no set-up: a call last week and a chat today that
-- both carry order A-1234 at the top level of attributes (values are
-- compared exactly: a-1234 would be another order).
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, external_id, agent, attributes)
VALUES ('phone', 'inbound', '2026-09-07 10:00+00', '2026-09-07 10:09+00', '+48 601 700 001',
        'bk-call-1', 'marta.nowak', '{"order": "A-1234", "ivr": {"menu": ["orders"]}}')
RETURNING thread_id AS call_thread, business_keys \gset
SELECT :'business_keys' AS call_keys;
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-14 16:00+00', 'tel:+48601700001',
        'Dzwoniłam w zeszłym tygodniu', 'bk-chat-1', '{"order_id": "A-1234"}')
RETURNING thread_id = :call_thread AS same_thread, stitch_reason, stitch_evidence, business_keys;

-- Values: a number counts, as its text; empty strings, objects, arrays,
-- booleans and nulls do not; attributes->'keys' wins over a top-level name
-- that gives the same key; names are exact (Order is not order).
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-09-01 09:00+00', 'bk.values@example.pl', 'bk-val-1',
        '{"ticket": 987654, "case": "", "claim": {"id": "C-1"}, "invoice": ["F-1"],
          "shipment": true, "tracking": null, "Order": "X-1"}'),
       ('web', 'inbound', '2026-09-01 09:01+00', 'bk.values2@example.pl', 'bk-val-2',
        '{"keys": {"order": "K-1"}, "order": "T-2", "orderNumber": "T-3", "booking_ref": "BK-77"}')
RETURNING external_id, business_keys;

-- Patterns: a label word and a reference-like value, in several languages;
-- ordinary words and small numbers find nothing.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('email', 'inbound', '2026-09-02 09:00+00', 'bk.p1@example.de', 'Bestellung Nr. 40411 fehlt', NULL, 'bk-pat-1'),
       ('email', 'inbound', '2026-09-02 09:00+00', 'bk.p2@example.fr', NULL, 'Bonjour, ma commande n° CM-2026-0042 est en retard, et la facture FA-88123 ?', 'bk-pat-2'),
       ('email', 'inbound', '2026-09-02 09:00+00', 'bk.p3@example.es', 'Reserva #BK-55120', NULL, 'bk-pat-3'),
       ('email', 'inbound', '2026-09-02 09:00+00', 'bk.p4@example.it', 'Ordine 123456 e prenotazione 998877', NULL, 'bk-pat-4'),
       ('email', 'inbound', '2026-09-02 09:00+00', 'bk.p5@example.com', 'My order arrived broken 3 days ago', 'order no. 12', 'bk-pat-5'),
       ('email', 'inbound', '2026-09-02 09:00+00', 'bk.p6@example.com', 'Reorder 55555', 'preorder ab-12345', 'bk-pat-6')
RETURNING external_id, business_keys;

-- The DBA's overrides.  Another attribute name giving the order key, a
-- built-in one switched off, a built-in renamed.
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('po_number', 'order');
INSERT INTO business_key_attribute_override (attribute, enabled) VALUES ('ticket', false);
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('case', 'ticket');
-- without a name, an attribute that is not built in is not read
INSERT INTO business_key_attribute_override (attribute) VALUES ('sku');
SELECT attribute, name, enabled, built_in, overridden
  FROM business_key_attributes WHERE overridden ORDER BY attribute;
\set VERBOSITY terse
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('keys', 'order');
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('', 'order');
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('ref', 'Order No');
INSERT INTO business_key_attribute_override (attribute, name) VALUES (repeat('x', 64), 'order');
\set VERBOSITY default
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-09-03 09:00+00', 'bk.dba@example.pl', 'bk-dba-1',
        '{"po_number": "PO-1", "ticket": "T-9", "case": "C-7", "sku": "S-1"}')
RETURNING business_keys;
-- a pattern switched off by name, and one replaced by the DBA's own
INSERT INTO business_key_pattern_override (name, enabled) VALUES ('invoice', false);
INSERT INTO business_key_pattern_override (name, pattern) VALUES ('booking', '\m(BK-[0-9]{3,})\M');
\set VERBOSITY terse
INSERT INTO business_key_pattern_override (name) VALUES ('order');
\set VERBOSITY default
SELECT name, pattern IS NOT NULL AS has_pattern, enabled, built_in, overridden
  FROM business_key_patterns ORDER BY name;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-09-03 09:00+00', 'bk.dba@example.pl',
        'Invoice 4455667 and BK-123, booking 7654321', 'bk-dba-2')
RETURNING business_keys;
DELETE FROM business_key_attribute_override;
DELETE FROM business_key_pattern_override;

-- The veto.  A thread about order B-79658; a chat about order C-88702 the
-- next hour would join it by recency, but the thread's order is another:
-- a new thread, and the evidence says which thread was passed over.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('social', 'inbound', '2026-09-05 09:00+00', '+40 721 700 100', 'bk-veto-1',
        '{"order": "B-79658"}')
RETURNING thread_id AS b_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-05 10:00+00', 'tel:+40721700100', 'bk-veto-2',
        '{"order": "C-88702"}')
RETURNING thread_id AS c_thread, stitch_reason,
          stitch_evidence->'vetoed'->0->>'via' AS vetoed_via,
          stitch_evidence->'vetoed'->0->>'key' AS key,
          stitch_evidence->'vetoed'->0->>'value' AS value,
          stitch_evidence->'vetoed'->0->>'thread_value' AS thread_value,
          (stitch_evidence->'vetoed'->0->>'thread_id')::bigint = :b_thread AS vetoed_b \gset
SELECT :c_thread <> :b_thread AS new_thread, :'stitch_reason' AS reason, :'vetoed_via' AS via,
       :'key' AS key, :'value' AS value, :'thread_value' AS thread_value, :'vetoed_b' AS vetoed_b;
-- later messages about C-88702 follow their own thread by key, not B's
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('social', 'inbound', '2026-09-05 11:00+00', 'tel:+40721700100', 'bk-veto-3',
        '{"order": "C-88702"}')
RETURNING thread_id = :c_thread AS follows_c, stitch_reason;
-- a message without a key joins the most recent thread by recency, as before
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-09-05 11:30+00', 'tel:+40721700100', 'bk-veto-4')
RETURNING thread_id = :c_thread AS joins_c, stitch_reason, stitch_evidence ? 'vetoed' AS vetoed;
-- a third order: both open threads are passed over, both are in the evidence
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-05 12:00+00', 'tel:+40721700100', 'bk-veto-5',
        '{"order": "D-10001"}')
RETURNING thread_id NOT IN (:b_thread, :c_thread) AS new_thread, stitch_reason,
          jsonb_array_length(stitch_evidence->'vetoed') AS vetoed;
-- B's order again, named in the text: it joins B by key
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, body)
VALUES ('chat', 'inbound', '2026-09-05 12:30+00', 'tel:+40721700100', 'bk-veto-6',
        'Pedido B-79658 otra vez')
RETURNING thread_id = :b_thread AS joins_b, stitch_reason, business_keys;
-- a key of another name is no conflict
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-05 12:40+00', 'tel:+40721700100', 'bk-veto-7',
        '{"invoice": "FV-2026-77"}')
RETURNING thread_id = :b_thread AS joins_b, stitch_reason;
-- an explicit reference still wins, and says it crossed a conflicting key
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to, attributes)
VALUES ('chat', 'inbound', '2026-09-05 13:00+00', 'tel:+40721700100', 'bk-veto-8', 'bk-veto-1',
        '{"order": "Z-55555"}')
RETURNING thread_id = :b_thread AS joins_b, stitch_reason,
          stitch_evidence->'despite_conflicting_key'->>'key' AS key,
          stitch_evidence->'despite_conflicting_key'->>'value' AS value,
          stitch_evidence->'despite_conflicting_key'->>'thread_value' AS thread_value;

-- Recency passes over a vetoed thread to an earlier open one: T1 holds a
-- claim, T2 (vetoed from T1 by its other claim) an order; a message about
-- another order joins T1, the latest thread without a conflicting key.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('phone', 'inbound', '2026-09-06 09:00+00', '+40 721 700 300', 'bk-skip-1', '{"claim": "K-1001"}')
RETURNING thread_id AS t1 \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-06 09:30+00', 'tel:+40721700300', 'bk-skip-2',
        '{"claim": "K-1002", "order": "G-2002"}')
RETURNING thread_id AS t2, stitch_reason \gset
SELECT :t2 <> :t1 AS t2_new, :'stitch_reason' AS reason;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-06 10:00+00', 'tel:+40721700300', 'bk-skip-3', '{"order": "G-2003"}')
RETURNING thread_id = :t1 AS joins_t1, stitch_reason,
          (stitch_evidence->'vetoed'->0->>'thread_id')::bigint = :t2 AS passed_over_t2;

-- The subject rule is vetoed the same way: a reply with the thread's
-- subject that names another order.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('email', 'inbound', '2026-09-08 09:00+00', 'bk.subject@example.es', 'Problema con mi pedido',
        'bk-subj-1', '{"order": "P-40001"}')
RETURNING thread_id AS s_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('email', 'inbound', '2026-09-12 09:00+00', 'bk.subject@example.es', 'RE: Problema con mi pedido',
        'bk-subj-2', '{"order": "P-40002"}')
RETURNING thread_id <> :s_thread AS new_thread, stitch_reason,
          stitch_evidence->'vetoed'->0->>'via' AS vetoed_via;
-- the same subject with the thread's own order joins by key
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('email', 'inbound', '2026-09-12 10:00+00', 'bk.subject@example.es', 'RE: Problema con mi pedido',
        'bk-subj-3', '{"order": "P-40001"}')
RETURNING thread_id = :s_thread AS joins, stitch_reason;

-- Within one statement: the second row's order conflicts with the thread
-- the first row opened.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('chat', 'inbound', '2026-09-09 09:00+00', '+34 612 700 200', 'bk-stmt-1', '{"order": "S-10001"}'),
       ('chat', 'inbound', '2026-09-09 09:10+00', '+34 612 700 200', 'bk-stmt-2', '{"order": "S-10002"}'),
       ('chat', 'inbound', '2026-09-09 09:20+00', '+34 612 700 200', 'bk-stmt-3', '{"order": "S-10001"}')
RETURNING external_id, stitch_reason, stitch_evidence ? 'vetoed' AS vetoed;
SELECT count(DISTINCT thread_id) AS threads FROM interaction WHERE external_id LIKE 'bk-stmt-%';

-- A customer with many orders: the veto reads the candidate thread's own
-- keys (thread_key_thread_idx), however many values of the name the
-- customer has.  70 chats a minute apart, each about another order (each
-- vetoed from the previous thread), then one more.
INSERT INTO interaction (channel, direction, occurred_at, contact, attributes, external_id)
SELECT 'chat', 'inbound', '2026-09-20 10:00+00'::timestamptz + g * interval '1 minute',
       '+48 600 100 202', jsonb_build_object('order', 'A-' || (1000 + g)), 'bk-many-' || g
  FROM generate_series(0, 69) AS g;
SELECT count(DISTINCT thread_id) AS threads FROM interaction WHERE external_id LIKE 'bk-many-%';
INSERT INTO interaction (channel, direction, occurred_at, contact, attributes, external_id)
VALUES ('chat', 'inbound', '2026-09-20 12:00+00', 'tel:+48600100202', '{"order": "B-0001"}', 'bk-many-x')
RETURNING stitch_reason, stitch_evidence->'vetoed'->0->>'thread_value' AS passed_over;

-- Placeholders are not keys: blank, 0 and dashes would join unrelated
-- threads; 1.0 and 1 are one number.
INSERT INTO interaction (channel, direction, occurred_at, contact, attributes, external_id)
VALUES ('phone', 'inbound', '2026-09-21 10:00+00', '+48 600 100 400',
        '{"order_id": 0, "ticket": " ", "case": "-", "claim": "000-00", "invoice": 12.50}', 'bk-ph-1')
RETURNING business_keys;

-- An attribute name is at most 63 bytes: the longest accepted one is read.
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('ü' || repeat('x', 61), 'claim');
\set VERBOSITY terse
INSERT INTO business_key_attribute_override (attribute, name) VALUES ('ü' || repeat('x', 62), 'order');
\set VERBOSITY default
INSERT INTO interaction (channel, direction, occurred_at, contact, attributes, external_id)
VALUES ('web', 'inbound', '2026-09-21 11:00+00', 'bk.long@example.pl',
        jsonb_build_object('ü' || repeat('x', 61), 'R-77'), 'bk-long-1')
RETURNING business_keys;
DELETE FROM business_key_attribute_override;

-- Every interaction of this file is in a thread of its own customer.
SELECT count(*) AS misplaced
  FROM interaction AS i JOIN thread AS t ON t.id = i.thread_id
 WHERE i.external_id LIKE 'bk-%' AND t.customer_id <> i.customer_id;

-- The built-in patterns are matched without the regular expression engine
-- in ASCII text (src/core/stitch.c); every value equals the engine's.
-- Generated subjects around label words, number words, separators and
-- references, some with a non-ASCII letter (those go to the engine):
-- the key ingest stores against substring(subject FROM pattern), in look-up
-- form and only when usable (something besides 0 and punctuation).
BEGIN;
SELECT setseed(0.5) AS seeded \gset
CREATE TEMP TABLE generated_subjects AS
SELECT g, (ARRAY['', 'x ', '. ', 'a', '_', 'Re: ', '1', 'é '])[1 + floor(random() * 8)::int + g * 0]
          || (ARRAY['Order', 'order', 'ORDER', 'Invoice', 'INVOICE', 'Booking', 'Rechnung', 'Ordine',
                    'Auftrag', 'reorder', 'Orders', 'Bestellnummer'])[1 + floor(random() * 12)::int + g * 0]
          || (SELECT string_agg((ARRAY[' ', '-', '.', '_', 'N', 'o', 'r', 'O', 'R', 'A', 'B', 'Z', '1',
                                       '2', '0', '9', 'u', 'm', 'b', 'e', E'\n', '#', '3', '4', '5', '-',
                                       ' ', '1', '2', 'é'])[1 + floor(random() * 30)::int + g * 0 + k * 0], '')
                FROM generate_series(1, 1 + floor(random() * 16)::int + g * 0) AS k)
          || CASE WHEN random() < 0.3 THEN ' Order ' || (1000 + g) ELSE '' END AS subject
  FROM generate_series(1, 3000) AS g;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
SELECT 'email', 'inbound', '2026-10-01 00:00+00'::timestamptz + g * interval '1 minute',
       'generated-' || (g % 50) || '@keys.example.com', subject, 'bk-gen-' || g
  FROM generated_subjects;
WITH expected AS (
    SELECT s.g, p.name,
           CASE WHEN substring(s.subject FROM p.pattern) ~ '[1-9A-Za-z]'
                THEN lookup_key(substring(s.subject FROM p.pattern)) END AS value
      FROM generated_subjects AS s CROSS JOIN builtin_key_patterns() AS p)
SELECT count(*) AS compared,
       count(*) FILTER (WHERE e.value IS NOT NULL) AS keys_expected,
       count(*) FILTER (WHERE e.value IS NOT NULL AND s.subject ~ '^[ -~\n]*$') AS keys_in_ascii_text,
       count(*) FILTER (WHERE (i.business_keys ->> e.name) IS DISTINCT FROM e.value) AS differences
  FROM expected AS e
  JOIN generated_subjects AS s ON s.g = e.g
  JOIN interaction AS i ON i.external_id = 'bk-gen-' || e.g;
ROLLBACK;
