--
-- Install under a hostile search_path: look-alike objects planted in a
-- schema searched before pg_catalog must not be picked up by the script.
--
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.now() RETURNS timestamptz
    LANGUAGE sql AS $$ SELECT '1999-01-01 00:00:00+00'::timestamptz $$;
CREATE FUNCTION hostile.jsonb_typeof(jsonb) RETURNS text
    LANGUAGE sql AS $$ SELECT 'hostile'::text $$;
SET search_path = hostile, pg_catalog, public;
CREATE EXTENSION omnichannel;
SELECT extname, extversion, extnamespace::regnamespace AS schema, extrelocatable
  FROM pg_extension WHERE extname = 'omnichannel';
-- defaults and checks use the real now() and jsonb_typeof(): printed
-- under the hostile search_path, they show up schema-qualified
SELECT pg_get_expr(adbin, adrelid) AS created_at_default
  FROM pg_attrdef
 WHERE adrelid = 'omnichannel.customer'::regclass
   AND adnum = (SELECT attnum FROM pg_attribute
                 WHERE attrelid = 'omnichannel.customer'::regclass
                   AND attname = 'created_at');
SELECT pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid = 'omnichannel.customer'::regclass AND contype = 'c';
INSERT INTO omnichannel.customer (attributes) VALUES ('{}')
RETURNING created_at > '2020-01-01' AS real_now;
DELETE FROM omnichannel.customer;
RESET search_path;
DROP SCHEMA hostile CASCADE;
-- the extension is not relocatable
ALTER EXTENSION omnichannel SET SCHEMA public;
