-- ---------------------------------------------------------------------------
-- omnichannel.normalize_subject: the base subject of an e-mail-like
-- interaction (RFC 5256 section 2.1 with reply/forward prefixes in many
-- languages), NFKC case-folded with ICU.  The stitching engine compares it
-- between interactions of one customer.  Rules: docs/subjects.md.
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION omnichannel.normalize_subject(subject pg_catalog.text)
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'oc_normalize_subject'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION omnichannel.normalize_subject(pg_catalog.text) IS
    'Base subject for thread matching: RFC 5256 prefixes, [list] tags and (fwd) trailers removed, reply/forward prefixes in many languages (Re, AW, SV, Odp, Ответ, 回复, ...), white space folded, NFKC case-folded; empty means no subject evidence; only the first 4096 bytes are read; depends on the ICU version (see normalizer_version())';
