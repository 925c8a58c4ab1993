--
-- What ingest keeps between rows and statements, and when it lets go:
-- a statement's state is deleted at its end (5,000 statements in one
-- transaction hold no more memory than one), and the per-backend cache of
-- the tables notices DDL in the same session (an index rebuilt by REINDEX
-- CONCURRENTLY, a channel added with ALTER TYPE ... ADD VALUE).  In a
-- database of its own: ALTER TYPE changes the extension's enum.
--
SELECT current_database() AS home \gset
CREATE DATABASE regress_oc_state TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C';
\c regress_oc_state
SET client_min_messages = warning;
CREATE EXTENSION omnichannel;
SET timezone = 'UTC';

-- 1. 5,000 single-row statements in one transaction (as restitch and a
-- row-by-row loader do): the memory of ingest stays that of one statement
-- (0.1.0 kept every statement's look-up rows until commit: 16 MB for 2,000
-- statements, 124 MB for 8,000).
BEGIN;
DO $$
BEGIN
    FOR i IN 1..5000 LOOP
        INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
        VALUES ('email', 'inbound', timestamptz '2026-01-01' + i * interval '1 minute',
                'memory' || (i % 100) || '@example.com', 'Order A-' || i, 'mem-' || i);
    END LOOP;
END
$$;
SELECT count(*) AS omnichannel_contexts,
       coalesce(sum(total_bytes), 0) < 1024 * 1024 AS under_1_mb
  FROM pg_backend_memory_contexts WHERE name LIKE 'omnichannel%';
SELECT total_bytes < 8 * 1024 * 1024 AS transaction_memory_under_8_mb
  FROM pg_backend_memory_contexts WHERE name = 'TopTransactionContext';
COMMIT;
SELECT count(*) AS interactions, count(DISTINCT customer_id) AS customers
  FROM omnichannel.interaction WHERE external_id LIKE 'mem-%';

-- 2. An index the cache probes is rebuilt with a new OID: the next insert
-- of this session uses the new one (0.1.0: "could not open relation with
-- OID ..." until reconnect).
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('sms', 'inbound', 'tel:+40721000201', 'reindex-1');
REINDEX INDEX CONCURRENTLY omnichannel.customer_identifier_pkey;
REINDEX INDEX CONCURRENTLY omnichannel.interaction_external_id_key;
INSERT INTO omnichannel.interaction (channel, direction, contact, external_id)
VALUES ('sms', 'inbound', 'tel:+40721000201', 'reindex-2'),
       ('sms', 'inbound', 'tel:+40721000202', 'reindex-3')
ON CONFLICT (external_id, channel) DO NOTHING
RETURNING external_id, customer_id = (SELECT customer_id FROM omnichannel.interaction
                                       WHERE external_id = 'reindex-1') AS same_customer;

-- 3. A channel added in this session: its stitching setting applies at once
-- (0.1.0 ignored stitch_setting_override for a label the backend had not seen).
INSERT INTO omnichannel.interaction (channel, direction, contact) VALUES ('sms', 'inbound', 'tel:+40721000203');
ALTER TYPE omnichannel.channel ADD VALUE 'fax';
INSERT INTO omnichannel.stitch_setting_override (channel, recency_window) VALUES ('fax', '1 day');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('fax', 'inbound', '2026-05-01 10:00+00', 'tel:+40721000204', 'fax-1'),
       ('fax', 'inbound', '2026-05-01 11:00+00', 'tel:+40721000204', 'fax-2')
RETURNING external_id, stitch_reason;
SELECT channels FROM omnichannel.thread
 WHERE id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'fax-2');

-- 4. A statement that fails inside a savepoint leaves nothing behind: the
-- next statement neither sees its threads nor writes its look-up rows.
BEGIN;
SAVEPOINT s;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-05-02 09:00+00', 'savepoint@example.com', 'Order B-7', 'sp-1'),
       ('email', 'inbound', '2026-05-02 09:05+00', 'savepoint@example.com', 'Order B-7', 'sp-1');
ROLLBACK TO SAVEPOINT s;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-05-02 09:10+00', 'savepoint@example.com', 'Order B-7', 'sp-2')
RETURNING stitch_reason;
COMMIT;
SELECT count(*) AS threads FROM omnichannel.thread AS t
  JOIN omnichannel.customer_identifier AS c ON c.customer_id = t.customer_id
 WHERE c.contact OPERATOR(omnichannel.=) 'email:savepoint@example.com';
SELECT count(*) AS subject_rows FROM omnichannel.thread_subject AS s
  JOIN omnichannel.customer_identifier AS c ON c.customer_id = s.customer_id
 WHERE c.contact OPERATOR(omnichannel.=) 'email:savepoint@example.com';

\c :home
DROP DATABASE regress_oc_state;
