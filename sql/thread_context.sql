--
-- thread_context(): what the next agent sees about a thread on any channel.
-- The seeds' scenario: an IVR leg and a call about order A-1234, then the
-- customer opens a web chat an hour later; the chat joins the call's thread
-- (business key: the built-in order pattern finds A-1234 in its text) and
-- its agent gets the IVR choices, the order and the call's agent.
--
SET timezone = 'UTC';
SET search_path = public, omnichannel;

INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, agent, attributes)
VALUES ('ivr', 'inbound', '2026-11-13 10:02+00', '+48 601 234 999', 'Status zamówienia A-1234', 'ctx-ivr-1',
        'bot:ivr', '{"ivr": {"language": "pl", "menu": ["orders", "delivery status"]}, "keys": {"order": "A-1234"}}')
RETURNING thread_id AS ctx_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, subject, external_id,
                         in_reply_to, agent, attributes)
VALUES ('phone', 'inbound', '2026-11-13 10:03+00', '2026-11-13 10:11+00', 'tel:+48601234999',
        'Status zamówienia A-1234', 'ctx-call-1', 'ctx-ivr-1', 'marta.nowak',
        '{"keys": {"order": "A-1234", "claim": "R-5521"}}')
RETURNING thread_id = :ctx_thread AS same_thread, stitch_reason;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, body, external_id)
VALUES ('chat', 'inbound', '2026-11-13 11:05+00', 'tel:+48601234999', 'Re: Status zamówienia A-1234',
        'Dzwoniłem godzinę temu w sprawie A-1234', 'ctx-chat-1')
RETURNING thread_id = :ctx_thread AS same_thread, stitch_reason;
UPDATE thread SET context = '{"note": "VIP since 2019"}' WHERE id = :ctx_thread;

SELECT jsonb_pretty(thread_context(:ctx_thread) - 'thread' - 'customer') AS context;

-- previous_agent: the agent before the current one.  The chat agent answers
-- twice: she is the current agent, the call's agent stays the previous one.
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, agent)
VALUES ('chat', 'outbound', '2026-11-13 11:07+00', 'tel:+48601234999', 'ctx-chat-2', 'ewa.zielinska'),
       ('chat', 'outbound', '2026-11-13 11:09+00', 'tel:+48601234999', 'ctx-chat-3', 'ewa.zielinska');
SELECT ctx->>'previous_agent' AS previous_agent, ctx->'last_interaction'->>'agent' AS current_agent
  FROM (SELECT thread_context(:ctx_thread) AS ctx) s;
-- the customer writes again (no agent yet): the thread's assignee is the
-- current agent; unassigned, the last human agent is the previous one
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-11-13 11:12+00', 'tel:+48601234999', 'ctx-chat-4');
SELECT thread_context(:ctx_thread)->>'previous_agent' AS unassigned;
UPDATE thread SET assignee = 'ewa.zielinska' WHERE id = :ctx_thread;
SELECT thread_context(:ctx_thread)->>'previous_agent' AS assigned_to_ewa;
UPDATE thread SET assignee = NULL WHERE id = :ctx_thread;
-- a bot answering last is not the current agent (the assignee is), and an
-- internal note is not an agent the customer talked to
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, agent)
VALUES ('chat', 'internal', '2026-11-13 11:13+00', 'tel:+48601234999', 'ctx-note-1', 'sup.kowalska'),
       ('chatbot', 'outbound', '2026-11-13 11:14+00', 'tel:+48601234999', 'ctx-bot-1', 'bot:faq');
UPDATE thread SET assignee = 'ewa.zielinska' WHERE id = :ctx_thread;
SELECT thread_context(:ctx_thread)->>'previous_agent' AS bot_last_assigned_to_ewa;
UPDATE thread SET assignee = NULL WHERE id = :ctx_thread;
-- a bot is not a previous agent: a thread whose only agent is the IVR's
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, agent)
VALUES ('ivr', 'inbound', '2026-11-14 09:00+00', '+48 601 234 998', 'ctx-ivr-2', 'bot:ivr')
RETURNING thread_id AS bot_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('chat', 'inbound', '2026-11-14 09:05+00', 'tel:+48601234998', 'ctx-chat-5')
RETURNING thread_id = :bot_thread AS same_thread;
SELECT ctx->'previous_agent' AS previous_agent, ctx->'last_interaction'->>'channel' AS last_channel
  FROM (SELECT thread_context(:bot_thread) AS ctx) s;

-- unknown thread: NULL; a thread with nothing special: empty collections
SELECT thread_context(-1) IS NULL AS unknown_is_null;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('web', 'inbound', '2026-11-13 12:00+00', 'web:ctx-visitor-1', 'ctx-web-1')
RETURNING thread_id AS bare_thread \gset
SELECT ctx->'ivr' AS ivr, ctx->'keys' AS keys, ctx->'last_topics' AS topics,
       ctx->'previous_agent' AS agent, ctx->>'interactions' AS n
  FROM (SELECT thread_context(:bare_thread) AS ctx) s;
