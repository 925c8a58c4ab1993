-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/85_sla.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.always_open()
RETURNS omnichannel.business_hours
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN omnichannel.business_hours(
    '{"time_zone": "UTC", "hours": {"mon": [["00:00","24:00"]], "tue": [["00:00","24:00"]],
      "wed": [["00:00","24:00"]], "thu": [["00:00","24:00"]], "fri": [["00:00","24:00"]],
      "sat": [["00:00","24:00"]], "sun": [["00:00","24:00"]]}}'::pg_catalog.jsonb);
COMMENT ON FUNCTION omnichannel.always_open() IS
    'The around-the-clock calendar, used by SLA policies without a calendar';

CREATE OR REPLACE FUNCTION omnichannel.sla_policy_touch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM omnichannel.check_trigger_table('sla_policy_touch', TG_RELID, 'sla_policy', 'business_calendar');
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_policy_touch() IS
    'Trigger: keeps updated_at of SLA policies and calendars current';
CREATE OR REPLACE TRIGGER sla_policy_touch BEFORE UPDATE ON omnichannel.sla_policy
    FOR EACH ROW EXECUTE FUNCTION omnichannel.sla_policy_touch();
COMMENT ON TRIGGER sla_policy_touch ON omnichannel.sla_policy IS 'Keeps updated_at current';
CREATE OR REPLACE TRIGGER business_calendar_touch BEFORE UPDATE ON omnichannel.business_calendar
    FOR EACH ROW EXECUTE FUNCTION omnichannel.sla_policy_touch();
COMMENT ON TRIGGER business_calendar_touch ON omnichannel.business_calendar IS 'Keeps updated_at current';

CREATE OR REPLACE TRIGGER sla_event_append_only
    BEFORE UPDATE OR DELETE ON omnichannel.sla_event
    FOR EACH ROW EXECUTE FUNCTION omnichannel.audit_append_only(
        'SLA events are append-only',
        'Change the policy or the calendar and run omnichannel.recompute_sla() instead.',
        'move', 'redact');
COMMENT ON TRIGGER sla_event_append_only ON omnichannel.sla_event IS
    'Keeps the SLA log append-only';

-- Helpers ---------------------------------------------------------------------------

-- The one definition of which policy applies: the first active match in
-- position order, among the policies given (the callers read the table
-- once per statement: sla_policies()).  No SET clause and no table,
-- so that the set-wise callers (sla_ingest, recompute_sla) get it inlined,
-- which on Citus a function reading a table cannot be; every name and
-- operator is qualified.
CREATE OR REPLACE FUNCTION omnichannel.sla_policy_match(policies omnichannel.sla_policy[],
                                                        channel omnichannel.channel,
                                                        priority omnichannel.priority,
                                                        customer_attributes jsonb)
RETURNS TABLE (policy_id integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT p.id
      FROM pg_catalog.unnest($1) AS p
     WHERE p.active
       AND (p.channels IS NULL OR $2 OPERATOR(pg_catalog.=) ANY (p.channels))
       AND (p.priorities IS NULL OR $3 OPERATOR(pg_catalog.=) ANY (p.priorities))
       AND (p.customer_match IS NULL
            OR COALESCE($4, '{}'::pg_catalog.jsonb) OPERATOR(pg_catalog.@>) p.customer_match)
     ORDER BY p.position, p.id
     LIMIT 1
$$;
COMMENT ON FUNCTION omnichannel.sla_policy_match(omnichannel.sla_policy[], omnichannel.channel,
                                                 omnichannel.priority, jsonb) IS
    'The SLA policy that applies among the given policies (sla_policies()), as a row (none: no row): the first active policy in position order whose channels, priorities and customer_match hold; the one definition sla_policy_for, ingest and recompute_sla use';

-- The policies, and their calendars, are read by the caller once and
-- handed to the queries that need them: on Citus a query of one customer
-- is run on its shard whole, where a function that reads a table may not
-- run.  PL/pgSQL, not SQL, here and in the SLA helpers below that read
-- tables: on Citus the query of an SQL function over its tables (reference
-- tables too) cannot be planned once inlined or with parameters.
CREATE OR REPLACE FUNCTION omnichannel.sla_policies()
RETURNS omnichannel.sla_policy[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN ARRAY(SELECT p FROM omnichannel.sla_policy AS p ORDER BY p.position, p.id);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_policies() IS
    'Every SLA policy, active or not, in position order (for sla_policy_match(), which takes the active ones)';

-- Is any policy active?  (Ingest moves clocks only then, or while some run.)
-- PL/pgSQL, so that its one query is planned once per session: ingest asks
-- at every statement (a SQL function that cannot be inlined is planned at
-- every call)
CREATE OR REPLACE FUNCTION omnichannel.sla_any_policy_active()
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM omnichannel.sla_policy AS p WHERE p.active);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_any_policy_active() IS
    'Whether any SLA policy is active (ingest starts clocks only then)';

CREATE OR REPLACE FUNCTION omnichannel.sla_policy_for(channel omnichannel.channel,
                                          priority omnichannel.priority,
                                          customer_attributes jsonb)
RETURNS integer
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT m.policy_id
              FROM omnichannel.sla_policy_match(omnichannel.sla_policies(), $1, $2, $3) AS m);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_policy_for(omnichannel.channel, omnichannel.priority, jsonb) IS
    'The SLA policy that applies to a thread started on channel, with priority, for a customer with these attributes: the first active match in position order, or NULL';

CREATE OR REPLACE FUNCTION omnichannel.sla_target_of(policy omnichannel.sla_policy, metric omnichannel.sla_metric)
RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE $2
           WHEN 'first_response' THEN ($1).first_response
           WHEN 'next_response' THEN ($1).next_response
           WHEN 'periodic_update' THEN ($1).periodic_update
           WHEN 'resolution' THEN ($1).resolution END::interval
$$;
COMMENT ON FUNCTION omnichannel.sla_target_of(omnichannel.sla_policy, omnichannel.sla_metric) IS
    'A policy''s target for one metric (NULL: not measured)';

-- The calendars of some policies, one statement for all of them: every
-- stop of clocks, recompute and ingest statement reads those of its clocks
-- (a call of sla_calendar_of per policy cost a PL/pgSQL call and a query
-- each).  The one definition of a policy's calendar; sla_calendar_of asks
-- it for one.
CREATE OR REPLACE FUNCTION omnichannel.sla_calendars(policies integer[])
RETURNS omnichannel.business_hours[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN ARRAY(SELECT COALESCE(c.hours, omnichannel.always_open())
                   FROM pg_catalog.unnest(policies) WITH ORDINALITY AS x(id, n)
                   LEFT JOIN omnichannel.sla_policy AS p ON p.id = x.id
                   LEFT JOIN omnichannel.business_calendar AS c ON c.name = p.calendar
                  ORDER BY x.n);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_calendars(integer[]) IS
    'The calendars of the given policies, in their order: each the calendar the policy counts business time in (around the clock when it names none, or for an unknown policy)';

CREATE OR REPLACE FUNCTION omnichannel.sla_calendar_of(policy integer)
RETURNS omnichannel.business_hours
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (omnichannel.sla_calendars(ARRAY[policy]))[1];
END
$$;
COMMENT ON FUNCTION omnichannel.sla_calendar_of(integer) IS
    'The calendar a policy counts business time in (around the clock when it names none)';

-- The channel a thread's policy is matched on: that of the customer message
-- that started its first clock.
CREATE OR REPLACE FUNCTION omnichannel.sla_thread_channel(customer bigint, thread bigint,
                                                          fallback omnichannel.channel)
RETURNS omnichannel.channel
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN COALESCE((SELECT c.channel FROM omnichannel.sla_clock AS c
                      WHERE c.customer_id = $1 AND c.thread_id = $2
                      ORDER BY c.started_at, c.id LIMIT 1), $3);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_thread_channel(bigint, bigint, omnichannel.channel) IS
    'The channel a thread''s SLA policy is matched on: the channel of the customer message that started its first clock (fallback when it has none)';

-- A thread's due-time columns from its running clocks, one row (thread_id
-- NULL when none runs), read through the running-clock index.  No SET
-- clause, so that it is inlined into its callers (which pin search_path
-- themselves, or qualify every operator like the ingest trigger); every
-- name is qualified.  The SLA helpers take the customer of the threads and
-- clocks they read beside them: on Citus the query is then routed to the
-- customer's shard (a status change's trigger runs there and may read
-- nothing else).
-- The due times of the running clocks, a row per thread that has any (on
-- Citus ingest joins it for the statement's customers; the grouping includes
-- the distribution column, so the shards aggregate).  sla_dues() is the same
-- rule for one thread.
CREATE OR REPLACE VIEW omnichannel.sla_running_dues AS
SELECT c.customer_id, c.thread_id,
       pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'first_response') AS first_response_due,
       pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'next_response') AS next_response_due,
       pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'periodic_update') AS periodic_update_due,
       pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'resolution') AS resolution_due,
       pg_catalog.min(c.due_at) AS sla_due_at,
       pg_catalog.bool_or(c.paused_since IS NOT NULL) AS sla_paused,
       pg_catalog.max(c.policy_id) AS policy_id
  FROM omnichannel.sla_clock AS c
 WHERE c.stopped_at IS NULL
 GROUP BY c.customer_id, c.thread_id;
COMMENT ON VIEW omnichannel.sla_running_dues IS
    'The due times of a thread''s running SLA clocks per metric, the earliest, whether they are paused and their policy: a row per thread with running clocks';
COMMENT ON COLUMN omnichannel.sla_running_dues.customer_id IS 'The thread''s customer';
COMMENT ON COLUMN omnichannel.sla_running_dues.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.sla_running_dues.first_response_due IS 'Due time of its running first-response clock';
COMMENT ON COLUMN omnichannel.sla_running_dues.next_response_due IS 'Due time of its running next-response clock';
COMMENT ON COLUMN omnichannel.sla_running_dues.periodic_update_due IS 'Due time of its running periodic-update clock';
COMMENT ON COLUMN omnichannel.sla_running_dues.resolution_due IS 'Due time of its running resolution clock';
COMMENT ON COLUMN omnichannel.sla_running_dues.sla_due_at IS 'The earliest of them (NULL while all are paused)';
COMMENT ON COLUMN omnichannel.sla_running_dues.sla_paused IS 'Whether a running clock is paused';
COMMENT ON COLUMN omnichannel.sla_running_dues.policy_id IS 'The policy of the clocks';

CREATE OR REPLACE FUNCTION omnichannel.sla_dues(customer bigint, thread bigint)
RETURNS TABLE (thread_id bigint, first_response_due timestamptz, next_response_due timestamptz,
               periodic_update_due timestamptz, resolution_due timestamptz,
               sla_due_at timestamptz, sla_paused boolean, policy_id integer)
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    -- the rule of sla_running_dues, for one thread straight from the
    -- running-clock index (ingest runs it per thread; sql/sla.sql checks
    -- that the two agree)
    SELECT pg_catalog.max(c.thread_id),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'first_response'),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'next_response'),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'periodic_update'),
           pg_catalog.max(c.due_at) FILTER (WHERE c.metric OPERATOR(pg_catalog.=) 'resolution'),
           pg_catalog.min(c.due_at),
           pg_catalog.bool_or(c.paused_since IS NOT NULL),
           pg_catalog.max(c.policy_id)
      FROM omnichannel.sla_clock AS c
     WHERE c.customer_id OPERATOR(pg_catalog.=) $1 AND c.thread_id OPERATOR(pg_catalog.=) $2
       AND c.stopped_at IS NULL
$$;
COMMENT ON FUNCTION omnichannel.sla_dues(bigint, bigint) IS
    'The due times of a customer''s thread''s running clocks per metric, the earliest, whether they are paused and their policy (one row; thread_id NULL when no clock runs)';

-- One thread's due-time columns, as one row (NULLs and not paused without clocks).
CREATE OR REPLACE FUNCTION omnichannel.sla_thread_dues(customer bigint, thread bigint,
    OUT first_response_due timestamptz, OUT next_response_due timestamptz,
    OUT periodic_update_due timestamptz, OUT resolution_due timestamptz,
    OUT sla_due_at timestamptz, OUT sla_paused boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- the view, not sla_dues(): on Citus an SQL function over its tables
    -- cannot be inlined
    SELECT d.first_response_due, d.next_response_due, d.periodic_update_due, d.resolution_due,
           d.sla_due_at, d.sla_paused
      INTO first_response_due, next_response_due, periodic_update_due, resolution_due,
           sla_due_at, sla_paused
      FROM omnichannel.sla_running_dues AS d
     WHERE d.customer_id = $1 AND d.thread_id = $2;
    sla_paused := COALESCE(sla_paused, false);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_thread_dues(bigint, bigint) IS
    'The due times of a customer''s thread''s running clocks per metric, the earliest, and whether they are paused';

-- Status and priority changes ---------------------------------------------------------

-- It moves one thread's clocks, so on one node it runs its statements (and
-- those of the functions it calls: sla_stop_clocks, sla_log_breaches,
-- sla_rederive) with the plans made once per session (generic): left to
-- plan_cache_mode auto, most of them were planned anew at every status
-- change (their arrays have one element, fewer than a generic plan
-- assumes), which cost more than running them.  (What they fire runs so too:
-- the foreign keys' checks, whose plans are generic anyway, and any trigger
-- a DBA adds to sla_clock or sla_event.)  Not where writes go one customer
-- at a time (per_customer_writes(): Citus, which plans a distributed
-- statement with its parameters' values and refuses a generic plan; the
-- same test ingest's C code makes, ingest_write.c).  The setting's value is the caller's again when it returns (or when
-- an error aborts the transaction or subtransaction).
CREATE OR REPLACE FUNCTION omnichannel.sla_status_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_at        timestamptz;
    v_policy    omnichannel.sla_policy;
    v_cal       omnichannel.business_hours;
    v_was_pause boolean;
    v_is_pause  boolean;
    v_reopen    boolean;
    d           record;
    v_plans     text := pg_catalog.current_setting('plan_cache_mode');
    v_generic   boolean;
BEGIN
    PERFORM omnichannel.check_trigger_table('sla_status_change', TG_RELID, 'thread');
    v_generic := NOT omnichannel.per_customer_writes();
    IF v_generic THEN
        PERFORM pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        -- an UPDATE that sets status_changed_at itself back-fills the time
        IF NEW.status_changed_at IS NOT DISTINCT FROM OLD.status_changed_at
           OR NEW.status_changed_at IS NULL THEN
            NEW.status_changed_at := pg_catalog.now();
        END IF;
        -- status changes never go back in time (an ingest reopening by an
        -- older message happens "now" for the clocks)
        NEW.status_changed_at := GREATEST(NEW.status_changed_at, OLD.status_changed_at);
        v_at := NEW.status_changed_at;
    END IF;

    IF NEW.priority IS DISTINCT FROM OLD.priority AND NEW.sla_policy_id IS NOT NULL THEN
        -- the policy may depend on the priority: match again, re-derive targets
        NEW.sla_policy_id := omnichannel.sla_policy_for(
            omnichannel.sla_thread_channel(NEW.customer_id, NEW.id,
                                           COALESCE(NEW.waiting_channel, NEW.channels[1])),
            NEW.priority,
            (SELECT cu.attributes FROM omnichannel.customer AS cu WHERE cu.id = NEW.customer_id));
        IF NEW.sla_policy_id IS DISTINCT FROM OLD.sla_policy_id THEN
            PERFORM omnichannel.sla_rederive(ARRAY[NEW.customer_id], ARRAY[NEW.id],
                                             ARRAY[NEW.sla_policy_id], ARRAY[OLD.status],
                                             '{"reason": "priority changed"}');
        END IF;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status THEN
        -- for reporting: when it was last resolved, how often it came back
        IF NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed') THEN
            NEW.solved_at := v_at;
        ELSIF OLD.status IN ('solved', 'closed') AND NEW.status NOT IN ('solved', 'closed') THEN
            NEW.solved_at := NULL;
            NEW.reopen_count := OLD.reopen_count + 1;
        END IF;
        IF NEW.status IN ('solved', 'closed') THEN
            -- the company considers it answered: a later message starts a
            -- new response clock
            NEW.waiting_since := NULL;
        ELSIF OLD.status IN ('solved', 'closed') AND OLD.assignee IS NOT NULL
              AND NEW.assignee IS NOT DISTINCT FROM OLD.assignee THEN
            -- reopened: back to the queue, its last agent preferred
            NEW.preferred_agent := OLD.assignee;
            NEW.assignee := NULL;
            NEW.assigned_at := NULL;
        END IF;
    END IF;

    IF NEW.status IS DISTINCT FROM OLD.status AND NEW.sla_policy_id IS NOT NULL THEN
        SELECT * INTO v_policy FROM omnichannel.sla_policy AS p WHERE p.id = NEW.sla_policy_id;
        v_was_pause := OLD.status = ANY (v_policy.pause_statuses);
        v_is_pause := NEW.status = ANY (v_policy.pause_statuses);
        v_reopen := OLD.status IN ('solved', 'closed') AND NEW.status NOT IN ('solved', 'closed');
        -- the calendar, read only where due times are computed here: a
        -- reopening and a resume (a solve's stops read their own)
        IF v_reopen OR (v_was_pause AND NOT v_is_pause) THEN
            v_cal := omnichannel.sla_calendar_of(NEW.sla_policy_id);
        END IF;

        IF v_reopen THEN
            -- resolution resumes: the solved period is left out like a pause
            WITH last AS (
                SELECT c.id FROM omnichannel.sla_clock AS c
                 WHERE c.customer_id = NEW.customer_id AND c.thread_id = NEW.id
                   AND c.metric = 'resolution' AND c.outcome IN ('achieved', 'breached')
                 ORDER BY c.started_at DESC, c.id DESC LIMIT 1),
            res AS (
                UPDATE omnichannel.sla_clock AS c
                   SET pauses = c.pauses + tstzmultirange(tstzrange(c.stopped_at, v_at)),
                       stopped_at = NULL, stopped_by = NULL, outcome = NULL,
                       business_seconds = NULL, wall_seconds = NULL, breached_at = NULL,
                       paused_since = CASE WHEN v_is_pause THEN v_at END,
                       due_at = CASE WHEN v_is_pause THEN NULL ELSE
                           omnichannel.business_time_add(v_cal, c.started_at, c.target,
                               c.pauses + tstzmultirange(tstzrange(c.stopped_at, v_at))) END
                  FROM last
                 WHERE c.customer_id = NEW.customer_id AND c.id = last.id
                   AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_clock AS r
                                    WHERE r.customer_id = NEW.customer_id
                                      AND r.thread_id = NEW.id AND r.metric = 'resolution'
                                      AND r.stopped_at IS NULL)
                RETURNING c.*)
            INSERT INTO omnichannel.sla_event
                   (clock_id, customer_id, thread_id, metric, event, at, due_at, details)
            SELECT res.id, res.customer_id, res.thread_id, res.metric, 'resume', v_at, res.due_at,
                   jsonb_build_object('from', OLD.status, 'to', NEW.status, 'reopened', true)
              FROM res;
            -- the policy may have changed while the thread was solved
            PERFORM omnichannel.sla_rederive(ARRAY[NEW.customer_id], ARRAY[NEW.id],
                                             ARRAY[NEW.sla_policy_id], ARRAY[NEW.status],
                                             '{"reason": "reopened"}');
        END IF;

        IF NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed') THEN
            -- solved (or closed) achieves resolution; the other clocks are cancelled
            PERFORM omnichannel.sla_stop_clocks(ARRAY[NEW.customer_id],
                array_agg(c.id ORDER BY c.id), array_agg(v_at ORDER BY c.id), NULL,
                array_agg(c.metric = 'resolution' AND NEW.merged_into IS NULL ORDER BY c.id),
                jsonb_build_object('from', OLD.status, 'to', NEW.status))
               FROM omnichannel.sla_clock AS c
              WHERE c.customer_id = NEW.customer_id AND c.thread_id = NEW.id AND c.stopped_at IS NULL
             HAVING count(*) > 0;
        ELSIF v_is_pause AND NOT v_was_pause THEN
            WITH upd AS (
                UPDATE omnichannel.sla_clock AS c
                   SET paused_since = GREATEST(v_at, c.started_at), due_at = NULL
                 WHERE c.customer_id = NEW.customer_id AND c.thread_id = NEW.id
                   AND c.stopped_at IS NULL AND c.paused_since IS NULL
                RETURNING c.*)
            INSERT INTO omnichannel.sla_event
                   (clock_id, customer_id, thread_id, metric, event, at, details)
            SELECT u.id, u.customer_id, u.thread_id, u.metric, 'pause', u.paused_since,
                   jsonb_build_object('from', OLD.status, 'to', NEW.status)
              FROM upd AS u ORDER BY u.id;
        ELSIF v_was_pause AND NOT v_is_pause THEN
            WITH upd AS (
                UPDATE omnichannel.sla_clock AS c
                   SET pauses = c.pauses + tstzmultirange(tstzrange(c.paused_since, GREATEST(v_at, c.paused_since))),
                       paused_since = NULL,
                       due_at = omnichannel.business_time_add(v_cal, c.started_at, c.target,
                           c.pauses + tstzmultirange(tstzrange(c.paused_since, GREATEST(v_at, c.paused_since))))
                 WHERE c.customer_id = NEW.customer_id AND c.thread_id = NEW.id
                   AND c.stopped_at IS NULL AND c.paused_since IS NOT NULL
                RETURNING c.*)
            INSERT INTO omnichannel.sla_event
                   (clock_id, customer_id, thread_id, metric, event, at, due_at, details)
            SELECT u.id, u.customer_id, u.thread_id, u.metric, 'resume', v_at, u.due_at,
                   jsonb_build_object('from', OLD.status, 'to', NEW.status)
              FROM upd AS u ORDER BY u.id;
        END IF;
    END IF;

    IF (NEW.sla_policy_id IS NOT NULL OR OLD.sla_policy_id IS NOT NULL)
       AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.priority IS DISTINCT FROM OLD.priority) THEN
        d := omnichannel.sla_thread_dues(NEW.customer_id, NEW.id);
        NEW.first_response_due := d.first_response_due;
        NEW.next_response_due := d.next_response_due;
        NEW.periodic_update_due := d.periodic_update_due;
        NEW.resolution_due := d.resolution_due;
        NEW.sla_due_at := d.sla_due_at;
        NEW.sla_paused := d.sla_paused;
    END IF;
    IF v_generic THEN
        PERFORM pg_catalog.set_config('plan_cache_mode', v_plans, true);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_status_change() IS
    'Trigger: moves a thread''s SLA clocks when its status changes (pause, resume, achieve resolution, cancel, reopen) or its priority does (policy matched again)';

-- One definition of a breach event: at the due time, with the target as the
-- business seconds and the wall-clock time from start to due; none for a
-- clock that has not breached.  Inlined into its two callers below.
CREATE OR REPLACE FUNCTION omnichannel.sla_breach_event(
    clock bigint, customer bigint, thread bigint, clock_metric omnichannel.sla_metric,
    target omnichannel.sla_target, started_at timestamptz, breached_at timestamptz,
    event_details jsonb)
RETURNS TABLE (clock_id bigint, customer_id bigint, thread_id bigint, metric omnichannel.sla_metric,
               event text, at timestamptz, due_at timestamptz, business_seconds double precision,
               wall_seconds double precision, details jsonb)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT sla_breach_event.clock, sla_breach_event.customer, sla_breach_event.thread,
           sla_breach_event.clock_metric, 'breach',
           sla_breach_event.breached_at, sla_breach_event.breached_at,
           pg_catalog.date_part('epoch', sla_breach_event.target::interval),
           pg_catalog.date_part('epoch', sla_breach_event.breached_at - sla_breach_event.started_at),
           COALESCE(sla_breach_event.event_details, '{}')
     WHERE sla_breach_event.breached_at IS NOT NULL
$$;
COMMENT ON FUNCTION omnichannel.sla_breach_event(bigint, bigint, bigint, omnichannel.sla_metric,
    omnichannel.sla_target, timestamptz, timestamptz, jsonb) IS
    'Internal: the breach event of a clock (id, customer, thread, metric, target, start, breached_at) that has breached (at its due time, the target as business seconds), as sla_event''s columns; no row for one that has not';

-- Logs the breach of a clock that exists.  A clock breaches when it passes
-- its due time while running (sla_sweep), is stopped after it (a late reply,
-- a solve: sla_stop_clocks) or is stopped by a recompute past it
-- (sla_rederive); the sweep and a recompute set the clock's breached_at and
-- then call this, which logs one breach event per clock however often it is
-- called.  (A stop logs its breaches in the statement that stops the
-- clocks, with the same event and the same once-per-clock test.)
-- (A clock ingest starts already stopped logs its breach as it writes it:
-- sla_ingest_customers.)
CREATE OR REPLACE FUNCTION omnichannel.sla_log_breaches(customers bigint[], clocks bigint[], details jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n integer;
BEGIN
    WITH ins AS (
        INSERT INTO omnichannel.sla_event
               (clock_id, customer_id, thread_id, metric, event, at, due_at,
                business_seconds, wall_seconds, details)
        SELECT b.*
          FROM omnichannel.sla_clock AS c
         CROSS JOIN LATERAL omnichannel.sla_breach_event(c.id, c.customer_id, c.thread_id, c.metric, c.target,
                                                         c.started_at, c.breached_at,
                                                         sla_log_breaches.details) AS b
         WHERE (sla_log_breaches.customers IS NULL OR c.customer_id = ANY (sla_log_breaches.customers))
           AND c.id = ANY (sla_log_breaches.clocks)
           -- a reopened clock that breached before keeps its one breach event
           AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_event AS e
                            WHERE e.customer_id = c.customer_id
                              AND e.thread_id = c.thread_id AND e.clock_id = c.id
                              AND e.event = 'breach')
         ORDER BY c.breached_at, c.id
        RETURNING 1)
    SELECT count(*)::integer INTO v_n FROM ins;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_log_breaches(bigint[], bigint[], jsonb) IS
    'Internal: logs one breach event (at the due time, with the target''s business seconds) for each of the given clocks (of the given customers, or any when NULL) that has breached and has none yet (the sweep and recomputes; a stop logs its own, the same way); returns the events written';
-- called by the SLA functions, which run as the extension's owner
REVOKE EXECUTE ON FUNCTION omnichannel.sla_log_breaches(bigint[], bigint[], jsonb) FROM PUBLIC;

-- Re-derive threads running clocks (recompute_sla, priority changes, reopening).
CREATE OR REPLACE FUNCTION omnichannel.sla_rederive(customers bigint[], threads bigint[], policies integer[],
                                        statuses omnichannel.thread_status[], details jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n          integer;
    v_ids        bigint[];
    v_old_due    timestamptz[];
    v_old_policy integer[];
    v_breached   bigint[];
    v_policies   omnichannel.sla_policy[];
    v_pids       integer[];
    v_cals       omnichannel.business_hours[];
    -- now() as a value: Citus takes no STABLE function in CASE or COALESCE
    -- of a statement that writes
    v_now        timestamptz := pg_catalog.now();
BEGIN
    v_policies := omnichannel.sla_policies();
    v_pids := ARRAY(SELECT p.id FROM pg_catalog.unnest(v_policies) AS p);
    v_cals := omnichannel.sla_calendars(v_pids);
    -- the caller holds the threads' row locks, so nobody else moves these
    -- clocks meanwhile
    WITH th AS (
        SELECT x.thread, x.policy, x.status
          FROM unnest(threads, policies, statuses) AS x(thread, policy, status)),
    pc AS MATERIALIZED (
        SELECT p, p.id, v_cals[pg_catalog.array_position(v_pids, p.id)] AS cal
          FROM pg_catalog.unnest(v_policies) AS p
         WHERE p.id IN (SELECT th.policy FROM th)),
    cur AS (
        SELECT c.id, c.due_at AS old_due, c.policy_id AS old_policy, th.policy AS new_policy,
               x.target, x.paused_since, x.pauses,
               CASE WHEN x.target IS NULL OR x.paused_since IS NOT NULL THEN NULL
                    ELSE omnichannel.business_time_add(pc.cal, c.started_at, x.target, x.pauses) END AS new_due
          FROM omnichannel.sla_clock AS c
          JOIN th ON th.thread = c.thread_id
          LEFT JOIN pc ON pc.id = th.policy
         CROSS JOIN LATERAL (
               SELECT omnichannel.sla_target_of(pc.p, c.metric) AS target,
                      -- the policy's pause statuses (they may have changed) decide
                      CASE WHEN th.status = ANY ((pc.p).pause_statuses)
                           THEN COALESCE(c.paused_since, v_now) END AS paused_since,
                      CASE WHEN c.paused_since IS NOT NULL
                                AND NOT COALESCE(th.status = ANY ((pc.p).pause_statuses), false)
                           THEN c.pauses + tstzmultirange(tstzrange(c.paused_since,
                                    GREATEST(v_now, c.paused_since)))
                           ELSE c.pauses END AS pauses) AS x
         WHERE c.customer_id = ANY (sla_rederive.customers) AND c.stopped_at IS NULL),
    upd AS (
        UPDATE omnichannel.sla_clock AS c
           SET policy_id = COALESCE(cur.new_policy, c.policy_id),
               target = COALESCE(cur.target, c.target),
               pauses = cur.pauses,
               due_at = CASE WHEN cur.target IS NULL THEN c.due_at ELSE cur.new_due END,
               stopped_at = CASE WHEN cur.target IS NULL THEN GREATEST(v_now, c.started_at) END,
               -- a clock stopped past its due time breached, whatever stopped it
               outcome = CASE WHEN cur.target IS NULL AND c.due_at < v_now THEN 'breached'
                              WHEN cur.target IS NULL THEN 'cancelled' END,
               breached_at = CASE WHEN cur.target IS NULL AND c.due_at < v_now
                                  THEN c.due_at ELSE c.breached_at END,
               paused_since = CASE WHEN cur.target IS NULL THEN NULL ELSE cur.paused_since END
          FROM cur
         WHERE c.customer_id = ANY (sla_rederive.customers) AND c.id = cur.id
           AND (cur.target IS NULL
                OR c.policy_id IS DISTINCT FROM cur.new_policy
                OR c.target::interval IS DISTINCT FROM cur.target
                OR c.paused_since IS DISTINCT FROM cur.paused_since
                OR c.due_at IS DISTINCT FROM cur.new_due)
        RETURNING c.id, c.outcome, cur.old_due, cur.old_policy)
    SELECT array_agg(u.id ORDER BY u.id), array_agg(u.old_due ORDER BY u.id),
           array_agg(u.old_policy ORDER BY u.id),
           array_agg(u.id ORDER BY u.id) FILTER (WHERE u.outcome = 'breached')
      INTO v_ids, v_old_due, v_old_policy, v_breached
      FROM upd AS u;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    -- a clock stopped past its due time: its breach first, then the stop
    IF v_breached IS NOT NULL THEN
        PERFORM omnichannel.sla_log_breaches(customers, v_breached, sla_rederive.details);
    END IF;
    INSERT INTO omnichannel.sla_event
           (clock_id, customer_id, thread_id, metric, event, at, due_at, details)
    SELECT c.id, c.customer_id, c.thread_id, c.metric,
           CASE WHEN c.stopped_at IS NULL THEN 'recompute' ELSE 'cancel' END,
           v_now, c.due_at,
           sla_rederive.details
           || jsonb_build_object('previous_due_at', x.old_due, 'previous_policy', x.old_policy,
                                 'policy', c.policy_id)
      FROM unnest(v_ids, v_old_due, v_old_policy) AS x(id, old_due, old_policy)
      JOIN omnichannel.sla_clock AS c ON c.id = x.id
     WHERE c.customer_id = ANY (sla_rederive.customers)
     ORDER BY c.id;
    v_n := cardinality(v_ids);
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_rederive(bigint[], bigint[], integer[], omnichannel.thread_status[], jsonb) IS
    'Internal: re-derives the targets, pauses and due times of the threads'' (of the given customers) running clocks, each under the given policy and status (a metric the policy no longer measures, or no policy, stops them: cancelled, or breached when past due); logs a recompute, cancel or breach event with details; returns the clocks changed';

CREATE OR REPLACE TRIGGER sla_status
    BEFORE UPDATE OF status, priority ON omnichannel.thread
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.priority IS DISTINCT FROM NEW.priority)
    EXECUTE FUNCTION omnichannel.sla_status_change();
COMMENT ON TRIGGER sla_status ON omnichannel.thread IS
    'Moves the SLA clocks when a thread''s status or priority changes';

-- Stop clocks, set-wise: achieve (or breach, when late) or cancel, and log it.
CREATE OR REPLACE FUNCTION omnichannel.sla_stop_clocks(customers bigint[], ids bigint[], ats timestamptz[], bys bigint[],
                                           achieves boolean[], details jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n    integer;
    v_pids integer[];
    v_cals omnichannel.business_hours[];
BEGIN
    -- the calendars of the clocks' policies, read here (see sla_policies)
    v_pids := ARRAY(SELECT DISTINCT c.policy_id FROM omnichannel.sla_clock AS c
                     WHERE (customers IS NULL OR c.customer_id = ANY (customers)) AND c.id = ANY (ids));
    v_cals := omnichannel.sla_calendars(v_pids);
    -- One statement stops the clocks and logs what happened (a solve's
    -- largest cost is a statement's start-up): a clock stopped past its due
    -- time breached at its due time, so its breach event (sla_breach_event;
    -- none for a clock that has one, the test sla_log_breaches makes) comes
    -- first, in the order of the due times; then each clock's achieve or
    -- cancel, in clock order.
    -- Each clock is read by its id, its primary key (OFFSET 0 keeps the
    -- look-up per id and the test of a running clock out of it: joined
    -- freely, or by the index of running clocks, a plan made with
    -- statistics that saw few running clocks read every one of them, for
    -- each id).
    WITH s AS (
        SELECT s.id, GREATEST(s.at, c.started_at) AS at, s.by, s.achieves,
               c.pauses + CASE WHEN c.paused_since IS NULL THEN '{}'::tstzmultirange
                               ELSE tstzmultirange(tstzrange(c.paused_since,
                                        GREATEST(s.at, c.paused_since))) END AS pauses,
               COALESCE(v_cals[pg_catalog.array_position(v_pids, c.policy_id)],
                        omnichannel.always_open()) AS cal,
               c.started_at, c.target, c.breach_logged
          FROM unnest(ids, ats, bys, achieves) AS s(id, at, by, achieves)
         CROSS JOIN LATERAL (
               SELECT c.*,
                      -- whether it has a breach event: asked of a clock that
                      -- may have one (resolution, the one metric a reopening
                      -- resumes, whatever its due time says now: a calendar
                      -- may have changed since; one the sweep saw breach) or
                      -- that this stop may find late (paused, past its due
                      -- time).  Here, not beside the UPDATE's result: Citus
                      -- takes no correlated subquery in a query over a CTE;
                      -- the customers named, so that Citus routes it to
                      -- their shard.
                      CASE WHEN c.metric = 'resolution' OR c.breached_at IS NOT NULL
                                OR c.due_at IS NULL OR c.due_at < s.at THEN
                           EXISTS (SELECT 1 FROM omnichannel.sla_event AS e
                                    WHERE (customers IS NULL OR e.customer_id = ANY (customers))
                                      AND e.customer_id = c.customer_id
                                      AND e.thread_id = c.thread_id AND e.clock_id = c.id
                                      AND e.event = 'breach')
                      END AS breach_logged
                 FROM omnichannel.sla_clock AS c
                WHERE (customers IS NULL OR c.customer_id = ANY (customers)) AND c.id = s.id
               OFFSET 0) AS c
         WHERE c.stopped_at IS NULL),
    t AS (
        SELECT s.*, omnichannel.business_time_add(s.cal, s.started_at, s.target, s.pauses) AS due
          FROM s),
    upd AS (
        UPDATE omnichannel.sla_clock AS c
           SET stopped_at = t.at, stopped_by = t.by,
               pauses = t.pauses, paused_since = NULL, due_at = t.due,
               -- a clock stopped past its due time breached, whatever stopped it
               outcome = CASE WHEN t.at > t.due THEN 'breached'
                              WHEN NOT t.achieves THEN 'cancelled' ELSE 'achieved' END,
               breached_at = CASE WHEN t.at > t.due THEN t.due END,
               business_seconds = pg_catalog.date_part('epoch',
                   omnichannel.business_time_between(t.cal, c.started_at, t.at, t.pauses)),
               wall_seconds = pg_catalog.date_part('epoch', t.at - c.started_at)
          FROM t
         WHERE (customers IS NULL OR c.customer_id = ANY (customers)) AND c.id = t.id
        RETURNING c.id, c.customer_id, c.thread_id, c.metric, c.target, c.started_at, c.stopped_at,
                  c.due_at, c.breached_at, c.business_seconds, c.wall_seconds, t.achieves,
                  t.breach_logged),
    ev AS (
        SELECT 0 AS kind, u.breached_at AS breach_order, b.*
          FROM upd AS u
         CROSS JOIN LATERAL omnichannel.sla_breach_event(u.id, u.customer_id, u.thread_id, u.metric,
                                                         u.target, u.started_at, u.breached_at,
                                                         sla_stop_clocks.details) AS b
         WHERE u.breach_logged IS NOT TRUE
        UNION ALL
        SELECT 1, NULL, u.id, u.customer_id, u.thread_id, u.metric,
               CASE WHEN u.achieves THEN 'achieve' ELSE 'cancel' END,
               u.stopped_at, u.due_at, u.business_seconds, u.wall_seconds, sla_stop_clocks.details
          FROM upd AS u),
    ins AS (
        INSERT INTO omnichannel.sla_event
               (clock_id, customer_id, thread_id, metric, event, at, due_at,
                business_seconds, wall_seconds, details)
        SELECT ev.clock_id, ev.customer_id, ev.thread_id, ev.metric, ev.event, ev.at, ev.due_at,
               ev.business_seconds, ev.wall_seconds, ev.details
          FROM ev
         ORDER BY ev.kind, ev.breach_order, ev.clock_id
        RETURNING sla_event.event)
    SELECT count(*) FILTER (WHERE ins.event <> 'breach') INTO v_n FROM ins;
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_stop_clocks(bigint[], bigint[], timestamptz[], bigint[], boolean[], jsonb) IS
    'Internal: stops running clocks (of the given customers, or any when NULL) at the given times (achieved, breached when late, or cancelled) and logs the events; returns the clocks stopped';

-- Ingest: the statement's customer-visible interactions move the clocks ---------------

-- The ingest statement trigger (interaction_after_statement, src/pg/ingest_write.c)
-- classifies the statement's customer-visible interactions per thread
-- (src/core/queue_facts.c: awaiting, first customer message, the reply that
-- follows) and hands them to sla_ingest, in (thread, occurred_at, id) order,
-- with the threads an inbound message reopens; it then writes every
-- thread's queue facts, and its due times when that returns true, in one
-- UPDATE.  sla_ingest_customers applies the rules to the events and
-- reopenings of some of the customers: every statement names them, so that
-- on Citus, called for one customer, each is routed to that customer's
-- shard (row locks included, which Citus takes on one shard only).  On one
-- node customers is NULL, all of them: the test "customers IS NULL OR ..."
-- is then true before the array is read, and the tables are read by their
-- ids.  (A test "= ANY (customers)" of every event and as part of each
-- look-up's index condition costs a pass over the array unless the plan
-- was made for that array, which PostgreSQL stops doing from a session's
-- sixth statement on when its generic plan looks cheaper: a session's sixth
-- COPY of 200,000 rows ran 2 to 3.5 times as long.)
CREATE OR REPLACE FUNCTION omnichannel.sla_ingest_customers(
    customers bigint[], any_policy boolean,
    e_id bigint[], e_thread bigint[], e_customer bigint[], e_at timestamptz[],
    e_in boolean[], e_channel omnichannel.channel[], e_awaiting boolean[],
    e_next_out_at timestamptz[], e_next_out_id bigint[], e_first_in boolean[],
    e_after_in boolean[], reopen_ids bigint[], reopen_ats timestamptz[], reopen_customers bigint[])
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_stop_ids bigint[]; v_stop_at timestamptz[]; v_stop_by bigint[];
    v_policies omnichannel.sla_policy[];
    v_pids integer[];
    v_cals omnichannel.business_hours[];
BEGIN
    -- whoever moves a thread's clocks holds the thread's row lock (status
    -- changes, recompute_sla, claims): take it first, in id order, so that
    -- the statements below read the clocks as they are once it is ours
    PERFORM 1 FROM omnichannel.thread AS t
      WHERE (customers IS NULL OR t.customer_id = ANY (customers))
        AND t.id IN (SELECT e.thread FROM unnest(e_thread, e_customer) AS e(thread, customer)
                      WHERE (customers IS NULL OR e.customer = ANY (customers))
                     UNION
                     SELECT r.id FROM unnest(reopen_ids, reopen_customers) AS r(id, customer)
                      WHERE (customers IS NULL OR r.customer = ANY (customers)))
      ORDER BY t.id
        FOR NO KEY UPDATE;

    -- 1. a customer message to a solved (within the reopen window: the
    --    stitching decided), pending or on-hold thread makes it open again;
    --    the status trigger resumes its clocks at that message
    IF reopen_ids IS NOT NULL THEN
        UPDATE omnichannel.thread AS t
           SET status = 'open', status_changed_at = r.at
          FROM unnest(reopen_ids, reopen_ats, reopen_customers) AS r(id, at, customer)
         WHERE (customers IS NULL OR t.customer_id = ANY (customers)) AND (customers IS NULL OR r.customer = ANY (customers))
           AND t.id = r.id AND t.status IN ('solved', 'pending', 'on_hold');
    END IF;
    IF e_id IS NULL THEN
        RETURN;
    END IF;

    -- 2. the first customer-visible reply of a thread in this statement
    --    achieves the response and periodic-update clocks running before it.
    --    Each reply's thread looks its running clocks up (sla_clock_running_key;
    --    OFFSET 0 keeps the look-up per thread): joined freely, a plan made
    --    for any statement (a session's sixth on) read every running clock
    --    and, for each, the statement's replies again.
    SELECT array_agg(c.id ORDER BY c.id), array_agg(f.at ORDER BY c.id), array_agg(f.id ORDER BY c.id)
      INTO v_stop_ids, v_stop_at, v_stop_by
      FROM (SELECT DISTINCT ON (e.thread) e.thread, e.at, e.id
              FROM unnest(e_thread, e_at, e_id, e_in, e_customer) AS e(thread, at, id, inbound, customer)
             WHERE NOT e.inbound AND (customers IS NULL OR e.customer = ANY (customers))
             ORDER BY e.thread, e.at, e.id) AS f
     CROSS JOIN LATERAL (
           SELECT c.id FROM omnichannel.sla_clock AS c
            WHERE (customers IS NULL OR c.customer_id = ANY (customers))
              AND c.thread_id = f.thread AND c.stopped_at IS NULL AND c.started_at <= f.at
              AND c.metric IN ('first_response', 'next_response', 'periodic_update')
           OFFSET 0) AS c;
    IF v_stop_ids IS NOT NULL THEN
        PERFORM omnichannel.sla_stop_clocks(customers, v_stop_ids, v_stop_at, v_stop_by,
            array_fill(true, ARRAY[cardinality(v_stop_ids)]), '{"via": "reply"}');
    END IF;

    -- 3. new clocks: customer messages the company is not yet answering
    --    start first or next response (and the first starts resolution);
    --    replies start the periodic update.  A clock whose stop is in this
    --    statement too is written stopped.  A thread whose first customer
    --    message is in this statement gets its policy here.
    IF NOT any_policy THEN
        RETURN;
    END IF;
    -- a policy change waits for this transaction and the statements below
    -- read a policy change committed meanwhile, so recompute_sla() run
    -- after the change commits sees every thread started on the old one
    PERFORM 1 FROM omnichannel.sla_policy AS p WHERE p.active ORDER BY p.id FOR SHARE;
    v_policies := omnichannel.sla_policies();
    v_pids := ARRAY(SELECT p.id FROM pg_catalog.unnest(v_policies) AS p);
    v_cals := omnichannel.sla_calendars(v_pids);
    WITH e AS (
        SELECT * FROM unnest(e_id, e_thread, e_customer, e_at, e_in, e_channel, e_awaiting,
                             e_next_out_at, e_next_out_id, e_first_in, e_after_in)
                   AS e(id, thread, customer, at, inbound, channel, awaiting,
                        next_out_at, next_out_id, first_in, after_in)
         WHERE (customers IS NULL OR e.customer = ANY (customers))),
    starts AS (
        SELECT e.*, m.metric,
               first_value(e.channel) OVER (PARTITION BY e.thread ORDER BY NOT e.first_in, e.at, e.id)
                   AS first_channel
          FROM e
         CROSS JOIN LATERAL (VALUES
               (CASE WHEN e.inbound AND NOT e.awaiting
                     THEN CASE WHEN e.first_in THEN 'first_response' ELSE 'next_response' END
                END::omnichannel.sla_metric),
               (CASE WHEN e.first_in THEN 'resolution' END::omnichannel.sla_metric),
               -- a reply restarts the periodic update, once the customer has written
               (CASE WHEN NOT e.inbound AND e.after_in THEN 'periodic_update' END::omnichannel.sla_metric))
               AS m(metric)
         WHERE m.metric IS NOT NULL),
    -- the policy of each thread, matched once per thread (first active
    -- match in position order), and each policy's calendar, read once
    pol AS MATERIALIZED (
        SELECT f.thread, t.status,
               COALESCE(t.sla_policy_id,
                        (SELECT m.policy_id
                           FROM omnichannel.sla_policy_match(v_policies, f.first_channel, t.priority,
                                                             cu.attributes) AS m)) AS policy
          FROM (SELECT DISTINCT ON (s.thread) s.thread, s.first_channel FROM starts AS s) AS f
          JOIN omnichannel.thread AS t ON t.id = f.thread
          JOIN omnichannel.customer AS cu ON cu.id = t.customer_id
         WHERE (customers IS NULL OR t.customer_id = ANY (customers)) AND (customers IS NULL OR cu.id = ANY (customers))
           AND t.status NOT IN ('solved', 'closed')),
    pc AS MATERIALIZED (
        SELECT p, p.id, p.pause_statuses, v_cals[pg_catalog.array_position(v_pids, p.id)] AS cal
          FROM pg_catalog.unnest(v_policies) AS p
         WHERE p.id IN (SELECT pol.policy FROM pol)),
    planned AS (
        SELECT s.*, pol.status, pc.id AS policy,
               omnichannel.sla_target_of(pc.p, s.metric)::omnichannel.sla_target AS target,
               pc.cal,
               pol.status = ANY (pc.pause_statuses) AS paused,
               CASE WHEN s.metric <> 'resolution' THEN s.next_out_at END AS stop_at,
               CASE WHEN s.metric <> 'resolution' THEN s.next_out_id END AS stop_by
          FROM starts AS s
          JOIN pol ON pol.thread = s.thread
          JOIN pc ON pc.id = pol.policy
         WHERE omnichannel.sla_target_of(pc.p, s.metric) IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_clock AS r
                            WHERE (customers IS NULL OR r.customer_id = ANY (customers))
                              AND r.thread_id = s.thread AND r.metric = s.metric
                              AND r.stopped_at IS NULL)),
    timed AS (
        SELECT pl.*,
               CASE WHEN pl.paused AND pl.stop_at IS NOT NULL
                    THEN tstzmultirange(tstzrange(pl.at, pl.stop_at))
                    ELSE '{}'::tstzmultirange END AS pauses
          FROM planned AS pl),
    due AS (
        SELECT ti.*,
               CASE WHEN ti.paused AND ti.stop_at IS NULL THEN NULL
                    ELSE omnichannel.business_time_add(ti.cal, ti.at, ti.target, ti.pauses) END AS due
          FROM timed AS ti),
    ins AS (
        INSERT INTO omnichannel.sla_clock AS c
               (customer_id, thread_id, metric, policy_id, channel, target, started_at, started_by,
                pauses, paused_since, due_at, breached_at, stopped_at, stopped_by, outcome,
                business_seconds, wall_seconds)
        SELECT d.customer, d.thread, d.metric, d.policy, d.channel, d.target, d.at, d.id,
               d.pauses, CASE WHEN d.paused AND d.stop_at IS NULL THEN d.at END, d.due,
               CASE WHEN d.stop_at > d.due THEN d.due END,
               d.stop_at, d.stop_by,
               CASE WHEN d.stop_at IS NULL THEN NULL
                    WHEN d.stop_at <= d.due THEN 'achieved' ELSE 'breached' END,
               pg_catalog.date_part('epoch',
                   omnichannel.business_time_between(d.cal, d.at, d.stop_at, d.pauses)),
               pg_catalog.date_part('epoch', d.stop_at - d.at)
          FROM due AS d
         ORDER BY d.thread, d.at, d.id, d.metric
        RETURNING c.*)
    -- each clock's start and, for one whose stop came in this statement
    -- too, its breach when late and its achievement; in clock order
    INSERT INTO omnichannel.sla_event
           (clock_id, customer_id, thread_id, metric, event, at, due_at,
            business_seconds, wall_seconds, details)
    SELECT ev.clock_id, ev.customer_id, ev.thread_id, ev.metric, ev.event, ev.at, ev.due_at,
           ev.business_seconds, ev.wall_seconds, ev.details
      FROM (SELECT 0 AS k, i.id AS clock_id, i.customer_id, i.thread_id, i.metric,
                   'start' AS event, i.started_at AS at, i.due_at,
                   0::double precision AS business_seconds, 0::double precision AS wall_seconds,
                   jsonb_build_object('policy', i.policy_id, 'interaction', i.started_by) AS details
              FROM ins AS i
            UNION ALL
            SELECT 1, b.*
              FROM ins AS i
             CROSS JOIN LATERAL omnichannel.sla_breach_event(i.id, i.customer_id, i.thread_id, i.metric,
                                                             i.target, i.started_at, i.breached_at,
                                                             '{"via": "reply"}') AS b
             WHERE i.stopped_at IS NOT NULL
            UNION ALL
            SELECT 2, i.id, i.customer_id, i.thread_id, i.metric, 'achieve',
                   i.stopped_at, i.due_at, i.business_seconds, i.wall_seconds,
                   jsonb_build_object('via', 'reply', 'interaction', i.stopped_by)
              FROM ins AS i
             WHERE i.stopped_at IS NOT NULL) AS ev
     ORDER BY ev.clock_id, ev.k;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_ingest_customers(bigint[], boolean, bigint[], bigint[], bigint[],
    timestamptz[], boolean[], omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[],
    bigint[], timestamptz[], bigint[]) IS
    'Internal, called by sla_ingest: the clock rules of an ingest statement for the events and reopenings of the given customers, or of all when NULL (reopen, achieve by reply, start; new clocks only when any_policy)';
REVOKE EXECUTE ON FUNCTION omnichannel.sla_ingest_customers(bigint[], boolean, bigint[], bigint[], bigint[],
    timestamptz[], boolean[], omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[],
    bigint[], timestamptz[], bigint[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION omnichannel.sla_ingest(
    e_id bigint[], e_thread bigint[], e_customer bigint[], e_at timestamptz[],
    e_in boolean[], e_channel omnichannel.channel[], e_awaiting boolean[],
    e_next_out_at timestamptz[], e_next_out_id bigint[], e_first_in boolean[],
    e_after_in boolean[], reopen_ids bigint[], reopen_ats timestamptz[], reopen_customers bigint[],
    per_customer boolean)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_any_policy boolean;
    v_clocks boolean;
    v_customers bigint[];
    v_customer bigint;
BEGIN
    v_any_policy := omnichannel.sla_any_policy_active();
    v_clocks := v_any_policy OR EXISTS (
        SELECT 1 FROM omnichannel.sla_clock AS c
         WHERE c.customer_id = ANY (e_customer) AND c.thread_id = ANY (e_thread)
           AND c.stopped_at IS NULL);
    IF NOT v_clocks AND reopen_ids IS NULL THEN
        RETURN false;
    END IF;
    IF NOT v_clocks THEN
        -- reopenings alone (the status trigger moves no clock)
        e_id := NULL;
    END IF;
    IF per_customer THEN
        -- on Citus: each customer's statements on its shard, customers in id order
        SELECT array_agg(DISTINCT u.c ORDER BY u.c) INTO v_customers
          FROM (SELECT pg_catalog.unnest(e_customer) UNION ALL SELECT pg_catalog.unnest(reopen_customers)) AS u(c);
        FOREACH v_customer IN ARRAY v_customers LOOP
            PERFORM omnichannel.sla_ingest_customers(ARRAY[v_customer], v_any_policy,
                e_id, e_thread, e_customer, e_at, e_in, e_channel, e_awaiting, e_next_out_at,
                e_next_out_id, e_first_in, e_after_in, reopen_ids, reopen_ats, reopen_customers);
        END LOOP;
    ELSE
        -- on one node all of them at once (NULL: every customer the arrays name)
        PERFORM omnichannel.sla_ingest_customers(NULL, v_any_policy,
            e_id, e_thread, e_customer, e_at, e_in, e_channel, e_awaiting, e_next_out_at,
            e_next_out_id, e_first_in, e_after_in, reopen_ids, reopen_ats, reopen_customers);
    END IF;
    RETURN v_clocks;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_ingest(bigint[], bigint[], bigint[], timestamptz[], boolean[],
    omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[], bigint[], timestamptz[],
    bigint[], boolean) IS
    'Internal, called by the ingest statement trigger: reopens the threads a customer message reopens, achieves the clocks the statement''s replies answer and starts the clocks its messages start (per_customer: one customer at a time, as on Citus); true when the threads'' due times must be refreshed';
-- only the ingest trigger calls it, as the interaction table's owner
REVOKE EXECUTE ON FUNCTION omnichannel.sla_ingest(bigint[], bigint[], bigint[], timestamptz[], boolean[],
    omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[], bigint[], timestamptz[],
    bigint[], boolean)
    FROM PUBLIC;

-- Policy or calendar changes ------------------------------------------------------------

-- The threads of some customers re-derived (recompute_sla calls it for all
-- of them at once on one node, one customer at a time on Citus, where a row
-- lock is taken on one shard only).
CREATE OR REPLACE FUNCTION omnichannel.sla_recompute_threads(customers bigint[], threads bigint[],
                                                           policy integer, calendar text,
                                                           rematch boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_threads bigint[];
    v_customers bigint[];
    v_policies integer[];
    v_statuses omnichannel.thread_status[];
    v_n bigint;
BEGIN
    -- the threads recompute_sla chose, locked (in id order) so that no
    -- status change or reply moves their clocks meanwhile; still unsolved
    -- once locked (policy and calendar only name the change in the events)
    SELECT array_agg(t.id ORDER BY t.id), array_agg(t.customer_id ORDER BY t.id)
      INTO v_threads, v_customers
      FROM (SELECT t.id, t.customer_id FROM omnichannel.thread AS t
             WHERE t.customer_id = ANY (sla_recompute_threads.customers)
               AND t.id = ANY (sla_recompute_threads.threads)
               AND t.status NOT IN ('solved', 'closed')
               AND t.sla_policy_id IS NOT NULL
             ORDER BY t.id
               FOR NO KEY UPDATE) AS t;
    IF v_threads IS NULL THEN
        RETURN 0;
    END IF;

    -- policies matched again (a changed condition may move a thread to
    -- another one): first active match in position order, set-wise
    IF sla_recompute_threads.rematch THEN
        WITH m AS (
            SELECT t.id,
                   (SELECT m.policy_id
                      FROM omnichannel.sla_policy_match(pa.policies,
                               COALESCE(fc.channel, t.waiting_channel, t.channels[1]),
                               t.priority, cu.attributes) AS m) AS new_policy
              FROM omnichannel.thread AS t
              JOIN omnichannel.customer AS cu ON cu.id = t.customer_id
             CROSS JOIN (SELECT omnichannel.sla_policies() AS policies) AS pa
              -- the channel of the message that started the first clock
              -- (omnichannel.sla_thread_channel, written out)
              LEFT JOIN LATERAL (SELECT c.channel FROM omnichannel.sla_clock AS c
                                  WHERE c.customer_id = t.customer_id AND c.thread_id = t.id
                                  ORDER BY c.started_at, c.id LIMIT 1) AS fc ON true
             WHERE t.customer_id = ANY (v_customers) AND cu.id = ANY (v_customers)
               AND t.id = ANY (v_threads))
        UPDATE omnichannel.thread AS t
           SET sla_policy_id = m.new_policy
          FROM m
         WHERE t.customer_id = ANY (v_customers) AND t.id = m.id
           AND t.sla_policy_id IS DISTINCT FROM m.new_policy;
    END IF;

    -- running clocks re-derived from their start and pauses
    SELECT array_agg(t.sla_policy_id ORDER BY t.id), array_agg(t.status ORDER BY t.id)
      INTO v_policies, v_statuses
      FROM omnichannel.thread AS t
     WHERE t.customer_id = ANY (v_customers) AND t.id = ANY (v_threads);
    v_n := omnichannel.sla_rederive(v_customers, v_threads, v_policies, v_statuses,
               jsonb_build_object('policy_changed', sla_recompute_threads.policy,
                                  'calendar_changed', sla_recompute_threads.calendar));

    UPDATE omnichannel.thread AS t
       SET first_response_due = d.first_response_due,
           next_response_due = d.next_response_due,
           periodic_update_due = d.periodic_update_due,
           resolution_due = d.resolution_due,
           sla_due_at = d.sla_due_at,
           sla_paused = COALESCE(d.sla_paused, false)
      FROM unnest(v_threads) AS x(id)
      LEFT JOIN (SELECT d.* FROM omnichannel.sla_running_dues AS d
                  WHERE d.customer_id = ANY (v_customers) AND d.thread_id = ANY (v_threads)) AS d
        ON d.thread_id = x.id
     WHERE t.customer_id = ANY (v_customers) AND t.id = x.id
       AND (t.first_response_due, t.next_response_due, t.periodic_update_due, t.resolution_due,
            t.sla_due_at, t.sla_paused)
           IS DISTINCT FROM
           (d.first_response_due, d.next_response_due, d.periodic_update_due, d.resolution_due,
            d.sla_due_at, COALESCE(d.sla_paused, false));
    RETURN v_n;
END
$$;
COMMENT ON FUNCTION omnichannel.sla_recompute_threads(bigint[], bigint[], integer, text, boolean) IS
    'Internal, called by recompute_sla: locks the given threads of the given customers that are still unsolved with a policy, matches their policies again unless rematch is false, re-derives their running clocks (the events name the changed policy or calendar) and refreshes their due times; returns the clocks changed';
REVOKE EXECUTE ON FUNCTION omnichannel.sla_recompute_threads(bigint[], bigint[], integer, text, boolean) FROM PUBLIC;

CREATE OR REPLACE FUNCTION omnichannel.recompute_sla(policy integer DEFAULT NULL,
                                         calendar text DEFAULT NULL,
                                         rematch boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_threads bigint[];
    v_customers bigint[];
    v_customer bigint;
    v_n bigint := 0;
BEGIN
    IF recompute_sla.policy IS NOT NULL AND NOT EXISTS (SELECT 1 FROM omnichannel.sla_policy AS p WHERE p.id = recompute_sla.policy) THEN
        RAISE EXCEPTION 'SLA policy % does not exist', recompute_sla.policy
            USING ERRCODE = 'undefined_object';
    END IF;
    IF recompute_sla.calendar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM omnichannel.business_calendar AS c
                                             WHERE c.name = recompute_sla.calendar) THEN
        RAISE EXCEPTION 'business calendar "%" does not exist', recompute_sla.calendar
            USING ERRCODE = 'undefined_object';
    END IF;

    -- the unsolved threads the change can affect (sla_recompute_threads locks
    -- them, and leaves those solved meanwhile)
    SELECT array_agg(t.id ORDER BY t.id), array_agg(DISTINCT t.customer_id)
      INTO v_threads, v_customers
      FROM omnichannel.thread AS t
     WHERE t.status NOT IN ('solved', 'closed')
       AND t.sla_policy_id IS NOT NULL
       AND (recompute_sla.policy IS NULL OR t.sla_policy_id = recompute_sla.policy)
       AND (recompute_sla.calendar IS NULL OR t.sla_policy_id IN
                (SELECT p.id FROM omnichannel.sla_policy AS p WHERE p.calendar = recompute_sla.calendar));
    IF v_threads IS NULL THEN
        RETURN 0;
    END IF;
    IF omnichannel.per_customer_writes() THEN
        -- on Citus: each customer's threads on its shard, customers in id order
        FOREACH v_customer IN ARRAY v_customers LOOP
            v_n := v_n + omnichannel.sla_recompute_threads(ARRAY[v_customer], v_threads,
                             recompute_sla.policy, recompute_sla.calendar, recompute_sla.rematch);
        END LOOP;
        RETURN v_n;
    END IF;
    RETURN omnichannel.sla_recompute_threads(v_customers, v_threads, recompute_sla.policy,
                                             recompute_sla.calendar, recompute_sla.rematch);
END
$$;
COMMENT ON FUNCTION omnichannel.recompute_sla(integer, text, boolean) IS
    'After a policy or calendar change: re-derives the running clocks of the unsolved threads it affects (all, one policy''s, or those of policies using one calendar) from their starts and pauses, matching policies again unless rematch is false; logs a recompute (or cancel) event per changed clock and returns their number';

-- Breaches seen as they happen (for cron or pg_cron) --------------------------------------

-- The due clocks of some customers marked breached (sla_sweep calls it for
-- all at once on one node, one customer at a time on Citus).
CREATE OR REPLACE FUNCTION omnichannel.sla_sweep_clocks(customers bigint[], clocks bigint[], threads bigint[])
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_locked bigint[];
    v_ids bigint[];
    v_now timestamptz := pg_catalog.now();
BEGIN
    -- a thread busy elsewhere is left for the next sweep
    SELECT array_agg(t.id) INTO v_locked
      FROM (SELECT t.id FROM omnichannel.thread AS t
             WHERE t.customer_id = ANY (customers) AND t.id = ANY (threads)
               FOR NO KEY UPDATE SKIP LOCKED) AS t;
    IF v_locked IS NULL THEN
        RETURN 0;
    END IF;
    WITH upd AS (
        UPDATE omnichannel.sla_clock AS c
           SET breached_at = c.due_at
         WHERE c.customer_id = ANY (customers) AND c.id = ANY (clocks)
           AND c.thread_id = ANY (v_locked)
           AND c.stopped_at IS NULL AND c.breached_at IS NULL AND c.due_at < v_now
        RETURNING c.id)
    SELECT array_agg(upd.id) INTO v_ids FROM upd;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    RETURN omnichannel.sla_log_breaches(customers, v_ids, '{"via": "sweep"}');
END
$$;
COMMENT ON FUNCTION omnichannel.sla_sweep_clocks(bigint[], bigint[], bigint[]) IS
    'Internal, called by sla_sweep: marks the given clocks of the given customers breached where they are still running past due and their thread is not locked elsewhere, and logs the breaches; returns them';
REVOKE EXECUTE ON FUNCTION omnichannel.sla_sweep_clocks(bigint[], bigint[], bigint[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION omnichannel.sla_sweep(max_clocks integer DEFAULT 10000)
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids bigint[];
    v_threads bigint[];
    v_customers bigint[];
    v_customer bigint;
    v_n integer := 0;
BEGIN
    IF max_clocks IS NULL OR max_clocks < 1 THEN
        RAISE EXCEPTION 'max_clocks must be positive'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT array_agg(d.id), array_agg(d.thread_id), array_agg(DISTINCT d.customer_id)
      INTO v_ids, v_threads, v_customers
      FROM (SELECT c.id, c.thread_id, c.customer_id
              FROM omnichannel.sla_clock AS c
             WHERE c.stopped_at IS NULL AND c.breached_at IS NULL AND c.due_at < pg_catalog.now()
             ORDER BY c.due_at
             LIMIT max_clocks) AS d;
    IF v_ids IS NULL THEN
        RETURN 0;
    END IF;
    IF omnichannel.per_customer_writes() THEN
        -- on Citus: each customer's clocks on its shard
        FOREACH v_customer IN ARRAY v_customers LOOP
            v_n := v_n + omnichannel.sla_sweep_clocks(ARRAY[v_customer], v_ids, v_threads);
        END LOOP;
        RETURN v_n;
    END IF;
    RETURN omnichannel.sla_sweep_clocks(v_customers, v_ids, v_threads);
END
$$;
COMMENT ON FUNCTION omnichannel.sla_sweep(integer) IS
    'Records a breach event for running clocks past their due time (at most max_clocks, oldest first; threads locked elsewhere wait for the next run); for cron or pg_cron every minute; returns the breaches recorded';

-- Attainment for supervisors and BI ----------------------------------------------------------

CREATE OR REPLACE VIEW omnichannel.sla_attainment AS
SELECT (d.decided_at AT TIME ZONE 'UTC')::date     AS day,
       d.channel::text                             AS channel,
       p.name                                      AS policy,
       d.metric::text                              AS metric,
       count(*)                                    AS clocks,
       count(*) FILTER (WHERE d.achieved)          AS achieved,
       count(*) FILTER (WHERE NOT d.achieved)      AS breached,
       round(100.0 * count(*) FILTER (WHERE d.achieved) / count(*), 2) AS achieved_pct,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.business_seconds) AS median_business_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY d.business_seconds) AS p90_business_seconds,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY d.wall_seconds)     AS median_wall_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY d.wall_seconds)     AS p90_wall_seconds
  FROM (SELECT c.channel, c.metric, c.policy_id, c.business_seconds, c.wall_seconds,
               c.outcome IS NOT DISTINCT FROM 'achieved' AS achieved,
               CASE WHEN c.outcome = 'achieved' THEN c.stopped_at ELSE c.due_at END AS decided_at
          FROM omnichannel.sla_clock AS c
         WHERE c.outcome IN ('achieved', 'breached')
            OR (c.stopped_at IS NULL AND c.due_at <= pg_catalog.now())) AS d
  JOIN omnichannel.sla_policy AS p ON p.id = d.policy_id
 GROUP BY 1, 2, 3, 4;
COMMENT ON VIEW omnichannel.sla_attainment IS
    'SLA attainment per UTC day (when the outcome was decided), channel, policy and metric; standard SQL types only';
COMMENT ON COLUMN omnichannel.sla_attainment.day IS 'UTC date on which the outcome was decided: the reply or solve for achieved clocks, the due time for breached ones (running or not)';
COMMENT ON COLUMN omnichannel.sla_attainment.channel IS 'Channel of the interaction that started the clocks';
COMMENT ON COLUMN omnichannel.sla_attainment.policy IS 'SLA policy name';
COMMENT ON COLUMN omnichannel.sla_attainment.metric IS 'first_response, next_response, periodic_update or resolution';
COMMENT ON COLUMN omnichannel.sla_attainment.clocks IS 'Clocks decided (cancelled ones and running ones not yet due are not counted)';
COMMENT ON COLUMN omnichannel.sla_attainment.achieved IS 'Clocks stopped at or before their due time';
COMMENT ON COLUMN omnichannel.sla_attainment.breached IS 'Clocks that ran past their due time (stopped late or still running)';
COMMENT ON COLUMN omnichannel.sla_attainment.achieved_pct IS 'achieved / clocks, in percent, two decimals';
COMMENT ON COLUMN omnichannel.sla_attainment.median_business_seconds IS 'Median business seconds from start to stop of the stopped clocks (pauses left out)';
COMMENT ON COLUMN omnichannel.sla_attainment.p90_business_seconds IS '90th percentile of business seconds from start to stop';
COMMENT ON COLUMN omnichannel.sla_attainment.median_wall_seconds IS 'Median wall-clock seconds from start to stop';
COMMENT ON COLUMN omnichannel.sla_attainment.p90_wall_seconds IS '90th percentile of wall-clock seconds from start to stop';
