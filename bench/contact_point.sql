-- bench/contact_point.sql: the contact_point type's input alone against text
-- input of the same values, in the same run.  See bench/README.md.
--
--   psql -X -q -v rows=200000 -v rounds=3 -f bench/contact_point.sql
--
-- Each data set is :rows values in a server-side CSV file, loaded with COPY
-- into a one-column temporary table of type contact_point and into one of
-- type text, alternately, :rounds times each (the tables emptied between
-- rounds); COPY calls the type's input function once per value, like an
-- ingest does.  The data sets:
--   phones canonical, all distinct   'tel:+4860xxxxxxx', every value new
--   phones canonical, 20,000 distinct the same form, each number 10 times
--                                    over the file, far apart (beyond the
--                                    per-backend memo of recent inputs)
--   phones written by people, distinct '0048 60x xxx xxx' / '+48 (60) ...':
--                                    the full parse and a second read
--   phones canonical, 100 distinct   repeated: the memo of recent inputs
--   e-mails, 20,000 distinct         mixed case, like the ingest benchmark
-- Prints microseconds per value of both sides, their difference (the cost
-- of normalizing) and the ratio; checks that every value was stored and
-- that the canonical phones came out as they went in.
SET client_min_messages = warning;
\if :{?rows}
\else
\set rows 200000
\endif
\if :{?rounds}
\else
\set rounds 3
\endif
CREATE EXTENSION IF NOT EXISTS omnichannel;
SET omnichannel.default_region = 'PL';

DROP TABLE IF EXISTS bench_cp_sets, bench_cp_times;
CREATE TABLE bench_cp_sets (k int, name text, path text);
CREATE TABLE bench_cp_times (k int, round int, side text, seconds float8);
SELECT current_setting('data_directory') || '/bench_cp_' AS prefix \gset
INSERT INTO bench_cp_sets VALUES
  (1, 'phones canonical, all distinct', :'prefix' || '1.csv'),
  (2, 'phones canonical, 20,000 distinct', :'prefix' || '2.csv'),
  (3, 'phones written by people, distinct', :'prefix' || '3.csv'),
  (4, 'phones canonical, 100 distinct', :'prefix' || '4.csv'),
  (5, 'e-mails, 20,000 distinct', :'prefix' || '5.csv');
-- numbers spread over the +48 60x range by a multiplicative step, so that
-- consecutive rows are not consecutive numbers
SELECT format('COPY (SELECT %s FROM generate_series(1, %s) g) TO %L (FORMAT csv)', e, :rows, path)
  FROM bench_cp_sets JOIN (VALUES
    (1, $$'tel:+4860' || lpad((g::bigint * 7919 % 10000000)::text, 7, '0')$$),
    (2, $$'tel:+4860' || lpad(((g % 20000)::bigint * 7919 % 10000000)::text, 7, '0')$$),
    (3, $$CASE WHEN g % 2 = 0 THEN '0048 60' || substr(lpad((g::bigint * 7919 % 10000000)::text, 7, '0'), 1, 1)
                                    || ' ' || substr(lpad((g::bigint * 7919 % 10000000)::text, 7, '0'), 2, 3)
                                    || ' ' || substr(lpad((g::bigint * 7919 % 10000000)::text, 7, '0'), 5, 3)
             ELSE '+48 (60) ' || lpad((g::bigint * 7919 % 10000000)::text, 7, '0') END$$),
    (4, $$'tel:+4860' || lpad(((g % 100)::bigint * 7919 % 10000000)::text, 7, '0')$$),
    (5, $$'Client' || (g % 20000) || '@Example.COM'$$)) AS v(k, e) USING (k) \gexec

CREATE TEMP TABLE cp_typed (v omnichannel.contact_point);
CREATE TEMP TABLE cp_text (v text);
CREATE FUNCTION pg_temp.load(tab text, path text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
BEGIN
    EXECUTE format('TRUNCATE %I', tab);
    t0 := clock_timestamp();
    EXECUTE format('COPY %I FROM %L (FORMAT csv)', tab, path);
    RETURN extract(epoch FROM clock_timestamp() - t0);
END $$;

-- every set, every round, both sides, alternating which goes first
SELECT format('INSERT INTO bench_cp_times VALUES (%s, %s, %L, pg_temp.load(%L, %L))',
              k, r, side, CASE side WHEN 'contact_point' THEN 'cp_typed' ELSE 'cp_text' END, path)
  FROM bench_cp_sets, generate_series(1, :rounds) AS r,
       LATERAL (VALUES ('contact_point'), ('text')) AS s(side)
 ORDER BY k, r, (side = 'text') = (r % 2 = 1) \gexec

-- the last set loaded (e-mails) is in both tables: same count; and the
-- canonical phones read back as written
SELECT (SELECT count(*) FROM cp_typed) = :rows AND (SELECT count(*) FROM cp_text) = :rows
       AS every_value_stored;
SELECT count(*) FILTER (WHERE ('tel:+4860' || lpad((g::bigint * 7919 % 10000000)::text, 7, '0'))::omnichannel.contact_point::text
                              <> 'tel:+4860' || lpad((g::bigint * 7919 % 10000000)::text, 7, '0'))
       AS canonical_phones_changed
  FROM generate_series(1, 1000) g;

SELECT format('contact_point input: %s values per set, %s rounds (median), COPY into a one-column table', :rows, :rounds) AS setup;
SELECT name AS data_set,
       round((1e6 * percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE side = 'contact_point') / :rows)::numeric, 2)
         AS contact_point_us,
       round((1e6 * percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE side = 'text') / :rows)::numeric, 2)
         AS text_us,
       round((1e6 * (percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE side = 'contact_point')
                   - percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE side = 'text')) / :rows)::numeric, 2)
         AS normalize_us,
       round((percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE side = 'text')
            / percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) FILTER (WHERE side = 'contact_point'))::numeric, 3)
         AS contact_point_over_text_throughput
  FROM bench_cp_times JOIN bench_cp_sets USING (k)
 GROUP BY k, name ORDER BY k;
DROP TABLE bench_cp_sets, bench_cp_times;
