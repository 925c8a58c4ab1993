--
-- thread_context(): what the next agent sees about a thread on any channel.
-- The seeds' scenario: an IVR leg and a call about order A-1234, then the
-- customer opens a web chat an hour later; the chat joins the call's thread
-- (recency) and its agent gets the IVR choices, the order and the last agent.
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

-- unknown thread: NULL; a thread with nothing special: empty collections
SELECT thread_context(-1) IS NULL AS unknown_is_null;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('web', 'inbound', '2026-11-13 12:00+00', 'web:ctx-visitor-1', 'ctx-web-1')
RETURNING thread_id AS bare_thread \gset
SELECT ctx->'ivr' AS ivr, ctx->'keys' AS keys, ctx->'last_topics' AS topics,
       ctx->'previous_agent' AS agent, ctx->>'interactions' AS n
  FROM (SELECT thread_context(:bare_thread) AS ctx) s;
