--
-- The core model: enums, tables, keys, and what pg_dump is told to carry.
--
SELECT enum_range(NULL::omnichannel.channel);
SELECT enum_range(NULL::omnichannel.direction);
SELECT enum_range(NULL::omnichannel.thread_status);
SELECT enum_range(NULL::omnichannel.priority);
SELECT 'urgent'::omnichannel.priority > 'high'::omnichannel.priority AS urgent_first;
SELECT 'fax'::omnichannel.channel;

-- tables and their columns
SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind = 'r'
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum;

-- indexes (the queries they serve are in docs/concepts.md)
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition
  FROM pg_index
 WHERE indrelid IN (SELECT oid FROM pg_class
                     WHERE relnamespace = 'omnichannel'::regnamespace AND relkind = 'r')
 ORDER BY 1;

-- constraints
SELECT conrelid::regclass AS "table", conname, pg_get_constraintdef(oid) AS definition,
       condeferrable, condeferred
  FROM pg_constraint
 WHERE connamespace = 'omnichannel'::regnamespace AND contype IN ('f', 'c', 'u', 'p')
 ORDER BY conrelid::regclass::text, conname;

-- every table and its identity sequence is dumped by pg_dump
SELECT unnest(extconfig)::regclass AS dumped, unnest(extcondition) AS filter
  FROM pg_extension WHERE extname = 'omnichannel'
 ORDER BY 1;

-- every table, column and type is documented
SELECT c.relname, a.attname
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'omnichannel'::regnamespace AND c.relkind = 'r'
   AND a.attnum > 0 AND NOT a.attisdropped
   AND col_description(c.oid, a.attnum) IS NULL;
SELECT relname FROM pg_class
 WHERE relnamespace = 'omnichannel'::regnamespace AND relkind IN ('r', 'v')
   AND obj_description(oid, 'pg_class') IS NULL;
SELECT typname FROM pg_type
 WHERE typnamespace = 'omnichannel'::regnamespace AND typtype IN ('b', 'e') AND typcategory <> 'A'
   AND obj_description(oid, 'pg_type') IS NULL;

-- bad rows are refused with the constraint's name
\set VERBOSITY terse
INSERT INTO omnichannel.customer (attributes) VALUES ('[1, 2]');
INSERT INTO omnichannel.customer (attributes) VALUES (NULL);
\set VERBOSITY default
SELECT count(*) AS customers FROM omnichannel.customer;
