--
-- omnichannel.distribute() without Citus, and the table roles it reads.
-- (The distribution itself runs on a real cluster: t/060_citus.pl.)
--
SET search_path = omnichannel, public;

-- every table of the extension has exactly one role on Citus: a table
-- added without one fails here
SELECT c.oid::regclass AS table_without_role
  FROM pg_class c
  JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'omnichannel'
 WHERE c.relkind = 'r'
   AND c.oid NOT IN (SELECT table_name FROM citus_table_role());
SELECT table_name, count(*) FROM citus_table_role() GROUP BY 1 HAVING count(*) > 1;
SELECT citus_role, count(*) FROM citus_table_role() GROUP BY 1 ORDER BY 1;
-- a distributed table says by what, and the co-located ones follow customer
SELECT table_name, distribution_column, colocate_with FROM citus_table_role()
 WHERE citus_role = 'distributed' ORDER BY 1;
SELECT table_name FROM citus_table_role()
 WHERE (citus_role = 'distributed') <> (distribution_column IS NOT NULL)
    OR (colocate_with IS NOT NULL AND citus_role <> 'distributed');
-- a customer-scoped table is distributed by customer_id: it has the column
SELECT r.table_name FROM citus_table_role() r
 WHERE r.distribution_column = 'customer_id'
   AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = r.table_name AND a.attname = 'customer_id');
-- ... and the distribution column is in every primary key and unique index,
-- or distribute() puts it there (citus_key_changes(): one node keeps the
-- stronger key)
SELECT r.table_name, i.indexrelid::regclass AS unique_index_without_distribution_column
  FROM citus_table_role() r
  JOIN pg_index i ON i.indrelid = r.table_name AND i.indisunique
 WHERE r.citus_role = 'distributed'
   AND NOT EXISTS (SELECT FROM pg_attribute a
                    WHERE a.attrelid = r.table_name AND a.attname = r.distribution_column
                      AND a.attnum = ANY (i.indkey::int2[]))
   AND NOT EXISTS (SELECT FROM citus_key_changes() k
                    WHERE k.table_name = r.table_name
                      AND k.key_name = i.indexrelid::regclass::text)
 ORDER BY 1, 2;
-- each change names a key that exists, and widens it by the distribution column
SELECT k.table_name, k.key_name FROM citus_key_changes() k
 WHERE to_regclass('omnichannel.' || k.key_name) IS NULL
    OR k.citus_definition NOT LIKE '%customer_id)%'
    OR (k.is_constraint <> EXISTS (SELECT FROM pg_constraint c
                                    WHERE c.conrelid = k.table_name AND c.conname = k.key_name));
-- the statements distribute() runs for one of them
SELECT unnest(citus_key_ddl(table_name, key_name, is_constraint, citus_definition))
  FROM citus_key_changes() WHERE key_name IN ('thread_pkey', 'sla_clock_running_key');

-- without Citus: a clear refusal, nothing changed
\set VERBOSITY default
SELECT * FROM distribute();
\set VERBOSITY terse
SELECT count(*) AS foreign_keys FROM pg_constraint
 WHERE contype = 'f' AND connamespace = 'omnichannel'::regnamespace;

-- not for PUBLIC
CREATE ROLE regress_oc_distribute LOGIN;
GRANT USAGE ON SCHEMA omnichannel TO regress_oc_distribute;
SET ROLE regress_oc_distribute;
SELECT * FROM distribute();
SELECT citus_run_on_workers('{}');
RESET ROLE;
REVOKE USAGE ON SCHEMA omnichannel FROM regress_oc_distribute;
DROP ROLE regress_oc_distribute;

-- interaction_in, the way in on Citus, has interaction's columns in
-- interaction's order (ingest moves its rows by position)
SELECT a.attnum, a.attname, b.attname AS in_attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a
  FULL JOIN (SELECT * FROM pg_attribute WHERE attrelid = 'interaction_in'::regclass AND attnum > 0) b
    ON b.attnum = a.attnum
 WHERE (a.attrelid = 'interaction'::regclass AND a.attnum > 0) IS NOT FALSE
   AND (a.attname IS DISTINCT FROM b.attname OR a.atttypid IS DISTINCT FROM b.atttypid
        OR a.atttypmod IS DISTINCT FROM b.atttypmod);
-- an INSERT into it is ingested into interaction, as one into interaction is
INSERT INTO interaction_in (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-11-02 09:00+00', 'Way.In@Example.PL', 'Order W-1', 'way-1'),
       ('chat', 'inbound', '2026-11-02 10:00+00', 'way.in@example.pl', NULL, 'way-2')
RETURNING external_id, stitch_reason, id > 0 AS has_id;
-- a retried delivery is skipped (RETURNING gives nothing)
INSERT INTO interaction_in (channel, direction, occurred_at, contact, subject, external_id)
VALUES ('email', 'inbound', '2026-11-02 09:00+00', 'way.in@example.pl', 'Order W-1', 'way-1')
RETURNING id;
SELECT external_id, stitch_reason, contact,
       thread_id = (SELECT min(thread_id) FROM interaction WHERE external_id LIKE 'way-%') AS one_thread
  FROM interaction WHERE external_id LIKE 'way-%' ORDER BY 1;
SELECT count(*) AS left_in_the_way FROM interaction_in;
-- a writer with INSERT on interaction_in alone
CREATE ROLE regress_oc_way_in LOGIN;
GRANT USAGE ON SCHEMA omnichannel TO regress_oc_way_in;
GRANT INSERT ON interaction_in TO regress_oc_way_in;
SET ROLE regress_oc_way_in;
INSERT INTO interaction_in (channel, direction, occurred_at, contact, external_id)
VALUES ('sms', 'inbound', '2026-11-03 09:00+00', '+48 601 999 000', 'way-3');
RESET ROLE;
SELECT external_id, stitch_reason, contact FROM interaction WHERE external_id = 'way-3';
REVOKE ALL ON interaction_in FROM regress_oc_way_in;
REVOKE USAGE ON SCHEMA omnichannel FROM regress_oc_way_in;
DROP ROLE regress_oc_way_in;
