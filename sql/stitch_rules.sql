--
-- Stitching rules beyond the basics (sql/stitch.sql): the subject rule and
-- the windows per channel, solved and closed threads, related threads,
-- late and out-of-order arrival, and the property that a conversation ends
-- up in the same threads whatever order its messages arrive in.
--
SET timezone = 'UTC';
SET search_path = omnichannel, public;

-- Windows per channel: built-in defaults, overrides, refusals.
SELECT channel, recency_window, subject_window, reopen_window, overridden
  FROM stitch_settings WHERE channel IN ('email', 'web', 'chat', 'messaging', 'phone')
 ORDER BY channel;
INSERT INTO stitch_setting_override (channel, subject_window, reopen_window) VALUES ('forum', '14 days', '3 days');
SELECT channel, recency_window, subject_window, reopen_window, overridden
  FROM stitch_settings WHERE channel = 'forum';
\set VERBOSITY terse
INSERT INTO stitch_setting_override (channel, subject_window) VALUES ('sms', '-1 hour');
INSERT INTO stitch_setting_override (channel, reopen_window) VALUES ('sms', '1 month');
INSERT INTO stitch_setting_override (channel, subject_window) VALUES ('sms', '1 year');
\set VERBOSITY default
DELETE FROM stitch_setting_override;

-- The subject rule: mail-like channels, same customer, same base subject,
-- an open thread, within the subject window.  Replies in many languages.
-- These subjects name an order ("Zamówienie A-1001"): the built-in order
-- pattern is switched off here, else the business key would join them.
INSERT INTO business_key_pattern_override (name, enabled) VALUES ('order', false);
SELECT name, enabled, built_in, overridden FROM business_key_patterns WHERE name = 'order';
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-02 09:00+00', 'ana.nowak@example.pl',
        'Zamówienie A-1001 nie dotarło', 'subj-1')
RETURNING thread_id AS subj_thread, subject_key \gset
SELECT :'subject_key' AS subject_key;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
SELECT 'email', CASE WHEN n % 2 = 0 THEN 'outbound' ELSE 'inbound' END::direction,
       timestamptz '2026-03-02 10:00+00' + n * interval '1 hour', 'ana.nowak@example.pl',
       p || ' Zamówienie A-1001 nie dotarło', 'subj-p' || n
  FROM unnest(ARRAY['Odp:', 'AW:', 'Sv:', 'Antw:', 'Răsp:', 'Ответ:', 'RE: Fwd:', '回复:', 'RES:',
                    'R:', 'TR:', '[Sklep] Re:']) WITH ORDINALITY AS u(p, n);
SELECT count(*) AS replies, count(*) FILTER (WHERE thread_id = :subj_thread) AS joined,
       min(stitch_reason) AS reason, max(stitch_evidence->>'via') AS via,
       max((stitch_evidence->>'window_seconds')::bigint) / 86400 AS window_days
  FROM interaction WHERE external_id LIKE 'subj-p%';
SELECT subject_key, thread_id = :subj_thread AS subj_thread FROM thread_subject
 WHERE thread_id = :subj_thread;
-- a new topic (another subject) is a new thread
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-03 09:00+00', 'ana.nowak@example.pl', 'Faktura 2026/03', 'subj-topic')
RETURNING thread_id = :subj_thread AS same_thread, stitch_reason;
-- another customer's mail with the same subject is their own matter
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-03 09:00+00', 'piotr@example.pl', 'RE: Zamówienie A-1001 nie dotarło', 'subj-other')
RETURNING thread_id = :subj_thread AS same_thread, stitch_reason;
-- not after the 30-day window, and never on a channel without one
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-04-05 09:00+00', 'ana.nowak@example.pl', 'Re: Zamówienie A-1001 nie dotarło', 'subj-late')
RETURNING thread_id = :subj_thread AS same_thread, stitch_reason;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('messaging', 'inbound', '2026-03-09 09:00+00', 'ana.nowak@example.pl', 'Re: Zamówienie A-1001 nie dotarło', 'subj-msg')
RETURNING thread_id = :subj_thread AS same_thread, stitch_reason, subject_key IS NULL AS no_key;
-- a solved thread is not joined by subject
UPDATE thread SET status = 'solved' WHERE id = :subj_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-04 09:00+00', 'ana.nowak@example.pl', 'Re: Zamówienie A-1001 nie dotarło', 'subj-solved')
RETURNING thread_id = :subj_thread AS same_thread, stitch_reason;
-- a subject that folds to nothing has no key
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-04 10:00+00', 'ana.nowak@example.pl', 'Re: Fwd:  ', 'subj-empty')
RETURNING subject_key IS NULL AS no_key, stitch_reason;
-- the DBA turns the rule off for e-mail
INSERT INTO stitch_setting_override (channel, subject_window) VALUES ('email', '0');
UPDATE thread SET status = 'open' WHERE id = :subj_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-04 11:00+00', 'ana.nowak@example.pl', 'Re: Zamówienie A-1001 nie dotarło', 'subj-off')
RETURNING thread_id = :subj_thread AS same_thread, stitch_reason, subject_key IS NULL AS no_key;
DELETE FROM stitch_setting_override;
DELETE FROM business_key_pattern_override WHERE name = 'order';

-- Replies to a newsletter from many customers never collapse into one
-- thread: each opens its own, related to the newsletter's thread.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-03-10 08:00+00', 'news@shop.example', 'Spring sale', 'news-1')
RETURNING thread_id AS news_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
SELECT 'email', 'inbound', timestamptz '2026-03-10 09:00+00' + g * interval '1 minute',
       'reader' || g || '@example.com', 'Re: Spring sale', 'news-reply-' || g, 'news-1'
  FROM generate_series(1, 3) g;
SELECT count(DISTINCT i.thread_id) AS threads,
       count(*) FILTER (WHERE i.thread_id = :news_thread) AS in_newsletter_thread,
       count(*) FILTER (WHERE t.related_to = :news_thread) AS related_to_newsletter,
       min(i.stitch_reason) AS reason
  FROM interaction i JOIN thread t ON t.id = i.thread_id
 WHERE i.external_id LIKE 'news-reply-%';

-- Late and out-of-order arrival.  A reply stored before the message it
-- answers: the message joins the reply's thread when it arrives.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to, refs)
VALUES ('email', 'inbound', '2026-03-20 10:00+00', 'ioana@example.ro', 'Răsp: Comanda A-3003', 'late-2',
        'late-1', '{late-1}')
RETURNING thread_id AS late_thread, stitch_reason \gset
SELECT :'stitch_reason' AS reply_first;
SELECT external_id, customer_id IS NOT NULL AS has_customer FROM pending_reference
 WHERE external_id LIKE 'late-%' ORDER BY 1;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-03-20 09:00+00', 'ioana@example.ro', 'Confirmarea comenzii', 'late-1')
RETURNING thread_id = :late_thread AS same_thread, stitch_reason,
          stitch_evidence->>'via' AS via, stitch_evidence->>'external_id' AS external_id;
SELECT count(*) AS pending_left FROM pending_reference WHERE external_id LIKE 'late-%';
SELECT opened_at, last_activity_at FROM thread WHERE id = :late_thread;
-- Two replies that each opened a thread (different subjects, no common
-- reference stored yet) are merged when the message they both answer
-- arrives; the merge is an automatic thread_event.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-21 10:00+00', 'ioana@example.ro', 'Poze', 'late-b', 'late-a'),
       ('web', 'inbound', '2026-03-21 11:00+00', 'ioana@example.ro', 'Reclamație', 'late-c', 'late-a');
SELECT count(DISTINCT thread_id) AS threads_before FROM interaction WHERE external_id IN ('late-b', 'late-c');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-03-21 09:00+00', 'ioana@example.ro', 'Coletul dvs.', 'late-a')
RETURNING stitch_reason, stitch_evidence->>'via' AS via, thread_id AS merged_thread \gset
SELECT :'stitch_reason' AS reason, :'via' AS via;
SELECT external_id, thread_id = :merged_thread AS in_merged_thread, stitch_reason
  FROM interaction WHERE external_id IN ('late-a', 'late-b', 'late-c') ORDER BY external_id;
SELECT e.action, e.reason, e.thread_id = :merged_thread AS into_merged, e.details->'automatic' AS automatic,
       e.details->'evidence'->>'via' AS via, cardinality(e.interaction_ids) AS moved,
       t.status AS absorbed_status, t.merged_into = :merged_thread AS points_to_survivor
  FROM thread_event e JOIN thread t ON t.id = e.other_thread_id
 WHERE e.customer_id = (SELECT customer_id FROM interaction WHERE external_id = 'late-a');
-- A late message that joins by another rule merges the reply's thread
-- into its own.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-25 10:00+00', 'ioana@example.ro', 'Alt subiect', 'late-y', 'late-x')
RETURNING thread_id AS reply_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-25 09:00+00', 'ioana@example.ro', 'Re: Coletul dvs.', 'late-x', 'late-a')
RETURNING thread_id = :merged_thread AS joined_by_reference, stitch_reason;
SELECT thread_id = :merged_thread AS reply_followed, (SELECT merged_into = :merged_thread FROM thread WHERE id = :reply_thread) AS reply_thread_merged
  FROM interaction WHERE external_id = 'late-y';
-- A stranger's pending reference links the threads as related.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('sms', 'inbound', '2026-03-26 10:00+00', '+40 721 234 567', 'late-q', 'late-p')
RETURNING thread_id AS stranger_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-03-26 09:00+00', 'ioana@example.ro', 'Info', 'late-p')
RETURNING thread_id AS p_thread, stitch_reason \gset
SELECT :'stitch_reason' AS reason,
       (SELECT related_to = :p_thread FROM thread WHERE id = :stranger_thread) AS stranger_related;

-- A late arrival joins by recency with the window of the later message's
-- channel: a mail written before a call arrives after it.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('phone', 'inbound', '2026-03-28 10:00+00', '+34 612 000 111', 'late-rec-call')
RETURNING thread_id AS call_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-28 09:00+00', 'tel:+34612000111', 'Llamada', 'late-rec-mail')
RETURNING thread_id = :call_thread AS same_thread, stitch_reason,
          stitch_evidence->>'window_seconds' AS window_seconds;

-- A statement that fails inside a savepoint leaves nothing behind that
-- later rows could join: the thread, subject and customer it recorded went
-- with it, and the transaction commits.
BEGIN;
SAVEPOINT before_bad_load;
\set VERBOSITY terse
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-04-10 09:00+00', 'savepoint@example.com', 'Reembolso', 'sp-1'),
       ('email', 'inbound', '2026-04-10 09:05+00', 'savepoint@example.com', 'Re: Reembolso', '');
\set VERBOSITY default
ROLLBACK TO SAVEPOINT before_bad_load;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-04-10 09:10+00', 'savepoint@example.com', 'Re: Reembolso', 'sp-2')
RETURNING stitch_reason;
COMMIT;
SELECT count(*) AS interactions, count(DISTINCT thread_id) AS threads,
       (SELECT count(*) FROM thread_subject ts WHERE ts.customer_id = min(i.customer_id)) AS subject_rows
  FROM interaction i WHERE contact = 'savepoint@example.com';

-- Every arrival order of a small conversation gives the same threads.
-- Each order runs in a subtransaction that is rolled back, carrying the
-- partition of the interactions into threads out in its error message.
CREATE TEMP TABLE conv (
    scenario text, k int, channel channel, direction direction, occurred_at timestamptz,
    contact text, subject text, external_id text, in_reply_to text, refs text[]);
INSERT INTO conv VALUES
  -- A: a mail exchange in Polish, a new topic, and another customer's SMS quoting it
  ('A', 1, 'email', 'inbound',  '2026-05-04 09:00+00', 'ana@example.pl', 'Zamówienie A-1001 nie dotarło', 'a1', NULL, NULL),
  ('A', 2, 'email', 'outbound', '2026-05-04 11:00+00', 'ana@example.pl', 'Re: Zamówienie A-1001 nie dotarło', 'a2', 'a1', '{a1}'),
  ('A', 3, 'email', 'inbound',  '2026-05-05 08:00+00', 'ana@example.pl', 'Odp: Re: Zamówienie A-1001 nie dotarło', 'a3', 'a2', '{a1,a2}'),
  ('A', 4, 'email', 'inbound',  '2026-05-06 10:00+00', 'ana@example.pl', 'Faktura 2026/05', 'a4', NULL, NULL),
  ('A', 5, 'sms',   'inbound',  '2026-05-04 12:00+00', '+48 601 234 567', NULL, 'b1', 'a1', NULL),
  -- B: replies on two channels with other subjects, a call, a chat four days later
  ('B', 1, 'email', 'inbound',  '2026-06-01 09:00+00', 'carmen@example.es', 'Pedido A-2002 roto', 'c1', NULL, NULL),
  ('B', 2, 'email', 'inbound',  '2026-06-01 09:30+00', 'carmen@example.es', 'Fotos', 'c2', 'c1', NULL),
  ('B', 3, 'web',   'inbound',  '2026-06-01 10:00+00', 'carmen@example.es', 'Reclamación', 'c3', 'c1', NULL),
  ('B', 4, 'phone', 'inbound',  '2026-06-01 12:00+00', 'carmen@example.es', NULL, 'c4', NULL, NULL),
  ('B', 5, 'chat',  'inbound',  '2026-06-05 12:00+00', 'carmen@example.es', NULL, 'c5', NULL, NULL);

CREATE FUNCTION pg_temp.arrival_orders(p_scenario text)
RETURNS TABLE (threads text, orders bigint)
LANGUAGE plpgsql AS $$
DECLARE
    perm int[];
    sigs text[] := '{}';
BEGIN
    FOR perm IN
        WITH RECURSIVE p(a) AS (
            SELECT ARRAY[]::int[]
            UNION ALL
            SELECT p.a || c.k FROM p, conv c
             WHERE c.scenario = p_scenario AND c.k <> ALL (p.a))
        SELECT a FROM p
         WHERE cardinality(a) = (SELECT count(*) FROM conv WHERE scenario = p_scenario)
    LOOP
        BEGIN
            FOR i IN 1 .. cardinality(perm) LOOP
                INSERT INTO omnichannel.interaction
                       (channel, direction, occurred_at, contact, subject, external_id, in_reply_to, refs)
                SELECT c.channel, c.direction, c.occurred_at, c.contact, c.subject, c.external_id,
                       c.in_reply_to, c.refs
                  FROM conv c WHERE c.scenario = p_scenario AND c.k = perm[i];
            END LOOP;
            RAISE EXCEPTION USING ERRCODE = 'OCP01', MESSAGE = (
                SELECT string_agg(ids, ' | ' ORDER BY ids)
                  FROM (SELECT string_agg(i.external_id, ',' ORDER BY i.external_id) AS ids
                          FROM omnichannel.interaction i
                         WHERE i.external_id IN (SELECT external_id FROM conv WHERE scenario = p_scenario)
                         GROUP BY i.thread_id) s);
        EXCEPTION WHEN SQLSTATE 'OCP01' THEN
            sigs := sigs || SQLERRM;
        END;
    END LOOP;
    RETURN QUERY SELECT s, count(*) FROM unnest(sigs) AS s GROUP BY s ORDER BY 2 DESC, 1;
END
$$;
SELECT * FROM pg_temp.arrival_orders('A');
SELECT * FROM pg_temp.arrival_orders('B');

-- Every interaction is in a thread of its own customer; nothing pending
-- points at a stored message.
SELECT count(*) AS misplaced
  FROM interaction i JOIN thread t ON t.id = i.thread_id
 WHERE t.customer_id <> i.customer_id;
SELECT count(*) AS stale_pending
  FROM pending_reference p JOIN interaction i ON i.external_id = p.external_id;
