--
-- omnichannel.contact_point: input normalization, operators, indexes,
-- binary I/O and every class of bad input.  Rules: docs/contact-points.md.
--
SET search_path = public, omnichannel;
SET client_min_messages = warning;

-- Every form of valid input and its canonical text, in several scripts
SELECT input, input::contact_point AS canonical
FROM (VALUES
    ('Jan.Kowalski@Example.PL'),
    ('email:jan.kowalski@example.pl'),
    ('mailto:Jan.Kowalski@EXAMPLE.pl'),
    ('E-Mail : jan@example.pl'),
    ('  jan@example.pl  '),
    ('jan@ŻÓŁW.pl'),
    ('jan@xn--w-uga1v8h.pl'),
    ('Ștefan.Popescu@Exemplu.RO'),
    ('ŞTEFAN@exemplu.ro'),
    ('Иван.Петров@Пример.РФ'),
    ('NIÑO@España.ES'),
    ('Straße@Example.DE'),
    ('info@straße.de'),
    ('张伟@例子.中国'),
    ('ΟΔΥΣΣΕΥΣ@example.gr'),
    ('ｊａｎ＠ｅｘａｍｐｌｅ．ｐｌ'),
    ('jan@example.pl.'),
    ('+48 12 345 67 89'),
    ('0048 12 345 67 89'),
    ('tel:+48 (12) 345-67-89'),
    ('phone:+48.12.345.67.89'),
    ('tel:＋４８ １２ ３４５ ６７ ８９'),
    ('tel:+٤٨١٢٣٤٥٦٧٨٩'),
    ('whatsapp:+40 721 234 567'),
    ('WA:0040721234567'),
    ('viber:+380 44 123 4567'),
    ('signal:+1 (212) 555-0100'),
    ('telegram:+7 495 123-45-67'),
    ('telegram:@Иван_Петров'),
    ('tg:durov'),
    ('twitter:@Handle'),
    ('X:Handle'),
    ('instagram:@Jan.Kowalski'),
    ('tiktok:@Ñandú'),
    ('threads:@Łukasz'),
    ('facebook:1234'),
    ('FB:Jan.Kowalski'),
    ('linkedin:in/Jan-Kowalski'),
    ('skype:live:.cid.ABC123'),
    ('youtube:@Kanal'),
    ('crm:ACME-42'),
    ('CRM:  ACME-42  '),
    ('crm:ACME:42'),
    ('web:3f2a9c1e-visitor'),
    ('ivr:Session 7')
) AS v(input);

-- Equality after normalization
SELECT 'Jan.Kowalski@Example.PL'::contact_point = 'email:jan.kowalski@example.pl' AS email_case,
       'jan@żółw.pl'::contact_point = 'mailto:JAN@xn--w-uga1v8h.PL' AS idn_alabel,
       'straße@example.de'::contact_point = 'STRASSE@example.de' AS sharp_s,
       '+48 12 345 67 89'::contact_point = '0048123456789' AS plus_00,
       'tel:＋４８１２３４５６７８９'::contact_point = 'tel:+48123456789' AS fullwidth,
       'x:@Handle'::contact_point = 'twitter:handle' AS x_alias,
       'ștefan@exemplu.ro'::contact_point = 'ştefan@exemplu.ro' AS comma_vs_cedilla,
       'crm:ACME-42'::contact_point = 'crm:acme-42' AS crm_case,
       'tel:+48123456789'::contact_point = 'whatsapp:+48123456789' AS tel_vs_whatsapp,
       'crm:ACME-42'::contact_point <> 'crm:acme-42' AS ne;

-- Ordering is bytewise on the canonical text: kind, then value
SELECT x::contact_point AS sorted
FROM (VALUES ('telegram:@jan'), ('tel:+48123456789'), ('email:zofia@example.pl'),
             ('crm:b'), ('crm:B'), ('email:adam@example.pl'), ('tel:+40721234567'),
             ('twitter:@a'), ('whatsapp:+40721234567')) AS v(x)
ORDER BY 1;

SELECT 'email:a@example.pl'::contact_point < 'email:b@example.pl' AS lt,
       'tel:+48123456789'::contact_point < 'telegram:@a' AS tel_before_telegram,
       'crm:B'::contact_point <= 'crm:b' AS le,
       'twitter:@b'::contact_point > 'twitter:@a' AS gt,
       'twitter:@a'::contact_point >= 'twitter:@a' AS ge,
       contact_point_cmp('crm:a', 'crm:b') AS cmp_lt,
       contact_point_cmp('crm:b', 'crm:b') AS cmp_eq,
       contact_point_cmp('crm:c', 'crm:b') AS cmp_gt;

-- Accessors and the constructor
SELECT kind(c), value(c)
FROM (VALUES ('Jan@Żółw.PL'::contact_point), ('+48 12 345 67 89'),
             ('X:Handle'), ('skype:live:.cid.abc'), ('crm:ACME:42')) AS v(c);

SELECT contact_point('Email', ' Jan@Example.PL ') AS email,
       contact_point('x', 'Handle') AS alias,
       contact_point('tel', '+48 12 345 67 89') AS tel,
       contact_point('crm', 'A:B') AS colon_in_value,
       contact_point(NULL, 'x') IS NULL AS strict;

-- Casts: text -> contact_point (assignment), contact_point -> text
CREATE TABLE cp_cast (c contact_point, t text);
INSERT INTO cp_cast (c, t) VALUES ('Jan@Example.PL'::text, 'x');
UPDATE cp_cast SET t = c;
SELECT c, t, pg_typeof(c) AS ctype, pg_typeof(t) AS ttype,
       c::text = 'email:jan@example.pl' AS text_cast FROM cp_cast;
DROP TABLE cp_cast;

-- NULLs pass through (all functions are strict)
SELECT NULL::contact_point IS NULL AS null_in, kind(NULL) IS NULL AS null_kind;

-- Binary send: a version byte (1), then the canonical text
SELECT contact_point_send('Jan@Example.PL') AS email_send,
       contact_point_send('+48 12 345 67 89') AS tel_send;

-- Binary round trip through COPY (FORMAT binary); receive normalizes again
CREATE TABLE cp_bin (c contact_point);
\copy (SELECT x::contact_point FROM (VALUES ('Jan@Żółw.PL'), ('+48 12 345 67 89'), ('crm:ACME-42')) v(x)) TO 'results/contact_point_1.bin' WITH (FORMAT binary)
\copy cp_bin FROM 'results/contact_point_1.bin' WITH (FORMAT binary)
SELECT c FROM cp_bin ORDER BY c;
-- a binary text value with version byte 1 in front but not normalized
\copy (SELECT E'\x01 Jan@Example.PL ') TO 'results/contact_point_2.bin' WITH (FORMAT binary)
\copy cp_bin FROM 'results/contact_point_2.bin' WITH (FORMAT binary)
SELECT c FROM cp_bin ORDER BY c;
-- bad bytes after the version byte are rejected, not stored
\copy (SELECT E'\x01jan\x02@example.pl') TO 'results/contact_point_3.bin' WITH (FORMAT binary)
\copy cp_bin FROM 'results/contact_point_3.bin' WITH (FORMAT binary)
-- a wrong version byte ("e" of plain text) is rejected
\copy (SELECT 'email:jan@example.pl') TO 'results/contact_point_4.bin' WITH (FORMAT binary)
\copy cp_bin FROM 'results/contact_point_4.bin' WITH (FORMAT binary)
SELECT count(*) AS rows_after_bad_copies FROM cp_bin;
DROP TABLE cp_bin;

-- Btree index
CREATE TABLE cp_idx (id int, c contact_point);
INSERT INTO cp_idx
SELECT i, ('tel:+48' || (500000000 + i))::contact_point FROM generate_series(1, 2000) i;
INSERT INTO cp_idx
SELECT 2000 + i, ('email:user' || i || '@example.pl')::contact_point FROM generate_series(1, 2000) i;
CREATE INDEX cp_idx_btree ON cp_idx (c);
ANALYZE cp_idx;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM cp_idx WHERE c = '+48 500 000 042';
SELECT id FROM cp_idx WHERE c = '+48 500 000 042';
SELECT id FROM cp_idx WHERE c = 'USER7@Example.PL';
EXPLAIN (COSTS OFF) SELECT c FROM cp_idx WHERE c >= 'tel:+48500001998' ORDER BY c;
SELECT c FROM cp_idx WHERE c >= 'tel:+48500001998' ORDER BY c;

-- Hash index
DROP INDEX cp_idx_btree;
CREATE INDEX cp_idx_hash ON cp_idx USING hash (c);
EXPLAIN (COSTS OFF) SELECT id FROM cp_idx WHERE c = 'email:user9@example.pl';
SELECT id FROM cp_idx WHERE c = 'User9@EXAMPLE.pl';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Hash join, hash aggregate, DISTINCT
CREATE TABLE cp_other (c contact_point);
INSERT INTO cp_other VALUES ('+48 500 000 001'), ('0048500000002'), ('User3@Example.PL'),
    ('USER3@example.pl'), ('twitter:@nobody');
ANALYZE cp_other;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT i.id FROM cp_idx i JOIN cp_other o ON i.c = o.c;
SELECT i.id, o.c FROM cp_idx i JOIN cp_other o ON i.c = o.c ORDER BY i.id;
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT c, count(*) FROM cp_other GROUP BY c;
RESET enable_sort;
SELECT c, count(*) FROM cp_other GROUP BY c ORDER BY c;
SELECT DISTINCT c FROM cp_other ORDER BY c;
SELECT count(DISTINCT c) AS distinct_addresses FROM cp_other;
DROP TABLE cp_other;
DROP TABLE cp_idx;

-- Bad input: the SQLSTATE of every error class
CREATE FUNCTION pg_temp.cp_sqlstate(t text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM t::omnichannel.contact_point;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
SELECT label, pg_temp.cp_sqlstate(input) AS sqlstate
FROM (VALUES
    ('not an address', 'email:not-an-address'),
    ('short phone', 'tel:12'),
    ('national phone', '0721 234 567'),
    ('letter in phone', 'tel:+48 12 345 67 8x'),
    ('unknown kind', 'foo:bar'),
    ('no kind', 'hello'),
    ('empty', ''),
    ('white space only', '   '),
    ('empty value', 'tel:'),
    ('100 kB', repeat('a', 100000)),
    ('1025 bytes', 'crm:' || repeat('a', 1021)),
    ('1024 bytes', 'crm:' || repeat('a', 1020)),
    ('control char', E'jan\x01@example.com'),
    ('newline', E'jan@example.com\n'),
    ('invalid domain', 'jan@exa_mple.pl'),
    ('one-label domain', 'jan@localhost'),
    ('bad punycode', 'jan@xn--abc.pl'),
    ('bad local part', 'jan kowalski@example.pl'),
    ('long local part', repeat('a', 65) || '@example.pl'),
    ('bad handle', 'twitter:@@jan'),
    ('bad handle char', 'instagram:jan!'),
    ('bad id', E'crm:\u0378')
) AS v(label, input);

-- Bad input: the messages
SELECT 'email:not-an-address'::contact_point;
SELECT 'tel:12'::contact_point;
SELECT '0721 234 567'::contact_point;
SELECT 'tel:+48 12 345 67 8x'::contact_point;
SELECT 'tel:+48 12 345'::contact_point;
SELECT 'foo:bar'::contact_point;
SELECT 'hello'::contact_point;
SELECT ''::contact_point;
SELECT '   '::contact_point;
SELECT 'whatsapp:'::contact_point;
SELECT repeat('a', 100000)::contact_point;
SELECT repeat('ż', 600)::contact_point;
SELECT E'jan\x01@example.com'::contact_point;
SELECT E'jan@example.com\x7f'::contact_point;
SELECT 'jan@exa_mple.pl'::contact_point;
SELECT 'jan@-example.pl'::contact_point;
SELECT 'jan@localhost'::contact_point;
SELECT 'jan@xn--abc.pl'::contact_point;
SELECT 'jan kowalski@example.pl'::contact_point;
SELECT '<jan>@example.pl'::contact_point;
SELECT 'twitter:@@jan'::contact_point;
SELECT 'twitter:jan kowalski'::contact_point;
SELECT 'facebook:a<b'::contact_point;
SELECT contact_point('fax', '+48123456789');
SELECT contact_point('email', 'nobody');
SELECT contact_point('crm', repeat('x', 2000));

-- A failing multi-row INSERT stores nothing
CREATE TABLE cp_atomic (c contact_point);
INSERT INTO cp_atomic VALUES ('jan@example.pl'), ('+48 12 345 67 89'), ('tel:12');
SELECT count(*) AS stored FROM cp_atomic;
INSERT INTO cp_atomic SELECT x FROM (VALUES ('jan@example.pl'), ('foo:bar')) v(x);
SELECT count(*) AS stored FROM cp_atomic;
DROP TABLE cp_atomic;

-- The producer of stored values
SELECT normalizer_version() ~ '^icu-[0-9.]+/unicode-[0-9.]+$' AS version_format;

-- Catalog: labels and comments
SELECT p.proname, p.provolatile, p.proisstrict, p.proparallel,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS has_comment
FROM pg_proc p
JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'omnichannel'
WHERE p.proname ~ '^(contact_point|kind$|value$|normalizer_version$)'
ORDER BY p.proname, pg_get_function_identity_arguments(p.oid);
SELECT o.oprname, o.oprcanhash, o.oprcanmerge,
       obj_description(o.oid, 'pg_operator') IS NOT NULL AS has_comment
FROM pg_operator o
WHERE o.oprleft = 'omnichannel.contact_point'::regtype
ORDER BY o.oprname;
SELECT obj_description('omnichannel.contact_point'::regtype, 'pg_type') IS NOT NULL AS type_comment;

RESET client_min_messages;
RESET search_path;
