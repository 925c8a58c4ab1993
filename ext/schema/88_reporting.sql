-- ---------------------------------------------------------------------------
-- Reporting: views a BI tool reads over JDBC, ODBC or psycopg, with standard
-- SQL types only (text for enums, float8 seconds for durations, date for
-- days, no extension types), every view and column commented, and a function
-- that grants a reporting login exactly these views.  See docs/reporting.md.
--
--   thread_facts   one row per thread (merged threads left out): what
--                  happened to it, to pivot;
--   channel_kpis   per UTC day and channel: volume, threads opened and their
--                  response, resolution and effort indicators, SLA
--                  attainment.
--
-- channel_kpis reads rollups: interactions per UTC day and channel
-- (channel_day, kept by ingest and by the DML triggers below) and the threads'
-- own columns; a filter on day reaches every part.
-- ---------------------------------------------------------------------------

CREATE TABLE omnichannel.channel_day (
    day             date NOT NULL,
    channel         omnichannel.channel NOT NULL,
    inbound         bigint NOT NULL DEFAULT 0,
    outbound        bigint NOT NULL DEFAULT 0,
    internal        bigint NOT NULL DEFAULT 0,
    -- derived data, not dumped: restoring the interactions through the
    -- ingest rebuilds it
    CONSTRAINT channel_day_pkey PRIMARY KEY (day, channel)
);
COMMENT ON TABLE omnichannel.channel_day IS
    'Rollup: interactions per UTC day and channel by direction, kept by ingest and by the rollup triggers on interaction; rebuilt by channel_day_refresh()';
COMMENT ON COLUMN omnichannel.channel_day.day IS 'UTC date of occurred_at';
COMMENT ON COLUMN omnichannel.channel_day.channel IS 'Channel';
COMMENT ON COLUMN omnichannel.channel_day.inbound IS 'Customer messages';
COMMENT ON COLUMN omnichannel.channel_day.outbound IS 'Replies to customers';
COMMENT ON COLUMN omnichannel.channel_day.internal IS 'Internal notes';
