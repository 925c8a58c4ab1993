--
-- Security (issue 13): every attack found on 0.1.0, replayed as the
-- low-privilege roles the docs recommend -- a reporting login
-- (grant_reporting) and a writer (USAGE on the schema, SELECT and INSERT on
-- interaction) -- must fail.  The hostile code used throughout writes a
-- marker row and makes its author a superuser when it runs with more rights
-- than its author's, and prints a NOTICE wherever it runs: no NOTICE may
-- name another role than the attacker.  At the end: no role became a
-- superuser, no marker was written, the rollups, SLA clocks, assignments
-- and threads the attacks went after are unchanged, and the server never
-- restarted.  Refusals show their SQLSTATE where the issue names one.
--
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
\set VERBOSITY terse
SELECT current_user AS su, current_database() AS regress_db,
       pg_postmaster_start_time() AS postmaster_started \gset

-- What hostile code writes when it runs with more rights than its author's.
CREATE TABLE public.regress_sec_marker (who name, what text);
-- Runs a statement and returns its SQLSTATE and message, with the
-- temporary schema (pg_temp_N, N varies) written pg_temp.
CREATE FUNCTION public.regress_sec_try(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS OR query_canceled THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'pg_temp_[0-9]+', 'pg_temp', 'g');
END
$$;
-- n letters and digits that no compression shrinks (a btree entry holds
-- about 2.7 kB): a hash of the position, the same as the COPY below prints
CREATE FUNCTION public.regress_sec_text(seed bigint, n integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(substr('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
                             (x3 % 62)::integer + 1, 1), '' ORDER BY i)
      FROM generate_series(1::bigint, n) AS i,
           LATERAL (SELECT (i * 1597334677 + seed * 40503) % 4294967296 AS x0) AS a,
           LATERAL (SELECT x0 # (x0 >> 15) AS x1) AS b,
           LATERAL (SELECT (x1 * 1103515245) % 4294967296 AS x2) AS c,
           LATERAL (SELECT x2 # (x2 >> 13) AS x3) AS d
$$;
-- A fingerprint of what the attacks went after: the rollups behind
-- customer_360 and channel_kpis, the SLA clocks, the assignments, the
-- threads and the number of interactions; with setup_only, those of the
-- customers, threads and day set up below only (what later legitimate
-- ingest in this file does not touch).
CREATE FUNCTION public.regress_sec_state(setup_only boolean) RETURNS text
LANGUAGE sql
SET TimeZone = 'UTC' SET DateStyle = 'ISO, YMD' SET IntervalStyle = 'postgres' SET extra_float_digits = 1
AS $$
    WITH c AS (SELECT id FROM omnichannel.customer WHERE attributes @> '{"regress": "security"}'),
         t AS (SELECT id FROM omnichannel.thread WHERE customer_id IN (SELECT id FROM c))
    SELECT md5(concat_ws(' | ',
        (SELECT string_agg(d::text, ',' ORDER BY d.day, d.channel) FROM omnichannel.channel_day AS d
          WHERE NOT setup_only OR d.day = '2029-06-01'),
        (SELECT string_agg(r::text, ',' ORDER BY r.customer_id, r.channel) FROM omnichannel.customer_channel AS r
          WHERE NOT setup_only OR r.customer_id IN (SELECT id FROM c)),
        (SELECT string_agg(k::text, ',' ORDER BY k.id) FROM omnichannel.sla_clock AS k
          WHERE NOT setup_only OR k.thread_id IN (SELECT id FROM t)),
        (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM omnichannel.thread_assignment AS a
          WHERE NOT setup_only OR a.thread_id IN (SELECT id FROM t)),
        (SELECT string_agg(h::text, ',' ORDER BY h.id) FROM omnichannel.thread AS h
          WHERE NOT setup_only OR h.id IN (SELECT id FROM t)),
        (SELECT count(*)::text FROM omnichannel.interaction AS i
          WHERE NOT setup_only OR i.customer_id IN (SELECT id FROM c))))
$$;

-- The real data the attacks go after: three customers under an SLA policy,
-- each with a thread whose clocks run; one was answered, one is assigned to
-- an agent.  A second policy starts clocks for any SMS, so that the
-- writer's ingest below moves clocks too.
INSERT INTO omnichannel.sla_policy (name, position, customer_match, first_response, resolution)
VALUES ('regress security', -913, '{"regress": "security"}', '1 hour', '72 hours');
INSERT INTO omnichannel.sla_policy (name, position, channels, first_response)
VALUES ('regress security sms', -912, '{sms}', '1 hour');
INSERT INTO omnichannel.agent (id, status) VALUES ('regress-sec-agent', 'available');
INSERT INTO omnichannel.customer (display_name, attributes)
SELECT 'Security ' || i, '{"regress": "security"}' FROM generate_series(1, 3) AS i;
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, contact, subject, external_id)
SELECT c.id, 'email', 'inbound', '2029-06-01 09:00+00', 'setup' || c.n || '@sec.example',
       'Setup ' || c.n, 'sec-setup-' || c.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM omnichannel.customer
         WHERE attributes @> '{"regress": "security"}') AS c;
INSERT INTO omnichannel.interaction (customer_id, channel, direction, occurred_at, contact, subject,
                                     external_id, in_reply_to)
SELECT customer_id, 'email', 'outbound', '2029-06-01 09:30+00', 'setup2@sec.example', 'Re: Setup 2',
       'sec-setup-2-reply', 'sec-setup-2'
  FROM omnichannel.interaction WHERE external_id = 'sec-setup-2';
SELECT (omnichannel.reassign(thread_id, 'regress-sec-agent', 'setup')).assignee AS assigned
  FROM omnichannel.interaction WHERE external_id = 'sec-setup-1';
SELECT count(*) FILTER (WHERE k.stopped_at IS NULL) AS running_clocks,
       count(*) FILTER (WHERE k.outcome = 'achieved') AS achieved_clocks,
       (SELECT count(*) FROM omnichannel.thread_assignment AS a
         WHERE a.agent = 'regress-sec-agent' AND a.released_at IS NULL) AS open_assignments
  FROM omnichannel.sla_clock AS k
  JOIN omnichannel.thread AS t ON t.id = k.thread_id
  JOIN omnichannel.customer AS c ON c.id = t.customer_id
 WHERE c.attributes @> '{"regress": "security"}';
SELECT public.regress_sec_state(false) AS state_all, public.regress_sec_state(true) AS state_setup \gset
-- (the fingerprint sees what the attacks did in 0.1.0)
BEGIN;
UPDATE omnichannel.channel_day SET outbound = outbound + 5000 WHERE day = '2029-06-01';
SELECT public.regress_sec_state(true) <> :'state_setup' AS sees_fake_messages;
ROLLBACK;
BEGIN;
UPDATE omnichannel.sla_clock SET stopped_at = '2029-06-01 09:10+00', outcome = 'achieved'
 WHERE stopped_at IS NULL
   AND thread_id IN (SELECT thread_id FROM omnichannel.interaction WHERE external_id LIKE 'sec-setup-%');
SELECT public.regress_sec_state(true) <> :'state_setup' AS sees_closed_clocks;
ROLLBACK;
BEGIN;
UPDATE omnichannel.thread_assignment SET released_at = now(), released_how = 'solved'
 WHERE agent = 'regress-sec-agent';
SELECT public.regress_sec_state(true) <> :'state_setup' AS sees_ended_assignment;
ROLLBACK;

-- The roles, with exactly the privileges the docs recommend.
CREATE ROLE regress_sec_reporter LOGIN;
SELECT omnichannel.grant_reporting('regress_sec_reporter');
CREATE ROLE regress_sec_writer LOGIN;
GRANT USAGE ON SCHEMA omnichannel TO regress_sec_writer;
GRANT SELECT, INSERT ON omnichannel.interaction TO regress_sec_writer;

-- ===========================================================================
-- 1. and 3. Trigger functions attached to the attacker's look-alike tables.
-- ===========================================================================
\c - regress_sec_reporter
-- The weapon.  Run by its author, it fires and achieves nothing.
CREATE FUNCTION pg_temp.hostile(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hostile code (%) runs as %', what, current_user;
    BEGIN
        INSERT INTO public.regress_sec_marker VALUES (current_user, what);
        EXECUTE format('ALTER ROLE %I SUPERUSER', session_user);
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$$;
-- a composite type with an implicit cast to timestamptz that runs it
CREATE TYPE pg_temp.stamp AS (at timestamptz);
CREATE FUNCTION pg_temp.stamp_at(s pg_temp.stamp) RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_temp.hostile('cast'); RETURN s.at; END $$;
CREATE CAST (pg_temp.stamp AS timestamptz) WITH FUNCTION pg_temp.stamp_at(pg_temp.stamp) AS IMPLICIT;
SELECT (ROW('2029-06-01 09:00+00')::pg_temp.stamp AT TIME ZONE 'UTC')::date = date '2029-06-01' AS armed;
-- look-alikes of interaction (occurred_at of that type, attributes bytea),
-- thread and the tables and indexes the ingest cache looks up, holding the
-- ids of the real threads and customers (the reporting views show them)
CREATE TEMP TABLE interaction (
    id bigint PRIMARY KEY, customer_id bigint, thread_id bigint, channel text, direction text,
    occurred_at pg_temp.stamp, contact text, subject text, body text, external_id text,
    in_reply_to text, refs text[], attributes bytea, business_keys bytea, subject_key text,
    stitch_reason text, stitch_evidence bytea);
CREATE UNIQUE INDEX interaction_external_id_key ON interaction (external_id, channel);
CREATE TEMP TABLE thread (
    id bigint PRIMARY KEY, customer_id bigint, status text, priority text, assignee text,
    sla_policy_id integer, status_changed_at timestamptz, solved_at timestamptz,
    waiting_since timestamptz, channels text[]);
CREATE TEMP TABLE customer (id bigint PRIMARY KEY, attributes bytea);
CREATE TEMP TABLE customer_identifier (contact text PRIMARY KEY, customer_id bigint);
CREATE TEMP TABLE thread_key (customer_id bigint, name text, value text, thread_id bigint,
                              PRIMARY KEY (customer_id, name, value, thread_id));
CREATE TEMP TABLE pending_reference (external_id text, customer_id bigint, interaction_id bigint,
                                     PRIMARY KEY (external_id, customer_id, interaction_id));
INSERT INTO thread (id, customer_id, status, priority, assignee)
SELECT thread_id, customer_id, status, priority, assignee
  FROM omnichannel.thread_facts WHERE sla_policy = 'regress security';
INSERT INTO interaction (id, customer_id, thread_id, channel, direction, occurred_at, external_id)
SELECT i, t.customer_id, t.id, 'email', 'inbound', ROW('2029-06-01 09:00+00')::pg_temp.stamp, 'fake-' || i
  FROM generate_series(1, 5000) AS i
  CROSS JOIN LATERAL (SELECT * FROM thread ORDER BY id OFFSET i % 3 LIMIT 1) AS t;
SELECT count(*) AS real_threads_targeted FROM thread;
-- 1. rollup_after_change() on DELETE (the cast would run as the owner),
-- TRUNCATE (would empty the rollups), UPDATE (5,000 fake outbound messages)
CREATE TRIGGER rollup_after_delete AFTER DELETE ON interaction
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
\echo SQLSTATE :SQLSTATE
CREATE TRIGGER rollup_after_truncate AFTER TRUNCATE ON interaction
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE TRIGGER rollup_after_update AFTER UPDATE ON interaction
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
-- ... sla_status_change() and assignment_on_status() on the look-alike
-- thread (would close the real clocks as achieved, end the assignment)
CREATE TRIGGER sla_status BEFORE UPDATE ON thread
    FOR EACH ROW EXECUTE FUNCTION omnichannel.sla_status_change();
CREATE TRIGGER assignment_on_status AFTER UPDATE OF status ON thread
    FOR EACH ROW EXECUTE FUNCTION omnichannel.assignment_on_status();
-- 3. the C ingest triggers on the look-alike interaction (0.1.0: SIGSEGV)
CREATE TRIGGER ingest BEFORE INSERT ON interaction
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_before_insert();
CREATE TRIGGER "Ingest_threads" AFTER INSERT ON interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_after_row();
CREATE TRIGGER ingest_flush AFTER INSERT ON interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.interaction_after_statement();
-- every trigger function of the extension, and its event trigger function
SELECT p.proname AS trigger_function,
       public.regress_sec_try(format('CREATE TRIGGER regress_sec AFTER INSERT ON pg_temp.customer '
                                     'FOR EACH ROW EXECUTE FUNCTION %s()', p.oid::regproc)) AS attach
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prorettype = 'trigger'::regtype
 ORDER BY p.proname;
CREATE EVENT TRIGGER regress_sec ON ddl_command_start EXECUTE FUNCTION omnichannel.guard_drop();
-- the statements that fired them in 0.1.0 fire nothing now
DELETE FROM interaction WHERE id <= 10;
UPDATE interaction SET direction = 'outbound';
UPDATE thread SET status = 'solved';
TRUNCATE interaction;
-- 8. and every SECURITY DEFINER function (customer_channel_refresh among
-- them); sla_calendar_of() runs with the caller's rights and reads tables
-- this login may not (no oracle of which ids exist)
SELECT p.proname AS definer_function,
       public.regress_sec_try(format('SELECT %s(%s)', p.oid::regproc,
                                     (SELECT string_agg('(SELECT NULL::' || format_type(a, NULL) || ')', ', ')
                                        FROM unnest(p.proargtypes) AS a))) AS call
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prosecdef
   AND p.prorettype <> 'trigger'::regtype
 ORDER BY p.proname;
SELECT omnichannel.customer_channel_refresh(ARRAY[1, 2, 3]);
\echo SQLSTATE :SQLSTATE
SELECT omnichannel.sla_calendar_of(1);
SELECT omnichannel.sla_calendar_of(-1);
SELECT p.prosecdef AS sla_calendar_of_is_definer FROM pg_proc AS p
 WHERE p.oid = 'omnichannel.sla_calendar_of(integer)'::regprocedure;

\c - :su
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_sec%' ORDER BY 1;
SELECT count(*) AS marker_rows FROM public.regress_sec_marker;
SELECT public.regress_sec_state(false) = :'state_all' AS rollups_clocks_threads_unchanged;

-- Defence in depth: had EXECUTE on them been granted by mistake, every
-- trigger function still refuses any table but its own, before it reads
-- a row (the cast never runs) -- and the backend survives.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc AS p
              WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prorettype = 'trigger'::regtype
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO regress_sec_reporter', f);
    END LOOP;
END
$$;
\c - regress_sec_reporter
CREATE FUNCTION pg_temp.hostile(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hostile code (%) runs as %', what, current_user;
    BEGIN
        INSERT INTO public.regress_sec_marker VALUES (current_user, what);
        EXECUTE format('ALTER ROLE %I SUPERUSER', session_user);
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$$;
CREATE TYPE pg_temp.stamp AS (at timestamptz);
CREATE FUNCTION pg_temp.stamp_at(s pg_temp.stamp) RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_temp.hostile('cast'); RETURN s.at; END $$;
CREATE CAST (pg_temp.stamp AS timestamptz) WITH FUNCTION pg_temp.stamp_at(pg_temp.stamp) AS IMPLICIT;
CREATE TEMP TABLE interaction (
    id bigint PRIMARY KEY, customer_id bigint, thread_id bigint, channel text, direction text,
    occurred_at pg_temp.stamp, contact text, subject text, body text, external_id text,
    in_reply_to text, refs text[], attributes bytea, business_keys bytea, subject_key text,
    stitch_reason text, stitch_evidence bytea);
CREATE UNIQUE INDEX interaction_external_id_key ON interaction (external_id, channel);
CREATE TEMP TABLE thread (
    id bigint PRIMARY KEY, customer_id bigint, status text, priority text, assignee text,
    sla_policy_id integer, status_changed_at timestamptz, solved_at timestamptz,
    waiting_since timestamptz, channels text[]);
CREATE TEMP TABLE customer (id bigint PRIMARY KEY, attributes bytea);
CREATE TEMP TABLE customer_identifier (contact text PRIMARY KEY, customer_id bigint);
CREATE TEMP TABLE thread_key (customer_id bigint, name text, value text, thread_id bigint,
                              PRIMARY KEY (customer_id, name, value, thread_id));
CREATE TEMP TABLE pending_reference (external_id text, customer_id bigint, interaction_id bigint,
                                     PRIMARY KEY (external_id, customer_id, interaction_id));
INSERT INTO thread (id, customer_id, status, priority, assignee)
SELECT thread_id, customer_id, status, priority, assignee
  FROM omnichannel.thread_facts WHERE sla_policy = 'regress security';
INSERT INTO interaction (id, customer_id, thread_id, channel, direction, occurred_at, external_id)
SELECT i, t.customer_id, t.id, 'email', 'inbound', ROW('2029-06-01 09:00+00')::pg_temp.stamp, 'fake-' || i
  FROM generate_series(1, 5000) AS i
  CROSS JOIN LATERAL (SELECT * FROM thread ORDER BY id OFFSET i % 3 LIMIT 1) AS t;
-- 1. the rollup trigger on DELETE, UPDATE and TRUNCATE
CREATE TRIGGER rollup_after_delete AFTER DELETE ON interaction
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE TRIGGER rollup_after_update AFTER UPDATE ON interaction
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
CREATE TRIGGER rollup_after_truncate AFTER TRUNCATE ON interaction
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.rollup_after_change();
SELECT public.regress_sec_try('DELETE FROM interaction WHERE id <= 10') AS "delete";
SELECT public.regress_sec_try('UPDATE interaction SET direction = ''outbound''') AS "update";
SELECT public.regress_sec_try('TRUNCATE interaction') AS "truncate";
SELECT count(*) AS lookalike_rows_left FROM interaction;  -- (the refusals rolled the statements back)
DROP TRIGGER rollup_after_delete ON interaction;
DROP TRIGGER rollup_after_update ON interaction;
DROP TRIGGER rollup_after_truncate ON interaction;
-- ... the SLA and assignment triggers on the look-alike thread
CREATE TRIGGER sla_status BEFORE UPDATE ON thread
    FOR EACH ROW EXECUTE FUNCTION omnichannel.sla_status_change();
CREATE TRIGGER assignment_on_status AFTER UPDATE OF status ON thread
    FOR EACH ROW EXECUTE FUNCTION omnichannel.assignment_on_status();
SELECT public.regress_sec_try('UPDATE thread SET status = ''solved''') AS sla_status;
DROP TRIGGER sla_status ON thread;
SELECT public.regress_sec_try('UPDATE thread SET status = ''solved''') AS assignment_on_status;
-- 3. the C ingest triggers, one after the other
CREATE TRIGGER ingest BEFORE INSERT ON interaction
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_before_insert();
CREATE TRIGGER "Ingest_threads" AFTER INSERT ON interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH ROW EXECUTE FUNCTION omnichannel.interaction_after_row();
CREATE TRIGGER ingest_flush AFTER INSERT ON interaction
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION omnichannel.interaction_after_statement();
SELECT public.regress_sec_try($$INSERT INTO interaction (id, channel, direction, occurred_at, contact, external_id, attributes)
                                VALUES (10001, 'email', 'inbound', ROW('2029-06-01 09:00+00'), 'setup1@sec.example', 'x', '\x00')$$)
       AS before_insert;
DROP TRIGGER ingest ON interaction;
SELECT public.regress_sec_try($$INSERT INTO interaction (id, channel, direction, occurred_at, contact, external_id, stitch_reason)
                                VALUES (10002, 'email', 'inbound', ROW('2029-06-01 09:00+00'), 'setup1@sec.example', 'y', 'new')$$)
       AS after_row;
DROP TRIGGER "Ingest_threads" ON interaction;
SELECT public.regress_sec_try($$INSERT INTO interaction (id, channel, direction, occurred_at, contact, external_id)
                                VALUES (10003, 'email', 'inbound', ROW('2029-06-01 09:00+00'), 'setup1@sec.example', 'z')$$)
       AS after_statement;
-- every other trigger function of the extension, fired on a table of ours
CREATE TEMP TABLE lookalike (id bigint, status text, customer_id bigint);
SELECT p.proname AS trigger_function,
       public.regress_sec_try(format('CREATE TRIGGER regress_sec BEFORE INSERT ON pg_temp.lookalike '
                                     'FOR EACH ROW EXECUTE FUNCTION %s()', p.oid::regproc)) AS attach,
       public.regress_sec_try('INSERT INTO pg_temp.lookalike VALUES (1, ''solved'', 1)') AS fire,
       public.regress_sec_try('DROP TRIGGER regress_sec ON pg_temp.lookalike') AS detach
  FROM pg_proc AS p
 WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prorettype = 'trigger'::regtype
   AND p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
 ORDER BY p.proname;
SELECT 'still connected' AS backend;

\c - :su
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_sec%' ORDER BY 1;
SELECT count(*) AS marker_rows FROM public.regress_sec_marker;
SELECT public.regress_sec_state(false) = :'state_all' AS rollups_clocks_threads_unchanged;
SELECT pg_postmaster_start_time() = :'postmaster_started' AS no_restart;
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc AS p
              WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prorettype = 'trigger'::regtype
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM regress_sec_reporter', f);
    END LOOP;
END
$$;

-- ===========================================================================
-- 2. The writer shadows names in pg_temp, then inserts: cold and warm.
-- ===========================================================================
-- In the writer's session: the weapon; pg_temp.date, a domain whose CHECK
-- runs it; a domain named like every type of the extension; a view named
-- like every table of the extension over a table whose trigger runs it (an
-- owner-context query resolving any of these names through pg_temp would
-- run it with the owner's rights).
\c - regress_sec_writer
CREATE FUNCTION pg_temp.hostile(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hostile code (%) runs as %', what, current_user;
    BEGIN
        INSERT INTO public.regress_sec_marker VALUES (current_user, what);
        EXECUTE format('ALTER ROLE %I SUPERUSER', session_user);
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$$;
CREATE FUNCTION pg_temp.hostile_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_temp.hostile(TG_ARGV[0]); RETURN NULL; END $$;
CREATE FUNCTION pg_temp.plant() RETURNS boolean
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    n name;
BEGIN
    CREATE DOMAIN pg_temp.date AS pg_catalog.date CHECK (pg_temp.hostile('domain date'));
    CREATE TABLE pg_temp.shadow_rows (id bigint);
    INSERT INTO pg_temp.shadow_rows VALUES (1);
    CREATE TRIGGER hostile BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.shadow_rows
        FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.hostile_trigger('table');
    FOR n IN SELECT t.typname FROM pg_type AS t
              WHERE t.typnamespace = 'omnichannel'::regnamespace AND t.typrelid = 0
                AND t.typelem = 0 ORDER BY 1
    LOOP
        EXECUTE format('CREATE DOMAIN pg_temp.%I AS pg_catalog.text CHECK (pg_temp.hostile(%L))',
                       n, 'domain ' || n);
    END LOOP;
    FOR n IN SELECT c.relname FROM pg_class AS c
              WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind IN ('r', 'v', 'p')
              ORDER BY 1
    LOOP
        EXECUTE format('CREATE VIEW pg_temp.%I AS SELECT * FROM pg_temp.shadow_rows WHERE pg_temp.hostile(%L)',
                       n, 'view ' || n);
    END LOOP;
    RETURN true;
END
$$;
SELECT pg_temp.plant() AS planted;
SELECT CAST('2030-01-06' AS pg_temp.date) IS NOT NULL AS armed;
SET search_path = pg_temp, "$user", public, omnichannel;
-- a cold connection: its first insert plans every ingest query with them in place
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id,
                                     in_reply_to, attributes)
VALUES ('email', 'inbound', '2030-01-06 09:00+00', 'shadow.a@sec.example', 'Order A-7001',
        'sec-shadow-1', NULL, '{"keys": {"order": "A-7001"}}'),
       ('email', 'outbound', '2030-01-06 10:00+00', 'shadow.a@sec.example', 'Re: Order A-7001',
        'sec-shadow-2', 'sec-shadow-1', '{}'),
       ('web', 'inbound', '2030-01-06 11:00+00', 'shadow.a@sec.example', 'Photos',
        'sec-shadow-4', 'sec-shadow-3', '{"identifiers": ["+48 601 913 001", "shadow.b@sec.example"]}'),
       ('email', 'inbound', '2030-01-06 11:05+00', 'shadow.a@sec.example', 'More photos',
        'sec-shadow-7', 'sec-shadow-3', '{}'),
       ('sms', 'inbound', '2030-01-06 12:00+00', '+48 601 913 002', 'Where is A-7001?',
        'sec-shadow-5', NULL, '{"keys": {"order": "A-7001"}}')
ON CONFLICT DO NOTHING
RETURNING external_id, stitch_reason;
-- warm: a late arrival (merge), a retried delivery, a reply that stops a clock
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2030-01-06 10:30+00', 'shadow.a@sec.example', 'Your photos', 'sec-shadow-3'),
       ('email', 'inbound', '2030-01-06 09:00+00', 'shadow.a@sec.example', 'Order A-7001', 'sec-shadow-1')
ON CONFLICT DO NOTHING
RETURNING external_id, stitch_reason;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('sms', 'outbound', '2030-01-06 12:10+00', '+48 601 913 002', 'On its way', 'sec-shadow-6', 'sec-shadow-5')
RETURNING external_id, stitch_reason;
SELECT rolsuper FROM pg_roles WHERE rolname = current_user;

-- a warm connection: the plans exist before the names are planted
\c - regress_sec_writer
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('sms', 'inbound', '2030-01-07 09:00+00', '+48 601 913 003', 'Hello', 'sec-warm-1')
RETURNING external_id, stitch_reason;
CREATE FUNCTION pg_temp.hostile(what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hostile code (%) runs as %', what, current_user;
    BEGIN
        INSERT INTO public.regress_sec_marker VALUES (current_user, what);
        EXECUTE format('ALTER ROLE %I SUPERUSER', session_user);
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN true;
END
$$;
CREATE FUNCTION pg_temp.hostile_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_temp.hostile(TG_ARGV[0]); RETURN NULL; END $$;
CREATE FUNCTION pg_temp.plant() RETURNS boolean
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    n name;
BEGIN
    CREATE DOMAIN pg_temp.date AS pg_catalog.date CHECK (pg_temp.hostile('domain date'));
    CREATE TABLE pg_temp.shadow_rows (id bigint);
    INSERT INTO pg_temp.shadow_rows VALUES (1);
    CREATE TRIGGER hostile BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.shadow_rows
        FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.hostile_trigger('table');
    FOR n IN SELECT t.typname FROM pg_type AS t
              WHERE t.typnamespace = 'omnichannel'::regnamespace AND t.typrelid = 0
                AND t.typelem = 0 ORDER BY 1
    LOOP
        EXECUTE format('CREATE DOMAIN pg_temp.%I AS pg_catalog.text CHECK (pg_temp.hostile(%L))',
                       n, 'domain ' || n);
    END LOOP;
    FOR n IN SELECT c.relname FROM pg_class AS c
              WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind IN ('r', 'v', 'p')
              ORDER BY 1
    LOOP
        EXECUTE format('CREATE VIEW pg_temp.%I AS SELECT * FROM pg_temp.shadow_rows WHERE pg_temp.hostile(%L)',
                       n, 'view ' || n);
    END LOOP;
    RETURN true;
END
$$;
SELECT pg_temp.plant() AS planted;
SELECT CAST('2030-01-06' AS pg_temp.date) IS NOT NULL AS armed;
SET search_path = pg_temp, "$user", public, omnichannel;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id,
                                     in_reply_to, attributes)
VALUES ('sms', 'inbound', '2030-01-07 09:05+00', '+48 601 913 003', 'Order A-7002', 'sec-warm-2',
        NULL, '{"keys": {"order": "A-7002"}}'),
       ('email', 'inbound', '2030-01-07 09:10+00', 'shadow.c@sec.example', 'Re: Hello', 'sec-warm-3',
        'sec-warm-1', '{"identifiers": ["shadow.d@sec.example"]}')
RETURNING external_id, stitch_reason;

-- every ingest path ran with the names planted: stitching, identifiers,
-- a late-arrival merge, SLA clocks started and stopped
\c - :su
SELECT count(*) AS late_merges FROM omnichannel.thread_event
 WHERE reason = 'late arrival'
   AND customer_id = (SELECT customer_id FROM omnichannel.interaction WHERE external_id = 'sec-shadow-1');
SELECT count(*) AS identifiers_linked FROM omnichannel.customer_identifier
 WHERE contact OPERATOR(omnichannel.=) '+48 601 913 001'
    OR contact OPERATOR(omnichannel.=) 'shadow.d@sec.example';
SELECT k.metric, k.outcome FROM omnichannel.sla_clock AS k
 WHERE k.thread_id = (SELECT thread_id FROM omnichannel.interaction WHERE external_id = 'sec-shadow-5')
 ORDER BY k.id;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_sec%' ORDER BY 1;
SELECT count(*) AS marker_rows FROM public.regress_sec_marker;

-- ===========================================================================
-- 8. What the writer recipe no longer allows; times must be finite.
-- ===========================================================================
\c - regress_sec_writer
SELECT min(thread_id) AS t1, max(thread_id) AS t2, min(id) AS i1
  FROM omnichannel.interaction WHERE external_id LIKE 'sec-shadow-%' \gset
SELECT omnichannel.merge_threads(:t1, :t2, 'writer');
SELECT omnichannel.split_thread(:i1, 'writer');
SELECT omnichannel.move_interaction(:i1, :t2, 'writer');
UPDATE omnichannel.thread SET status = 'solved' WHERE id = :t1;
UPDATE omnichannel.sla_clock SET stopped_at = now();
UPDATE omnichannel.interaction SET direction = 'outbound' WHERE id = :i1;
DELETE FROM omnichannel.interaction WHERE id = :i1;
TRUNCATE omnichannel.interaction;
SELECT omnichannel.recompute_sla();
\echo SQLSTATE :SQLSTATE
-- occurred_at and ended_at must be finite (0.1.0 rolled infinity up as a
-- day in year 294277 and failed inside the rollup on -infinity)
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('email', 'inbound', 'infinity', 'shadow.a@sec.example', 'sec-inf-1');
\echo SQLSTATE :SQLSTATE
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, external_id)
VALUES ('email', 'inbound', '-infinity', 'shadow.a@sec.example', 'sec-inf-2');
\echo SQLSTATE :SQLSTATE
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, ended_at, contact, external_id)
VALUES ('phone', 'inbound', '2030-01-07 10:00+00', 'infinity', 'shadow.a@sec.example', 'sec-inf-3');
\echo SQLSTATE :SQLSTATE
SELECT count(*) AS infinite_rows FROM omnichannel.interaction WHERE external_id LIKE 'sec-inf-%';
-- ... and an UPDATE (by the table's owner: the writer may not) cannot make them infinite
\c - :su
UPDATE omnichannel.interaction SET occurred_at = 'infinity' WHERE external_id = 'sec-shadow-1';
\echo SQLSTATE :SQLSTATE
UPDATE omnichannel.interaction SET occurred_at = '-infinity' WHERE external_id = 'sec-shadow-1';
UPDATE omnichannel.interaction SET ended_at = 'infinity' WHERE external_id = 'sec-shadow-1';
\c - regress_sec_writer

-- ===========================================================================
-- 7. A long business-time walk from small input is cancellable.
-- ===========================================================================
SET statement_timeout = '200ms';
SELECT omnichannel.business_time_add(
           omnichannel.business_hours('{"time_zone": "Europe/Warsaw", "hours": {"mon": [["09:00", "17:00"]]}}'),
           '200000-01-01 00:00+00', '-50000000 hours');
\echo SQLSTATE :SQLSTATE
RESET statement_timeout;

-- ===========================================================================
-- 6. A 10,000-row COPY by the writer with one 3,000-character In-Reply-To,
-- one 3,000-character external id and one 5 MB business key: every row
-- loads, and the long ones stitch.  None of these values fits a btree entry,
-- compressed or not:
-- ===========================================================================
CREATE TEMP TABLE btree_entry (value text PRIMARY KEY);
SELECT left(public.regress_sec_try('INSERT INTO btree_entry VALUES (public.regress_sec_text(11, 3000))'), 5) AS long_id,
       left(public.regress_sec_try('INSERT INTO btree_entry VALUES (public.regress_sec_text(12, 3000))'), 5) AS long_in_reply_to,
       left(public.regress_sec_try('INSERT INTO btree_entry VALUES (public.regress_sec_text(13, 3000))'), 5) AS long_reference,
       left(public.regress_sec_try($$INSERT INTO btree_entry VALUES ('ORD-' || repeat('7', 5242876))$$), 5) AS long_key;
SELECT coalesce(max(id), 0) AS before_copy FROM omnichannel.interaction \gset
\copy omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to, refs, attributes) FROM PROGRAM 'perl -e ''sub t { my ($s, $n) = @_; my $a = join "", "a" .. "z", "A" .. "Z", 0 .. 9; join "", map { my $x = ($_ * 1597334677 + $s * 40503) % 4294967296; $x ^= $x >> 15; $x = ($x * 1103515245) % 4294967296; $x ^= $x >> 13; substr($a, $x % 62, 1) } 1 .. $n } sub row { print join("\t", @_), "\n" } my $at = q{@sec.example}; row("email", "inbound", "2030-02-02 09:00:00+00", "long.ref$at", "Long id", t(11, 3000), "\\N", "\\N", "{}"); for my $i (1 .. 9997) { row("email", "inbound", sprintf("2030-02-01 %02d:%02d:%02d+00", $i / 3600, $i / 60 % 60, $i % 60), "bulk" . ($i % 50) . $at, "Bulk order " . ($i % 50), "sec-bulk-$i", "\\N", "\\N", "{}"); row("email", "inbound", "2030-02-02 10:00:00+00", "long.ref$at", "Early reply", "sec-bulk-early-reply", t(12, 3000), "{" . t(13, 3000) . "}", "{}") if $i == 5000 } row("email", "inbound", "2030-02-02 11:00:00+00", "long.key$at", "Big order", "sec-bulk-key", "\\N", "\\N", "{\"keys\": {\"order\": \"ORD-" . ("7" x 5242876) . "\"}}")'''
\c - :su
SELECT count(*) AS rows_loaded,
       count(*) FILTER (WHERE length(in_reply_to) = 3000) AS long_in_reply_to,
       count(*) FILTER (WHERE length(refs[1]) = 3000) AS long_refs,
       count(*) FILTER (WHERE external_id = omnichannel.lookup_key(public.regress_sec_text(11, 3000))) AS long_external_id,
       count(*) FILTER (WHERE attributes -> 'keys' ->> 'order' = 'ORD-' || repeat('7', 5242876)) AS long_key
  FROM omnichannel.interaction WHERE id > :before_copy;
-- stored in look-up form: the digest of the value
SELECT left(external_id, 19) AS prefix, length(external_id) AS length
  FROM omnichannel.interaction WHERE external_id = omnichannel.lookup_key(public.regress_sec_text(11, 3000));
SELECT business_keys ->> 'order' = omnichannel.lookup_key('ORD-' || repeat('7', 5242876)) AS key_in_lookup_form
  FROM omnichannel.interaction WHERE external_id = 'sec-bulk-key';
\c - regress_sec_writer
-- a later message with the same 5 MB key joins its thread
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, attributes)
VALUES ('email', 'inbound', '2030-02-03 09:00+00', 'long.key@sec.example', 'Another matter', 'sec-after-key',
        jsonb_build_object('keys', jsonb_build_object('order', 'ORD-' || repeat('7', 5242876))))
RETURNING stitch_reason,
          thread_id = (SELECT i.thread_id FROM omnichannel.interaction AS i
                        WHERE i.external_id = 'sec-bulk-key') AS same_thread;
-- a reply naming the stored message by its 3,000-character id joins it
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'outbound', '2030-02-03 10:00+00', 'long.ref@sec.example', 'Answer', 'sec-after-reply',
        public.regress_sec_text(11, 3000))
RETURNING stitch_reason,
          thread_id = (SELECT i.thread_id FROM omnichannel.interaction AS i
                        WHERE i.external_id = omnichannel.lookup_key(public.regress_sec_text(11, 3000))) AS same_thread;
-- the messages its 3,000-character In-Reply-To and References named arrive
-- late: all three join
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'outbound', '2030-02-02 08:00+00', 'long.ref@sec.example', 'The original',
        public.regress_sec_text(12, 3000)),
       ('email', 'outbound', '2030-02-02 07:00+00', 'long.ref@sec.example', 'The first',
        public.regress_sec_text(13, 3000))
RETURNING stitch_reason;
SELECT count(DISTINCT thread_id) AS threads
  FROM omnichannel.interaction
 WHERE external_id IN ('sec-bulk-early-reply', omnichannel.lookup_key(public.regress_sec_text(12, 3000)),
                       omnichannel.lookup_key(public.regress_sec_text(13, 3000)));
-- a queue name too long for the dispatch index is kept in look-up form
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, queue, external_id)
VALUES ('chat', 'inbound', '2030-02-03 11:00+00', 'long.queue@sec.example',
        public.regress_sec_text(14, 3000), 'sec-long-queue');
\c - :su
SELECT t.queue = omnichannel.lookup_key(public.regress_sec_text(14, 3000)) AS queue_in_lookup_form
  FROM omnichannel.thread AS t
 WHERE t.id = (SELECT i.thread_id FROM omnichannel.interaction AS i WHERE i.external_id = 'sec-long-queue');

-- ===========================================================================
-- 7. Business-key patterns without a linear-time guarantee are refused.
-- ===========================================================================
\c - :su
INSERT INTO omnichannel.business_key_pattern_override (name, pattern) VALUES ('ticket', '(\w{4,})\W.*\1');
\echo SQLSTATE :SQLSTATE
INSERT INTO omnichannel.business_key_pattern_override (name, pattern) VALUES ('ahead', '(?=.*order)(A-[0-9]{4,})');
INSERT INTO omnichannel.business_key_pattern_override (name, pattern) VALUES ('behind', '(?<=#)([0-9]{4,})');
INSERT INTO omnichannel.business_key_pattern_override (name, pattern) VALUES ('not_ahead', '(?!X)(A-[0-9]{4,})');
-- a disabled one is stored, and refused when enabled
INSERT INTO omnichannel.business_key_pattern_override (name, pattern, enabled) VALUES ('ticket', '(\w{4,})\W.*\1', false);
UPDATE omnichannel.business_key_pattern_override SET enabled = true WHERE name = 'ticket';
DELETE FROM omnichannel.business_key_pattern_override WHERE name = 'ticket';
SELECT count(*) AS patterns_stored FROM omnichannel.business_key_pattern_override
 WHERE name IN ('ticket', 'ahead', 'behind', 'not_ahead');

-- ===========================================================================
-- 5. Someone who may create in public plants look-alike operators.
-- ===========================================================================
CREATE ROLE regress_sec_planter LOGIN;
SELECT count(*) AS views FROM omnichannel.grant_reporting('regress_sec_planter');
GRANT CREATE ON SCHEMA public TO regress_sec_planter;  -- as public was before PostgreSQL 15
\c - regress_sec_planter
CREATE FUNCTION public.cp_eq(omnichannel.contact_point, omnichannel.contact_point) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'hostile operator runs as %', current_user;
    BEGIN
        INSERT INTO public.regress_sec_marker VALUES (current_user, 'operator');
        ALTER ROLE regress_sec_planter SUPERUSER;
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
    RETURN false;
END
$$;
CREATE FUNCTION public.cp_eq(omnichannel.contact_point, text) RETURNS boolean
LANGUAGE sql AS $$ SELECT public.cp_eq($1, $2::omnichannel.contact_point) $$;
CREATE OPERATOR public.= (LEFTARG = omnichannel.contact_point, RIGHTARG = omnichannel.contact_point,
                          FUNCTION = public.cp_eq);
CREATE OPERATOR public.= (LEFTARG = omnichannel.contact_point, RIGHTARG = text, FUNCTION = public.cp_eq);
SET search_path = public, omnichannel;
SELECT 'a@sec.example'::contact_point = 'a@sec.example' AS armed;
-- the writer, with public first on its path, ingests: nothing of public is used
\c - regress_sec_writer
SET search_path = "$user", public, omnichannel;
INSERT INTO omnichannel.interaction (channel, direction, occurred_at, contact, subject, external_id, in_reply_to)
VALUES ('email', 'inbound', '2030-01-08 09:00+00', 'shadow.a@sec.example', 'Re: Photos', 'sec-public-1', 'sec-shadow-4')
RETURNING stitch_reason;
-- the DBA, with the recommended path (omnichannel before public), compares
-- contact points: the extension's operator is the one chosen
\c - :su
SET search_path = "$user", omnichannel, public;
SELECT count(*) AS found FROM omnichannel.customer_identifier WHERE contact = 'shadow.a@sec.example';
SELECT count(*) AS found FROM omnichannel.interaction
 WHERE contact IN ('shadow.a@sec.example', 'shadow.b@sec.example') AND external_id LIKE 'sec-shadow-%';
RESET search_path;

-- ===========================================================================
-- 4. A schema created before CREATE EXTENSION by someone else is refused.
-- ===========================================================================
CREATE DATABASE regress_oc_sec;
CREATE ROLE regress_sec_creator LOGIN;
GRANT CREATE ON DATABASE regress_oc_sec TO regress_sec_creator;
\c regress_oc_sec regress_sec_creator
CREATE SCHEMA omnichannel;
-- an overload for SECURITY DEFINER code to pick up
CREATE FUNCTION omnichannel.sla_calendar_of(policy bigint) RETURNS text
LANGUAGE sql AS $$ SELECT 'planted' $$;
\c regress_oc_sec :su
\set VERBOSITY default
CREATE EXTENSION omnichannel;
\echo SQLSTATE :SQLSTATE
-- owned by a superuser, still holding the planted function
ALTER SCHEMA omnichannel OWNER TO :"su";
CREATE EXTENSION omnichannel;
-- a superuser's own and empty, but others may create in it
DROP SCHEMA omnichannel CASCADE;
CREATE SCHEMA omnichannel;
GRANT CREATE ON SCHEMA omnichannel TO regress_sec_creator;
CREATE EXTENSION omnichannel;
GRANT CREATE ON SCHEMA omnichannel TO PUBLIC;
CREATE EXTENSION omnichannel;
\set VERBOSITY terse
SELECT count(*) AS installed FROM pg_extension WHERE extname = 'omnichannel';
-- a superuser's own schema, no one else's grant: accepted
REVOKE CREATE ON SCHEMA omnichannel FROM regress_sec_creator, PUBLIC;
CREATE EXTENSION omnichannel;
SELECT extname, extnamespace::regnamespace AS schema FROM pg_extension WHERE extname = 'omnichannel';
DROP EXTENSION omnichannel;
\c :regress_db :su
DROP DATABASE regress_oc_sec;

-- ===========================================================================
-- After every attack.
-- ===========================================================================
SET TimeZone = 'UTC';
SELECT rolname, rolsuper FROM pg_roles WHERE rolname LIKE 'regress_sec%' ORDER BY 1;
SELECT count(*) AS marker_rows FROM public.regress_sec_marker;
SELECT public.regress_sec_state(true) = :'state_setup' AS attacked_rollups_clocks_threads_unchanged;
SELECT pg_postmaster_start_time() = :'postmaster_started' AS server_never_restarted;

-- Clean up: the policies and the agent retire (the history stays, as in the
-- other tests), the roles, their grants and objects and the helpers go.
UPDATE omnichannel.sla_policy SET active = false WHERE name LIKE 'regress security%';
UPDATE omnichannel.agent SET status = 'offline' WHERE id = 'regress-sec-agent';
DROP OWNED BY regress_sec_reporter, regress_sec_writer, regress_sec_planter, regress_sec_creator;
DROP ROLE regress_sec_reporter, regress_sec_writer, regress_sec_planter, regress_sec_creator;
DROP FUNCTION public.regress_sec_try(text), public.regress_sec_text(bigint, integer),
              public.regress_sec_state(boolean);
DROP TABLE public.regress_sec_marker;
