-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/86_queue.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.agent_touch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM omnichannel.check_trigger_table('agent_touch', TG_RELID, 'agent');
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.status_changed_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.agent_touch() IS 'Trigger: keeps agent.status_changed_at current';
CREATE OR REPLACE TRIGGER agent_touch BEFORE UPDATE ON omnichannel.agent
    FOR EACH ROW EXECUTE FUNCTION omnichannel.agent_touch();
COMMENT ON TRIGGER agent_touch ON omnichannel.agent IS 'Keeps status_changed_at current';

-- Capacity units per channel -------------------------------------------------------

-- Not STRICT, NULL answered by the expression itself: a STRICT function
-- whose expression is not strict (a CASE) is not inlined, and every claim
-- reads it for each channel (the channel_units view), at the cost of an SQL
-- function call each.
CREATE OR REPLACE FUNCTION omnichannel.default_channel_units(channel omnichannel.channel)
RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN channel IS NULL THEN NULL ELSE CASE channel
    WHEN 'phone' THEN 1 WHEN 'ivr' THEN 1 WHEN 'video' THEN 1 WHEN 'in_person' THEN 1
    WHEN 'chat' THEN 0.34 WHEN 'chatbot' THEN 0.34
    WHEN 'messaging' THEN 0.25 WHEN 'sms' THEN 0.2 WHEN 'social' THEN 0.2
    ELSE 0.1 END END::real;
COMMENT ON FUNCTION omnichannel.default_channel_units(omnichannel.channel) IS
    'Built-in share of an agent''s capacity a thread of this channel takes: 1 for live voice, video and face to face, 0.34 for chat, 0.25 for messaging apps, 0.2 for SMS and social, 0.1 for e-mail, web and forum';

CREATE OR REPLACE VIEW omnichannel.channel_units AS
SELECT c.channel::text AS channel,
       COALESCE(l.units, omnichannel.default_channel_units(c.channel)) AS units,
       l.units IS NOT NULL AS overridden
  FROM unnest(enum_range(NULL::omnichannel.channel)) AS c(channel)
  LEFT JOIN omnichannel.channel_units_override AS l ON l.channel = c.channel;
COMMENT ON VIEW omnichannel.channel_units IS 'Capacity units per channel in force (overrides and built-in defaults)';
COMMENT ON COLUMN omnichannel.channel_units.channel IS 'The channel';
COMMENT ON COLUMN omnichannel.channel_units.units IS 'Units one thread of this channel takes from its assignee''s capacity';
COMMENT ON COLUMN omnichannel.channel_units.overridden IS 'Whether channel_units_override overrides the default';

CREATE OR REPLACE FUNCTION omnichannel.channel_units(channel omnichannel.channel)
RETURNS real
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT l.units FROM omnichannel.channel_units_override AS l WHERE l.channel = $1),
                    omnichannel.default_channel_units(COALESCE($1, 'other')))
$$;
COMMENT ON FUNCTION omnichannel.channel_units(omnichannel.channel) IS
    'Capacity units a thread of this channel takes (the override, else the default; NULL counts as other)';

-- PL/pgSQL: every claim reads it, and its query is planned once per session
CREATE OR REPLACE FUNCTION omnichannel.dispatch_settings(OUT previous_agent_wait interval)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    previous_agent_wait := COALESCE((SELECT s.previous_agent_wait::interval
                                       FROM omnichannel.dispatch_setting_override AS s),
                                    interval '5 minutes');
END
$$;
COMMENT ON FUNCTION omnichannel.dispatch_settings() IS 'The dispatch settings in force';

-- Ends a thread's open assignment, if any (release, reassign, solved, closed).
-- PL/pgSQL, the thread's customer named and the time a value: on Citus the
-- statement is one shard's (a status change's trigger runs it there), and
-- Citus takes no volatile function in an UPDATE.
CREATE OR REPLACE FUNCTION omnichannel.end_assignment(customer bigint, thread bigint, how text, reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_now timestamptz := pg_catalog.clock_timestamp();
BEGIN
    UPDATE omnichannel.thread_assignment AS a
       SET released_at = v_now, released_how = end_assignment.how,
           -- release and reassign record the reason given (NULL too); a
           -- status change keeps the one the assignment was made with
           reason = CASE WHEN end_assignment.how IN ('release', 'reassign') THEN end_assignment.reason
                         ELSE a.reason END
     WHERE a.customer_id = end_assignment.customer AND a.thread_id = end_assignment.thread
       AND a.released_at IS NULL;
END
$$;
COMMENT ON FUNCTION omnichannel.end_assignment(bigint, bigint, text, text) IS
    'Internal: ends the open assignment of the customer''s thread (released_how = how; release and reassign record reason), if it has one';

-- Locks an unsolved thread for an assignment change, or says why not.
CREATE OR REPLACE FUNCTION omnichannel.lock_unsolved_thread(thread bigint)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
    v_customer bigint;
BEGIN
    -- the thread's customer first, then the lock by it (on Citus a row lock
    -- is taken on one shard only); a merge may move the thread meanwhile:
    -- then its new customer
    FOR i IN 1 .. 3 LOOP
        SELECT t.customer_id INTO v_customer FROM omnichannel.thread AS t
         WHERE t.id = lock_unsolved_thread.thread;
        EXIT WHEN v_customer IS NULL;
        SELECT * INTO v_row FROM omnichannel.thread AS t
         WHERE t.customer_id = v_customer AND t.id = lock_unsolved_thread.thread
           FOR NO KEY UPDATE;
        EXIT WHEN FOUND;
    END LOOP;
    IF v_row.id IS NULL THEN
        RAISE EXCEPTION 'thread % does not exist', lock_unsolved_thread.thread
            USING ERRCODE = 'undefined_object';
    END IF;
    IF v_row.status IN ('solved', 'closed') THEN
        RAISE EXCEPTION 'thread % is %', v_row.id, v_row.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A solved or closed thread keeps its last assignee for the record.',
                  HINT = 'Only unsolved threads are assigned and released.';
    END IF;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.lock_unsolved_thread(bigint) IS
    'Internal: locks the thread (FOR NO KEY UPDATE) and returns it; refuses an unknown, solved or closed thread';

-- Solved or closed ends the open assignment (the assignee stays on the thread).
CREATE OR REPLACE FUNCTION omnichannel.assignment_on_status()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM omnichannel.check_trigger_table('assignment_on_status', TG_RELID, 'thread');
    PERFORM omnichannel.end_assignment(NEW.customer_id, NEW.id, NEW.status::text, NULL);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION omnichannel.assignment_on_status() IS
    'Trigger: a thread solved or closed ends its open assignment';
CREATE OR REPLACE TRIGGER assignment_on_status
    AFTER UPDATE OF status ON omnichannel.thread
    FOR EACH ROW
    WHEN (NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed')
          AND NEW.assignee IS NOT NULL)
    EXECUTE FUNCTION omnichannel.assignment_on_status();
COMMENT ON TRIGGER assignment_on_status ON omnichannel.thread IS
    'Ends the open assignment of a thread that is solved or closed';

-- An agent's current load in capacity units.
-- PL/pgSQL, the threads counted per channel first and the units applied
-- to the counts: on Citus the count runs on the shards, and a function that
-- reads a table (channel_units) may not run there.
CREATE OR REPLACE FUNCTION omnichannel.agent_load(agent text)
RETURNS numeric
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN (SELECT round(COALESCE(sum(omnichannel.channel_units(x.channel)::numeric * x.n), 0), 4)
              FROM (SELECT COALESCE(t.waiting_channel, t.channels[1]) AS channel, count(*) AS n
                      FROM omnichannel.thread AS t
                     WHERE t.assignee = agent_load.agent AND t.status = 'open'
                     GROUP BY 1) AS x);
END
$$;
COMMENT ON FUNCTION omnichannel.agent_load(text) IS
    'Capacity units the agent''s open assigned threads take (pending, on-hold and solved threads take none)';

-- Whether an agent is available (the previous agent's turn).
CREATE OR REPLACE FUNCTION omnichannel.agent_available(agent text)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM omnichannel.agent AS g WHERE g.id = $1 AND g.status = 'available')
$$;
COMMENT ON FUNCTION omnichannel.agent_available(text) IS
    'Whether the agent exists and its status is available';

-- Whether an agent may take a thread: its queues, skills and languages, a
-- channel that fits its spare capacity (fits: the channels whose units fit,
-- computed once per claim), and no available previous agent still owed it
-- (waiting since after cutoff = now() - previous_agent_wait; available: the
-- agents available now, read once per claim).
CREATE OR REPLACE FUNCTION omnichannel.claim_eligible(t omnichannel.thread, a omnichannel.agent,
                                          fits omnichannel.channel[], cutoff timestamptz,
                                          available text[])
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
-- a plain expression over its arguments, no table and no SET clause, so
-- that it is inlined into claim_next's candidate scans (which run with
-- search_path = pg_catalog, pg_temp), and on Citus runs on the shards
AS $$
    SELECT t.merged_into IS NULL
       AND (pg_catalog.cardinality(a.queues) = 0 OR t.queue IS NULL OR t.queue = ANY (a.queues))
       AND t.required_skills <@ a.skills
       AND (pg_catalog.cardinality(a.languages) = 0 OR t.language IS NULL OR t.language = ANY (a.languages))
       AND COALESCE(t.waiting_channel, t.channels[1], 'other') = ANY (fits)
       AND (t.preferred_agent IS NULL OR t.preferred_agent = a.id
            OR t.waiting_since IS NULL OR t.waiting_since <= cutoff
            OR NOT COALESCE(t.preferred_agent = ANY (available), false))
$$;
COMMENT ON FUNCTION omnichannel.claim_eligible(omnichannel.thread, omnichannel.agent, omnichannel.channel[], timestamptz, text[]) IS
    'Whether the agent may claim the thread: queue, skills, language, a channel among fits (those that fit its spare capacity), and no previous agent among available (the agents available now) still within previous_agent_wait (waiting since after cutoff)';

-- claim_next -------------------------------------------------------------------------

-- The hot path of a claim on one node (src/pg/claim.c): the first thread in
-- dispatch order that passes claim_eligible() and no one holds, locked FOR
-- NO KEY UPDATE (SKIP LOCKED); NULL if none.  Only claim_next calls it:
-- not executable by PUBLIC (below), and its caller needs SELECT and UPDATE
-- on omnichannel.thread as a row lock would.
CREATE OR REPLACE FUNCTION omnichannel.claim_pick(a omnichannel.agent, fits omnichannel.channel[],
                                       cutoff timestamptz, available text[])
RETURNS omnichannel.thread
AS 'MODULE_PATHNAME', 'oc_claim_pick'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION omnichannel.claim_pick(omnichannel.agent, omnichannel.channel[], timestamptz, text[]) IS
    'Internal (claim_next on one node): locks and returns the first open unassigned thread in dispatch order that the agent may take (claim_eligible with fits, cutoff and available) and no other transaction holds; NULL if none';
REVOKE EXECUTE ON FUNCTION omnichannel.claim_pick(omnichannel.agent, omnichannel.channel[], timestamptz, text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION omnichannel.claim_next(agent text)
RETURNS SETOF omnichannel.thread
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
ROWS 1
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a          omnichannel.agent;
    v_spare    numeric;
    v_wait     interval;
    v_cutoff   timestamptz;
    v_fit      omnichannel.channel[];
    v_queues   text[];
    v_limit    integer;
    v_cand     bigint[];
    v_row      omnichannel.thread;
    v_round    integer;
    v_tried    bigint[] := '{}';
    v_whose    bigint[];
    v_avail    text[];
    v_citus    boolean;
    v_now      timestamptz;
BEGIN
    IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'claim_next requires READ COMMITTED'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A claim must see assignments committed while it waited for a lock.';
    END IF;
    -- claims of one agent, and changes to it, run one after the other
    SELECT * INTO a FROM omnichannel.agent AS g WHERE g.id = agent FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'agent "%" does not exist', agent
            USING ERRCODE = 'undefined_object',
                  HINT = 'Add the agent to omnichannel.agent first.';
    END IF;
    IF a.status <> 'available' THEN
        RAISE EXCEPTION 'agent "%" is not available', agent
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = pg_catalog.format('The agent''s status is %s.', a.status),
                  HINT = 'Set the agent''s status to available to claim work.';
    END IF;
    v_spare := a.capacity - omnichannel.agent_load(agent);
    -- the channels whose threads fit the spare capacity: none, nothing to scan
    -- (one read of the units in force, not channel_units() per channel)
    v_fit := ARRAY(SELECT u.channel::omnichannel.channel FROM omnichannel.channel_units AS u
                    WHERE u.units <= v_spare + 1e-4);
    IF pg_catalog.cardinality(v_fit) = 0 THEN
        RETURN;
    END IF;
    v_queues := CASE WHEN pg_catalog.cardinality(a.queues) > 0 THEN a.queues END;
    v_wait := omnichannel.dispatch_settings();
    v_cutoff := pg_catalog.now() - v_wait;
    v_avail := ARRAY(SELECT g.id FROM omnichannel.agent AS g WHERE g.status = 'available');
    v_citus := omnichannel.per_customer_writes();

    -- one node: the first thread in dispatch order the agent may take and
    -- no one holds, found and locked by claim_pick() (C, src/pg/claim.c: one
    -- scan of the dispatch index, or of each served queue's head, merged,
    -- tested by claim_eligible() and locked FOR NO KEY UPDATE SKIP LOCKED)
    IF NOT v_citus THEN
        v_row := omnichannel.claim_pick(a, v_fit, v_cutoff, v_avail);
    ELSE
        -- Citus: candidates in dispatch order, read without locks: 16, then
        -- the next 64, 256 and 1024 if every one tried was taken meanwhile,
        -- by omnichannel.claim_eligible() (inlined), the served queues'
        -- threads and those with none in one scan (Citus takes no LIMIT in a
        -- LATERAL over unnest())
        FOR v_round IN 1..4 LOOP
            v_limit := 16 * 4 ^ (v_round - 1);
            SELECT array_agg(c.id ORDER BY c.priority DESC, c.sla_due_at, c.waiting_since, c.id),
                   array_agg(c.customer_id ORDER BY c.priority DESC, c.sla_due_at, c.waiting_since, c.id)
              INTO v_cand, v_whose
              FROM (SELECT t.id, t.customer_id, t.priority, t.sla_due_at, t.waiting_since
                      FROM omnichannel.thread AS t
                     WHERE t.status = 'open' AND t.assignee IS NULL
                       AND (v_queues IS NULL OR COALESCE(t.queue, '') = ANY (v_queues || ''::text))
                       AND NOT t.id = ANY (v_tried)
                       AND omnichannel.claim_eligible(t, a, v_fit, v_cutoff, v_avail)
                     ORDER BY t.priority DESC, t.sla_due_at, t.waiting_since, t.id
                     LIMIT v_limit) AS c;
            IF v_cand IS NULL THEN
                RETURN;
            END IF;
            v_tried := v_tried || v_cand;
            -- the first candidate, in dispatch order, that no one holds and that
            -- is still open, unassigned and the agent's to take, locked: a
            -- statement per try, by the row's key (by its customer too: on
            -- Citus a row lock is one shard's), no subtransaction.  A candidate
            -- taken or changed since it was read fails the check after its
            -- lock; it stays locked, not claimed, until this transaction ends:
            -- no one could claim it meanwhile either.  (The check is not in the
            -- statement: Citus runs a query of one shard whole there, where the
            -- row is of the shard's type.)
            v_row := NULL;
            FOR i IN 1 .. pg_catalog.cardinality(v_cand) LOOP
                SELECT * INTO v_row FROM omnichannel.thread AS t
                 WHERE t.customer_id = v_whose[i] AND t.id = v_cand[i]
                   FOR NO KEY UPDATE SKIP LOCKED;
                EXIT WHEN FOUND AND v_row.status = 'open' AND v_row.assignee IS NULL
                          AND omnichannel.claim_eligible(v_row, a, v_fit, v_cutoff, v_avail);
                v_row := NULL;
            END LOOP;
            EXIT WHEN v_row.id IS NOT NULL;
        END LOOP;
    END IF;
    IF v_row.id IS NULL THEN
        RETURN;
    END IF;
    -- a value: Citus takes no volatile function in an UPDATE
    v_now := pg_catalog.clock_timestamp();
    UPDATE omnichannel.thread AS t
       SET assignee = agent, assigned_at = v_now
     WHERE t.customer_id = v_row.customer_id AND t.id = v_row.id
    RETURNING * INTO v_row;
    INSERT INTO omnichannel.thread_assignment (customer_id, thread_id, agent, how)
    VALUES (v_row.customer_id, v_row.id, agent, 'claim');
    RETURN NEXT v_row;
    RETURN;
END
$$;
COMMENT ON FUNCTION omnichannel.claim_next(text) IS
    'Gives the agent the most urgent open unassigned thread it may take (its queues, skills and languages; fits its spare capacity) in the order priority, SLA due time, waiting since; returns it, or no row when there is none; never a thread another claim holds';

CREATE OR REPLACE FUNCTION omnichannel.release(thread bigint, reason text DEFAULT NULL)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
BEGIN
    v_row := omnichannel.lock_unsolved_thread(release.thread);
    IF v_row.assignee IS NULL THEN
        RAISE EXCEPTION 'thread % is not assigned', release.thread
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM omnichannel.end_assignment(v_row.customer_id, v_row.id, 'release', release.reason);
    UPDATE omnichannel.thread AS t SET assignee = NULL, assigned_at = NULL
     WHERE t.customer_id = v_row.customer_id AND t.id = v_row.id RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.release(bigint, text) IS
    'Gives an assigned thread back to the queue; returns the thread';

CREATE OR REPLACE FUNCTION omnichannel.reassign(thread bigint, agent text, reason text DEFAULT NULL)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
    v_now timestamptz;
BEGIN
    IF agent IS NULL THEN
        RAISE EXCEPTION 'agent must not be null'
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Use omnichannel.release() to give a thread back to the queue.';
    END IF;
    -- the agent first, as claim_next does: no deadlock with its claims
    PERFORM 1 FROM omnichannel.agent AS g WHERE g.id = reassign.agent FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'agent "%" does not exist', reassign.agent
            USING ERRCODE = 'undefined_object';
    END IF;
    v_row := omnichannel.lock_unsolved_thread(reassign.thread);
    IF v_row.assignee IS NOT DISTINCT FROM reassign.agent THEN
        RETURN v_row;
    END IF;
    PERFORM omnichannel.end_assignment(v_row.customer_id, v_row.id, 'reassign', reassign.reason);
    -- a value: Citus takes no volatile function in an UPDATE
    v_now := pg_catalog.clock_timestamp();
    UPDATE omnichannel.thread AS t
       SET assignee = reassign.agent, assigned_at = v_now
     WHERE t.customer_id = v_row.customer_id AND t.id = v_row.id RETURNING * INTO v_row;
    INSERT INTO omnichannel.thread_assignment (customer_id, thread_id, agent, how, reason)
    VALUES (v_row.customer_id, v_row.id, reassign.agent, 'reassign', reassign.reason);
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.reassign(bigint, text, text) IS
    'Gives a thread to a named agent (a supervisor''s decision: capacity and availability are not checked); returns the thread';

-- The queue view ---------------------------------------------------------------------------

CREATE OR REPLACE VIEW omnichannel.queue AS
SELECT t.id                                              AS thread_id,
       t.customer_id,
       t.status::text                                    AS status,
       t.priority::text                                  AS priority,
       pg_catalog.array_position(pg_catalog.enum_range(NULL::omnichannel.priority), t.priority)
                                                         AS priority_rank,
       COALESCE(t.waiting_channel, t.channels[1])::text  AS channel,
       t.queue,
       t.subject,
       t.waiting_since,
       t.sla_due_at                                      AS due_at,
       c.metric::text                                    AS due_metric,
       CASE WHEN t.sla_due_at IS NOT NULL THEN
            pg_catalog.date_part('epoch', omnichannel.business_time_between(
                COALESCE(b.hours, omnichannel.always_open()), pg_catalog.now(), t.sla_due_at)) END
                                                         AS business_seconds_left,
       CASE WHEN t.sla_paused THEN 'paused'
            WHEN t.sla_due_at IS NULL THEN 'none'
            WHEN t.sla_due_at <= pg_catalog.now() THEN 'breached'
            WHEN omnichannel.business_time_between(COALESCE(b.hours, omnichannel.always_open()),
                     pg_catalog.now(), t.sla_due_at)
                 <= c.target::interval * (1 - p.warning_ratio) THEN 'warning'
            ELSE 'ok' END                                AS sla_state,
       p.name                                            AS policy,
       t.assignee,
       t.assigned_at,
       t.preferred_agent
  FROM omnichannel.thread AS t
  LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
  -- the view reads the policy's calendar with its owner's rights: its readers
  -- need no privilege on sla_policy and business_calendar
  LEFT JOIN omnichannel.business_calendar AS b ON b.name = p.calendar
  LEFT JOIN LATERAL (SELECT k.metric, k.target
                       FROM omnichannel.sla_clock AS k
                      -- the customer too: on Citus the clocks of the thread's shard
                      WHERE k.customer_id = t.customer_id AND k.thread_id = t.id
                        AND k.stopped_at IS NULL
                      ORDER BY k.due_at NULLS LAST, k.metric
                      LIMIT 1) AS c ON true
 WHERE t.status IN ('open', 'pending', 'on_hold');
COMMENT ON VIEW omnichannel.queue IS
    'Unsolved threads (open, pending, on_hold) with their SLA state; ORDER BY priority_rank DESC, due_at, waiting_since is the dispatch order; standard SQL types only';
COMMENT ON COLUMN omnichannel.queue.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.queue.customer_id IS 'Its customer';
COMMENT ON COLUMN omnichannel.queue.status IS 'open (awaiting the company), pending (awaiting the customer) or on_hold (awaiting a third party)';
COMMENT ON COLUMN omnichannel.queue.priority IS 'low, normal, high or urgent';
COMMENT ON COLUMN omnichannel.queue.priority_rank IS '1 (low) to 4 (urgent): ORDER BY priority_rank DESC, due_at is the dispatch order';
COMMENT ON COLUMN omnichannel.queue.channel IS 'Channel of the latest customer message (of the first channel used if none)';
COMMENT ON COLUMN omnichannel.queue.queue IS 'Queue of the latest customer message that named one';
COMMENT ON COLUMN omnichannel.queue.subject IS 'Thread subject';
COMMENT ON COLUMN omnichannel.queue.waiting_since IS 'Oldest unanswered customer message (NULL: the company spoke last)';
COMMENT ON COLUMN omnichannel.queue.due_at IS 'Earliest due time of the running clocks (NULL: none, or paused)';
COMMENT ON COLUMN omnichannel.queue.due_metric IS 'The metric of that clock';
COMMENT ON COLUMN omnichannel.queue.business_seconds_left IS 'Business seconds from now to due_at in the policy''s calendar (negative when breached)';
COMMENT ON COLUMN omnichannel.queue.sla_state IS 'ok, warning (less than (1 - warning_ratio) of the target left), breached, paused, or none (no clock running)';
COMMENT ON COLUMN omnichannel.queue.policy IS 'SLA policy name';
COMMENT ON COLUMN omnichannel.queue.assignee IS 'The agent holding the thread (NULL: unassigned)';
COMMENT ON COLUMN omnichannel.queue.assigned_at IS 'When the assignee took it';
COMMENT ON COLUMN omnichannel.queue.preferred_agent IS 'The agent of the customer''s previous thread, who gets it first while available';

-- The functions that write clocks, assignments and events run as the
-- extension's owner (SECURITY DEFINER, fixed search_path); who may call the
-- dispatch and recompute functions is decided by EXECUTE grants
-- (docs/install.md "Roles").
REVOKE EXECUTE ON FUNCTION omnichannel.claim_next(text), omnichannel.release(bigint, text),
    omnichannel.end_assignment(bigint, bigint, text, text), omnichannel.lock_unsolved_thread(bigint),
    omnichannel.reassign(bigint, text, text), omnichannel.recompute_sla(integer, text, boolean),
    omnichannel.sla_sweep(integer),
    omnichannel.sla_stop_clocks(bigint[], bigint[], timestamptz[], bigint[], boolean[], jsonb),
    omnichannel.sla_rederive(bigint[], bigint[], integer[], omnichannel.thread_status[], jsonb)
    FROM PUBLIC;
