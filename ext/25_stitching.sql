-- ---------------------------------------------------------------------------
-- Stitching settings and helpers (rules: docs/stitching.md).
--
-- The built-in recency windows live in the C core; stitch_setting holds only
-- the DBA's overrides (so pg_dump carries exactly those and a restore never
-- collides with seeded rows), and the stitch_settings view shows what is in
-- force.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.stitch_setting (
    channel         omnichannel.channel PRIMARY KEY,
    recency_window  interval
                    CONSTRAINT stitch_setting_recency_window_check
                    CHECK (recency_window >= interval '0'
                           AND pg_catalog.date_part('month', recency_window) = 0
                           AND pg_catalog.date_part('year', recency_window) = 0),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_by      text NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE omnichannel.stitch_setting IS
    'DBA overrides of the stitching windows per channel; channels without a row use the built-in defaults (see view stitch_settings)';
COMMENT ON COLUMN omnichannel.stitch_setting.channel IS 'The channel of the new interaction the setting applies to';
COMMENT ON COLUMN omnichannel.stitch_setting.recency_window IS
    'How close to a still-open thread''s activity a new interaction of this channel must be to join it by recency; 0 turns the rule off, NULL means the built-in default';
COMMENT ON COLUMN omnichannel.stitch_setting.updated_at IS 'When the override was written';
COMMENT ON COLUMN omnichannel.stitch_setting.updated_by IS 'Who wrote it';
SELECT pg_catalog.pg_extension_config_dump('omnichannel.stitch_setting', '');

CREATE FUNCTION omnichannel.default_recency_window(channel omnichannel.channel)
RETURNS interval
AS 'MODULE_PATHNAME', 'oc_default_recency_window'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.default_recency_window(omnichannel.channel) IS
    'Built-in recency window of a channel (0: the recency rule is off for it)';

CREATE VIEW omnichannel.stitch_settings AS
SELECT c.channel,
       COALESCE(s.recency_window, omnichannel.default_recency_window(c.channel)) AS recency_window,
       omnichannel.default_recency_window(c.channel) AS default_recency_window,
       s.channel IS NOT NULL AS overridden
  FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::omnichannel.channel)) AS c(channel)
  LEFT JOIN omnichannel.stitch_setting AS s ON s.channel OPERATOR(pg_catalog.=) c.channel;
COMMENT ON VIEW omnichannel.stitch_settings IS
    'Stitching windows in force per channel: the override if any, else the built-in default';
COMMENT ON COLUMN omnichannel.stitch_settings.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.stitch_settings.recency_window IS 'Recency window in force (0: rule off)';
COMMENT ON COLUMN omnichannel.stitch_settings.default_recency_window IS 'Built-in default';
COMMENT ON COLUMN omnichannel.stitch_settings.overridden IS 'Whether stitch_setting overrides the default';

CREATE FUNCTION omnichannel.thread_token(thread bigint)
RETURNS text
AS 'MODULE_PATHNAME', 'oc_thread_token'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.thread_token(bigint) IS
    'The token of a thread, e.g. [#T123]: put it in the subject of outbound messages so that replies join the thread on any channel';
