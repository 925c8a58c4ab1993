-- ---------------------------------------------------------------------------
-- omnichannel.contact_point: a normalized customer address on some channel,
-- text form kind:value (email:jan@example.pl, tel:+48123456789, ...).
-- Stored as its canonical text; equality and order are bytewise, so indexes
-- never depend on a collation.  Rules: docs/contact-points.md.
--
-- Volatility: phone numbers in national form are read with the session's
-- omnichannel.default_region, so the text and binary input functions (and
-- through them the text -> contact_point cast) and contact_point(kind, value)
-- are STABLE, like timestamptz_in.  Functions that take the region as an
-- argument are IMMUTABLE.  Output, comparison and hash support functions
-- depend only on the stored bytes and are IMMUTABLE.
-- ---------------------------------------------------------------------------

CREATE TYPE omnichannel.contact_point;

CREATE FUNCTION omnichannel.contact_point_in(pg_catalog.cstring)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_in'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_out(omnichannel.contact_point)
    RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'oc_contact_point_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_recv(pg_catalog.internal)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_recv'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_send(omnichannel.contact_point)
    RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'oc_contact_point_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE omnichannel.contact_point (
    INPUT = omnichannel.contact_point_in,
    OUTPUT = omnichannel.contact_point_out,
    RECEIVE = omnichannel.contact_point_recv,
    SEND = omnichannel.contact_point_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended,
    CATEGORY = 'U',
    COLLATABLE = false
);

COMMENT ON TYPE omnichannel.contact_point IS
    'A normalized customer address on some channel, text form kind:value (email:jan@example.pl, tel:+48123456789, twitter:@handle)';
COMMENT ON FUNCTION omnichannel.contact_point_in(pg_catalog.cstring) IS
    'Input function of contact_point: normalizes kind:value, a bare e-mail address or a bare phone number (national numbers use omnichannel.default_region)';
COMMENT ON FUNCTION omnichannel.contact_point_out(omnichannel.contact_point) IS
    'Output function of contact_point: the canonical kind:value text';
COMMENT ON FUNCTION omnichannel.contact_point_recv(pg_catalog.internal) IS
    'Binary input function of contact_point: a version byte and the text, normalized and validated again (national numbers use omnichannel.default_region)';
COMMENT ON FUNCTION omnichannel.contact_point_send(omnichannel.contact_point) IS
    'Binary output function of contact_point: a version byte (1) and the canonical text';

-- Comparison -----------------------------------------------------------------

CREATE FUNCTION omnichannel.contact_point_eq(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_eq'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_ne(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_ne'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_lt(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_lt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_le(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_le'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_gt(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_gt'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_ge(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'oc_contact_point_ge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_cmp(omnichannel.contact_point, omnichannel.contact_point)
    RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'oc_contact_point_cmp'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION omnichannel.contact_point_hash(omnichannel.contact_point)
    RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'oc_contact_point_hash'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION omnichannel.contact_point_hash_extended(omnichannel.contact_point, pg_catalog.int8)
    RETURNS pg_catalog.int8
    AS 'MODULE_PATHNAME', 'oc_contact_point_hash_extended'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.contact_point_eq(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the = operator of contact_point (same canonical text)';
COMMENT ON FUNCTION omnichannel.contact_point_ne(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the <> operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_lt(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the < operator of contact_point (bytewise: kind, then value)';
COMMENT ON FUNCTION omnichannel.contact_point_le(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the <= operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_gt(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the > operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_ge(omnichannel.contact_point, omnichannel.contact_point) IS
    'Implementation of the >= operator of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_cmp(omnichannel.contact_point, omnichannel.contact_point) IS
    'Btree comparison support of contact_point: -1, 0 or 1, bytewise on the canonical text';
COMMENT ON FUNCTION omnichannel.contact_point_hash(omnichannel.contact_point) IS
    'Hash support of contact_point';
COMMENT ON FUNCTION omnichannel.contact_point_hash_extended(omnichannel.contact_point, pg_catalog.int8) IS
    'Seeded 64-bit hash support of contact_point';

CREATE OPERATOR omnichannel.= (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_eq,
    COMMUTATOR = OPERATOR(omnichannel.=),
    NEGATOR = OPERATOR(omnichannel.<>),
    RESTRICT = pg_catalog.eqsel,
    JOIN = pg_catalog.eqjoinsel,
    HASHES, MERGES
);

CREATE OPERATOR omnichannel.<> (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_ne,
    COMMUTATOR = OPERATOR(omnichannel.<>),
    NEGATOR = OPERATOR(omnichannel.=),
    RESTRICT = pg_catalog.neqsel,
    JOIN = pg_catalog.neqjoinsel
);

CREATE OPERATOR omnichannel.< (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_lt,
    COMMUTATOR = OPERATOR(omnichannel.>),
    NEGATOR = OPERATOR(omnichannel.>=),
    RESTRICT = pg_catalog.scalarltsel,
    JOIN = pg_catalog.scalarltjoinsel
);

CREATE OPERATOR omnichannel.<= (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_le,
    COMMUTATOR = OPERATOR(omnichannel.>=),
    NEGATOR = OPERATOR(omnichannel.>),
    RESTRICT = pg_catalog.scalarlesel,
    JOIN = pg_catalog.scalarlejoinsel
);

CREATE OPERATOR omnichannel.> (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_gt,
    COMMUTATOR = OPERATOR(omnichannel.<),
    NEGATOR = OPERATOR(omnichannel.<=),
    RESTRICT = pg_catalog.scalargtsel,
    JOIN = pg_catalog.scalargtjoinsel
);

CREATE OPERATOR omnichannel.>= (
    LEFTARG = omnichannel.contact_point,
    RIGHTARG = omnichannel.contact_point,
    FUNCTION = omnichannel.contact_point_ge,
    COMMUTATOR = OPERATOR(omnichannel.<=),
    NEGATOR = OPERATOR(omnichannel.<),
    RESTRICT = pg_catalog.scalargesel,
    JOIN = pg_catalog.scalargejoinsel
);

COMMENT ON OPERATOR omnichannel.= (omnichannel.contact_point, omnichannel.contact_point) IS
    'Same customer address (equal canonical text)';
COMMENT ON OPERATOR omnichannel.<> (omnichannel.contact_point, omnichannel.contact_point) IS
    'Different customer addresses';
COMMENT ON OPERATOR omnichannel.< (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts before (bytewise on the canonical text: kind, then value)';
COMMENT ON OPERATOR omnichannel.<= (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts before or equal';
COMMENT ON OPERATOR omnichannel.> (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts after (bytewise on the canonical text: kind, then value)';
COMMENT ON OPERATOR omnichannel.>= (omnichannel.contact_point, omnichannel.contact_point) IS
    'Sorts after or equal';

CREATE OPERATOR CLASS omnichannel.contact_point_ops
    DEFAULT FOR TYPE omnichannel.contact_point USING btree AS
        OPERATOR 1 omnichannel.< ,
        OPERATOR 2 omnichannel.<= ,
        OPERATOR 3 omnichannel.= ,
        OPERATOR 4 omnichannel.>= ,
        OPERATOR 5 omnichannel.> ,
        FUNCTION 1 omnichannel.contact_point_cmp(omnichannel.contact_point, omnichannel.contact_point);

CREATE OPERATOR CLASS omnichannel.contact_point_hash_ops
    DEFAULT FOR TYPE omnichannel.contact_point USING hash AS
        OPERATOR 1 omnichannel.= ,
        FUNCTION 1 omnichannel.contact_point_hash(omnichannel.contact_point),
        FUNCTION 2 omnichannel.contact_point_hash_extended(omnichannel.contact_point, pg_catalog.int8);

COMMENT ON OPERATOR CLASS omnichannel.contact_point_ops USING btree IS
    'Default btree operator class of contact_point: bytewise order of the canonical text';
COMMENT ON OPERATOR CLASS omnichannel.contact_point_hash_ops USING hash IS
    'Default hash operator class of contact_point';

-- Casts, accessors, constructor ----------------------------------------------

CREATE CAST (pg_catalog.text AS omnichannel.contact_point)
    WITH INOUT AS ASSIGNMENT;
CREATE CAST (omnichannel.contact_point AS pg_catalog.text)
    WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (pg_catalog.text AS omnichannel.contact_point) IS
    'Normalizes text through the contact_point input function (STABLE: national phone numbers use omnichannel.default_region)';
COMMENT ON CAST (omnichannel.contact_point AS pg_catalog.text) IS
    'The canonical kind:value text';

CREATE FUNCTION omnichannel.normalizer_version()
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_contact_point_normalizer_version'
    LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.normalizer_version() IS
    'Version of the contact point normalizer (ICU and Unicode), e.g. icu-72.1/unicode-15.0; record it next to stored values';
