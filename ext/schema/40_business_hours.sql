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
