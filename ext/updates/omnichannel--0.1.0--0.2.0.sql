-- ---------------------------------------------------------------------------
-- Update 0.1.0 -> 0.2.0: what changes in tables, types and other objects
-- created once (ext/schema/).  The Makefile appends every ext/[1-9]*.sql
-- after it, which replaces the functions, views and triggers.
-- ---------------------------------------------------------------------------

-- Business-key patterns ingest applies must match in bounded time: no
-- back-references, no lookahead/lookbehind (check_key_pattern).  Patterns
-- that 0.1.0 accepted and this refuses are disabled, with a warning.
CREATE FUNCTION omnichannel.check_key_pattern(pattern text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'oc_check_key_pattern'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION omnichannel.check_key_pattern(text) IS
    'True for a business-key pattern ingest may apply; else an error: the regular expression does not compile, or uses a back-reference or a lookahead/lookbehind constraint (no bound on matching time)';
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT k.name, k.pattern FROM omnichannel.business_key_pattern AS k WHERE k.enabled LOOP
        BEGIN
            PERFORM omnichannel.check_key_pattern(p.pattern);
        EXCEPTION WHEN invalid_regular_expression THEN
            UPDATE omnichannel.business_key_pattern AS k SET enabled = false
             WHERE k.name OPERATOR(pg_catalog.=) p.name;
            RAISE WARNING 'business key pattern "%" is disabled: %', p.name, SQLERRM
                USING HINT = 'Rewrite it without back-references and lookaround, then enable it again.';
        END;
    END LOOP;
END
$$;
ALTER TABLE omnichannel.business_key_pattern
    DROP CONSTRAINT business_key_pattern_compiles,
    ADD CONSTRAINT business_key_pattern_safe
        CHECK (NOT enabled OR omnichannel.check_key_pattern(pattern));
COMMENT ON COLUMN omnichannel.business_key_pattern.pattern IS
    'PostgreSQL regular expression; the first parenthesized group, or else the whole match, is the key value (as substring(text FROM pattern)); back-references and lookahead/lookbehind constraints are refused (check_key_pattern)';

-- Interactions happen at finite times (ingest refuses infinity since 0.2.0;
-- rows 0.1.0 took must be corrected by hand first).
DO $$
DECLARE
    n bigint;
BEGIN
    SELECT pg_catalog.count(*) INTO n FROM omnichannel.interaction AS i
     WHERE NOT pg_catalog.isfinite(i.occurred_at) OR NOT pg_catalog.isfinite(i.ended_at);
    IF n OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION '% interactions have an infinite occurred_at or ended_at', n
            USING ERRCODE = 'datetime_field_overflow',
                  HINT = 'Set them to the real times (or ended_at to NULL) before ALTER EXTENSION omnichannel UPDATE: SELECT id FROM omnichannel.interaction WHERE NOT isfinite(occurred_at) OR NOT isfinite(ended_at).';
    END IF;
END
$$;
ALTER TABLE omnichannel.interaction
    ADD CONSTRAINT interaction_times_finite
        CHECK (pg_catalog.isfinite(occurred_at)
               AND (ended_at IS NULL OR pg_catalog.isfinite(ended_at)));

-- Ingest links the identifiers carried in attributes once per statement,
-- with contact_point[] arguments: the per-row jsonb version goes.
DROP FUNCTION omnichannel.link_identifiers(bigint, jsonb, bigint);

-- The ingest statement trigger is named for what it does (it writes the
-- statement's threads; 0.1.0 called it ingest_cleanup); ext/20_model.sql
-- creates it under its new name.
DROP TRIGGER ingest_cleanup ON omnichannel.interaction;
