-- ---------------------------------------------------------------------------
-- The functions, views and triggers of ext/schema/10_contact_point.sql (what it is for is
-- written there).  CREATE OR REPLACE: the install script and every update
-- script run this file (ext/README.md).
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.kind(omnichannel.contact_point)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_contact_point_kind'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.kind(omnichannel.contact_point) IS
    'The canonical kind of a contact point (email, tel, whatsapp, twitter, crm, ...)';

CREATE OR REPLACE FUNCTION omnichannel.value(omnichannel.contact_point)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_contact_point_value'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.value(omnichannel.contact_point) IS
    'The canonical value of a contact point, after "kind:"';

CREATE OR REPLACE FUNCTION omnichannel.contact_point(kind pg_catalog.text, value pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_make'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.contact_point(pg_catalog.text, pg_catalog.text) IS
    'Builds a contact point from a kind (or alias) and a value, normalizing both; national phone numbers use omnichannel.default_region';

CREATE OR REPLACE FUNCTION omnichannel.contact_point(kind pg_catalog.text, value pg_catalog.text,
                                          region pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_contact_point_make_region'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.contact_point(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Builds a contact point from a kind and a value; a national phone number is read in the given region (two-letter ISO code, '' for none)';

CREATE OR REPLACE FUNCTION omnichannel.to_contact_point(input pg_catalog.text, region pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_to_contact_point'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.to_contact_point(pg_catalog.text, pg_catalog.text) IS
    'Normalizes kind:value, a bare e-mail address or a bare phone number like the input function, reading a national phone number in the given region ('' for none) instead of omnichannel.default_region';

CREATE OR REPLACE FUNCTION omnichannel.try_contact_point(input pg_catalog.text)
    RETURNS omnichannel.contact_point
    AS 'MODULE_PATHNAME', 'oc_try_contact_point'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.try_contact_point(pg_catalog.text) IS
    'The text input of a contact point (national phone numbers in omnichannel.default_region), or NULL where the input would be refused: for values a sender wrote, which may not fail their row';

CREATE OR REPLACE FUNCTION omnichannel.phone_info(number pg_catalog.text)
    RETURNS pg_catalog.jsonb
    AS 'MODULE_PATHNAME', 'oc_phone_info_jsonb'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.phone_info(pg_catalog.text) IS
    'What libphonenumber says about a phone number (e164, accepted, reason, detail, valid, possible, type, region, country_code, national, international); national numbers use omnichannel.default_region';

CREATE OR REPLACE FUNCTION omnichannel.phone_info(number pg_catalog.text, region pg_catalog.text)
    RETURNS pg_catalog.jsonb
    AS 'MODULE_PATHNAME', 'oc_phone_info_jsonb'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.phone_info(pg_catalog.text, pg_catalog.text) IS
    'What libphonenumber says about a phone number, reading a national number in the given region (two-letter ISO code, '' for none)';
