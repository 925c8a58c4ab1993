--
-- Queue facts have one definition: the server-free core (src/core/
-- queue_facts.c).  Ingest applies it as rows arrive; thread_queue_facts()
-- applies it to a thread's whole history, and refresh_queue_facts() writes
-- that after every operator change and after a row older than what its
-- thread knew.  This file checks the cases where 0.1.0's two definitions
-- disagreed, and that after ingest, every operator function, a late
-- arrival, restitch and unmerge the threads hold exactly the facts of their
-- interactions.
--
SET timezone = 'UTC';

-- The stored facts against the recomputed ones: the threads that differ.
CREATE FUNCTION pg_temp.facts_drift(threads bigint[] DEFAULT NULL)
RETURNS TABLE (thread bigint, stored text, recomputed text)
LANGUAGE sql AS $$
    SELECT t.id,
           ROW(t.first_inbound_at, t.first_response_at, t.last_inbound_at, t.last_outbound_at,
               t.waiting_since, t.waiting_channel, t.queue)::text,
           ROW(f.first_inbound_at, f.first_response_at, f.last_inbound_at, f.last_outbound_at,
               CASE WHEN t.status IN ('solved', 'closed') THEN NULL ELSE f.waiting_since END,
               f.waiting_channel, f.queue)::text
      FROM omnichannel.thread AS t
      LEFT JOIN omnichannel.thread_queue_facts(ARRAY(SELECT customer_id FROM omnichannel.thread),
                    coalesce($1, ARRAY(SELECT id FROM omnichannel.thread))) AS f
        ON f.thread_id = t.id
     WHERE ($1 IS NULL OR t.id = ANY ($1))
       AND (t.first_inbound_at, t.first_response_at, t.last_inbound_at, t.last_outbound_at,
            t.waiting_since, t.waiting_channel, t.queue)
           IS DISTINCT FROM
           (f.first_inbound_at, f.first_response_at, f.last_inbound_at, f.last_outbound_at,
            CASE WHEN t.status IN ('solved', 'closed') THEN NULL ELSE f.waiting_since END,
            f.waiting_channel, f.queue)
     ORDER BY t.id
$$;

-- 1. Two threads that each hold one phone call an agent took (a live
-- session: the customer's message and its answer at once), merged: the
-- survivor is answered and not waiting (0.1.0: first_response_at NULL and
-- waiting_since set, so it showed as waiting in queue and unanswered in
-- thread_facts).
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, agent, external_id)
VALUES ('phone', 'inbound', '2026-06-01 09:00+00', 'tel:+40721555001', 'agent.a', 'qf-call-1');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, agent, external_id)
VALUES ('phone', 'inbound', '2026-06-05 09:00+00', 'tel:+40721555001', 'agent.b', 'qf-call-2');
SELECT thread_id AS call1 FROM omnichannel.interaction WHERE external_id = 'qf-call-1' \gset
SELECT thread_id AS call2 FROM omnichannel.interaction WHERE external_id = 'qf-call-2' \gset
SELECT :call1 <> :call2 AS two_threads;
SELECT id = :call1 AS first, first_inbound_at, first_response_at, waiting_since
  FROM omnichannel.thread WHERE id IN (:call1, :call2) ORDER BY id;
SELECT omnichannel.merge_threads(:call1, :call2, 'same problem') = :call1 AS merged;
SELECT first_inbound_at, first_response_at, last_inbound_at, last_outbound_at, waiting_since
  FROM omnichannel.thread WHERE id = :call1;
SELECT count(*) AS in_queue_as_waiting FROM omnichannel.queue
 WHERE thread_id = :call1 AND waiting_since IS NOT NULL;
SELECT unanswered FROM omnichannel.thread_facts WHERE thread_id = :call1;

-- ... split again, and moved: still answered
SELECT omnichannel.split_thread((SELECT id FROM omnichannel.interaction WHERE external_id = 'qf-call-2'),
                                'two problems after all') AS split_thread \gset
SELECT id = :call1 AS first, first_response_at IS NOT NULL AS answered, waiting_since
  FROM omnichannel.thread WHERE id IN (:call1, :split_thread) ORDER BY id;
SELECT omnichannel.move_interaction((SELECT id FROM omnichannel.interaction WHERE external_id = 'qf-call-2'),
                                    :call1, 'one problem') IS NOT NULL AS moved;
SELECT first_response_at IS NOT NULL AS answered, waiting_since FROM omnichannel.thread WHERE id = :call1;
SELECT * FROM pg_temp.facts_drift(ARRAY[:call1, :split_thread]);

-- 2. A late reply: customer messages at 10:00 and 10:10, then a reply dated
-- 10:05 arrives.  The 10:10 message is still unanswered (0.1.0: waiting_since
-- NULL), and the first response is the reply.
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-06-10 10:00+00', 'late.reply@example.com', 'Parcel', 'qf-m1'),
       ('email', 'inbound', '2026-06-10 10:10+00', 'late.reply@example.com', 'Re: Parcel', 'qf-m2');
SELECT thread_id AS lt FROM omnichannel.interaction WHERE external_id = 'qf-m1' \gset
SELECT waiting_since, first_response_at FROM omnichannel.thread WHERE id = :lt;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'outbound', '2026-06-10 10:05+00', 'late.reply@example.com', 'Re: Parcel', 'qf-r1', 'qf-m1')
RETURNING thread_id = :lt AS same_thread;
SELECT first_inbound_at, first_response_at, last_inbound_at, last_outbound_at, waiting_since
  FROM omnichannel.thread WHERE id = :lt;
-- ... a late customer message before everything: the first message moves
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-06-10 09:00+00', 'late.reply@example.com', 'Parcel', 'qf-m0'),
       ('email', 'outbound', '2026-06-10 10:30+00', 'late.reply@example.com', 'Re: Parcel', 'qf-r2');
SELECT first_inbound_at, first_response_at, waiting_since FROM omnichannel.thread WHERE id = :lt;
SELECT * FROM pg_temp.facts_drift(ARRAY[:lt]);

-- 3. restitch and unmerge recompute too
SELECT customer_id AS rc FROM omnichannel.interaction WHERE external_id = 'qf-m1' \gset
SELECT omnichannel.restitch(:rc, 'test') IS NOT NULL AS restitched;
SELECT * FROM pg_temp.facts_drift(ARRAY(SELECT id FROM omnichannel.thread WHERE customer_id = :rc));
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, agent, external_id)
VALUES ('chat', 'inbound', '2026-06-11 09:00+00', 'other.person@example.com', 'agent.c', 'qf-chat-1');
SELECT customer_id AS oc FROM omnichannel.interaction WHERE external_id = 'qf-chat-1' \gset
SELECT omnichannel.merge_customers(:rc, :oc, 'test') AS merge_event \gset
SELECT omnichannel.unmerge(:merge_event, 'test') IS NOT NULL AS unmerged;
SELECT * FROM pg_temp.facts_drift(
    ARRAY(SELECT id FROM omnichannel.thread WHERE customer_id IN (:rc, :oc)));

-- 4. A late arrival: two replies stored before the message they answer
-- (pending references), then the message: the threads merge, and the
-- survivor's facts are those of the three
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-06-12 10:00+00', 'late.arrival@example.com', 'Re: Offer', 'qf-late-2', 'qf-late-1');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('web', 'inbound', '2026-06-12 11:00+00', 'late.arrival@example.com', 'Form', 'qf-late-3', 'qf-late-1');
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-06-12 09:00+00', 'late.arrival@example.com', 'Offer', 'qf-late-1')
RETURNING stitch_reason;
SELECT count(DISTINCT thread_id) AS threads FROM omnichannel.interaction
 WHERE external_id LIKE 'qf-late-%';
SELECT * FROM pg_temp.facts_drift(
    ARRAY(SELECT id FROM omnichannel.thread
           WHERE customer_id = (SELECT customer_id FROM omnichannel.interaction
                                 WHERE external_id = 'qf-late-1')));

-- 5. A solved thread waits for nobody, also when recomputed
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :lt;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-06-10 08:00+00', 'late.reply@example.com', 'Parcel', 'qf-m-1');
SELECT status, waiting_since FROM omnichannel.thread WHERE id = :lt;
SELECT * FROM pg_temp.facts_drift(ARRAY[:lt]);

SET search_path = omnichannel, public;
-- 6. restitch with SLA clocks running (here, after the tests that print
-- policy ids): ingest starts clocks again for the threads it opens while
-- storing the history anew; a thread that then takes back an
-- old thread's id leaves, with the clocks of that pass (the old thread
-- keeps those it ran).  Every clock stays on a thread, one running per
-- thread and metric.
INSERT INTO sla_policy (name, position, channels, first_response, resolution)
SELECT 'restitch', max(position) + 1, '{email}', '1 hour', '8 hours' FROM sla_policy;
INSERT INTO stitch_setting_override (channel, subject_window) VALUES ('email', '0');
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-03-02 09:00+00', 'ines@example.pt', 'Encomenda E-77', 'rs-sla-1'),
       ('email', 'inbound', '2026-03-02 10:00+00', 'ines@example.pt', 'RE: Encomenda E-77', 'rs-sla-2');
SELECT customer_id AS ines FROM interaction WHERE external_id = 'rs-sla-1' \gset
SELECT count(DISTINCT thread_id) AS threads_before,
       (SELECT count(*) FROM sla_clock WHERE customer_id = :ines) AS clocks_before
  FROM interaction WHERE customer_id = :ines;
DELETE FROM stitch_setting_override;
SELECT restitch(:ines, 'subject rule on') - 'customer' AS summary;
SELECT t.id = (SELECT thread_id FROM interaction WHERE external_id = 'rs-sla-1') AS joined_thread,
       t.merged_into IS NOT NULL AS merged, t.status, c.metric, c.stopped_at IS NULL AS running, c.outcome
  FROM sla_clock AS c JOIN thread AS t ON t.customer_id = c.customer_id AND t.id = c.thread_id
 WHERE c.customer_id = :ines ORDER BY t.id, c.metric, c.started_at;
SELECT count(*) AS clocks_without_thread
  FROM sla_clock AS c
 WHERE c.customer_id = :ines
   AND NOT EXISTS (SELECT FROM thread AS t WHERE t.customer_id = c.customer_id AND t.id = c.thread_id);
UPDATE sla_policy SET active = false WHERE name = 'restitch';
