-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/40_business_hours.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.business_hours(pg_catalog.jsonb)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_from_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.business_hours(pg_catalog.jsonb) IS
    'Builds a business_hours calendar from a jsonb document {"time_zone", "hours", "holidays", "breaks", "shifts"}';

-- Business-time functions ----------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.business_time_add(omnichannel.business_hours,
                                              pg_catalog.timestamptz,
                                              pg_catalog.interval)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_time_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION omnichannel.business_time_add(omnichannel.business_hours,
                                              pg_catalog.timestamptz,
                                              pg_catalog.interval,
                                              excluding pg_catalog.tstzmultirange)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_time_add_excluding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION omnichannel.business_time_between(omnichannel.business_hours,
                                                  pg_catalog.timestamptz,
                                                  pg_catalog.timestamptz)
    RETURNS pg_catalog.interval
    AS 'MODULE_PATHNAME', 'oc_business_time_between'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION omnichannel.business_time_between(omnichannel.business_hours,
                                                  pg_catalog.timestamptz,
                                                  pg_catalog.timestamptz,
                                                  excluding pg_catalog.tstzmultirange)
    RETURNS pg_catalog.interval
    AS 'MODULE_PATHNAME', 'oc_business_time_between_excluding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION omnichannel.is_open(omnichannel.business_hours, pg_catalog.timestamptz)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_business_is_open'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OR REPLACE FUNCTION omnichannel.next_open(omnichannel.business_hours, pg_catalog.timestamptz)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_next_open'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.business_time_add(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.interval) IS
    'The instant a business duration (hours, minutes, seconds; real elapsed time) after a timestamp; a result is always an open instant (closing time gives the next opening); a negative duration walks backward';
COMMENT ON FUNCTION omnichannel.business_time_add(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.interval, pg_catalog.tstzmultirange) IS
    'business_time_add not counting the UTC pauses in excluding; NULL while an unbounded pause holds the clock';
COMMENT ON FUNCTION omnichannel.business_time_between(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
    'Business time (real elapsed, to the microsecond) from the first timestamp to the second; negative when the second is earlier';
COMMENT ON FUNCTION omnichannel.business_time_between(omnichannel.business_hours, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.tstzmultirange) IS
    'business_time_between not counting the UTC pauses in excluding';
COMMENT ON FUNCTION omnichannel.is_open(omnichannel.business_hours, pg_catalog.timestamptz) IS
    'Whether the calendar is open at an instant (intervals are half-open: open at the opening, closed at the closing)';
COMMENT ON FUNCTION omnichannel.next_open(omnichannel.business_hours, pg_catalog.timestamptz) IS
    'The instant itself if the calendar is open then, else its next opening';
