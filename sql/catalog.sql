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

-- SECURITY DEFINER functions must pin search_path (expect none)
SELECT p.oid::regprocedure
  FROM pg_proc p
 WHERE p.pronamespace = 'omnichannel'::regnamespace AND p.prosecdef
   AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%');

-- every extension member object, for upgrade comparisons
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'omnichannel')
 ORDER BY 1;
