--
-- Operator functions on threads: move_interaction, split_thread,
-- merge_threads, refresh_thread, and the thread_event audit trail.
-- Ids depend on earlier tests, so rows are shown under labels (tmp_label).
--
SET timezone = 'UTC';
SET search_path = public, omnichannel;
\set SHOW_CONTEXT never
-- ids in messages must not depend on earlier tests: this test's rows get
-- ids from 900001 on
SELECT setval(pg_get_serial_sequence('omnichannel.' || t, 'id'), 900000) IS NOT NULL AS ids_from_900001
  FROM unnest(ARRAY['customer', 'thread', 'interaction', 'thread_event']) AS t;

CREATE TEMP TABLE tmp_label (label text PRIMARY KEY, id bigint NOT NULL, kind text NOT NULL);
-- interactions as labels, in (occurred_at, id) order
CREATE FUNCTION pg_temp.ilabels(bigint[]) RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(l.label ORDER BY u.ord)
      FROM unnest($1) WITH ORDINALITY AS u(id, ord)
      JOIN tmp_label AS l ON l.id = u.id AND l.kind = 'i' $$;
CREATE FUNCTION pg_temp.tlabel(bigint) RETURNS text LANGUAGE sql AS $$
    SELECT label FROM tmp_label WHERE id = $1 AND kind = 't' $$;

-- Customer ops1, thread T1: mail, reply, a call and a chat chained by references.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2025-01-10 09:00+00', 'email:ops1@example.com',
        'Order B-77 damaged', '<ops-m1@example.com>')
RETURNING customer_id AS c1, thread_id AS t1, id AS i1 \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'outbound', '2025-01-10 10:00+00', 'email:ops1@example.com',
        'Re: Order B-77 damaged', '<ops-m2@example.com>', '<ops-m1@example.com>')
RETURNING id AS i2 \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('phone', 'inbound', '2025-01-11 08:00+00', 'email:ops1@example.com',
        'ops-call-1', '<ops-m2@example.com>')
RETURNING id AS i3 \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('chat', 'inbound', '2025-01-12 12:00+00', 'email:ops1@example.com',
        'Refund for B-77', 'ops-chat-1', 'ops-call-1')
RETURNING id AS i4 \gset
-- Thread T2 of the same customer, eight months later.
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('sms', 'inbound', '2025-09-01 10:00+00', 'email:ops1@example.com',
        'Where is my invoice?', 'ops-sms-1')
RETURNING id AS i5, thread_id AS t2 \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'outbound', '2025-09-01 11:00+00', 'email:ops1@example.com',
        'Invoice 2025-9', '<ops-m6@example.com>', 'ops-sms-1')
RETURNING id AS i6 \gset
-- Customer ops2, thread T3.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2025-01-10 09:30+00', 'email:ops2@example.com',
        'Hello', '<ops2-m1@example.com>')
RETURNING customer_id AS c2, id AS i7, thread_id AS t3 \gset
INSERT INTO tmp_label VALUES
    ('i1', :i1, 'i'), ('i2', :i2, 'i'), ('i3', :i3, 'i'), ('i4', :i4, 'i'),
    ('i5', :i5, 'i'), ('i6', :i6, 'i'), ('i7', :i7, 'i'),
    ('T1', :t1, 't'), ('T2', :t2, 't'), ('T3', :t3, 't');
SELECT :c1 <> :c2 AS two_customers, :t1 <> :t2 AS two_threads_of_ops1;
-- how ingest stitched them
SELECT l.label, pg_temp.tlabel(i.thread_id) AS thread, i.channel, i.stitch_reason
  FROM tmp_label AS l JOIN interaction AS i ON i.id = l.id WHERE l.kind = 'i' ORDER BY l.label;

-- the derived columns of a thread, and its interactions, by label
CREATE FUNCTION pg_temp.show(bigint) RETURNS TABLE (
    thread text, status omnichannel.thread_status, priority omnichannel.priority,
    merged_into text, subject text, channels omnichannel.channel[],
    opened_at timestamptz, last_activity_at timestamptz, interactions text[])
LANGUAGE sql AS $$
    SELECT pg_temp.tlabel(t.id), t.status, t.priority, pg_temp.tlabel(t.merged_into),
           t.subject, t.channels, t.opened_at, t.last_activity_at,
           pg_temp.ilabels((SELECT array_agg(i.id ORDER BY i.occurred_at, i.id)
                              FROM omnichannel.interaction AS i WHERE i.thread_id = t.id))
      FROM omnichannel.thread AS t WHERE t.id = $1 $$;
SELECT * FROM pg_temp.show(:t1) UNION ALL SELECT * FROM pg_temp.show(:t2);

--
-- Refusals
--
SELECT move_interaction(NULL, :t1);
\echo :LAST_ERROR_SQLSTATE
SELECT move_interaction(-1, :t1);
\echo :LAST_ERROR_SQLSTATE
SELECT move_interaction(:i1, -1);
\echo :LAST_ERROR_SQLSTATE
-- another customer's thread
SELECT move_interaction(:i7, :t1);
\echo :LAST_ERROR_SQLSTATE
-- already there
SELECT move_interaction(:i1, :t1);
\echo :LAST_ERROR_SQLSTATE
SELECT split_thread(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT split_thread(-1);
\echo :LAST_ERROR_SQLSTATE
-- at the first interaction nothing would remain
SELECT split_thread(:i1);
\echo :LAST_ERROR_SQLSTATE
SELECT merge_threads(:t1, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT merge_threads(:t1, :t1);
\echo :LAST_ERROR_SQLSTATE
SELECT merge_threads(:t1, -1);
\echo :LAST_ERROR_SQLSTATE
SELECT merge_threads(-1, :t1);
\echo :LAST_ERROR_SQLSTATE
SELECT merge_threads(:t1, :t3);
\echo :LAST_ERROR_SQLSTATE
SELECT refresh_thread(-1);
\echo :LAST_ERROR_SQLSTATE
-- a snapshot older than the operation lock could miss concurrent ingest
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT merge_threads(:t1, :t2);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- nothing was recorded, nothing moved
SELECT count(*) AS events FROM thread_event WHERE customer_id IN (:c1, :c2);
SELECT * FROM pg_temp.show(:t1) UNION ALL SELECT * FROM pg_temp.show(:t2);

--
-- move_interaction: the chat about a refund belongs with T2
--
SELECT move_interaction(:i4, :t2, 'refund is an invoice matter') AS ev_move \gset
SELECT * FROM pg_temp.show(:t1) UNION ALL SELECT * FROM pg_temp.show(:t2);
SELECT stitch_reason, (stitch_evidence->>'event_id')::bigint = :ev_move AS names_event,
       stitch_evidence->>'by' = current_user AS by_me,
       (stitch_evidence->>'from_thread')::bigint = :t1 AS from_t1,
       stitch_evidence - 'event_id' - 'by' - 'from_thread' - 'previous_evidence' AS evidence,
       (stitch_evidence->'previous_evidence'->>'interaction_id')::bigint = :i3 AS previous_evidence_kept
  FROM interaction WHERE id = :i4;

--
-- split_thread: the reply and the call are a new matter
--
UPDATE thread SET priority = 'high' WHERE id = :t1;
SELECT split_thread(:i2, 'call was about a second order') AS t4 \gset
INSERT INTO tmp_label VALUES ('T4', :t4, 't');
SELECT * FROM pg_temp.show(:t1) UNION ALL SELECT * FROM pg_temp.show(:t4);
SELECT (SELECT label FROM tmp_label WHERE id = i.id AND kind = 'i') AS interaction,
       stitch_reason, stitch_evidence->>'action' AS action,
       (stitch_evidence->>'from_thread')::bigint = :t1 AS from_t1,
       stitch_evidence->>'reason' AS reason,
       stitch_evidence->>'previous_reason' AS previous_reason
  FROM interaction AS i WHERE thread_id = :t4 ORDER BY occurred_at, id;
-- a thread of one interaction cannot be split either
SELECT split_thread(:i1);
\echo :LAST_ERROR_SQLSTATE

--
-- merge_threads: undo the split
--
SELECT merge_threads(:t1, :t4, 'same order after all') = :t1 AS returns_keep;
SELECT * FROM pg_temp.show(:t1) UNION ALL SELECT * FROM pg_temp.show(:t4);
SELECT (SELECT label FROM tmp_label WHERE id = i.id AND kind = 'i') AS interaction,
       stitch_reason, stitch_evidence->>'action' AS action,
       (stitch_evidence->>'from_thread')::bigint = :t4 AS from_t4,
       stitch_evidence->>'previous_reason' AS previous_reason
  FROM interaction AS i WHERE thread_id = :t1 ORDER BY occurred_at, id;
-- a reply to a message of the absorbed thread joins the surviving thread
INSERT INTO interaction (channel, direction, contact, external_id, in_reply_to)
VALUES ('email', 'inbound', 'email:ops1@example.com', '<ops-m9@example.com>', 'ops-call-1')
RETURNING id AS i10 \gset
INSERT INTO tmp_label VALUES ('i10', :i10, 'i');
SELECT pg_temp.tlabel(thread_id) AS thread, stitch_reason,
       (stitch_evidence->>'interaction_id')::bigint = :i3 AS via_i3
  FROM interaction WHERE id = :i10;
SELECT last_activity_at > '2026-01-01' AS activity_recorded FROM thread WHERE id = :t1;
-- ingest follows a merge: a writer naming the absorbed thread, or a reply
-- quoting its token, lands in the surviving thread
INSERT INTO interaction (thread_id, channel, direction, occurred_at, body)
VALUES (:t4, 'phone', 'outbound', '2026-03-02 09:00+00', 'callback')
RETURNING pg_temp.tlabel(thread_id) AS thread, stitch_reason,
          (stitch_evidence->>'merged_thread')::bigint = :t4 AS evidence_names_absorbed;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject)
VALUES ('email', 'inbound', '2026-03-02 10:00+00', 'email:ops1@example.com',
        'Re: ' || thread_token(:t4) || ' still waiting')
RETURNING pg_temp.tlabel(thread_id) AS thread, stitch_reason;
-- merged threads are refused in every role
SELECT merge_threads(:t4, :t2);
\echo :LAST_ERROR_SQLSTATE
SELECT merge_threads(:t2, :t4);
\echo :LAST_ERROR_SQLSTATE
SELECT move_interaction(:i5, :t4);
\echo :LAST_ERROR_SQLSTATE
-- and stay closed
\set VERBOSITY terse
UPDATE thread SET status = 'open' WHERE id = :t4;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE

--
-- The empty-thread case: moving the only interaction of T3 away
--
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('phone', 'inbound', '2026-03-01 09:00+00', 'email:ops2@example.com',
        'New contract', 'ops2-call-1')
RETURNING id AS i8, thread_id AS t5 \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('web', 'inbound', '2026-09-01 09:00+00', 'email:ops2@example.com',
        'Address change', 'ops2-web-1')
RETURNING id AS i9, thread_id AS t6 \gset
INSERT INTO tmp_label VALUES ('i8', :i8, 'i'), ('i9', :i9, 'i'), ('T5', :t5, 't'), ('T6', :t6, 't');
SELECT l.label, pg_temp.tlabel(i.thread_id) AS thread, i.channel, i.stitch_reason
  FROM tmp_label AS l JOIN interaction AS i ON i.id = l.id
 WHERE l.label IN ('i7', 'i8', 'i9') ORDER BY l.label;
SELECT move_interaction(:i7, :t5) AS ev_empty \gset
SELECT * FROM pg_temp.show(:t3) UNION ALL SELECT * FROM pg_temp.show(:t5);
-- merging T5 away re-points T3 too: no chain of merged threads
SELECT merge_threads(:t6, :t5) = :t6 AS returns_keep;
SELECT * FROM pg_temp.show(:t3) UNION ALL SELECT * FROM pg_temp.show(:t5)
UNION ALL SELECT * FROM pg_temp.show(:t6);
SELECT count(*) AS chains FROM thread AS a JOIN thread AS b ON b.id = a.merged_into
 WHERE b.merged_into IS NOT NULL;

--
-- The audit trail
--
SELECT e.action, pg_temp.tlabel(e.thread_id) AS thread,
       pg_temp.tlabel(e.other_thread_id) AS other_thread,
       pg_temp.ilabels(e.interaction_ids) AS interactions, e.reason,
       e.actor = current_user AS by_me, now() - e.occurred_at < interval '1 hour' AS recent,
       e.customer_id = :c1 AS ops1
  FROM thread_event AS e WHERE e.customer_id IN (:c1, :c2) ORDER BY e.id;
SELECT e.action, e.details - 'previous' - 'previous_evidence' - 'repointed_threads' AS details,
       e.details->'previous_evidence' IS NOT NULL AS has_previous_evidence,
       pg_temp.ilabels(ARRAY(SELECT k::bigint FROM jsonb_object_keys(e.details->'previous') AS k
                              ORDER BY k::bigint)) AS previous_of,
       ARRAY(SELECT pg_temp.tlabel(x::bigint)
               FROM jsonb_array_elements_text(e.details->'repointed_threads') AS x) AS repointed
  FROM thread_event AS e WHERE e.customer_id IN (:c1, :c2) ORDER BY e.id;
-- explaining T1 to an agent: each interaction, why it is here, and the operations
SELECT (SELECT label FROM tmp_label WHERE id = i.id AND kind = 'i') AS interaction,
       i.channel, i.stitch_reason, i.stitch_evidence->>'action' AS operation,
       i.stitch_evidence->>'reason' AS operator_reason,
       coalesce(i.stitch_evidence->>'previous_reason', i.stitch_evidence->>'via') AS originally
  FROM interaction AS i WHERE i.thread_id = :t1 ORDER BY i.occurred_at, i.id;
-- events of a thread use the indexes
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT * FROM thread_event WHERE thread_id = 1 OR other_thread_id = 1 ORDER BY occurred_at;
RESET enable_seqscan;
-- append-only
UPDATE thread_event SET reason = 'rewritten' WHERE id = :ev_move;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM thread_event WHERE id = :ev_move;
\echo :LAST_ERROR_SQLSTATE
-- naming the customer as moving (what move_customer_rows does on Citus)
-- lets a Citus shard delete its copied events, never one node's table
BEGIN;
SELECT customer_id AS ev_customer FROM thread_event WHERE id = :ev_move \gset
SELECT set_config('omnichannel.moving_customer', :'ev_customer', true) IS NOT NULL AS moving;
DELETE FROM thread_event WHERE id = :ev_move;
ROLLBACK;
-- move_customer_rows moves rows of a customer's tables only, chosen by a key
SELECT move_customer_rows('omnichannel.customer', 1, 2, 'id', '{1}');
SELECT move_customer_rows('omnichannel.thread_event', 1, 2, 'reason', '{1}');
SELECT move_customer_rows('omnichannel.thread_event', 1, 1, 'id', '{1}') AS same_customer;
-- on Citus merges run as the owner, for a caller granted EXECUTE who holds
-- what the same call takes on one node
CREATE ROLE regress_audit_mover;
GRANT USAGE ON SCHEMA omnichannel TO regress_audit_mover;
GRANT EXECUTE ON FUNCTION merge_customers_as_owner(bigint, bigint, text, boolean),
                          unmerge_as_owner(bigint, text) TO regress_audit_mover;
GRANT SELECT, UPDATE ON customer TO regress_audit_mover;
SET ROLE regress_audit_mover;
SELECT omnichannel.merge_customers_as_owner(1, 2, 'not mine to do', false);
SELECT omnichannel.unmerge_as_owner(1, 'not mine to do');
RESET ROLE;
DROP OWNED BY regress_audit_mover;
DROP ROLE regress_audit_mover;

--
-- refresh_thread recomputes after a hand-made change
--
UPDATE thread SET channels = '{}', subject = NULL WHERE id = :t2;
SELECT refresh_thread(:t2);
SELECT * FROM pg_temp.show(:t2);

--
-- Catalog: labels, search_path, dump marks
--
SELECT p.oid::regprocedure AS function, p.provolatile AS vol, p.proisstrict AS strict,
       p.proparallel AS par, p.prosecdef AS secdef, p.proconfig AS config,
       pg_get_function_result(p.oid) AS result
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace
   AND p.proname IN ('move_interaction', 'split_thread', 'merge_threads', 'refresh_thread',
                     'thread_ops_lock', 'audit_append_only')
 ORDER BY 1::text;
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
  FROM pg_extension AS e, pg_class AS c
 WHERE e.extname = 'omnichannel'
   AND c.oid IN ('omnichannel.thread_event'::regclass,
                 pg_get_serial_sequence('omnichannel.thread_event', 'id')::regclass)
 ORDER BY 1;
SELECT a.attname, col_description(a.attrelid, a.attnum) IS NOT NULL AS commented
  FROM pg_attribute AS a
 WHERE a.attrelid = 'omnichannel.thread_event'::regclass AND a.attnum > 0
 ORDER BY a.attnum;
SELECT col_description('omnichannel.thread'::regclass,
       (SELECT attnum FROM pg_attribute WHERE attrelid = 'omnichannel.thread'::regclass
           AND attname = 'merged_into')) IS NOT NULL AS merged_into_commented;

DROP TABLE tmp_label;
