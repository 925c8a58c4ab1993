-- ---------------------------------------------------------------------------
-- Scale-out on Citus: omnichannel.distribute() turns a database where
-- CREATE EXTENSION citus and CREATE EXTENSION omnichannel were run, on the
-- coordinator, into a distributed one (docs/scaling.md says what was tested
-- and why the tables stay members of the extension).
--
-- The roles of the tables are data here (citus_table_role()), read by
-- distribute() and by the docs and tests:
--   - settings, calendars, policies and agents: reference tables (small,
--     read everywhere, rarely written);
--   - customer by id, and every table of a customer's rows by customer_id,
--     co-located with it (a customer's history is on one shard);
--   - customer_identifier by its contact point and pending_reference by its
--     external id: the look-ups across customers, each by its own key;
--   - the audit logs written by operator functions on the coordinator and
--     the channel_day rollup: local to the coordinator.
--
-- What Citus cannot keep is changed once, on the coordinator and on the
-- workers' copies of the tables (created by the extension's script when
-- Citus propagated CREATE EXTENSION, and not changed by DDL on a table that
-- is not distributed yet):
--   - foreign keys are dropped before and added back after the tables are
--     distributed (Citus refuses to distribute a table in a foreign-key graph
--     with local tables, and converting the graph to "Citus local tables"
--     would drop the extension's sequences and views); two are not added
--     back: customer.merged_into -> customer (not on the distribution column)
--     and customer_identifier -> customer (another co-location group);
--   - the keys that make an id unique on one node get customer_id, the
--     distribution column Citus wants in every primary key and unique index
--     (citus_key_changes(): the ids of interactions, threads, clocks, SLA
--     events and assignments, the one running clock per thread and metric,
--     the one open assignment per thread, the retried-delivery key); Citus
--     cannot enforce more, so there an id is unique as the coordinator's
--     sequence draws it;
--   - the triggers are disabled while Citus copies the stored rows into the
--     shards (the copy is not an ingest) and enabled again.
-- Ids are drawn from the coordinator's sequences: write through the
-- coordinator.  Rows a trigger writes on a shard (a status change's SLA
-- events) draw from the worker's copy of the sequence, which distribute()
-- moves to a range of the worker's own (its group id << 48, as Citus does
-- for the sequences it distributes).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.citus_table_role()
RETURNS TABLE (table_name regclass, citus_role text, distribution_column text, colocate_with regclass)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t::regclass, r, c, w::regclass
      FROM (VALUES
        ('omnichannel.stitch_setting_override', 'reference', NULL, NULL),
        ('omnichannel.business_key_pattern_override', 'reference', NULL, NULL),
        ('omnichannel.business_key_attribute_override', 'reference', NULL, NULL),
        ('omnichannel.identity_blocklist_override', 'reference', NULL, NULL),
        ('omnichannel.identity_kind_limit', 'reference', NULL, NULL),
        ('omnichannel.business_calendar', 'reference', NULL, NULL),
        ('omnichannel.sla_policy', 'reference', NULL, NULL),
        ('omnichannel.agent', 'reference', NULL, NULL),
        ('omnichannel.channel_units_override', 'reference', NULL, NULL),
        ('omnichannel.dispatch_setting_override', 'reference', NULL, NULL),
        ('omnichannel.retention_setting', 'reference', NULL, NULL),
        ('omnichannel.customer', 'distributed', 'id', NULL),
        ('omnichannel.thread', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.interaction', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.thread_key', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.thread_subject', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.thread_event', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.sla_clock', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.sla_event', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.thread_assignment', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.customer_channel', 'distributed', 'customer_id', 'omnichannel.customer'),
        ('omnichannel.customer_identifier', 'distributed', 'contact', NULL),
        ('omnichannel.pending_reference', 'distributed', 'external_id', NULL),
        ('omnichannel.delivery_customer', 'distributed', 'external_id', 'omnichannel.pending_reference'),
        ('omnichannel.interaction_in', 'coordinator', NULL, NULL),
        ('omnichannel.channel_day', 'coordinator', NULL, NULL),
        ('omnichannel.identity_event', 'coordinator', NULL, NULL),
        ('omnichannel.identity_no_link', 'coordinator', NULL, NULL),
        ('omnichannel.identity_link_request', 'coordinator', NULL, NULL),
        ('omnichannel.erasure_event', 'coordinator', NULL, NULL)
      ) AS v(t, r, c, w)
$$;
COMMENT ON FUNCTION omnichannel.citus_table_role() IS
    'What each table of the extension becomes on Citus (distribute()): a reference table, a table distributed by a column (co-located with another), or a table local to the coordinator';

-- The keys distribute() widens by customer_id: (table, constraint or index,
-- the definition on Citus).  One node keeps the stronger key.
CREATE OR REPLACE FUNCTION omnichannel.citus_key_changes()
RETURNS TABLE (table_name regclass, key_name text, is_constraint boolean, citus_definition text)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT t::regclass, k, c, d
      FROM (VALUES
        ('omnichannel.thread', 'thread_pkey', true, 'PRIMARY KEY (id, customer_id)'),
        ('omnichannel.interaction', 'interaction_pkey', true, 'PRIMARY KEY (id, customer_id)'),
        ('omnichannel.sla_clock', 'sla_clock_pkey', true, 'PRIMARY KEY (id, customer_id)'),
        ('omnichannel.sla_event', 'sla_event_pkey', true, 'PRIMARY KEY (id, customer_id)'),
        ('omnichannel.thread_assignment', 'thread_assignment_pkey', true, 'PRIMARY KEY (id, customer_id)'),
        ('omnichannel.interaction', 'interaction_external_id_key', false,
         '(external_id, channel, customer_id)'),
        ('omnichannel.sla_clock', 'sla_clock_running_key', false,
         '(thread_id, metric, customer_id) WHERE stopped_at IS NULL'),
        ('omnichannel.thread_assignment', 'thread_assignment_open_key', false,
         '(thread_id, customer_id) WHERE released_at IS NULL')
      ) AS v(t, k, c, d)
$$;
COMMENT ON FUNCTION omnichannel.citus_key_changes() IS
    'The primary keys and unique indexes that distribute() widens by customer_id (Citus enforces only keys containing the distribution column), with their definition on Citus';

-- The statements that give a table one of those keys: drop the key if it
-- exists, make it again (safe on a worker's copy that has it already).
CREATE OR REPLACE FUNCTION omnichannel.citus_key_ddl(table_name regclass, key_name text,
                                                     is_constraint boolean, citus_definition text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN is_constraint THEN
        ARRAY[pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', table_name, key_name),
              pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s', table_name, key_name, citus_definition)]
    ELSE
        ARRAY[pg_catalog.format('DROP INDEX IF EXISTS omnichannel.%I', key_name),
              pg_catalog.format('CREATE UNIQUE INDEX %I ON %s %s', key_name, table_name, citus_definition)]
    END
$$;
COMMENT ON FUNCTION omnichannel.citus_key_ddl(regclass, text, boolean, text) IS
    'distribute()''s helper: the statements that give a table a key of citus_key_changes()';

-- Runs DDL on every worker's own copy of the tables, not propagated (the
-- copies are what Citus leaves of a table there: the extension's script made
-- them, distributing the coordinator's table does not change them).
CREATE OR REPLACE FUNCTION omnichannel.citus_run_on_workers(commands text[])
RETURNS void
LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w record;
BEGIN
    IF pg_catalog.cardinality(commands) = 0 THEN
        RETURN;
    END IF;
    FOR w IN EXECUTE
        'SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers($1)'
        USING 'SET LOCAL citus.enable_ddl_propagation = off; '
              || pg_catalog.array_to_string(commands, '; ')
    LOOP
        IF NOT w.success THEN
            RAISE EXCEPTION 'could not change the tables on worker %:%', w.nodename, w.nodeport
                USING ERRCODE = 'connection_failure', DETAIL = w.result;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION omnichannel.citus_run_on_workers(text[]) IS
    'distribute()''s helper: runs DDL on every Citus worker''s own copy of the extension''s tables, without propagating it; raises the first worker''s error';
REVOKE EXECUTE ON FUNCTION omnichannel.citus_run_on_workers(text[]) FROM PUBLIC;

-- Whether the customers' rows are distributed by Citus (omnichannel.interaction
-- is a distributed table; the others follow it, distribute()): where a row's
-- customer_id cannot be updated, and ingest's tables are reached through
-- interaction_in (ingest's C code asks the same, ingest_cache.c).
CREATE OR REPLACE FUNCTION omnichannel.citus_distributed()
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v boolean;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition AS p '
            ' WHERE p.logicalrelid OPERATOR(pg_catalog.=) ''omnichannel.interaction''::pg_catalog.regclass)'
       INTO v;
    RETURN v;
END
$$;
COMMENT ON FUNCTION omnichannel.citus_distributed() IS
    'Whether omnichannel.interaction, and with it every customer''s rows, is a Citus distributed table (distribute() was run)';

-- Whether the functions that lock and write rows of many customers must do
-- it one customer at a time (Citus takes a row lock, and runs a query of
-- one customer, on one shard only): where the tables are distributed, and
-- under omnichannel.lookups_through_sql, which makes one node take the
-- same path for the tests.
-- (PL/pgSQL: every claim asks, and its expression is prepared once per session)
CREATE OR REPLACE FUNCTION omnichannel.per_customer_writes()
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN pg_catalog.current_setting('omnichannel.lookups_through_sql', true) IS NOT DISTINCT FROM 'on'
           OR omnichannel.citus_distributed();
END
$$;
COMMENT ON FUNCTION omnichannel.per_customer_writes() IS
    'Whether rows of many customers are locked and written one customer at a time: true where the tables are distributed (citus_distributed()), or under omnichannel.lookups_through_sql (tests)';

-- The commands that move a worker's copies of the sequences of the
-- distributed tables to the worker's own range (never back).
CREATE OR REPLACE FUNCTION omnichannel.citus_sequence_ranges()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(pg_catalog.array_agg(pg_catalog.format(
               'SELECT pg_catalog.setval(%L, GREATEST((SELECT last_value FROM %s), '
               '(SELECT groupid::bigint << 48 FROM pg_catalog.pg_dist_local_group)))',
               s.oid::regclass::text, s.oid::regclass) ORDER BY s.oid::regclass::text), '{}')
      FROM pg_catalog.pg_class AS s
      JOIN pg_catalog.pg_depend AS d
        ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = s.oid
       AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
      JOIN omnichannel.citus_table_role() AS t ON t.table_name = d.refobjid
     WHERE s.relkind = 'S' AND t.citus_role = 'distributed'
$$;
COMMENT ON FUNCTION omnichannel.citus_sequence_ranges() IS
    'distribute()''s helper: the commands that move a Citus worker''s copies of the id sequences of the distributed tables to the worker''s own range (group id << 48), for the rows triggers write on its shards';

CREATE OR REPLACE FUNCTION omnichannel.distribute()
RETURNS TABLE (table_name regclass, citus_role text, distribution_column text, action text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning   -- not Citus's notice per table copied
AS $fn$
DECLARE
    v_citus      text;
    v_coord      boolean;
    v_todo       regclass[];
    v_fkeys      text[][] := '{}';
    -- the foreign keys Citus cannot keep (not on the distribution column;
    -- another co-location group): dropped for good, also on a late worker
    v_gone       text[] := ARRAY[['omnichannel.customer', 'customer_merged_into_fkey'],
                                 ['omnichannel.customer_identifier', 'customer_identifier_customer_id_fkey']];
    v_keep       boolean;
    v_triggers   text[] := '{}';
    r            record;
    f            record;
    g            text;
    v_cmds       text[] := '{}';
BEGIN
    SELECT e.extversion INTO v_citus FROM pg_catalog.pg_extension AS e WHERE e.extname = 'citus';
    IF v_citus IS NULL THEN
        RAISE EXCEPTION 'citus is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run CREATE EXTENSION citus on the coordinator and on every worker (docs/scaling.md), then distribute() on the coordinator.';
    END IF;
    IF pg_catalog.split_part(v_citus, '.', 1)::integer < 11 THEN
        RAISE EXCEPTION 'citus % is too old', v_citus
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'distribute() needs Citus 11 or later (tested with 13.2).';
    END IF;
    IF NOT (SELECT ro.rolsuper FROM pg_catalog.pg_roles AS ro WHERE ro.rolname = CURRENT_USER) THEN
        RAISE EXCEPTION 'permission denied to distribute the tables of omnichannel'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Run distribute() as a superuser: it changes the workers'' copies of the tables too.';
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO v_coord;
    IF NOT v_coord THEN
        RAISE EXCEPTION 'this node is not the Citus coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run distribute() on the coordinator, after citus_set_coordinator_host() and citus_add_node() for the workers.';
    END IF;

    -- the tables not distributed yet (a second call finds none)
    SELECT coalesce(array_agg(t.table_name), '{}') INTO v_todo
      FROM omnichannel.citus_table_role() AS t
     WHERE t.citus_role <> 'coordinator'
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_dist_partition AS p
                        WHERE p.logicalrelid = t.table_name);

    IF pg_catalog.cardinality(v_todo) > 0 THEN
        -- a foreign key of another table to one of ours is the DBA's to move
        SELECT pg_catalog.string_agg(pg_catalog.format('%s (%I)', c.conrelid::regclass, c.conname), ', '
                                     ORDER BY c.conrelid::regclass::text, c.conname)
          INTO g
          FROM pg_catalog.pg_constraint AS c
         WHERE c.contype = 'f' AND c.confrelid = ANY (v_todo)
           AND NOT c.conrelid = ANY (SELECT t.table_name FROM omnichannel.citus_table_role() AS t);
        IF g IS NOT NULL THEN
            RAISE EXCEPTION 'tables outside omnichannel have foreign keys to its tables: %', g
                USING ERRCODE = 'dependent_objects_still_exist',
                      HINT = 'Drop those foreign keys, call distribute() again, then distribute those tables (co-located with omnichannel.customer) and add the keys back.';
        END IF;
        -- foreign keys touching a table to distribute: dropped here and on
        -- the workers' copies, added back at the end where Citus keeps them
        FOR f IN SELECT c.conrelid::regclass AS rel, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def
                   FROM pg_catalog.pg_constraint AS c
                  WHERE c.contype = 'f'
                    AND (c.conrelid = ANY (v_todo) OR c.confrelid = ANY (v_todo))
                  ORDER BY 1, 2
        LOOP
            v_keep := NOT EXISTS (SELECT FROM pg_catalog.generate_subscripts(v_gone, 1) AS i
                                   WHERE v_gone[i][1] = f.rel::text AND v_gone[i][2] = f.conname);
            IF v_keep THEN
                v_fkeys := v_fkeys || ARRAY[[f.rel::text, f.conname, f.def]];
            END IF;
            v_cmds := v_cmds || pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I', f.rel, f.conname);
        END LOOP;
        -- the keys Citus enforces (on the coordinator once: a table not yet
        -- distributed has its single-node key)
        SELECT v_cmds || coalesce(pg_catalog.array_agg(x ORDER BY k.ord, x.n), '{}')
          INTO v_cmds
          FROM omnichannel.citus_key_changes() WITH ORDINALITY AS k(table_name, key_name, is_constraint, citus_definition, ord)
         CROSS JOIN LATERAL pg_catalog.unnest(omnichannel.citus_key_ddl(k.table_name, k.key_name,
                                                                       k.is_constraint, k.citus_definition))
                   WITH ORDINALITY AS x(x, n)
         WHERE k.table_name = ANY (v_todo);
        FOREACH g IN ARRAY v_cmds LOOP
            EXECUTE g;
        END LOOP;
        PERFORM omnichannel.citus_run_on_workers(v_cmds);
        -- the copy of stored rows into the shards is not an ingest
        FOR r IN SELECT tg.tgrelid::regclass AS rel, tg.tgname
                   FROM pg_catalog.pg_trigger AS tg
                  WHERE tg.tgrelid = ANY (v_todo) AND NOT tg.tgisinternal AND tg.tgenabled <> 'D'
                  ORDER BY 1, 2
        LOOP
            EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE TRIGGER %I', r.rel, r.tgname);
            v_triggers := v_triggers || pg_catalog.format('ALTER TABLE %s ENABLE TRIGGER %I', r.rel, r.tgname);
        END LOOP;
        -- who holds each stored delivery (filled where it is read: on Citus)
        IF 'omnichannel.delivery_customer'::regclass = ANY (v_todo) THEN
            INSERT INTO omnichannel.delivery_customer (external_id, channel, customer_id)
            SELECT i.external_id, i.channel, i.customer_id
              FROM omnichannel.interaction AS i
             WHERE i.external_id IS NOT NULL
            ON CONFLICT DO NOTHING;
        END IF;
        PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
        -- foreign keys to reference tables are added in this transaction
        PERFORM pg_catalog.set_config('citus.multi_shard_modify_mode', 'sequential', true);

        FOR r IN SELECT t.* FROM omnichannel.citus_table_role() AS t
                  WHERE t.table_name = ANY (v_todo)
                  -- reference tables, then customer, then what is co-located with it
                  ORDER BY t.citus_role DESC, t.colocate_with IS NOT NULL, t.table_name::text
        LOOP
            IF r.citus_role = 'reference' THEN
                EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING r.table_name;
            ELSIF r.colocate_with IS NULL THEN
                EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => ''none'')'
                    USING r.table_name, r.distribution_column;
            ELSE
                EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
                    USING r.table_name, r.distribution_column, r.colocate_with::text;
            END IF;
            -- the rows copied into the shards leave the coordinator's table
            EXECUTE 'SELECT pg_catalog.truncate_local_data_after_distributing_table($1)' USING r.table_name;
        END LOOP;

        FOREACH g IN ARRAY v_triggers LOOP
            -- but ingest, which cannot run on a shard: interaction_in is the
            -- way in, and moves its rows into the shards; and the rollups'
            -- triggers on a change or delete, which cannot write channel_day
            -- (on the coordinator) from a shard: the functions that move or
            -- restitch rows there keep the rollups themselves
            CONTINUE WHEN g IN ('ALTER TABLE omnichannel.interaction ENABLE TRIGGER ingest',
                                'ALTER TABLE omnichannel.interaction ENABLE TRIGGER "Ingest_threads"',
                                'ALTER TABLE omnichannel.interaction ENABLE TRIGGER ingest_flush',
                                'ALTER TABLE omnichannel.interaction ENABLE TRIGGER rollup_after_delete',
                                'ALTER TABLE omnichannel.interaction ENABLE TRIGGER rollup_after_update');
            EXECUTE g;
        END LOOP;
        FOR i IN 1 .. coalesce(pg_catalog.array_length(v_fkeys, 1), 0) LOOP
            EXECUTE pg_catalog.format('ALTER TABLE %s ADD CONSTRAINT %I %s',
                                      v_fkeys[i][1], v_fkeys[i][2], v_fkeys[i][3]);
        END LOOP;
        PERFORM omnichannel.citus_run_on_workers(omnichannel.citus_sequence_ranges());
    ELSE
        -- the workers' copies of the tables on a node added since (the
        -- extension's script made them): what the coordinator dropped for
        -- good, and the wider unique index.  Not in the call that
        -- distributes: the workers' metadata is locked by it until it ends.
        -- (their copies hold no rows: making a key again costs nothing)
        SELECT (SELECT pg_catalog.array_agg(pg_catalog.format('ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I',
                                                               v_gone[i][1], v_gone[i][2]) ORDER BY i)
                  FROM pg_catalog.generate_subscripts(v_gone, 1) AS i)
               || pg_catalog.array_agg(x ORDER BY k.ord, x.n)
          INTO v_cmds
          FROM omnichannel.citus_key_changes() WITH ORDINALITY AS k(table_name, key_name, is_constraint, citus_definition, ord)
         CROSS JOIN LATERAL pg_catalog.unnest(omnichannel.citus_key_ddl(k.table_name, k.key_name,
                                                                       k.is_constraint, k.citus_definition))
                   WITH ORDINALITY AS x(x, n);
        PERFORM omnichannel.citus_run_on_workers(v_cmds || omnichannel.citus_sequence_ranges());
    END IF;

    RETURN QUERY
        SELECT t.table_name, t.citus_role, t.distribution_column,
               CASE WHEN t.citus_role = 'coordinator' THEN 'stays on the coordinator'
                    WHEN t.table_name = ANY (v_todo) THEN 'done'
                    ELSE 'already done' END
          FROM omnichannel.citus_table_role() AS t;
END
$fn$;
COMMENT ON FUNCTION omnichannel.distribute() IS
    'On a Citus coordinator: makes the settings, calendars, policies and agents reference tables, distributes the customers'' rows by customer (co-located) and the cross-customer look-ups by their own keys, moving stored rows into the shards; safe to call again; returns what it did per table (docs/scaling.md)';
REVOKE EXECUTE ON FUNCTION omnichannel.distribute() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION omnichannel.citus_key_ddl(regclass, text, boolean, text) FROM PUBLIC;
