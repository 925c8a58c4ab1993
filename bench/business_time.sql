-- bench/business_time.sql: business_time_add and business_time_between over
-- 1,000,000 rows with a realistic calendar (two intervals a day, 20
-- holidays a year, Europe/Warsaw), durations log-uniform from 1 minute to
-- 3 weeks, against a slow plain-SQL reference (day-by-day periods with
-- generate_series, AT TIME ZONE and multiranges) over a subset.  One core
-- (no parallel workers).  Prints calls/s and the speed-up.
--   psql -X -q -d DB -f bench/business_time.sql    (extension installed)
-- See bench/business_time.md.
\set ON_ERROR_STOP on
SET max_parallel_workers_per_gather = 0;
SET timezone = 'UTC';
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS omnichannel;

CREATE TEMP TABLE bt_cal AS
SELECT j, omnichannel.business_hours(j) AS bh FROM (SELECT jsonb_build_object(
  'time_zone', 'Europe/Warsaw',
  'hours', '{"mon": [["08:00","12:00"],["12:30","16:30"]], "tue": [["08:00","12:00"],["12:30","16:30"]],
             "wed": [["08:00","12:00"],["12:30","16:30"]], "thu": [["08:00","12:00"],["12:30","16:30"]],
             "fri": [["08:00","12:00"],["12:30","16:30"]]}'::jsonb,
  'holidays', (SELECT jsonb_agg(to_char(make_date(y, m, d), 'YYYY-MM-DD'))
                 FROM generate_series(2025, 2028) y,
                      (VALUES (1,1),(1,6),(4,6),(5,1),(5,3),(6,4),(8,15),(11,1),(11,11),(12,24),(12,25),(12,26),
                              (12,31),(3,2),(7,1),(9,1),(10,1),(2,14),(10,31),(6,24)) v(m, d))) AS j) s;

SELECT setseed(0.5) \gset
CREATE TEMP TABLE bt_rows AS
SELECT timestamptz '2026-01-01' + random() * interval '365 days' AS a,
       make_interval(secs => exp(ln(60) + random() * (ln(21 * 86400) - ln(60)))) AS d,
       NULL::timestamptz AS b
  FROM generate_series(1, 1000000);
UPDATE bt_rows SET b = a + d * 3;
VACUUM ANALYZE bt_rows;

CREATE TEMP TABLE bt_result (what text, calls bigint, seconds float8);
CREATE FUNCTION pg_temp.ref_utc(l timestamp, z text) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN u1 < u2 AND (u1 AT TIME ZONE z) = l THEN u1 ELSE u2 END
    FROM (SELECT l AT TIME ZONE z AS u2) a,
         LATERAL (SELECT (l - (((u2 - interval '1 day') AT TIME ZONE z)
                               - ((u2 - interval '1 day') AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC' AS u1) b $$;
CREATE FUNCTION pg_temp.ref_between(cal jsonb, a timestamptz, b timestamptz) RETURNS numeric LANGUAGE sql STABLE AS $$
  WITH days AS (
    SELECT d::date AS d, to_char(d, 'YYYY-MM-DD') AS k, lower(to_char(d, 'dy')) AS wd
      FROM generate_series(((a AT TIME ZONE 'UTC')::date - 1)::timestamp, ((b AT TIME ZONE 'UTC')::date + 1)::timestamp, interval '1 day') d),
  loc AS (
    SELECT days.d, coalesce((SELECT range_agg(tsrange(days.d + (iv->>0)::interval, days.d + (iv->>1)::interval))
                               FROM jsonb_array_elements(coalesce(cal->'hours'->days.wd, '[]')) iv), '{}'::tsmultirange) AS m
      FROM days WHERE NOT coalesce(cal->'holidays' ? days.k, false)),
  per AS (
    SELECT tstzrange(pg_temp.ref_utc(lower(r), cal->>'time_zone'), pg_temp.ref_utc(upper(r), cal->>'time_zone')) AS p
      FROM loc, unnest(loc.m) r)
  SELECT coalesce(sum(extract(epoch FROM upper(x)) - extract(epoch FROM lower(x))), 0)
    FROM (SELECT unnest(range_agg(p) * tstzmultirange(tstzrange(a, b))) x FROM per) s $$;

DO $$
DECLARE t0 timestamptz; s numeric; n bigint;
BEGIN
  -- warm-up (caches, zone table)
  PERFORM sum(extract(epoch FROM omnichannel.business_time_add(c.bh, r.a, r.d))) FROM (SELECT * FROM bt_rows LIMIT 1000) r, bt_cal c;
  t0 := clock_timestamp();
  SELECT sum(extract(epoch FROM omnichannel.business_time_add(c.bh, r.a, r.d))), count(*) INTO s, n FROM bt_rows r, bt_cal c;
  INSERT INTO bt_result VALUES ('business_time_add', n, extract(epoch FROM clock_timestamp() - t0));
  t0 := clock_timestamp();
  SELECT sum(extract(epoch FROM omnichannel.business_time_between(c.bh, r.a, r.b))), count(*) INTO s, n FROM bt_rows r, bt_cal c;
  INSERT INTO bt_result VALUES ('business_time_between', n, extract(epoch FROM clock_timestamp() - t0));
  t0 := clock_timestamp();
  SELECT sum(extract(epoch FROM r.a + r.d)), count(*) INTO s, n FROM bt_rows r, bt_cal c;
  INSERT INTO bt_result VALUES ('floor: a + d (scan + sum only)', n, extract(epoch FROM clock_timestamp() - t0));
  t0 := clock_timestamp();
  SELECT sum(pg_temp.ref_between(c.j, r.a, r.b)), count(*) INTO s, n FROM (SELECT * FROM bt_rows LIMIT 2000) r, bt_cal c;
  INSERT INTO bt_result VALUES ('plain-SQL reference between', n, extract(epoch FROM clock_timestamp() - t0));
END $$;

-- agreement on the subset
SELECT count(*) AS checked,
       count(*) FILTER (WHERE extract(epoch FROM omnichannel.business_time_between(c.bh, r.a, r.b))
                              <> pg_temp.ref_between(c.j, r.a, r.b)) AS disagreements
  FROM (SELECT * FROM bt_rows LIMIT 200) r, bt_cal c;

SELECT what, calls, round(seconds::numeric, 3) AS seconds,
       round(calls / seconds) AS calls_per_s,
       round(((calls / seconds) / (SELECT calls / seconds FROM bt_result WHERE what = 'plain-SQL reference between'))::numeric, 0) AS x_reference
  FROM bt_result ORDER BY seconds DESC;
