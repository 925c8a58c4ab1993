--
-- Catalog hygiene for every function the extension owns: explicit
-- volatility, strictness and parallel labels, a comment, and no SECURITY
-- DEFINER without a fixed search_path.
--
SELECT p.oid::regprocedure AS function,
       p.provolatile AS vol, p.proisstrict AS strict, p.proparallel AS par,
       p.prosecdef AS secdef, p.proconfig AS config
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')
 ORDER BY p.oid::regprocedure::text;

-- functions without a comment (expect none)
SELECT p.oid::regprocedure AS undocumented
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')
   AND obj_description(p.oid, 'pg_proc') IS NULL;

-- operators without a comment (expect none)
SELECT o.oid::regoperator AS undocumented
  FROM pg_operator o
 WHERE o.oprnamespace = 'omnichannel'::regnamespace
   AND obj_description(o.oid, 'pg_operator') IS NULL;

-- SECURITY DEFINER functions must pin search_path to pg_catalog, pg_temp
-- (expect none)
SELECT p.oid::regprocedure AS definer_without_pinned_path
  FROM pg_proc p
 WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prosecdef
   AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false);

-- Trigger functions and SECURITY DEFINER functions executable by PUBLIC:
-- only those on the allow-list (docs/security.md), which is empty (expect
-- none).  Role recipes grant the few that roles call.
WITH allowed(fn) AS (SELECT unnest('{}'::text[]))
SELECT p.oid::regprocedure AS public_may_execute
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')
   AND (p.prosecdef OR p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype))
   AND has_function_privilege('public', p.oid, 'EXECUTE')
   AND p.oid::regprocedure::text NOT IN (SELECT fn FROM allowed);

-- Every SQL trigger function refuses tables not its own first thing
-- (the C ones check in C; sql/security.sql fires them on look-alikes)
-- (expect none)
SELECT p.oid::regprocedure AS trigger_without_table_check
  FROM pg_proc p
  JOIN pg_language l ON l.oid = p.prolang
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')
   AND p.prorettype = 'trigger'::regtype AND l.lanname <> 'c'
   AND regexp_replace(substr(p.prosrc, strpos(p.prosrc, 'BEGIN') + 5), '^\s+', '')
       NOT LIKE 'PERFORM omnichannel.check_trigger_table(%';

-- every extension member object, for upgrade comparisons
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')
 ORDER BY 1;
