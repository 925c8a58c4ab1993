-- ---------------------------------------------------------------------------
-- omnichannel.business_hours: a working-time calendar (IANA zone, weekly
-- hours, holidays, breaks, date-specific shifts).  Text form: canonical
-- JSON; storage: a compact binary form read directly by the engine.  The
-- business-time functions compute over it in real elapsed time.  Rules:
-- docs/business-hours.md.
-- ---------------------------------------------------------------------------

CREATE TYPE omnichannel.business_hours;

CREATE FUNCTION omnichannel.business_hours_in(pg_catalog.cstring)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_hours_out(omnichannel.business_hours)
    RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'oc_business_hours_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_hours_recv(pg_catalog.internal)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_hours_send(omnichannel.business_hours)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'oc_business_hours_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE omnichannel.business_hours (
    INPUT = omnichannel.business_hours_in,
    OUTPUT = omnichannel.business_hours_out,
    RECEIVE = omnichannel.business_hours_recv,
    SEND = omnichannel.business_hours_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended,
    CATEGORY = 'U',
    COLLATABLE = false
);

COMMENT ON TYPE omnichannel.business_hours IS
    'A working-time calendar: IANA time zone, weekly hours, holidays, breaks and date-specific shifts; text form canonical JSON';
COMMENT ON FUNCTION omnichannel.business_hours_in(pg_catalog.cstring) IS
    'Input function of business_hours: parses and validates the JSON text form';
COMMENT ON FUNCTION omnichannel.business_hours_out(omnichannel.business_hours) IS
    'Output function of business_hours: the canonical JSON text (sorted, merged, times HH:MM or HH:MM:SS)';
COMMENT ON FUNCTION omnichannel.business_hours_recv(pg_catalog.internal) IS
    'Binary input function of business_hours: a version byte and the JSON text, parsed and validated again';
COMMENT ON FUNCTION omnichannel.business_hours_send(omnichannel.business_hours) IS
    'Binary output function of business_hours: a version byte (1) and the canonical JSON text';

CREATE FUNCTION omnichannel.business_hours(pg_catalog.jsonb)
    RETURNS omnichannel.business_hours
    AS 'MODULE_PATHNAME', 'oc_business_hours_from_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.business_hours(pg_catalog.jsonb) IS
    'Builds a business_hours calendar from a jsonb document {"time_zone", "hours", "holidays", "breaks", "shifts"}';

-- Business-time functions ----------------------------------------------------

CREATE FUNCTION omnichannel.business_time_add(omnichannel.business_hours,
                                              pg_catalog.timestamptz,
                                              pg_catalog.interval)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_time_add'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_time_add(omnichannel.business_hours,
                                              pg_catalog.timestamptz,
                                              pg_catalog.interval,
                                              excluding pg_catalog.tstzmultirange)
    RETURNS pg_catalog.timestamptz
    AS 'MODULE_PATHNAME', 'oc_business_time_add_excluding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_time_between(omnichannel.business_hours,
                                                  pg_catalog.timestamptz,
                                                  pg_catalog.timestamptz)
    RETURNS pg_catalog.interval
    AS 'MODULE_PATHNAME', 'oc_business_time_between'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.business_time_between(omnichannel.business_hours,
                                                  pg_catalog.timestamptz,
                                                  pg_catalog.timestamptz,
                                                  excluding pg_catalog.tstzmultirange)
    RETURNS pg_catalog.interval
    AS 'MODULE_PATHNAME', 'oc_business_time_between_excluding'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.is_open(omnichannel.business_hours, pg_catalog.timestamptz)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_business_is_open'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.next_open(omnichannel.business_hours, pg_catalog.timestamptz)
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
