--
-- Phone numbers with libphonenumber: national input with a default region
-- (omnichannel.default_region or an explicit argument), the "possible but
-- not valid" rule, refusals, phone_info(), volatility.
-- Rules: docs/contact-points.md "Phone numbers".
--
SET search_path = public, omnichannel;
SET client_min_messages = warning;

-- National and international forms of the same numbers, seven countries,
-- read with an explicit region (to_contact_point is IMMUTABLE)
SELECT region, national, to_contact_point(national, region) AS from_national,
       international::contact_point AS from_international,
       to_contact_point(national, region) = international::contact_point AS same
FROM (VALUES
    ('RO', '0721 234 567',        '+40 721 234 567'),
    ('RO', '021 123 4567',        '+40 21 123 4567'),
    ('RO', '0800 123 456',        '+40 800 123 456'),
    ('PL', '(12) 345-67-89',      '+48 12 345 67 89'),
    ('PL', '500 000 042',         '0048 500 000 042'),
    ('RU', '8 (495) 123-45-67',   '+7 495 123-45-67'),
    ('RU', '8 916 123-45-67',     '+7 916 123 45 67'),
    ('RU', '(495) 123-45-67',     '+7 (495) 123-45-67'),
    ('ES', '912 34 56 78',        '+34 912 34 56 78'),
    ('ES', '612 34 56 78',        '0034 612 345 678'),
    ('DE', '030 1234567',         '+49 30 1234567'),
    ('DE', '0151 12345678',       '+49 151 12345678'),
    ('GB', '020 7946 0958',       '+44 20 7946 0958'),
    ('GB', '07400 123456',        '+44 7400 123456'),
    ('US', '(212) 555-0100',      '+1 212-555-0100'),
    ('US', '1 212 555 0100',      '+1 (212) 555-0100')
) AS v(region, national, international);

-- No default region unless one is set (the setting exists once the library
-- is loaded; a value set earlier is kept as a placeholder and checked then)
SHOW omnichannel.default_region;

-- Every phone-class kind reads national numbers; other kinds ignore the region
SELECT to_contact_point(x, 'RO') AS canonical
FROM (VALUES ('tel:0721 234 567'), ('whatsapp:0721 234 567'), ('WA:0721-234-567'),
             ('viber:(0721) 234 567'), ('signal:0721.234.567'), ('sms:0721234567'),
             ('telegram:0721 234 567'), ('telegram:@Durov'),
             ('Jan@Example.PL'), ('crm:0721'), ('twitter:@x')) AS v(x);

-- Three-argument constructor (IMMUTABLE)
SELECT contact_point('tel', '0721 234 567', 'RO') AS ro,
       contact_point('wa', '(12) 345-67-89', 'pl') AS pl_lower_case,
       contact_point('tel', '+48 12 345 67 89', 'US') AS international_wins,
       contact_point('tel', '0048 12 345 67 89', 'US') AS zero_zero_is_international,
       contact_point('email', 'Jan@Example.PL', 'RO') AS email,
       contact_point('tel', '+40 721 234 567', '') AS no_region,
       contact_point('tel', '0721 234 567', NULL) IS NULL AS strict;

-- A trunk prefix written after the country code is dropped, not kept
SELECT '+40 0721 234 567'::contact_point AS ro_trunk_0,
       '+44 (0) 20 7946 0958'::contact_point AS gb_trunk_0,
       '+49 (0)30 1234567'::contact_point AS de_trunk_0;

-- The GUC: set (any case, stored upper case), used by the cast, the input
-- function, contact_point(kind, value), phone_info(text); reset
SET omnichannel.default_region = 'ro';
SHOW omnichannel.default_region;
SELECT '0721 234 567'::contact_point AS cast_,
       contact_point_in('0721 234 567') AS input_function,
       contact_point('whatsapp', '0721 234 567') AS two_arg,
       to_contact_point('(12) 345-67-89', 'PL') AS explicit_region_wins,
       '+48 12 345 67 89'::contact_point AS international;
CREATE TABLE phone_guc (c contact_point);
INSERT INTO phone_guc VALUES ('0721 234 567'), ('whatsapp:0721 234 567'), ('+40721234567');
SELECT c, c = '+40721234567' AS equal_to_international FROM phone_guc ORDER BY c;
SET omnichannel.default_region = 'PL';
INSERT INTO phone_guc VALUES ('(12) 345-67-89');
SELECT c FROM phone_guc ORDER BY c;
DROP TABLE phone_guc;
RESET omnichannel.default_region;
SHOW omnichannel.default_region;
SELECT '0721 234 567'::contact_point;
SET omnichannel.default_region = '';
SELECT contact_point('tel', '0721 234 567');

-- SET LOCAL ends with the transaction; a function can carry its own region
BEGIN;
SET LOCAL omnichannel.default_region = 'DE';
SELECT '030 1234567'::contact_point AS local_de;
COMMIT;
SHOW omnichannel.default_region;
CREATE FUNCTION pg_temp.in_spain(t text) RETURNS omnichannel.contact_point
    LANGUAGE sql SET omnichannel.default_region = 'es'
    AS $$ SELECT t::omnichannel.contact_point $$;
SELECT pg_temp.in_spain('912 34 56 78') AS function_setting;
SHOW omnichannel.default_region;

-- Invalid values are refused and leave the setting unchanged
SET omnichannel.default_region = 'GB';
SET omnichannel.default_region = 'XX';
SET omnichannel.default_region = 'UK';
SET omnichannel.default_region = 'ROU';
SET omnichannel.default_region = '001';
SET omnichannel.default_region = ' RO';
SHOW omnichannel.default_region;
RESET omnichannel.default_region;

-- Per role and per database: validated when stored
CREATE ROLE phone_test_role;
ALTER ROLE phone_test_role SET omnichannel.default_region = 'XX';
ALTER ROLE phone_test_role SET omnichannel.default_region = 'pl';
SELECT s.setconfig
FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
WHERE r.rolname = 'phone_test_role';
DROP ROLE phone_test_role;

-- Possible but not valid: accepted only in international form
SET omnichannel.default_region = 'PL';
SELECT '+48 1234 5678'::contact_point AS possible_international,
       '0048 1234 5678'::contact_point AS possible_00,
       '+39 12345678'::contact_point AS possible_it,
       '+882 345 012 345 678'::contact_point AS possible_network;
SELECT '0123 456 789'::contact_point;
SET omnichannel.default_region = 'RO';
SELECT '0721 23'::contact_point;
SELECT 'whatsapp:0721 23'::contact_point;
SELECT phone_info('0721 23');
SELECT phone_info('+40 721 23');
RESET omnichannel.default_region;

-- Impossible numbers are refused in any form
SELECT '+48 12'::contact_point;
SELECT '+1 555 0100'::contact_point;
SELECT '+999 1234 5678'::contact_point;
SELECT '+48 123 456 789 012 345'::contact_point;
SELECT '+1 234 567 890 123 456'::contact_point;
SELECT '+7 495 123 45 67 8'::contact_point;
SELECT to_contact_point('12', 'PL');
SELECT to_contact_point('5550100', 'US');
SELECT to_contact_point('0612 345 678', 'ES');
SELECT to_contact_point('0721 234 567', '');

-- Invalid region arguments: 22023
SELECT to_contact_point('0721 234 567', 'XX');
SELECT contact_point('tel', '0721 234 567', 'Romania');
SELECT phone_info('0721 234 567', 'ZZ');

-- SQLSTATE of every class
CREATE FUNCTION pg_temp.sqlstate_of(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT label, pg_temp.sqlstate_of(sql) AS sqlstate
FROM (VALUES
    ('valid national', $$SELECT to_contact_point('0721 234 567', 'RO')$$),
    ('no region', $$SELECT '0721 234 567'::omnichannel.contact_point$$),
    ('not valid for region', $$SELECT to_contact_point('0721 23', 'RO')$$),
    ('too short', $$SELECT '+48 12'::omnichannel.contact_point$$),
    ('unknown country code', $$SELECT '+999 1234 5678'::omnichannel.contact_point$$),
    ('local only', $$SELECT '+1 555 0100'::omnichannel.contact_point$$),
    ('bad region argument', $$SELECT to_contact_point('1', 'XX')$$),
    ('bad region GUC', $$SET omnichannel.default_region = 'XX'$$),
    ('phone_info of letters', $$SELECT omnichannel.phone_info('abc')$$),
    ('phone_info of e-mail', $$SELECT omnichannel.phone_info('email:jan@example.pl')$$)
) AS v(label, sql);

-- phone_info: what libphonenumber says, for the CRM to show
SELECT jsonb_pretty(phone_info('0721 234 567', 'RO'));
SELECT n, r, i->>'e164' AS e164, i->>'type' AS type, i->>'region' AS region,
       i->>'valid' AS valid, i->>'possible' AS possible, i->>'accepted' AS accepted,
       i->>'reason' AS reason, i->>'national' AS national,
       i->>'international' AS international
FROM (VALUES
    ('0721 234 567', 'RO'), ('whatsapp:0721 234 567', 'RO'), ('021 123 4567', 'RO'),
    ('0800 123 456', 'RO'), ('(12) 345-67-89', 'PL'), ('8 (495) 123-45-67', 'RU'),
    ('612 34 56 78', 'ES'), ('0151 12345678', 'DE'), ('07400 123456', 'GB'),
    ('(212) 555-0100', 'US'), ('(416) 555-0123', 'US'), ('+800 1234 5678', ''),
    ('+48 1234 5678', ''), ('0123 456 789', 'PL'), ('+48 12', ''),
    ('+999 1234 5678', ''), ('0721 234 567', ''), ('+1 555 0100', ''),
    ('+1234567890123456', '')
) AS v(n, r), LATERAL (SELECT phone_info(n, r) AS i) p;
SELECT phone_info('+48 12')->>'detail' AS detail;
SET omnichannel.default_region = 'GB';
SELECT phone_info('020 7946 0958')->>'e164' AS with_guc;
RESET omnichannel.default_region;
SELECT phone_info('020 7946 0958')->>'reason' AS without_guc;
SELECT phone_info('abc');
SELECT phone_info('email:jan@example.pl');
SELECT phone_info('');
SELECT phone_info(NULL) IS NULL AS strict_1, phone_info('1', NULL) IS NULL AS strict_2;

-- Volatility: the input (and so the text cast) reads the GUC, so it is
-- STABLE and cannot be used in an index expression; the explicit-region
-- functions are IMMUTABLE and can
CREATE TABLE phone_raw (raw text);
INSERT INTO phone_raw VALUES ('0721 234 567'), ('+40 721 234 568');
CREATE INDEX phone_raw_cast ON phone_raw ((raw::omnichannel.contact_point));
CREATE INDEX phone_raw_guc ON phone_raw (omnichannel.contact_point('tel', raw));
CREATE INDEX phone_raw_explicit ON phone_raw (omnichannel.to_contact_point(raw, 'RO'));
ALTER TABLE phone_raw ADD COLUMN cp omnichannel.contact_point
    GENERATED ALWAYS AS (omnichannel.to_contact_point(raw, 'RO')) STORED;
SELECT raw, cp FROM phone_raw ORDER BY cp;
DROP TABLE phone_raw;

SELECT p.oid::regprocedure AS function, p.provolatile, p.proisstrict, p.proparallel,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
FROM pg_proc p
WHERE p.pronamespace = 'omnichannel'::regnamespace
  AND p.proname IN ('contact_point', 'contact_point_in', 'contact_point_recv',
                    'to_contact_point', 'phone_info')
ORDER BY 1::text;
SELECT c.castsource::regtype, c.casttarget::regtype, c.castmethod,
       (SELECT provolatile FROM pg_proc WHERE oid = t.typinput) AS input_volatility
FROM pg_cast c JOIN pg_type t ON t.oid = c.casttarget
WHERE c.casttarget = 'omnichannel.contact_point'::regtype;

-- The setting is documented
SELECT name, setting, context, vartype, short_desc IS NOT NULL AS has_desc
FROM pg_settings WHERE name = 'omnichannel.default_region';

-- a stored number must read back as itself: "+27 0 41 ..." (trunk prefix
-- written after the country code) is read as +27 41 ..., but a number
-- whose E.164 form would lose another digit when read again is refused
SELECT '+27 0 41 123 4567'::contact_point AS trunk_prefix_dropped;
SELECT '+27004 1 234 567'::contact_point;
SELECT phone_info('+27004 1 234 567') ->> 'reason' AS reason;

RESET client_min_messages;
RESET search_path;
