-- ---------------------------------------------------------------------------
-- Stitching settings and helpers (rules: docs/stitching.md).
--
-- The built-in recency windows live in the C core; stitch_setting_override holds only
-- the DBA's overrides (so pg_dump carries exactly those and a restore never
-- collides with seeded rows), and the stitch_settings view shows what is in
-- force.
-- ---------------------------------------------------------------------------

CREATE DOMAIN omnichannel.stitch_window AS interval
    CONSTRAINT stitch_window_check
    CHECK (VALUE >= interval '0'
           AND pg_catalog.date_part('month', VALUE) = 0
           AND pg_catalog.date_part('year', VALUE) = 0);
COMMENT ON DOMAIN omnichannel.stitch_window IS
    'A stitching window: zero (the rule is off) or positive elapsed time, without months or years (days are 24 hours)';

CREATE TABLE omnichannel.stitch_setting_override (
    channel         omnichannel.channel PRIMARY KEY,
    recency_window  omnichannel.stitch_window,
    subject_window  omnichannel.stitch_window,
    reopen_window   omnichannel.stitch_window,
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE omnichannel.stitch_setting_override IS
    'DBA overrides of the stitching windows per channel; channels without a row use the built-in defaults (see view stitch_settings)';
COMMENT ON COLUMN omnichannel.stitch_setting_override.channel IS 'The channel of the new interaction the setting applies to';
COMMENT ON COLUMN omnichannel.stitch_setting_override.recency_window IS
    'How close to a still-open thread''s activity a new interaction of this channel must be to join it by recency; 0 turns the rule off, NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting_override.subject_window IS
    'How close to an open thread''s activity a new interaction of this channel with the same base subject must be to join it; 0 turns the rule off, NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting_override.reopen_window IS
    'How long after its last activity a solved thread is still joined (and reopened) by a reference, token or business key; later, a new thread follows it up. NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting_override.updated_at IS 'When the override was written';
COMMENT ON COLUMN omnichannel.stitch_setting_override.updated_by IS 'Who wrote it';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.stitch_setting_override', '');

-- Business keys --------------------------------------------------------------

-- The CHECK of a pattern that ingest applies (src/pg/stitch_sql.c).
CREATE FUNCTION omnichannel.check_key_pattern(pattern text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'oc_check_key_pattern'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.check_key_pattern(text) IS
    'True for a business-key pattern ingest may apply; else an error: the regular expression does not compile, or uses a back-reference or a lookahead/lookbehind constraint (no bound on matching time)';

CREATE TABLE omnichannel.business_key_pattern_override (
    name        text PRIMARY KEY
                CONSTRAINT business_key_pattern_override_name_check
                CHECK (name OPERATOR(pg_catalog.~) '^[a-z][a-z0-9_]{0,62}$'),
    pattern     text,
    enabled     boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- a disabled pattern is not checked: the update to 0.2.0 disables the
    -- patterns it would refuse, and enabling one checks it
    CONSTRAINT business_key_pattern_override_safe
        CHECK (NOT enabled OR (pattern IS NOT NULL AND omnichannel.check_key_pattern(pattern)))
);
COMMENT ON TABLE omnichannel.business_key_pattern_override IS
    'The DBA''s business-key patterns, regular expressions that find keys (order numbers, claim ids, ...) in subjects and bodies at ingest; a row overrides the built-in pattern of its name (view business_key_patterns)';
COMMENT ON COLUMN omnichannel.business_key_pattern_override.name IS 'Key name, e.g. order (lower case, digits, underscores)';
COMMENT ON COLUMN omnichannel.business_key_pattern_override.pattern IS
    'PostgreSQL regular expression; the first parenthesized group, or else the whole match, is the key value (as substring(text FROM pattern)); back-references and lookahead/lookbehind constraints are refused (check_key_pattern); may be NULL in a disabled row (switching a built-in pattern off)';
COMMENT ON COLUMN omnichannel.business_key_pattern_override.enabled IS 'Whether ingest applies it (false with the name of a built-in pattern switches that off)';
COMMENT ON COLUMN omnichannel.business_key_pattern_override.created_at IS 'When the pattern was added';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.business_key_pattern_override', '');

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

CREATE TABLE omnichannel.thread_key (
    customer_id     bigint NOT NULL,
    name            text NOT NULL,
    value           text NOT NULL,
    thread_id       bigint NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    PRIMARY KEY (customer_id, name, value, thread_id),
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
        DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE omnichannel.thread_key IS
    'Which threads of a customer carry which business key: the look-up behind the business_key stitching rule (maintained by ingest)';
COMMENT ON COLUMN omnichannel.thread_key.customer_id IS 'The customer';
COMMENT ON COLUMN omnichannel.thread_key.name IS 'Key name (order, claim, ...)';
COMMENT ON COLUMN omnichannel.thread_key.value IS 'Key value (A-1234, ...)';
COMMENT ON COLUMN omnichannel.thread_key.thread_id IS 'A thread of the customer whose interactions carried the key';
COMMENT ON COLUMN omnichannel.thread_key.first_seen_at IS 'occurred_at of the interaction that first recorded it for the thread (written once)';
CREATE INDEX thread_key_thread_idx ON omnichannel.thread_key (thread_id, name);
COMMENT ON INDEX omnichannel.thread_key_thread_idx IS
    'A thread''s keys of one name: whether it holds another value (the conflicting-key veto of stitching)';
-- Derived from interaction (ingest records it for restored rows too): not
-- dumped, so a restore neither duplicates nor conflicts with it.

-- Subjects ---------------------------------------------------------------------

CREATE TABLE omnichannel.thread_subject (
    customer_id     bigint NOT NULL,
    subject_key     text NOT NULL,
    thread_id       bigint NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    PRIMARY KEY (customer_id, subject_key, thread_id),
    FOREIGN KEY (customer_id, thread_id) REFERENCES omnichannel.thread (customer_id, id)
        DEFERRABLE INITIALLY DEFERRED
);
COMMENT ON TABLE omnichannel.thread_subject IS
    'Which threads of a customer carried which base subject on a channel with a subject window: the look-up behind the subject stitching rule (maintained by ingest)';
COMMENT ON COLUMN omnichannel.thread_subject.customer_id IS 'The customer';
COMMENT ON COLUMN omnichannel.thread_subject.subject_key IS 'normalize_subject() of an interaction''s subject';
COMMENT ON COLUMN omnichannel.thread_subject.thread_id IS 'A thread of the customer whose interactions carried it';
COMMENT ON COLUMN omnichannel.thread_subject.first_seen_at IS 'occurred_at of the interaction that first recorded it for the thread (written once)';
-- Derived from interaction (ingest records it for restored rows too): not
-- dumped, so a restore neither duplicates nor conflicts with it.

-- References that found nothing yet ------------------------------------------------

CREATE TABLE omnichannel.pending_reference (
    external_id     text NOT NULL,
    customer_id     bigint NOT NULL,
    interaction_id  bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (external_id, customer_id, interaction_id)
);
COMMENT ON TABLE omnichannel.pending_reference IS
    'References (in_reply_to, refs) that named no stored interaction when they arrived: when the named message arrives, it joins the referring interaction''s thread (late and out-of-order arrival); resolved rows are deleted';
COMMENT ON COLUMN omnichannel.pending_reference.external_id IS 'The external id named, not yet stored';
COMMENT ON COLUMN omnichannel.pending_reference.customer_id IS 'Customer of the referring interaction';
COMMENT ON COLUMN omnichannel.pending_reference.interaction_id IS 'The referring interaction';
COMMENT ON COLUMN omnichannel.pending_reference.created_at IS 'When the reference was recorded';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.pending_reference', '');

-- Who holds a delivery, on Citus ---------------------------------------------------

-- A delivery's (external_id, channel) and a reference's external id are
-- looked up across customers, but interaction is distributed by customer:
-- looking there asks every shard.  This table, distributed by external_id
-- (co-located with pending_reference), says which customer holds each;
-- ingest then reads that customer's shard alone.  Filled where it is read,
-- on Citus only (by distribute() from the stored interactions, then by
-- interaction_in as it stores each row); empty on one node, where the index
-- of interaction answers.
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
-- Derived from interaction: not dumped (distribute() fills it).
