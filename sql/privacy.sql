--
-- Privacy: forget_customer() and retention (docs/privacy.md).
--
SET timezone = 'UTC';
SET search_path = omnichannel, public;
\set SHOW_CONTEXT never
-- ids in messages and reports do not depend on what earlier tests stored
SELECT setval(pg_get_serial_sequence('omnichannel.' || t, 'id'), 980000) IS NOT NULL AS ids_from_980001
  FROM unnest(ARRAY['customer', 'thread', 'interaction', 'thread_event', 'identity_event',
                    'identity_link_request', 'thread_assignment', 'erasure_event']) AS t;

-- A policy that only this file's customer matches (customer_match), so the
-- SLA clocks below do not depend on other tests' policies.
INSERT INTO sla_policy (name, position, customer_match, first_response, resolution)
VALUES ('privacy test', 8801, '{"privacy_test": "clocks"}', '1 hour', '8 hours');
-- The scenarios below were written for 24-hour recency windows of chat and
-- chatbot (0.1.0's defaults; 72 hours since 0.2.0): pinned, so that their
-- threads stay apart as the erasure and retention checks expect.
INSERT INTO stitch_setting_override (channel, recency_window) VALUES ('chat', '24 hours'), ('chatbot', '24 hours');

--
-- Zofia, known to the CRM with a name and attributes, writes, calls,
-- chats and texts; some of it arrives as other customers that get merged.
--
INSERT INTO customer (display_name, language, attributes)
VALUES ('Zofia Erasińska', 'pl',
        '{"privacy_test": "clocks", "birthday": "1980-01-02", "street": "Erasmusa 7"}')
RETURNING id AS zofia \gset
INSERT INTO customer_identifier (contact, customer_id, source)
VALUES ('Zofia.Erase@example.pl', :zofia, 'import');
-- a control customer whose data must stay
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('email', 'inbound', '2026-03-01 09:00+00', 'jan.keep@example.pl', 'Keep me ORDER-KEEP-1',
        'Keep-Sentinel body', 'keep-mail-1')
RETURNING customer_id AS jan \gset

INSERT INTO business_key_pattern_override (name, pattern) VALUES ('privacy_order', '(ORDER-[A-Z]+-[0-9]+)')
ON CONFLICT DO NOTHING;

-- e-mail: a question, a reply quoting it, a late message referring to an
-- unknown one (pending reference), and a chat with her CRM id
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('email', 'inbound', '2026-03-02 09:00+00', 'Zofia.Erase@example.pl',
        'Zamówienie ORDER-ERASE-77 nie dotarło', 'Erase-Sentinel: gdzie jest moja paczka?',
        'erase-mail-1');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id,
                         in_reply_to, refs, agent, queue)
VALUES ('email', 'outbound', '2026-03-02 09:30+00', 'Zofia.Erase@example.pl',
        'Re: Zamówienie ORDER-ERASE-77 nie dotarło', 'Dear Zofia Erasińska, Erase-Sentinel answered',
        'erase-mail-2', 'erase-mail-1', '{erase-mail-1}', 'agent.kasia', 'billing');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-03-03 09:00+00', 'Zofia.Erase@example.pl',
        'Fwd: Erase-Sentinel photos', 'erase-mail-3', 'erase-missing-0');
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, body, external_id, attributes)
VALUES ('chat', 'inbound', '2026-03-04 12:00+00', '2026-03-04 12:10+00', 'Zofia.Erase@example.pl',
        'Erase-Sentinel chat transcript', 'erase-chat-1',
        '{"identifiers": ["crm:ERASE-CRM-5"], "browser": "Erase-Sentinel-UA"}');

-- a phone call from her mobile (unknown yet: a customer of its own), with
-- IVR choices and the order number, then merged by an operator
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, external_id, attributes, queue)
VALUES ('phone', 'inbound', '2026-03-05 08:00+00', '2026-03-05 08:05+00', '+48 601 555 123',
        'erase-call-1', '{"ivr": {"menu": "orders", "spoken": "ORDER-ERASE-77"}, "keys": {"order": "ORDER-ERASE-77"}}',
        'orders')
RETURNING customer_id AS phone_customer \gset
-- an SMS from a second number that carries her e-mail: a merge request
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id, attributes)
VALUES ('sms', 'inbound', '2026-03-05 09:00+00', '+48 601 555 124', 'Erase-Sentinel sms', 'erase-sms-1',
        '{"identifiers": ["Zofia.Erase@example.pl"]}')
RETURNING customer_id AS sms_customer \gset
SELECT state, customer_id = :sms_customer AS from_sms, other_customer_id = :zofia AS to_zofia
  FROM identity_link_request WHERE contact OPERATOR(omnichannel.=) 'Zofia.Erase@example.pl';
UPDATE customer SET display_name = 'Z. Erasińska (phone)' WHERE id = :phone_customer;

SELECT merge_customers(:zofia, :phone_customer, 'same person: Zofia.Erase@example.pl called') AS merge1 \gset
SELECT merge_customers(:zofia, :sms_customer,
                       'identifier email:zofia.erase@example.pl on interaction erase-sms-1') AS merge2 \gset
-- a wrong merge, undone: the do-not-link pair keeps its reason
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('web', 'inbound', '2026-03-06 10:00+00', 'web:visitor-erase-9', 'erase-web-1')
RETURNING customer_id AS web_customer \gset
SELECT merge_customers(:zofia, :web_customer, 'looked like Zofia Erasińska') AS merge3 \gset
SELECT unmerge(:merge3, 'not Zofia Erasińska after all') IS NOT NULL AS unmerged;

-- operators: a move and a split with reasons, a thread context, statuses
SELECT thread_id AS mail_thread FROM interaction WHERE external_id = 'erase-mail-1' \gset
SELECT thread_id AS call_thread FROM interaction WHERE external_id = 'erase-call-1' \gset
SELECT move_interaction(id, :mail_thread, 'Zofia Erasińska said it is about ORDER-ERASE-77') IS NOT NULL AS moved
  FROM interaction WHERE external_id = 'erase-call-1';
SELECT split_thread(id, 'the call is another matter for Zofia Erasińska') IS NOT NULL AS split
  FROM interaction WHERE external_id = 'erase-call-1';
UPDATE thread SET context = '{"ivr": "ORDER-ERASE-77", "note": "Erase-Sentinel callback"}'
 WHERE id = :mail_thread;
INSERT INTO thread_assignment (customer_id, thread_id, agent, assigned_at, how, released_at,
                               released_how, reason)
VALUES (:zofia, :mail_thread, 'agent.kasia', '2026-03-02 09:10+00', 'reassign',
        '2026-03-02 09:40+00', 'release', 'callback to +48 601 555 123');

-- what she has now
SELECT c.id = :zofia AS zofia, c.id = :phone_customer AS phone, c.id = :sms_customer AS sms,
       c.id = :web_customer AS web, c.merged_into = :zofia AS merged
  FROM customer AS c WHERE c.id IN (:zofia, :phone_customer, :sms_customer, :web_customer)
 ORDER BY c.id;
SELECT contact FROM customer_identifier WHERE customer_id = :zofia ORDER BY contact;
SELECT channel, direction, stitch_reason, contact IS NOT NULL AS has_contact
  FROM interaction WHERE customer_id = :zofia ORDER BY occurred_at, id;

-- KPI facts (compared after the erasure), and those before it
CREATE TEMP VIEW kpi_facts AS
SELECT 'interaction' AS what, i.channel::text || '/' || i.direction::text || '/' || i.stitch_reason
           || '/' || coalesce(i.queue, '-') || '/' || coalesce(i.agent, '-') AS fact,
       count(*) AS n
  FROM interaction AS i WHERE i.customer_id = :zofia GROUP BY 1, 2
UNION ALL
SELECT 'thread', t.status::text || '/' || t.priority::text || '/' || array_to_string(t.channels, ',')
           || '/' || t.opened_at::text || '/' || coalesce(t.first_response_at::text, '-'), count(*)
  FROM thread AS t WHERE t.customer_id = :zofia GROUP BY 1, 2
UNION ALL
SELECT 'sla_clock', c.metric::text || '/' || coalesce(c.outcome, 'running') || '/'
           || coalesce(c.business_seconds::text, '-'), count(*)
  FROM sla_clock AS c WHERE c.customer_id = :zofia GROUP BY 1, 2
UNION ALL
SELECT 'sla_event', e.metric::text || '/' || e.event || '/' || e.at::text, count(*)
  FROM sla_event AS e WHERE e.customer_id = :zofia GROUP BY 1, 2;
CREATE TEMP TABLE kpi_before AS SELECT * FROM kpi_facts;
SELECT what, fact, n FROM kpi_before ORDER BY what, fact;

--
-- The search for personal values: every column of every table in schema
-- omnichannel, read as text, for every distinctive value Zofia gave.
--
CREATE TEMP TABLE needle (v text PRIMARY KEY);
INSERT INTO needle VALUES ('zofia.erase'), ('erasińska'), ('601555123'), ('601 555 123'),
    ('601555124'), ('order-erase-77'), ('erase-sentinel'), ('erase-mail'), ('erase-missing'),
    ('erase-chat'), ('erase-call'), ('erase-sms'), ('erase-crm-5'), ('1980-01-02'), ('erasmusa');
CREATE TEMP TABLE searched_column AS
SELECT c.relname AS tab, a.attname AS col
  FROM pg_class AS c
  JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind IN ('r', 'p');
CREATE FUNCTION pg_temp.find_personal()
RETURNS TABLE (tab name, col name, needle text, rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT s.tab, s.col FROM searched_column AS s ORDER BY 1, 2 LOOP
        RETURN QUERY EXECUTE format(
            'SELECT %L::name, %L::name, n.v, count(*) FROM omnichannel.%I AS t, needle AS n
              WHERE t.%I::text ILIKE ''%%'' || n.v || ''%%'' GROUP BY n.v',
            r.tab, r.col, r.tab, r.col);
    END LOOP;
END
$$;
-- every table and column is searched, whatever its type
SELECT (SELECT count(DISTINCT s.tab) >= 20 FROM searched_column AS s) AS tables,
       (SELECT count(*) >= 150 FROM searched_column AS s) AS columns,
       bool_and(EXISTS (SELECT FROM searched_column AS x WHERE x.tab = e.tab AND x.col = e.col)) AS expected_ones
  FROM (VALUES ('interaction'::name, 'body'::name), ('customer_identifier', 'contact'),
               ('identity_event', 'details'), ('thread_event', 'details'), ('thread_key', 'value'),
               ('pending_reference', 'external_id'), ('thread', 'context')) AS e(tab, col);
-- before: the values are all over the place
SELECT tab, col, count(*) AS needles
  FROM pg_temp.find_personal() GROUP BY tab, col ORDER BY tab, col;

--
-- Refusals
--
\set VERBOSITY terse
SELECT forget_customer(NULL, 'DSR-1');
SELECT forget_customer(:zofia, NULL);
SELECT forget_customer(:zofia, '  ');
SELECT forget_customer(-1, 'DSR-1');
\set VERBOSITY default
SELECT forget_customer(:phone_customer, 'DSR-1');
\set VERBOSITY terse
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT forget_customer(:zofia, 'DSR-1');
ROLLBACK;
-- a role without EXECUTE (EXECUTE is revoked from PUBLIC)
CREATE ROLE regress_privacy_plain NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO regress_privacy_plain;
GRANT SELECT, UPDATE, DELETE ON omnichannel.thread_event, omnichannel.identity_event,
      omnichannel.erasure_event TO regress_privacy_plain;
SET ROLE regress_privacy_plain;
SELECT forget_customer(:zofia, 'DSR-1');
SELECT apply_retention();
RESET ROLE;
-- the audit redaction by hand: refused for a customer not erased, even to
-- the owner; refused to any other role even once the customer is erased
UPDATE thread_event SET reason = NULL, details = privacy_redact_jsonb(details)
 WHERE customer_id = :zofia;
UPDATE identity_event SET reason = NULL, details = privacy_redact_jsonb(details)
 WHERE customer_id = :zofia;
BEGIN;
UPDATE customer SET erased_at = now(), display_name = NULL, language = NULL, attributes = '{}'
 WHERE id = :zofia;
SET LOCAL ROLE regress_privacy_plain;
UPDATE thread_event SET reason = NULL, details = privacy_redact_jsonb(details)
 WHERE customer_id = :zofia;
ROLLBACK;
BEGIN;
UPDATE customer SET erased_at = now(), display_name = NULL, language = NULL, attributes = '{}'
 WHERE id = :zofia;
SET LOCAL ROLE regress_privacy_plain;
UPDATE identity_event SET reason = NULL, details = privacy_redact_jsonb(details)
 WHERE customer_id = :zofia;
ROLLBACK;
-- nothing changed
SELECT display_name, erased_at IS NULL AS not_erased FROM customer WHERE id = :zofia;
SELECT count(*) AS erasures FROM erasure_event WHERE customer_id = :zofia;

--
-- The erasure, by a data-protection role with nothing but EXECUTE
--
CREATE ROLE regress_privacy_dpo NOLOGIN;
GRANT USAGE ON SCHEMA omnichannel TO regress_privacy_dpo;
GRANT EXECUTE ON FUNCTION omnichannel.forget_customer(bigint, text),
      omnichannel.apply_retention(integer) TO regress_privacy_dpo;
SET ROLE regress_privacy_dpo;
SELECT forget_customer(:zofia, 'DSR-2026-0042') AS report \gset
RESET ROLE;
SELECT jsonb_pretty(:'report'::jsonb - 'erasure_event') AS report;

-- the audit row: ids, counts, the reason as given, the caller; no personal data
SELECT e.id = (:'report'::jsonb ->> 'erasure_event')::bigint AS same_event,
       e.customer_id = :zofia AS customer,
       e.merged_customers = ARRAY[:phone_customer, :sms_customer]::bigint[] AS merged,
       e.reason, e.requested_by,
       e.erased_at = (SELECT c.erased_at FROM customer AS c WHERE c.id = :zofia) AS erased_at,
       e.counts = :'report'::jsonb -> 'tables' AS counts_as_reported
  FROM erasure_event AS e WHERE e.customer_id = :zofia;

-- nothing personal is findable, in any column of any table
SELECT tab, col, needle, rows FROM pg_temp.find_personal() ORDER BY 1, 2, 3;

-- the anonymous shells and facts that stay
SELECT c.id = :zofia AS zofia, c.display_name, c.language, c.attributes,
       c.erased_at IS NOT NULL AS erased, c.merged_into = :zofia AS merged
  FROM customer AS c WHERE c.id IN (:zofia, :phone_customer, :sms_customer, :web_customer)
 ORDER BY c.id;
SELECT count(*) AS identifiers FROM customer_identifier
 WHERE customer_id IN (:zofia, :phone_customer, :sms_customer);
SELECT channel, direction, occurred_at, ended_at, agent, queue, stitch_reason, contact, subject,
       body, external_id, in_reply_to, refs, attributes, business_keys, subject_key
  FROM interaction WHERE customer_id = :zofia ORDER BY occurred_at, id;
-- the evidence keeps its shape and vocabulary (the operator's role shows as "me")
SELECT channel, replace(stitch_evidence::text, to_jsonb(current_user::text)::text, '"me"') AS stitch_evidence
  FROM interaction WHERE customer_id = :zofia ORDER BY occurred_at, id;
SELECT status, subject, context, channels FROM thread WHERE customer_id = :zofia ORDER BY id;
SELECT action, reason, replace(details::text, to_jsonb(current_user::text)::text, '"me"') AS details
  FROM thread_event WHERE customer_id = :zofia ORDER BY id;
SELECT action, reason, details, undone_by IS NOT NULL AS undone
  FROM identity_event
 WHERE :zofia IN (customer_id, other_customer_id) OR :web_customer IN (customer_id, other_customer_id)
    OR customer_id IN (:phone_customer, :sms_customer)
 ORDER BY id;
SELECT customer_a = :zofia AS zofia, customer_b = :web_customer AS web, reason
  FROM identity_no_link WHERE :zofia IN (customer_a, customer_b);
SELECT agent, how, released_how, reason FROM thread_assignment WHERE customer_id = :zofia;
-- KPI facts are unchanged (expect no rows either way)
CREATE TEMP TABLE kpi_after AS SELECT * FROM kpi_facts;
(SELECT 'lost' AS diff, * FROM kpi_before EXCEPT SELECT 'lost', * FROM kpi_after)
UNION ALL
(SELECT 'new', * FROM kpi_after EXCEPT SELECT 'new', * FROM kpi_before);
-- the control customer is untouched
SELECT contact, subject, body, external_id FROM interaction WHERE customer_id = :jan;
SELECT contact FROM customer_identifier WHERE customer_id = :jan;

-- the audit tables stay append-only for everyone else: a role with UPDATE
-- and DELETE on them, and the owner writing anything but the redaction
SET ROLE regress_privacy_plain;
DELETE FROM thread_event WHERE customer_id = :zofia;
DELETE FROM identity_event WHERE customer_id = :zofia;
DELETE FROM erasure_event WHERE customer_id = :zofia;
RESET ROLE;
UPDATE thread_event SET details = '{}' WHERE customer_id = :zofia;
UPDATE thread_event SET reason = 'rewritten' WHERE customer_id = :zofia;
DELETE FROM thread_event WHERE customer_id = :zofia;
UPDATE identity_event SET details = '{}' WHERE customer_id = :zofia;
UPDATE erasure_event SET reason = 'rewritten' WHERE customer_id = :zofia;
-- an erased customer cannot get a name back
UPDATE customer SET display_name = 'Zofia again' WHERE id = :zofia;

-- a second call finds nothing more to erase and is logged again
SELECT forget_customer(:zofia, 'DSR-2026-0042 repeated') -> 'tables' AS second_report;
SELECT count(*) AS erasures FROM erasure_event WHERE customer_id = :zofia;

-- the same address later: a new customer, a new thread
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('email', 'inbound', '2026-04-01 09:00+00', 'Zofia.Erase@example.pl', 'erase-after-1')
RETURNING customer_id > :zofia AS new_customer, customer_id NOT IN (:phone_customer, :sms_customer) AS not_merged,
          stitch_reason;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('phone', 'inbound', '2026-04-01 10:00+00', '+48 601 555 123', 'erase-after-2')
RETURNING customer_id > :zofia AS new_customer, stitch_reason;
SELECT count(*) AS old_customer_interactions FROM interaction WHERE customer_id = :zofia;

--
-- Retention: per-channel periods, applied in bounded batches
--
-- Other tests' interactions are on every channel, none before 2000:
-- chatbot keeps what is newer than 2000-01-01 (the period is computed so
-- that the outcome does not depend on today's date), the 1999 rows below
-- are past it.
INSERT INTO retention_setting (channel, keep) VALUES ('chatbot', '0');
INSERT INTO retention_setting (channel, keep) VALUES ('chatbot', '-1 day');
INSERT INTO retention_setting (channel, keep) VALUES ('chatbot', NULL);
INSERT INTO retention_setting (channel, keep)
VALUES ('chatbot', now() - timestamptz '2000-01-01 00:00+00'),
       ('other', '500 years');     -- everything is within this period
-- the subject rule on for chatbot, so that its rows have subject keys
UPDATE stitch_setting_override SET subject_window = '30 days' WHERE channel = 'chatbot';
SELECT apply_retention(0);
SELECT apply_retention(NULL);

-- a chatbot customer with five old conversations, an "other" one, and a
-- forum one (no setting: kept for ever)
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id,
                         attributes)
SELECT 'chatbot', 'inbound', '1999-01-01 10:00+00'::timestamptz + g * interval '1 day',
       'retention.bot@example.pl', 'Bot ORDER-RETAIN-' || g, 'Retain-Sentinel bot ' || g,
       'retain-bot-' || g, '{"bot": "Retain-Sentinel"}'
  FROM generate_series(1, 5) AS g;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('other', 'inbound', '1999-01-02 10:00+00', 'retention.bot@example.pl', 'Other Retain',
        'Retain-Sentinel other', 'retain-other-1'),
       ('forum', 'inbound', '1999-01-02 11:00+00', 'retention.bot@example.pl', 'Forum Retain',
        'Retain-Sentinel forum', 'retain-forum-1');
-- a second one, on chatbot only, whose message refers to one never stored
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('chatbot', 'inbound', '1999-01-10 10:00+00', 'retention.bot2@example.pl', 'Bot two',
        'retain-bot2-1', 'retain-never-stored')
RETURNING customer_id AS bot2 \gset
SELECT customer_id AS bot FROM interaction WHERE external_id = 'retain-bot-1' \gset
UPDATE thread SET context = '{"note": "Retain-Sentinel"}'
 WHERE id IN (SELECT thread_id FROM interaction WHERE customer_id IN (:bot, :bot2));
SELECT customer_id = :bot AS bot, count(*) AS keys
  FROM thread_key WHERE customer_id IN (:bot, :bot2) GROUP BY 1 ORDER BY 1;
SELECT customer_id = :bot AS bot, count(*) AS subjects
  FROM thread_subject WHERE customer_id IN (:bot, :bot2) GROUP BY 1 ORDER BY 1;
SELECT count(*) AS pending FROM pending_reference WHERE customer_id = :bot2;

-- batches of two, oldest first; more remain until the last
SELECT apply_retention(2) AS batch1;
SELECT external_id, subject IS NULL AS redacted FROM interaction
 WHERE customer_id = :bot ORDER BY occurred_at, id;
SELECT apply_retention(2) AS batch2;
SELECT apply_retention(2) AS batch3;
-- idempotent: redacted rows are not counted again
SELECT apply_retention(2) AS batch4;
SELECT channel, occurred_at, contact, subject, body, external_id, attributes, stitch_reason
  FROM interaction WHERE customer_id = :bot ORDER BY occurred_at, id;
SELECT channel, subject, body, external_id, in_reply_to, subject_key
  FROM interaction WHERE customer_id = :bot2;
-- the mixed thread keeps the subject and context of what is still kept;
-- the chatbot-only thread loses both
SELECT t.customer_id = :bot AS bot, t.channels, t.subject, t.context
  FROM thread AS t WHERE t.customer_id IN (:bot, :bot2) ORDER BY t.id;
SELECT count(*) AS keys_after FROM thread_key WHERE customer_id IN (:bot, :bot2);
SELECT count(*) AS subjects_after FROM thread_subject WHERE customer_id IN (:bot, :bot2);
SELECT count(*) AS pending_after FROM pending_reference WHERE customer_id = :bot2;
-- the identifier is master data, not interaction content: it stays
SELECT contact FROM customer_identifier WHERE customer_id = :bot;

--
-- Catalog: labels, grants, dump marks, comments
--
SELECT p.oid::regprocedure AS function, p.provolatile AS vol, p.proisstrict AS strict,
       p.proparallel AS par, p.prosecdef AS secdef, p.proconfig AS config,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace
   AND p.proname IN ('forget_customer', 'apply_retention', 'privacy_redact_jsonb',
                     'erasure_event_append_only')
 ORDER BY 1::text;
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
  FROM pg_extension AS e, pg_class AS c
 WHERE e.extname = 'omnichannel'
   AND c.oid IN ('omnichannel.erasure_event'::regclass, 'omnichannel.retention_setting'::regclass,
                 pg_get_serial_sequence('omnichannel.erasure_event', 'id')::regclass)
 ORDER BY 1;
SELECT a.attrelid::regclass AS tab, a.attname AS undocumented
  FROM pg_attribute AS a
 WHERE a.attrelid IN ('omnichannel.erasure_event'::regclass, 'omnichannel.retention_setting'::regclass,
                      'omnichannel.customer'::regclass)
   AND a.attnum > 0 AND NOT a.attisdropped
   AND col_description(a.attrelid, a.attnum) IS NULL;
SELECT obj_description('omnichannel.erasure_event'::regclass, 'pg_class') IS NOT NULL AS erasure_event,
       obj_description('omnichannel.retention_setting'::regclass, 'pg_class') IS NOT NULL AS retention_setting,
       obj_description('omnichannel.interaction_retention_idx'::regclass, 'pg_class') IS NOT NULL AS retention_idx;
-- the retention batch walks the partial index
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT i.id FROM omnichannel.interaction AS i
 WHERE i.channel = 'chatbot' AND i.occurred_at < '2000-01-01'
   AND (i.contact IS NOT NULL OR i.subject IS NOT NULL OR i.body IS NOT NULL
        OR i.external_id IS NOT NULL OR i.in_reply_to IS NOT NULL OR i.refs IS NOT NULL
        OR i.business_keys IS NOT NULL OR i.subject_key IS NOT NULL
        OR i.attributes OPERATOR(pg_catalog.<>) '{}'::jsonb)
 ORDER BY i.occurred_at, i.id LIMIT 2;
RESET enable_seqscan;

-- clean up what other tests could see
DELETE FROM retention_setting;
DELETE FROM stitch_setting_override WHERE channel IN ('chat', 'chatbot');
UPDATE sla_policy SET active = false WHERE name = 'privacy test';
DELETE FROM business_key_pattern_override WHERE name = 'privacy_order';
REVOKE ALL ON SCHEMA omnichannel FROM regress_privacy_plain, regress_privacy_dpo;
REVOKE ALL ON ALL TABLES IN SCHEMA omnichannel FROM regress_privacy_plain;
REVOKE EXECUTE ON FUNCTION omnichannel.forget_customer(bigint, text),
       omnichannel.apply_retention(integer) FROM regress_privacy_dpo;
DROP ROLE regress_privacy_plain;
DROP ROLE regress_privacy_dpo;
