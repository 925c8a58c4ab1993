-- ---------------------------------------------------------------------------
-- Who may call the functions that run with more than the caller's rights.
--
-- Every trigger function and every SECURITY DEFINER function of the
-- extension is executable by its owner only, unless a role recipe grants it
-- (docs/install.md "Privileges"; the SLA and queue functions, erasure and
-- retention are granted to roles there).  Firing a trigger needs no
-- EXECUTE; attaching a trigger function to a table does: a look-alike table
-- of another role must not get one (they also refuse it themselves, see
-- omnichannel.check_trigger_table).  A definer helper called with chosen
-- arguments must not reveal or write what its caller may not.
--
-- One sweep over the catalog instead of a REVOKE per function, so that a
-- function added later is covered without anyone remembering to; the
-- regress test sql/catalog.sql fails if a trigger or definer function is
-- executable by PUBLIC and not on its (empty) allow-list.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    f text;
BEGIN
    FOR f IN
        SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                 pg_catalog.pg_get_function_identity_arguments(p.oid))
          FROM pg_catalog.pg_proc AS p
          JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace
          JOIN pg_catalog.pg_depend AS d
            ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND d.objid OPERATOR(pg_catalog.=) p.oid
           AND d.deptype OPERATOR(pg_catalog.=) 'e'
          JOIN pg_catalog.pg_extension AS e
            ON e.oid OPERATOR(pg_catalog.=) d.refobjid
           AND e.extname OPERATOR(pg_catalog.=) 'omnichannel'
         WHERE p.prosecdef
            OR p.prorettype OPERATOR(pg_catalog.=) 'pg_catalog.trigger'::pg_catalog.regtype
            OR p.prorettype OPERATOR(pg_catalog.=) 'pg_catalog.event_trigger'::pg_catalog.regtype
         ORDER BY 1
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
