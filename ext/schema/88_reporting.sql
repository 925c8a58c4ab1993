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
-- own columns; a filter on day reaches every part, and an index: channel_day
-- by its key, the threads and the SLA clocks by the UTC day the view gives
-- them (the indexes below), so that the last 30 days read 30 days of rows.
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

-- The days of the reporting views, as indexed expressions: the same
-- expressions as in the views (ext/88_reporting.sql, ext/85_sla.sql), which
-- the planner matches to these indexes when a query filters on day.
CREATE INDEX thread_opened_day_idx
    ON omnichannel.thread (((opened_at AT TIME ZONE 'UTC')::date))
    WHERE merged_into IS NULL;
COMMENT ON INDEX omnichannel.thread_opened_day_idx IS
    'Threads not merged into another by the UTC day they were opened: channel_kpis (its cohort columns) and thread_facts (opened_day) for a range of days';
CREATE INDEX sla_clock_decided_day_idx
    ON omnichannel.sla_clock
       (((CASE WHEN outcome = 'achieved' THEN stopped_at ELSE due_at END AT TIME ZONE 'UTC')::date))
    WHERE outcome IN ('achieved', 'breached') OR stopped_at IS NULL;
COMMENT ON INDEX omnichannel.sla_clock_decided_day_idx IS
    'SLA clocks achieved, breached or running, by the UTC day their outcome was (or is to be) decided: channel_kpis and sla_attainment for a range of days';
