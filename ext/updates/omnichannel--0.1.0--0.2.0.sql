-- ---------------------------------------------------------------------------
-- Update 0.1.0 -> 0.2.0: what changes in tables, types and other objects
-- created once (ext/schema/).  The Makefile appends every ext/[1-9]*.sql
-- after it, which replaces the functions, views and triggers.
-- ---------------------------------------------------------------------------

-- The tables a DBA writes to override built-in settings end in _override, so
-- that each reads apart from the view or function showing what is in force
-- (stitch_setting_override / stitch_settings, channel_units_override /
-- channel_units, ...).  Renamed with their constraints; the views and
-- functions reading them are replaced below.
ALTER TABLE omnichannel.stitch_setting RENAME TO stitch_setting_override;
ALTER TABLE omnichannel.stitch_setting_override
    RENAME CONSTRAINT stitch_setting_pkey TO stitch_setting_override_pkey;
ALTER TABLE omnichannel.identity_block RENAME TO identity_blocklist_override;
ALTER TABLE omnichannel.identity_blocklist_override
    RENAME CONSTRAINT identity_block_pkey TO identity_blocklist_override_pkey;
ALTER TABLE omnichannel.identity_blocklist_override
    RENAME CONSTRAINT identity_block_pattern_compiles TO identity_blocklist_override_pattern_compiles;
ALTER TABLE omnichannel.channel_load RENAME TO channel_units_override;
ALTER TABLE omnichannel.channel_units_override
    RENAME CONSTRAINT channel_load_pkey TO channel_units_override_pkey;
ALTER TABLE omnichannel.channel_units_override
    RENAME CONSTRAINT channel_load_units_check TO channel_units_override_units_check;
ALTER TABLE omnichannel.dispatch_setting RENAME TO dispatch_setting_override;
ALTER TABLE omnichannel.dispatch_setting_override
    RENAME CONSTRAINT dispatch_setting_pkey TO dispatch_setting_override_pkey;
ALTER TABLE omnichannel.dispatch_setting_override
    RENAME CONSTRAINT dispatch_setting_singleton_check TO dispatch_setting_override_singleton_check;
ALTER TABLE omnichannel.business_key_pattern RENAME TO business_key_pattern_override;
ALTER TABLE omnichannel.business_key_pattern_override
    RENAME CONSTRAINT business_key_pattern_pkey TO business_key_pattern_override_pkey;
ALTER TABLE omnichannel.business_key_pattern_override
    RENAME CONSTRAINT business_key_pattern_name_check TO business_key_pattern_override_name_check;
COMMENT ON COLUMN omnichannel.thread.preferred_agent IS 'The agent of the customer''s previous thread, who gets the thread first while available (dispatch_setting_override.previous_agent_wait)';

-- Business-key patterns ingest applies must match in bounded time: no
-- back-references, no lookahead/lookbehind (check_key_pattern).  Patterns
-- that 0.1.0 accepted and this refuses are disabled, with a warning.
CREATE FUNCTION omnichannel.check_key_pattern(pattern text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'oc_check_key_pattern'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.check_key_pattern(text) IS
    'True for a business-key pattern ingest may apply; else an error: the regular expression does not compile, or uses a back-reference or a lookahead/lookbehind constraint (no bound on matching time)';
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT k.name, k.pattern FROM omnichannel.business_key_pattern_override AS k WHERE k.enabled LOOP
        BEGIN
            PERFORM omnichannel.check_key_pattern(p.pattern);
        EXCEPTION WHEN invalid_regular_expression THEN
            UPDATE omnichannel.business_key_pattern_override AS k SET enabled = false
             WHERE k.name OPERATOR(pg_catalog.=) p.name;
            RAISE WARNING 'business key pattern "%" is disabled: %', p.name, SQLERRM
                USING HINT = 'Rewrite it without back-references and lookaround, then enable it again.';
        END;
    END LOOP;
END
$$;
ALTER TABLE omnichannel.business_key_pattern_override
    DROP CONSTRAINT business_key_pattern_compiles,
    ALTER COLUMN pattern DROP NOT NULL,
    ADD CONSTRAINT business_key_pattern_override_safe
        CHECK (NOT enabled OR (pattern IS NOT NULL AND omnichannel.check_key_pattern(pattern)));
COMMENT ON TABLE omnichannel.business_key_pattern_override IS
    'The DBA''s business-key patterns, regular expressions that find keys (order numbers, claim ids, ...) in subjects and bodies at ingest; a row overrides the built-in pattern of its name (view business_key_patterns)';
COMMENT ON COLUMN omnichannel.business_key_pattern_override.pattern IS
    'PostgreSQL regular expression; the first parenthesized group, or else the whole match, is the key value (as substring(text FROM pattern)); back-references and lookahead/lookbehind constraints are refused (check_key_pattern); may be NULL in a disabled row (switching a built-in pattern off)';
COMMENT ON COLUMN omnichannel.business_key_pattern_override.enabled IS 'Whether ingest applies it (false with the name of a built-in pattern switches that off)';

-- Business keys where integrations put them: top-level attribute names
-- (built in: order, case, ticket, booking, invoice, claim, shipment,
-- tracking and variants); this table holds the DBA's overrides.
CREATE TABLE omnichannel.business_key_attribute_override (
    attribute   text PRIMARY KEY
                CONSTRAINT business_key_attribute_override_check
                CHECK (pg_catalog.octet_length(attribute) BETWEEN 1 AND 63 AND attribute OPERATOR(pg_catalog.<>) 'keys'),
    name        text
                CONSTRAINT business_key_attribute_override_name_check
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE omnichannel.business_key_attribute_override IS
    'The DBA''s top-level attribute names read as business keys at ingest; a row overrides the built-in of its attribute (view business_key_attributes)';
COMMENT ON COLUMN omnichannel.business_key_attribute_override.attribute IS 'Top-level name in interaction.attributes (exact, case-sensitive; not keys, which is always read)';
COMMENT ON COLUMN omnichannel.business_key_attribute_override.name IS 'Key name its value is stored under (NULL: the built-in''s name)';
COMMENT ON COLUMN omnichannel.business_key_attribute_override.enabled IS 'Whether ingest reads it (false with a built-in attribute switches that off)';
COMMENT ON COLUMN omnichannel.business_key_attribute_override.created_at IS 'When the row was added';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.business_key_attribute_override', '');

-- A thread's keys of one name, for the conflicting-key veto.
CREATE INDEX thread_key_thread_idx ON omnichannel.thread_key (thread_id, name);
COMMENT ON INDEX omnichannel.thread_key_thread_idx IS
    'A thread''s keys of one name: whether it holds another value (the conflicting-key veto of stitching)';
COMMENT ON COLUMN omnichannel.interaction.business_keys IS 'Business keys found by ingest (attributes->''keys'', the top-level attributes of business_key_attributes, the patterns of business_key_patterns), e.g. {"order": "A-1234"}; NULL if none';

-- Interactions happen at finite times (ingest refuses infinity since 0.2.0;
-- rows 0.1.0 took must be corrected by hand first).
DO $$
DECLARE
    n bigint;
BEGIN
    SELECT pg_catalog.count(*) INTO n FROM omnichannel.interaction AS i
     WHERE NOT pg_catalog.isfinite(i.occurred_at) OR NOT pg_catalog.isfinite(i.ended_at);
    IF n OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION '% interactions have an infinite occurred_at or ended_at', n
            USING ERRCODE = 'datetime_field_overflow',
                  HINT = 'Set them to the real times (or ended_at to NULL) before ALTER EXTENSION omnichannel UPDATE: SELECT id FROM omnichannel.interaction WHERE NOT isfinite(occurred_at) OR NOT isfinite(ended_at).';
    END IF;
END
$$;
ALTER TABLE omnichannel.interaction
    ADD CONSTRAINT interaction_times_finite
        CHECK (pg_catalog.isfinite(occurred_at)
               AND (ended_at IS NULL OR pg_catalog.isfinite(ended_at)));

-- Ingest links the identifiers carried in attributes once per statement,
-- with contact_point[] arguments: the per-row jsonb version goes.
DROP FUNCTION omnichannel.link_identifiers(bigint, jsonb, bigint);

-- The ingest statement trigger is named for what it does (it writes the
-- statement's threads; 0.1.0 called it ingest_cleanup); ext/20_model.sql
-- creates it under its new name.
DROP TRIGGER ingest_cleanup ON omnichannel.interaction;

-- timeline() gains since => (0.2.0): a new signature; the old one goes
-- (ext/30_timeline.sql creates the new one).
DROP FUNCTION omnichannel.timeline(bigint, timestamptz, integer, omnichannel.channel[], bigint);

-- The SLA helpers name the customer of the threads and clocks they read
-- (0.2.0: on Citus a query routed to the customer's shard, which a status
-- change's trigger on that shard may run); the signatures change, the old
-- ones go (ext/85_sla.sql creates the new ones).
DROP FUNCTION omnichannel.sla_thread_channel(bigint, omnichannel.channel);
DROP FUNCTION omnichannel.sla_thread_dues(bigint);
DROP FUNCTION omnichannel.sla_dues_of(bigint[]);
DROP FUNCTION omnichannel.sla_dues(bigint);
DROP FUNCTION omnichannel.sla_rederive(bigint[], integer[], omnichannel.thread_status[], jsonb);
DROP FUNCTION omnichannel.sla_stop_clocks(bigint[], timestamptz[], bigint[], boolean[], jsonb);
-- claim_eligible() takes the agents available now, read once per claim
-- (on Citus it runs on the shards, where it may read no table).
DROP FUNCTION omnichannel.claim_eligible(omnichannel.thread, omnichannel.agent, omnichannel.channel[], timestamptz);
-- end_assignment() names the thread's customer (on Citus its shard).
DROP FUNCTION omnichannel.end_assignment(bigint, text, text);
DROP FUNCTION omnichannel.sla_ingest(bigint[], bigint[], bigint[], timestamptz[], boolean[],
    omnichannel.channel[], boolean[], timestamptz[], bigint[], boolean[], boolean[], bigint[], timestamptz[]);

-- No foreign key cascades an update of customer_id (on Citus the
-- distribution column, which cannot be updated): merge_customers and unmerge
-- move the rows through move_threads(), inside one transaction, so the keys
-- to a thread are checked at its end.
ALTER TABLE omnichannel.interaction DROP CONSTRAINT interaction_thread_fkey;
ALTER TABLE omnichannel.thread_key DROP CONSTRAINT thread_key_customer_id_thread_id_fkey;
ALTER TABLE omnichannel.thread_subject DROP CONSTRAINT thread_subject_customer_id_thread_id_fkey;
ALTER TABLE omnichannel.thread DROP CONSTRAINT thread_merged_into_fkey;
ALTER TABLE omnichannel.sla_clock DROP CONSTRAINT sla_clock_thread_fkey;
ALTER TABLE omnichannel.thread_assignment DROP CONSTRAINT thread_assignment_thread_fkey;
ALTER TABLE omnichannel.interaction ADD CONSTRAINT interaction_thread_fkey
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE omnichannel.thread_key ADD CONSTRAINT thread_key_customer_id_thread_id_fkey
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE omnichannel.thread_subject ADD CONSTRAINT thread_subject_customer_id_thread_id_fkey
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE omnichannel.thread ADD CONSTRAINT thread_merged_into_fkey
    FOREIGN KEY (customer_id, merged_into) REFERENCES omnichannel.thread (customer_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE omnichannel.sla_clock ADD CONSTRAINT sla_clock_thread_fkey
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE omnichannel.thread_assignment ADD CONSTRAINT thread_assignment_thread_fkey
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
    DEFERRABLE INITIALLY DEFERRED;

-- The way in where interaction's rows are in shards (Citus): an INSERT or
-- COPY into interaction is routed to the shards before any trigger of the
-- coordinator fires, so ingest runs on this table of the coordinator, with
-- the same triggers, and its statement trigger moves the rows into
-- interaction.  Empty between statements; works on one node too.
CREATE TABLE omnichannel.interaction_in
    (LIKE omnichannel.interaction INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
-- its id, when not given, is drawn from interaction's identity by ingest
-- (as the owner: a writer needs INSERT on this table alone)
-- two copies of a delivery in one statement: the second is refused (or
-- skipped by ON CONFLICT DO NOTHING), as interaction_external_id_key does
CREATE UNIQUE INDEX interaction_in_external_id_key
    ON omnichannel.interaction_in (external_id, channel);
COMMENT ON TABLE omnichannel.interaction_in IS
    'The way in for interactions where omnichannel.interaction is distributed by Citus (and on one node too): an INSERT or COPY here is ingested as into interaction, and its rows move there at the statement''s end; a retried delivery is skipped';
DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS d
               FROM pg_catalog.pg_attribute AS a
              WHERE a.attrelid OPERATOR(pg_catalog.=) 'omnichannel.interaction'::pg_catalog.regclass
                AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN omnichannel.interaction_in.%I IS %L', c.attname, c.d);
    END LOOP;
END
$$;
COMMENT ON INDEX omnichannel.interaction_in_external_id_key IS
    'One delivery per (external_id, channel) within a statement';

-- On Citus, who holds a delivery (ext/schema/25_stitching.sql says why).
CREATE TABLE omnichannel.delivery_customer (
    external_id     text NOT NULL,
    channel         omnichannel.channel NOT NULL,
    customer_id     bigint NOT NULL,
    PRIMARY KEY (external_id, channel)
);
COMMENT ON TABLE omnichannel.delivery_customer IS
    'On Citus: the customer holding the interaction of each (external_id, channel), distributed by external_id, so that the retried-delivery and reference look-ups of ingest read one shard; filled by distribute() and interaction_in; empty on one node';
COMMENT ON COLUMN omnichannel.delivery_customer.external_id IS 'The interaction''s external id';
COMMENT ON COLUMN omnichannel.delivery_customer.channel IS 'The interaction''s channel';
COMMENT ON COLUMN omnichannel.delivery_customer.customer_id IS 'The customer whose interaction it is';

-- The threads per queue, for claim_next (ext/schema/86_queue.sql says why).
CREATE STATISTICS omnichannel.thread_queue_stat ON (COALESCE(queue, '')) FROM omnichannel.thread;
COMMENT ON STATISTICS omnichannel.thread_queue_stat IS
    'The threads per queue, for claim_next''s reads of each queue''s head (thread_queue_dispatch_idx is partial, so its statistics are not used)';
-- The threads per waiting channel, for claim_next (ext/schema/86_queue.sql says why).
CREATE STATISTICS omnichannel.thread_waiting_channel_stat
    ON (COALESCE(waiting_channel, channels[1], 'other'::omnichannel.channel)) FROM omnichannel.thread;
COMMENT ON STATISTICS omnichannel.thread_waiting_channel_stat IS
    'The threads per waiting channel (else first channel), for claim_next''s test of what fits an agent''s spare capacity';

-- A customer's assigned threads, only to look-ups that name the customer, so
-- that an agent's load reads the agent's threads (ext/schema/86_queue.sql says
-- why).
DROP INDEX omnichannel.thread_customer_assigned_idx;
CREATE INDEX thread_customer_assigned_idx
    ON omnichannel.thread (customer_id, id) WHERE assignee IS NOT NULL AND customer_id IS NOT NULL;
COMMENT ON INDEX omnichannel.thread_customer_assigned_idx IS
    'A customer''s assigned threads, for the previous agent of a new thread (only to look-ups that name the customer)';

-- The days of the reporting views as indexed expressions, so that
-- channel_kpis and sla_attainment for a range of days read those days' threads
-- and clocks only (ext/schema/88_reporting.sql says why).
CREATE INDEX thread_opened_day_idx
    ON omnichannel.thread (((opened_at AT TIME ZONE 'UTC')::pg_catalog.date))
    WHERE merged_into IS NULL;
COMMENT ON INDEX omnichannel.thread_opened_day_idx IS
    'Threads not merged into another by the UTC day they were opened: channel_kpis (its cohort columns) and thread_facts (opened_day) for a range of days';
CREATE INDEX sla_clock_decided_day_idx
    ON omnichannel.sla_clock
       (((CASE WHEN outcome OPERATOR(pg_catalog.=) 'achieved' THEN stopped_at ELSE due_at END
          AT TIME ZONE 'UTC')::pg_catalog.date))
    WHERE outcome OPERATOR(pg_catalog.=) ANY (ARRAY['achieved', 'breached']) OR stopped_at IS NULL;
-- it serves what the index of the stopped clocks by their stop time served,
-- which every clock write paid for
DROP INDEX omnichannel.sla_clock_stopped_idx;
COMMENT ON INDEX omnichannel.sla_clock_decided_day_idx IS
    'SLA clocks achieved, breached or running, by the UTC day their outcome was (or is to be) decided: channel_kpis and sla_attainment for a range of days';

-- A thread's interactions by thread and customer, and a customer's unsolved
-- threads under the queue view's own predicate, so that statements naming
-- both a customer and a thread read the thread's rows under any plan
-- (ext/schema/20_model.sql and 87_customer_360.sql say why).
DROP INDEX omnichannel.interaction_thread_idx;
CREATE INDEX interaction_thread_idx
    ON omnichannel.interaction (thread_id, customer_id, occurred_at);
COMMENT ON INDEX omnichannel.interaction_thread_idx IS
    'A thread''s interactions in time order (thread_context, the thread operations, customer_360), read with the thread and its customer bounded';
DROP INDEX omnichannel.thread_customer_unsolved_idx;
CREATE INDEX thread_customer_unsolved_idx ON omnichannel.thread (customer_id)
    WHERE status IN ('open', 'pending', 'on_hold');
COMMENT ON INDEX omnichannel.thread_customer_unsolved_idx IS
    'A customer''s open, pending and on-hold threads (customer_360, the queue view by customer)';
