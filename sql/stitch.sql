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

-- Recency: a call, then a chat an hour later joins it; a chat three days
-- later does not (chat window 24 h); an SMS two days after the call does
-- (SMS window 72 h).
INSERT INTO interaction (channel, direction, occurred_at, ended_at, contact, subject, external_id)
VALUES ('phone', 'inbound', '2026-10-01 10:00+00', '2026-10-01 10:12+00', '+40 721 234 567',
        'Comanda A-2001', 'rec-call')
RETURNING thread_id AS rec_thread \gset
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-01 11:00+00', 'tel:+40721234567', 'Revin cu o întrebare', 'rec-chat-1')
RETURNING thread_id = :rec_thread AS same_thread, stitch_reason, stitch_evidence;
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-04 11:00+00', 'tel:+40721234567', 'Altă problemă', 'rec-chat-2')
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
INSERT INTO stitch_setting (channel, recency_window) VALUES ('chat', '0'), ('messaging', '7 days');
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
INSERT INTO stitch_setting (channel, recency_window) VALUES ('sms', '-1 hour');
INSERT INTO stitch_setting (channel, recency_window) VALUES ('sms', '1 month');
\set VERBOSITY default
DELETE FROM stitch_setting;

-- A late arrival: a chat stamped before the thread's latest activity joins
-- it too.
INSERT INTO interaction (channel, direction, occurred_at, contact, body, external_id)
VALUES ('chat', 'inbound', '2026-10-12 09:30+00', 'tel:+40721234567', 'Trimis mai devreme', 'rec-late')
RETURNING thread_id = (SELECT thread_id FROM interaction WHERE external_id = 'rec-wa') AS joins, stitch_reason;

-- Every interaction is still in a thread of its own customer.
SELECT count(*) AS misplaced
  FROM interaction i JOIN thread t ON t.id = i.thread_id
 WHERE t.customer_id <> i.customer_id;
