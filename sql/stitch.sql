--
-- Stitching rules beyond references: the thread token, recency per channel
-- (with the DBA's overrides), and the participant check for each.
-- Rules: docs/stitching.md.
--
SET timezone = 'UTC';
SET intervalstyle = 'postgres';
SET search_path = public, omnichannel;

-- the token outbound messages carry
SELECT thread_token(42) AS token, thread_token(9223372036854775807) AS largest;
SELECT thread_token(0);

-- the windows in force: built-in defaults, nothing overridden
SELECT channel, recency_window, overridden FROM stitch_settings ORDER BY channel;

-- A customer's e-mail opens a thread; an e-mail a week later carrying the
-- thread's token (no In-Reply-To) joins it, wherever the token stands.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-09-01 09:00+00', 'ana.tok@example.ro', 'Factura 77', 'tok-1')
RETURNING thread_id AS tok_thread \gset
SELECT thread_token(:tok_thread) AS tok \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-09-08 09:00+00', 'ana.tok@example.ro', 'Re: ' || :'tok' || ' Factura 77', 'tok-2')
RETURNING thread_id = :tok_thread AS same_thread, stitch_reason,
          stitch_evidence->>'token' = :'tok' AS token_in_evidence;
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('web', 'inbound', '2026-09-09 09:00+00', 'ana.tok@example.ro',
        'Formularz: proszę o korektę, sprawa ' || :'tok' || ', dziękuję', 'tok-3')
RETURNING thread_id = :tok_thread AS same_thread_from_body, stitch_reason;
-- a token of a thread that does not exist, or malformed tokens, match nothing
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-09-10 09:00+00', 'ana.tok@example.ro', '[#T999999999] [#T] [#T12x] [#T0]', 'tok-4')
RETURNING thread_id = :tok_thread AS same_thread, stitch_reason;
-- participant check: another customer quoting the token gets a thread of
-- their own, and the evidence says a stranger's thread was skipped
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-09-10 10:00+00', 'intruder@example.com', 'Re: ' || :'tok', 'tok-5')
RETURNING thread_id = :tok_thread AS same_thread, stitch_reason, stitch_evidence;

-- Recency: a call, then a chat an hour later joins it; a chat four days
-- later does not (chat window 72 h); an SMS the next day joins the latest
-- thread (SMS window 72 h).
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, subject, external_id)
VALUES ('phone', 'inbound', '2026-10-01 10:00+00', '2026-10-01 10:12+00', '+40 721 234 567',
        'Comanda A-2001', 'rec-call')
RETURNING thread_id AS rec_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-01 11:00+00', 'tel:+40721234567', 'Revin cu o întrebare', 'rec-chat-1')
RETURNING thread_id = :rec_thread AS same_thread, stitch_reason, stitch_evidence;
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-05 11:00+00', 'tel:+40721234567', 'Altă problemă', 'rec-chat-2')
RETURNING thread_id = :rec_thread AS same_thread, stitch_reason;
SELECT thread_id AS rec_thread2 FROM interaction WHERE external_id = 'rec-chat-2' \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('sms', 'outbound', '2026-10-06 09:00+00', 'tel:+40721234567', 'Confirmare', 'rec-sms')
RETURNING thread_id = :rec_thread2 AS joins_latest_thread, stitch_reason,
          stitch_evidence->>'window_seconds' AS window_seconds;
-- e-mail has no recency window by default
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-10-06 10:00+00', 'tel:+40721234567', 'Alt subiect', 'rec-mail')
RETURNING thread_id = :rec_thread2 AS same_thread, stitch_reason;

-- a solved (or closed) thread is not joined by recency: the most recently
-- active thread that is still open is (here the SMS's, 90 minutes earlier)
UPDATE thread SET status = 'solved'
 WHERE id = (SELECT thread_id FROM interaction WHERE external_id = 'rec-mail');
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-06 10:30+00', 'tel:+40721234567', 'Mulțumesc', 'rec-chat-3')
RETURNING thread_id = :rec_thread2 AS joins_open_thread, stitch_reason;

-- The DBA's overrides: turn chat recency off, lengthen messaging's window.
INSERT INTO stitch_setting_override (channel, recency_window) VALUES ('chat', '0'), ('messaging', '7 days');
SELECT channel, recency_window, default_recency_window, overridden
  FROM stitch_settings WHERE channel IN ('chat', 'messaging', 'sms') ORDER BY channel;
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-06 10:40+00', 'tel:+40721234567', 'Încă ceva', 'rec-chat-4')
RETURNING stitch_reason;  -- the SMS's thread is open and 100 minutes old, but chat recency is off
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('messaging', 'inbound', '2026-10-12 10:00+00', 'tel:+40721234567', 'Salut din nou', 'rec-wa')
RETURNING thread_id = (SELECT thread_id FROM interaction WHERE external_id = 'rec-chat-4') AS joins_within_7_days,
          stitch_reason;
-- refused overrides: negative, months
\set VERBOSITY terse
INSERT INTO stitch_setting_override (channel, recency_window) VALUES ('sms', '-1 hour');
INSERT INTO stitch_setting_override (channel, recency_window) VALUES ('sms', '1 month');
\set VERBOSITY default
DELETE FROM stitch_setting_override;

-- A late arrival: a chat stamped before the thread's latest activity joins
-- it too.
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-12 09:30+00', 'tel:+40721234567', 'Trimis mai devreme', 'rec-late')
RETURNING thread_id = (SELECT thread_id FROM interaction WHERE external_id = 'rec-wa') AS joins, stitch_reason;

-- Business keys.  The DBA's pattern of a name replaces the built-in one.
INSERT INTO business_key_pattern_override (name, pattern) VALUES ('order', '\m(A-[0-9]{4,})\M');
\set VERBOSITY terse
INSERT INTO business_key_pattern_override (name, pattern) VALUES ('claim', '(R-[0-9+');
INSERT INTO business_key_pattern_override (name, pattern) VALUES ('Claim No', 'R-[0-9]+');
\set VERBOSITY default
-- The seeds' scenario: a call about order A-7788, and a week later a web
-- chat that mentions the order joins the call's thread.
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('phone', 'inbound', '2026-10-20 09:00+00', '+34 612 345 678', 'Pedido A-7788 no ha llegado',
        'key-call', '{"ivr": {"menu": ["pedidos"]}}')
RETURNING thread_id AS key_thread, business_keys \gset
SELECT :'business_keys' AS call_keys;
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-27 18:00+00', 'tel:+34612345678',
        'Hola, llamé la semana pasada por el pedido A-7788', 'key-chat')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason, stitch_evidence, business_keys;
-- an explicit key in attributes->'keys' counts as well, and is remembered
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('email', 'outbound', '2026-10-28 10:00+00', 'tel:+34612345678', 'Su reclamación',
        'key-mail-1', '{"keys": {"claim": "R-99", "order": "A-7788"}}')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason, business_keys;
SELECT name, value, thread_id = :key_thread AS key_thread, first_seen_at
  FROM thread_key WHERE thread_id = :key_thread ORDER BY name, value;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, attributes)
VALUES ('web', 'inbound', '2026-11-02 10:00+00', 'tel:+34612345678', 'key-web-1', '{"keys": {"claim": "R-99"}}')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason, stitch_evidence->>'key' AS key;
-- a solved thread is joined by key within 7 days of its last activity ...
UPDATE thread SET status = 'solved' WHERE id = :key_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-11-08 10:00+00', 'tel:+34612345678', 'Otra vez A-7788', 'key-mail-2')
RETURNING thread_id = :key_thread AS reopened_within_7_days, stitch_reason,
          stitch_evidence->'reopened' AS reopened;
-- the inbound message reopened it
SELECT status FROM thread WHERE id = :key_thread;
-- ... not later: a new thread that follows the solved one up
UPDATE thread SET status = 'solved' WHERE id = :key_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-11-30 10:00+00', 'tel:+34612345678', 'A-7788 de nuevo', 'key-mail-3')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason,
          stitch_evidence->'follow_up_of' = to_jsonb(:key_thread) AS follows_up,
          stitch_evidence->>'follow_up_via' AS via, thread_id AS follow_up_thread \gset
SELECT :'same_thread' AS same_thread, :'stitch_reason' AS stitch_reason,
       :'follows_up' AS follows_up, :'via' AS via;
SELECT follow_up_of = :key_thread AS thread_follows_up, status
  FROM thread WHERE id = :follow_up_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2026-11-30 11:00+00', 'tel:+34612345678', 'Re: A-7788 de nuevo', 'key-mail-3-reply')
RETURNING thread_id = :follow_up_thread AS same_thread, stitch_reason;
-- an outbound message does not reopen a solved thread
UPDATE thread SET status = 'solved' WHERE id = :follow_up_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('email', 'outbound', '2026-11-30 12:00+00', 'tel:+34612345678', 'key-mail-3-reply-2', 'key-mail-3')
RETURNING thread_id = :follow_up_thread AS same_thread, stitch_reason;
SELECT status FROM thread WHERE id = :follow_up_thread;
-- and a closed thread never reopens, whatever names it
UPDATE thread SET status = 'closed' WHERE id = :key_thread;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('email', 'inbound', '2026-11-09 10:00+00', 'tel:+34612345678', 'R-99', 'key-mail-4',
        '{"keys": {"claim": "R-99"}}')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason,
          stitch_evidence->'follow_up_of' = to_jsonb(:key_thread) AS follows_up;
INSERT INTO interaction (channel, direction, occurred_at, contact, external_id, in_reply_to)
VALUES ('email', 'inbound', '2026-11-09 11:00+00', 'tel:+34612345678', 'key-mail-5', 'key-mail-1')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason,
          stitch_evidence->'follow_up_of' = to_jsonb(:key_thread) AS follows_up,
          stitch_evidence->>'follow_up_via' AS via;
-- keys belong to a customer: another customer's A-7788 is their own matter
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-10-28 11:00+00', 'otro.cliente@example.es', 'Mi pedido A-7788', 'key-other')
RETURNING thread_id = :key_thread AS same_thread, stitch_reason, business_keys;
-- a disabled pattern finds nothing
UPDATE business_key_pattern_override SET enabled = false;
INSERT INTO interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-10-29 11:00+00', 'otro.cliente@example.es', 'A-5555', 'key-disabled')
RETURNING business_keys IS NULL AS no_keys;
DELETE FROM business_key_pattern_override;

-- Every interaction is still in a thread of its own customer.
SELECT count(*) AS misplaced
  FROM interaction i JOIN thread t ON t.id = i.thread_id
 WHERE t.customer_id <> i.customer_id;
