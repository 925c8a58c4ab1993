-- ---------------------------------------------------------------------------
-- The universal queue: agents with capacity in per-channel units, the queue
-- view (open work, SLA state), and dispatch: claim_next(agent) gives an
-- agent the most urgent thread it may take within its spare capacity,
-- release() and reassign() give it back or to someone else.  Every
-- assignment is a row in thread_assignment, at most one open per thread.
--
-- Concurrency: a claim locks the agent row first (claims of one agent and
-- changes to its status or capacity run one after the other, so capacity
-- is never exceeded), then tries candidate threads one at a time with
-- FOR NO KEY UPDATE SKIP LOCKED inside a subtransaction; a candidate that
-- turns out to be taken or no longer eligible once locked is given back by
-- rolling the subtransaction back, so a claim holds no thread lock but the
-- one it returns.  See docs/queue.md.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.agent (
    id                text PRIMARY KEY CHECK (id <> ''),
    display_name      text,
    queues            text[] NOT NULL DEFAULT '{}',
    skills            text[] NOT NULL DEFAULT '{}',
    languages         text[] NOT NULL DEFAULT '{}',
    capacity          real NOT NULL DEFAULT 1
                      CHECK (capacity > 0 AND capacity <= 100),
    status            text NOT NULL DEFAULT 'offline'
                      CHECK (status IN ('available', 'busy', 'away', 'offline')),
    status_changed_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.agent IS
    'Agents who claim threads from the universal queue; agent.id is what thread.assignee and interaction.agent hold';
COMMENT ON COLUMN omnichannel.agent.id IS 'Agent key (a login name or employee id)';
COMMENT ON COLUMN omnichannel.agent.display_name IS 'Name to show';
COMMENT ON COLUMN omnichannel.agent.queues IS 'Queues the agent serves (thread.queue); empty: every queue';
COMMENT ON COLUMN omnichannel.agent.skills IS 'Skills the agent has; a thread''s required_skills must all be among them';
COMMENT ON COLUMN omnichannel.agent.languages IS 'Languages the agent serves (thread.language); empty: any';
COMMENT ON COLUMN omnichannel.agent.capacity IS 'Work the agent can hold at once, in channel units (channel_units): 1 is one call, or three chats, or ten e-mails by default';
COMMENT ON COLUMN omnichannel.agent.status IS 'available (may claim), busy, away or offline';
COMMENT ON COLUMN omnichannel.agent.status_changed_at IS 'When status last changed';
COMMENT ON COLUMN omnichannel.agent.created_at IS 'When the row was created';

CREATE FUNCTION omnichannel.agent_touch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.status_changed_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION omnichannel.agent_touch() IS 'Trigger: keeps agent.status_changed_at current';
CREATE TRIGGER agent_touch BEFORE UPDATE ON omnichannel.agent
    FOR EACH ROW EXECUTE FUNCTION omnichannel.agent_touch();
COMMENT ON TRIGGER agent_touch ON omnichannel.agent IS 'Keeps status_changed_at current';

-- Capacity units per channel -------------------------------------------------------

CREATE FUNCTION omnichannel.default_channel_units(channel omnichannel.channel)
RETURNS real
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE channel
    WHEN 'phone' THEN 1 WHEN 'ivr' THEN 1 WHEN 'video' THEN 1 WHEN 'in_person' THEN 1
    WHEN 'chat' THEN 0.34 WHEN 'chatbot' THEN 0.34
    WHEN 'messaging' THEN 0.25 WHEN 'sms' THEN 0.2 WHEN 'social' THEN 0.2
    ELSE 0.1 END::real;
COMMENT ON FUNCTION omnichannel.default_channel_units(omnichannel.channel) IS
    'Built-in share of an agent''s capacity a thread of this channel takes: 1 for live voice, video and face to face, 0.34 for chat, 0.25 for messaging apps, 0.2 for SMS and social, 0.1 for e-mail, web and forum';

CREATE TABLE omnichannel.channel_load (
    channel     omnichannel.channel PRIMARY KEY,
    units       real NOT NULL CHECK (units > 0 AND units <= 100),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.channel_load IS
    'DBA overrides of default_channel_units per channel (see view channel_units)';
COMMENT ON COLUMN omnichannel.channel_load.channel IS 'The channel';
COMMENT ON COLUMN omnichannel.channel_load.units IS 'Capacity units one thread of this channel takes from its assignee';
COMMENT ON COLUMN omnichannel.channel_load.updated_at IS 'When the override was written';

CREATE VIEW omnichannel.channel_units AS
SELECT c.channel::text AS channel,
       COALESCE(l.units, omnichannel.default_channel_units(c.channel)) AS units,
       l.units IS NOT NULL AS overridden
  FROM unnest(enum_range(NULL::omnichannel.channel)) AS c(channel)
  LEFT JOIN omnichannel.channel_load AS l ON l.channel = c.channel;
COMMENT ON VIEW omnichannel.channel_units IS 'Capacity units per channel in force (overrides and built-in defaults)';
COMMENT ON COLUMN omnichannel.channel_units.channel IS 'The channel';
COMMENT ON COLUMN omnichannel.channel_units.units IS 'Units one thread of this channel takes from its assignee''s capacity';
COMMENT ON COLUMN omnichannel.channel_units.overridden IS 'Whether channel_load overrides the default';

CREATE FUNCTION omnichannel.channel_units(channel omnichannel.channel)
RETURNS real
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT l.units FROM omnichannel.channel_load AS l WHERE l.channel = $1),
                    omnichannel.default_channel_units(COALESCE($1, 'other')))
$$;
COMMENT ON FUNCTION omnichannel.channel_units(omnichannel.channel) IS
    'Capacity units a thread of this channel takes (the override, else the default; NULL counts as other)';

-- Dispatch settings ----------------------------------------------------------------

CREATE TABLE omnichannel.dispatch_setting (
    singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    previous_agent_wait  omnichannel.stitch_window NOT NULL DEFAULT interval '5 minutes',
    updated_at           timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.dispatch_setting IS
    'Dispatch tuning, at most one row; without a row the defaults apply (see dispatch_settings())';
COMMENT ON COLUMN omnichannel.dispatch_setting.singleton IS 'Always true: the table holds one row';
COMMENT ON COLUMN omnichannel.dispatch_setting.previous_agent_wait IS
    'How long a returning customer''s thread waits for the agent of their previous thread, while that agent is available, before any agent may claim it; 0 turns the preference off';
COMMENT ON COLUMN omnichannel.dispatch_setting.updated_at IS 'When the row was written';

CREATE FUNCTION omnichannel.dispatch_settings(OUT previous_agent_wait interval)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT COALESCE((SELECT s.previous_agent_wait::interval FROM omnichannel.dispatch_setting AS s),
                    interval '5 minutes')
$$;
COMMENT ON FUNCTION omnichannel.dispatch_settings() IS 'The dispatch settings in force';

-- Assignments --------------------------------------------------------------------------

CREATE TABLE omnichannel.thread_assignment (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL,
    thread_id    bigint NOT NULL,
    agent        text NOT NULL,
    assigned_at  timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    how          text NOT NULL CHECK (how IN ('claim', 'reassign')),
    released_at  timestamptz,
    released_how text CHECK (released_how IN ('release', 'reassign', 'solved', 'closed')),
    reason       text,
    CONSTRAINT thread_assignment_thread_fkey FOREIGN KEY (customer_id, thread_id)
        REFERENCES omnichannel.thread (customer_id, id) ON UPDATE CASCADE,
    CONSTRAINT thread_assignment_released CHECK ((released_at IS NULL) = (released_how IS NULL))
);
-- one open assignment per thread: a double assignment cannot be stored
CREATE UNIQUE INDEX thread_assignment_open_key
    ON omnichannel.thread_assignment (thread_id) WHERE released_at IS NULL;
CREATE INDEX thread_assignment_agent_idx ON omnichannel.thread_assignment (agent, assigned_at);
COMMENT ON TABLE omnichannel.thread_assignment IS
    'Every assignment of a thread to an agent (claim or reassign) and its end; at most one open per thread';
COMMENT ON COLUMN omnichannel.thread_assignment.id IS 'Assignment key';
COMMENT ON COLUMN omnichannel.thread_assignment.customer_id IS 'The thread''s customer';
COMMENT ON COLUMN omnichannel.thread_assignment.thread_id IS 'The thread';
COMMENT ON COLUMN omnichannel.thread_assignment.agent IS 'The agent (agent.id)';
COMMENT ON COLUMN omnichannel.thread_assignment.assigned_at IS 'When the agent got it';
COMMENT ON COLUMN omnichannel.thread_assignment.how IS 'claim (claim_next) or reassign (reassign)';
COMMENT ON COLUMN omnichannel.thread_assignment.released_at IS 'When it ended (NULL: current)';
COMMENT ON COLUMN omnichannel.thread_assignment.released_how IS 'release, reassign, solved or closed';
COMMENT ON COLUMN omnichannel.thread_assignment.reason IS 'Free-text reason given to reassign or release';

SELECT pg_catalog.pg_extension_config_dump('omnichannel.agent', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.channel_load', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.dispatch_setting', '');
SELECT pg_catalog.pg_extension_config_dump('omnichannel.thread_assignment', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('omnichannel.thread_assignment', 'id'), '');

-- Dispatch order: what claim_next walks.
CREATE INDEX thread_dispatch_idx
    ON omnichannel.thread (priority DESC, sla_due_at, waiting_since, id)
    WHERE status = 'open' AND assignee IS NULL;
-- The head of each queue ('' for threads with none), for agents serving
-- some queues.
CREATE INDEX thread_queue_dispatch_idx
    ON omnichannel.thread ((COALESCE(queue, '')), priority DESC, sla_due_at, waiting_since, id)
    WHERE status = 'open' AND assignee IS NULL;
-- An agent's load.
-- the previous agent of a returning customer (ingest, preferred_agent): the
-- latest earlier assigned thread of the customer, found without reading the
-- unassigned ones (a customer may have thousands of threads)
CREATE INDEX thread_customer_assigned_idx
    ON omnichannel.thread (customer_id, id) WHERE assignee IS NOT NULL;
COMMENT ON INDEX omnichannel.thread_customer_assigned_idx IS
    'A customer''s assigned threads, for the previous agent of a new thread';
CREATE INDEX thread_assignee_open_idx
    ON omnichannel.thread (assignee) WHERE assignee IS NOT NULL AND status = 'open';

-- Ends a thread's open assignment, if any (release, reassign, solved, closed).
CREATE FUNCTION omnichannel.end_assignment(thread bigint, how text, reason text)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE omnichannel.thread_assignment AS a
       SET released_at = pg_catalog.clock_timestamp(), released_how = $2,
           -- release and reassign record the reason given (NULL too); a
           -- status change keeps the one the assignment was made with
           reason = CASE WHEN $2 IN ('release', 'reassign') THEN $3 ELSE a.reason END
     WHERE a.thread_id = $1 AND a.released_at IS NULL
$$;
COMMENT ON FUNCTION omnichannel.end_assignment(bigint, text, text) IS
    'Internal: ends the thread''s open assignment (released_how = how; release and reassign record reason), if it has one';

-- Locks an unsolved thread for an assignment change, or says why not.
CREATE FUNCTION omnichannel.lock_unsolved_thread(thread bigint)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
BEGIN
    SELECT * INTO v_row FROM omnichannel.thread AS t WHERE t.id = lock_unsolved_thread.thread
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
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
CREATE FUNCTION omnichannel.assignment_on_status()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM omnichannel.end_assignment(NEW.id, NEW.status::text, NULL);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION omnichannel.assignment_on_status() IS
    'Trigger: a thread solved or closed ends its open assignment';
CREATE TRIGGER assignment_on_status
    AFTER UPDATE OF status ON omnichannel.thread
    FOR EACH ROW
    WHEN (NEW.status IN ('solved', 'closed') AND OLD.status NOT IN ('solved', 'closed')
          AND NEW.assignee IS NOT NULL)
    EXECUTE FUNCTION omnichannel.assignment_on_status();
COMMENT ON TRIGGER assignment_on_status ON omnichannel.thread IS
    'Ends the open assignment of a thread that is solved or closed';

-- An agent's current load in capacity units.
CREATE FUNCTION omnichannel.agent_load(agent text)
RETURNS numeric
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT round(COALESCE(sum(omnichannel.channel_units(COALESCE(t.waiting_channel, t.channels[1]))::numeric), 0), 4)
      FROM omnichannel.thread AS t
     WHERE t.assignee = $1 AND t.status = 'open'
$$;
COMMENT ON FUNCTION omnichannel.agent_load(text) IS
    'Capacity units the agent''s open assigned threads take (pending, on-hold and solved threads take none)';

-- Whether an agent is available (the previous agent's turn).
CREATE FUNCTION omnichannel.agent_available(agent text)
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
-- (waiting since after cutoff = now() - previous_agent_wait).
CREATE FUNCTION omnichannel.claim_eligible(t omnichannel.thread, a omnichannel.agent,
                                          fits omnichannel.channel[], cutoff timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
-- a plain expression and no SET clause, so that it is inlined into
-- claim_next's candidate scans (which run with search_path = pg_catalog,
-- pg_temp)
AS $$
    SELECT t.merged_into IS NULL
       AND (pg_catalog.cardinality(a.queues) = 0 OR t.queue IS NULL OR t.queue = ANY (a.queues))
       AND t.required_skills <@ a.skills
       AND (pg_catalog.cardinality(a.languages) = 0 OR t.language IS NULL OR t.language = ANY (a.languages))
       AND COALESCE(t.waiting_channel, t.channels[1], 'other') = ANY (fits)
       AND (t.preferred_agent IS NULL OR t.preferred_agent = a.id
            OR t.waiting_since IS NULL OR t.waiting_since <= cutoff
            OR NOT omnichannel.agent_available(t.preferred_agent))
$$;
COMMENT ON FUNCTION omnichannel.claim_eligible(omnichannel.thread, omnichannel.agent, omnichannel.channel[], timestamptz) IS
    'Whether the agent may claim the thread: queue, skills, language, a channel among fits (those that fit its spare capacity), and no available previous agent still within previous_agent_wait (waiting since after cutoff)';

-- claim_next -------------------------------------------------------------------------

CREATE FUNCTION omnichannel.claim_next(agent text)
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
    v_id       bigint;
    v_row      omnichannel.thread;
    v_round    integer;
    v_tried    bigint[] := '{}';
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
    v_fit := ARRAY(SELECT c FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::omnichannel.channel)) AS c
                    WHERE omnichannel.channel_units(c) <= v_spare + 1e-4);
    IF pg_catalog.cardinality(v_fit) = 0 THEN
        RETURN;
    END IF;
    v_queues := CASE WHEN pg_catalog.cardinality(a.queues) > 0 THEN a.queues END;
    v_wait := omnichannel.dispatch_settings();
    v_cutoff := pg_catalog.now() - v_wait;

    -- candidates in dispatch order, read without locks: 16, then the next
    -- 64, 256 and 1024 if every one tried was taken meanwhile, by
    -- omnichannel.claim_eligible() (inlined); an agent serving some queues
    -- reads each queue's head (thread_queue_dispatch_idx) and the threads
    -- with none.
    FOR v_round IN 1..4 LOOP
        v_limit := 16 * 4 ^ (v_round - 1);
        IF v_queues IS NULL THEN
            v_cand := ARRAY(
                SELECT t.id FROM omnichannel.thread AS t
                 WHERE t.status = 'open' AND t.assignee IS NULL
                   AND NOT t.id = ANY (v_tried)
                   AND omnichannel.claim_eligible(t, a, v_fit, v_cutoff)
                 ORDER BY t.priority DESC, t.sla_due_at, t.waiting_since, t.id
                 LIMIT v_limit);
        ELSE
            -- each served queue's head, and the head of the threads with no
            -- queue ('' in the index), merged in dispatch order
            v_cand := ARRAY(
                SELECT c.id
                  FROM pg_catalog.unnest(v_queues || ''::text) AS q(queue)
                 CROSS JOIN LATERAL (
                    SELECT t.id, t.priority, t.sla_due_at, t.waiting_since
                      FROM omnichannel.thread AS t
                     WHERE t.status = 'open' AND t.assignee IS NULL
                       AND COALESCE(t.queue, '') = q.queue
                       AND NOT t.id = ANY (v_tried)
                       AND omnichannel.claim_eligible(t, a, v_fit, v_cutoff)
                     ORDER BY t.priority DESC, t.sla_due_at, t.waiting_since, t.id
                     LIMIT v_limit) AS c
                 ORDER BY c.priority DESC, c.sla_due_at, c.waiting_since, c.id
                 LIMIT v_limit);
        END IF;
        IF pg_catalog.cardinality(v_cand) = 0 THEN
            RETURN;
        END IF;
        v_tried := v_tried || v_cand;
        FOREACH v_id IN ARRAY v_cand LOOP
            BEGIN
                -- locks at most this one row; it is re-read as it is now
                SELECT * INTO v_row FROM omnichannel.thread AS t
                 WHERE t.id = v_id FOR NO KEY UPDATE SKIP LOCKED;
                IF FOUND THEN
                    IF v_row.status <> 'open' OR v_row.assignee IS NOT NULL
                       OR NOT omnichannel.claim_eligible(v_row, a, v_fit, v_cutoff) THEN
                        -- taken or changed meanwhile: give the lock back
                        RAISE EXCEPTION USING ERRCODE = 'OC001';
                    END IF;
                    UPDATE omnichannel.thread AS t
                       SET assignee = agent, assigned_at = pg_catalog.clock_timestamp()
                     WHERE t.id = v_id
                    RETURNING * INTO v_row;
                    INSERT INTO omnichannel.thread_assignment (customer_id, thread_id, agent, how)
                    VALUES (v_row.customer_id, v_row.id, agent, 'claim');
                    RETURN NEXT v_row;
                    RETURN;
                END IF;
            EXCEPTION WHEN SQLSTATE 'OC001' THEN
                NULL;
            END;
        END LOOP;
    END LOOP;
    RETURN;
END
$$;
COMMENT ON FUNCTION omnichannel.claim_next(text) IS
    'Gives the agent the most urgent open unassigned thread it may take (its queues, skills and languages; fits its spare capacity) in the order priority, SLA due time, waiting since; returns it, or no row when there is none; never a thread another claim holds';

CREATE FUNCTION omnichannel.release(thread bigint, reason text DEFAULT NULL)
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
    PERFORM omnichannel.end_assignment(v_row.id, 'release', release.reason);
    UPDATE omnichannel.thread AS t SET assignee = NULL, assigned_at = NULL
     WHERE t.id = v_row.id RETURNING * INTO v_row;
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.release(bigint, text) IS
    'Gives an assigned thread back to the queue; returns the thread';

CREATE FUNCTION omnichannel.reassign(thread bigint, agent text, reason text DEFAULT NULL)
RETURNS omnichannel.thread
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_row omnichannel.thread;
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
    PERFORM omnichannel.end_assignment(v_row.id, 'reassign', reassign.reason);
    UPDATE omnichannel.thread AS t
       SET assignee = reassign.agent, assigned_at = pg_catalog.clock_timestamp()
     WHERE t.id = v_row.id RETURNING * INTO v_row;
    INSERT INTO omnichannel.thread_assignment (customer_id, thread_id, agent, how, reason)
    VALUES (v_row.customer_id, v_row.id, reassign.agent, 'reassign', reassign.reason);
    RETURN v_row;
END
$$;
COMMENT ON FUNCTION omnichannel.reassign(bigint, text, text) IS
    'Gives a thread to a named agent (a supervisor''s decision: capacity and availability are not checked); returns the thread';

-- The queue view ---------------------------------------------------------------------------

CREATE VIEW omnichannel.queue AS
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
                omnichannel.sla_calendar_of(t.sla_policy_id), pg_catalog.now(), t.sla_due_at)) END
                                                         AS business_seconds_left,
       CASE WHEN t.sla_paused THEN 'paused'
            WHEN t.sla_due_at IS NULL THEN 'none'
            WHEN t.sla_due_at <= pg_catalog.now() THEN 'breached'
            WHEN omnichannel.business_time_between(omnichannel.sla_calendar_of(t.sla_policy_id),
                     pg_catalog.now(), t.sla_due_at)
                 <= c.target::interval * (1 - p.warning_ratio) THEN 'warning'
            ELSE 'ok' END                                AS sla_state,
       p.name                                            AS policy,
       t.assignee,
       t.assigned_at,
       t.preferred_agent
  FROM omnichannel.thread AS t
  LEFT JOIN omnichannel.sla_policy AS p ON p.id = t.sla_policy_id
  LEFT JOIN LATERAL (SELECT k.metric, k.target
                       FROM omnichannel.sla_clock AS k
                      WHERE k.thread_id = t.id AND k.stopped_at IS NULL
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
    omnichannel.end_assignment(bigint, text, text), omnichannel.lock_unsolved_thread(bigint),
    omnichannel.reassign(bigint, text, text), omnichannel.recompute_sla(integer, text, boolean),
    omnichannel.sla_sweep(integer), omnichannel.sla_stop_clocks(bigint[], timestamptz[], bigint[], boolean[], jsonb),
    omnichannel.sla_rederive(bigint[], integer[], omnichannel.thread_status[], jsonb)
    FROM PUBLIC;
