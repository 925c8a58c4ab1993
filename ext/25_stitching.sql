-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/25_stitching.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.default_recency_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_recency_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_recency_window(omnichannel.channel) IS
    'Built-in recency window of a channel (0: the recency rule is off for it)';

CREATE OR REPLACE FUNCTION omnichannel.default_subject_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_subject_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_subject_window(omnichannel.channel) IS
    'Built-in subject window of a channel: 30 days for mail-like channels (email, web, forum), 0 (rule off) for the others';

CREATE OR REPLACE FUNCTION omnichannel.default_reopen_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_reopen_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_reopen_window(omnichannel.channel) IS
    'Built-in reopen window of a channel: 7 days';

CREATE OR REPLACE VIEW omnichannel.stitch_settings AS
SELECT c.channel,
       COALESCE(s.recency_window, omnichannel.default_recency_window(c.channel)) AS recency_window,
       COALESCE(s.subject_window, omnichannel.default_subject_window(c.channel)) AS subject_window,
       COALESCE(s.reopen_window, omnichannel.default_reopen_window(c.channel)) AS reopen_window,
       omnichannel.default_recency_window(c.channel) AS default_recency_window,
       omnichannel.default_subject_window(c.channel) AS default_subject_window,
       omnichannel.default_reopen_window(c.channel) AS default_reopen_window,
       s.channel IS NOT NULL AS overridden
  FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::omnichannel.channel)) AS c(channel)
  LEFT JOIN omnichannel.stitch_setting_override AS s ON s.channel OPERATOR(pg_catalog.=) c.channel;
COMMENT ON VIEW omnichannel.stitch_settings IS
    'Stitching windows in force per channel: the override if any, else the built-in default';
COMMENT ON COLUMN omnichannel.stitch_settings.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.stitch_settings.recency_window IS 'Recency window in force (0: rule off)';
COMMENT ON COLUMN omnichannel.stitch_settings.subject_window IS 'Subject window in force (0: rule off)';
COMMENT ON COLUMN omnichannel.stitch_settings.reopen_window IS 'Reopen window in force for solved threads';
COMMENT ON COLUMN omnichannel.stitch_settings.default_recency_window IS 'Built-in default recency window';
COMMENT ON COLUMN omnichannel.stitch_settings.default_subject_window IS 'Built-in default subject window';
COMMENT ON COLUMN omnichannel.stitch_settings.default_reopen_window IS 'Built-in default reopen window';
COMMENT ON COLUMN omnichannel.stitch_settings.overridden IS 'Whether stitch_setting_override has a row for the channel (its NULL columns still take the defaults)';

-- Business keys: built-in sources and the DBA's overrides ------------------------

CREATE OR REPLACE FUNCTION omnichannel.builtin_key_attributes()
RETURNS TABLE (attribute text, name text)
AS 'MODULE_PATHNAME', 'oc_builtin_key_attributes'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 40;
COMMENT ON FUNCTION omnichannel.builtin_key_attributes() IS
    'Built-in top-level attribute names that ingest reads as business keys (order, order_id, case, ticket, booking, invoice, claim, shipment, tracking and variants), with the key name each gives';

CREATE OR REPLACE FUNCTION omnichannel.builtin_key_patterns()
RETURNS TABLE (name text, pattern text)
AS 'MODULE_PATHNAME', 'oc_builtin_key_patterns'
LANGUAGE C STABLE STRICT PARALLEL SAFE ROWS 3;
COMMENT ON FUNCTION omnichannel.builtin_key_patterns() IS
    'Built-in business-key patterns (order, invoice, booking: a label word in six languages and a reference-like value); none in a database whose encoding is not UTF8';

CREATE OR REPLACE VIEW omnichannel.business_key_attributes AS
SELECT COALESCE(o.attribute, b.attribute) AS attribute,
       COALESCE(o.name, b.name) AS name,
       COALESCE(o.enabled, true) AND COALESCE(o.name, b.name) IS NOT NULL AS enabled,
       b.attribute IS NOT NULL AS built_in,
       o.attribute IS NOT NULL AS overridden
  FROM omnichannel.builtin_key_attributes() AS b
  FULL JOIN omnichannel.business_key_attribute_override AS o
    ON o.attribute OPERATOR(pg_catalog.=) b.attribute;
COMMENT ON VIEW omnichannel.business_key_attributes IS
    'Top-level attribute names ingest reads as business keys: the built-in ones and the DBA''s rows of business_key_attribute_override (a row overrides the built-in of its attribute)';
COMMENT ON COLUMN omnichannel.business_key_attributes.attribute IS 'Top-level name in interaction.attributes (exact, case-sensitive)';
COMMENT ON COLUMN omnichannel.business_key_attributes.name IS 'Key name its value is stored and matched under';
COMMENT ON COLUMN omnichannel.business_key_attributes.enabled IS 'Whether ingest reads it';
COMMENT ON COLUMN omnichannel.business_key_attributes.built_in IS 'Whether it is built in';
COMMENT ON COLUMN omnichannel.business_key_attributes.overridden IS 'Whether business_key_attribute_override has a row for it';

CREATE OR REPLACE VIEW omnichannel.business_key_patterns AS
SELECT COALESCE(o.name, b.name) AS name,
       CASE WHEN o.name IS NOT NULL THEN o.pattern ELSE b.pattern END AS pattern,
       COALESCE(o.enabled, true) AS enabled,
       b.name IS NOT NULL AS built_in,
       o.name IS NOT NULL AS overridden
  FROM omnichannel.builtin_key_patterns() AS b
  FULL JOIN omnichannel.business_key_pattern_override AS o
    ON o.name OPERATOR(pg_catalog.=) b.name;
COMMENT ON VIEW omnichannel.business_key_patterns IS
    'Business-key patterns ingest applies to subjects and bodies: the built-in ones and the DBA''s rows of business_key_pattern_override (a row overrides the built-in of its name)';
COMMENT ON COLUMN omnichannel.business_key_patterns.name IS 'Key name';
COMMENT ON COLUMN omnichannel.business_key_patterns.pattern IS 'Regular expression (first group, or the whole match, is the value)';
COMMENT ON COLUMN omnichannel.business_key_patterns.enabled IS 'Whether ingest applies it';
COMMENT ON COLUMN omnichannel.business_key_patterns.built_in IS 'Whether a pattern of this name is built in';
COMMENT ON COLUMN omnichannel.business_key_patterns.overridden IS 'Whether business_key_pattern_override has a row of this name (its pattern replaces the built-in one)';

CREATE OR REPLACE FUNCTION omnichannel.lookup_key(value text)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_lookup_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.lookup_key(text) IS
    'The form in which ingest indexes a sender''s value (external_id, references, business keys, base subjects): the value itself up to 1024 bytes, else omnichannel:sha256: and its SHA-256 in hex; equal forms mean equal values';

CREATE OR REPLACE FUNCTION omnichannel.thread_token(thread bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_thread_token'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.thread_token(bigint) IS
    'The token of a thread, e.g. [#T123]: put it in the subject of outbound messages so that replies join the thread on any channel';
