-- omnichannel SQL script, assembled by the Makefile from the parts in ext/
-- (see ext/README.md).  Objects live in schema omnichannel (created by
-- CREATE EXTENSION from the control file).  Every name is schema-qualified
-- so that the script is safe under any search_path of the installing role.

\echo Use "CREATE EXTENSION omnichannel" to load this file. \quit

-- The schema must be a superuser's alone: whoever owns it, may create in it
-- or owns an object in it can plant a function or operator that the
-- extension's code calls with its owner's rights (docs/security.md).  A
-- schema someone created before CREATE EXTENSION is refused unless it
-- passes the same test.
DO $$
DECLARE
    v_owner   name;
    v_super   boolean;
    v_who     text;
BEGIN
    SELECT r.rolname, r.rolsuper INTO v_owner, v_super
      FROM pg_catalog.pg_namespace AS n
      JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'omnichannel';
    IF NOT v_super THEN
        RAISE EXCEPTION 'schema "omnichannel" is owned by role "%", which is not a superuser', v_owner
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The extension''s functions run parts of their work with its owner''s rights; whoever owns its schema could plant objects they would use.',
                  HINT = 'Look at what the schema holds, then drop it or have a superuser own it (ALTER SCHEMA omnichannel OWNER TO postgres), and run the command again.';
    END IF;

    SELECT pg_catalog.string_agg(DISTINCT CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                               ELSE pg_catalog.quote_ident(r.rolname) END, ', ')
      INTO v_who
      FROM pg_catalog.pg_namespace AS n,
           LATERAL pg_catalog.aclexplode(n.nspacl) AS a
      LEFT JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) a.grantee
     WHERE n.nspname OPERATOR(pg_catalog.=) 'omnichannel'
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'
       AND (a.grantee OPERATOR(pg_catalog.=) 0 OR NOT r.rolsuper);
    IF v_who IS NOT NULL THEN
        RAISE EXCEPTION 'roles other than superusers may create objects in schema "omnichannel": %', v_who
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The extension''s functions run parts of their work with its owner''s rights; an object planted in its schema could be used by them.',
                  HINT = 'REVOKE CREATE ON SCHEMA omnichannel FROM those roles, and run the command again.';
    END IF;

    SELECT pg_catalog.string_agg(o.what, ', ' ORDER BY o.what) INTO v_who
      FROM (SELECT pg_catalog.format('%s %s (owner %s)', o.kind, o.name, pg_catalog.quote_ident(r.rolname)) AS what
              FROM (SELECT 'relation' AS kind, c.relname::text AS name, c.relowner AS owner, c.relnamespace AS nsp
                      FROM pg_catalog.pg_class AS c
                    UNION ALL
                    SELECT 'function', p.oid::pg_catalog.regprocedure::text, p.proowner, p.pronamespace
                      FROM pg_catalog.pg_proc AS p
                    UNION ALL
                    SELECT 'type', t.typname::text, t.typowner, t.typnamespace
                      FROM pg_catalog.pg_type AS t
                    UNION ALL
                    SELECT 'operator', o.oid::pg_catalog.regoperator::text, o.oprowner, o.oprnamespace
                      FROM pg_catalog.pg_operator AS o
                    UNION ALL
                    SELECT 'operator class', c.opcname::text, c.opcowner, c.opcnamespace
                      FROM pg_catalog.pg_opclass AS c
                    UNION ALL
                    SELECT 'operator family', f.opfname::text, f.opfowner, f.opfnamespace
                      FROM pg_catalog.pg_opfamily AS f
                    UNION ALL
                    SELECT 'collation', c.collname::text, c.collowner, c.collnamespace
                      FROM pg_catalog.pg_collation AS c
                    UNION ALL
                    SELECT 'conversion', c.conname::text, c.conowner, c.connamespace
                      FROM pg_catalog.pg_conversion AS c) AS o
              JOIN pg_catalog.pg_namespace AS n ON n.oid OPERATOR(pg_catalog.=) o.nsp
              JOIN pg_catalog.pg_roles AS r ON r.oid OPERATOR(pg_catalog.=) o.owner
             WHERE n.nspname OPERATOR(pg_catalog.=) 'omnichannel' AND NOT r.rolsuper) AS o;
    IF v_who IS NOT NULL THEN
        RAISE EXCEPTION 'schema "omnichannel" holds objects of roles that are not superusers: %', v_who
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'The extension''s functions run parts of their work with its owner''s rights; these objects could be used by them.',
                  HINT = 'Look at these objects and drop them (or the schema), and run the command again.';
    END IF;
END
$$;
