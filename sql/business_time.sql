--
-- Business-time functions: each rule of DESIGN.md "Semantics decided", DST
-- in four zones, pauses, refusals, and a property test against a slow
-- plain-SQL reference (defined here, not in the extension).
--
SET timezone = 'Europe/Warsaw';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
CREATE TEMP TABLE c (name text PRIMARY KEY, j jsonb, bh omnichannel.business_hours);
INSERT INTO c (name, j) VALUES
 ('office', '{"time_zone": "Europe/Warsaw",
   "hours": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
             "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]]},
   "holidays": ["2026-12-25", "2026-12-28"],
   "breaks": {"2026-12-22": [["12:00","13:00"]], "2026-12-23": [["08:00","10:00"],["16:00","18:00"]]},
   "shifts": {"2026-12-27": [["10:00","14:00"]], "2026-12-28": [["10:00","14:00"]], "2026-12-21": []}}'),
 ('allday_warsaw', '{"time_zone": "Europe/Warsaw", "hours": {"mon": [["00:00","24:00"]], "tue": [["00:00","24:00"]], "wed": [["00:00","24:00"]], "thu": [["00:00","24:00"]], "fri": [["00:00","24:00"]], "sat": [["00:00","24:00"]], "sun": [["00:00","24:00"]]}}'),
 ('gap_warsaw', '{"time_zone": "Europe/Warsaw", "hours": {"sun": [["01:00","04:00"]]}}'),
 ('bucharest', '{"time_zone": "Europe/Bucharest", "hours": {"sat": [["00:00","24:00"]], "sun": [["00:00","24:00"]]}}'),
 ('sao_paulo', '{"time_zone": "America/Sao_Paulo", "hours": {"sat": [["22:00","24:00"]], "sun": [["00:00","02:00"]], "wed": [["09:00","18:00"]]}, "holidays": ["2018-12-25"]}'),
 ('lord_howe', '{"time_zone": "Australia/Lord_Howe", "hours": {"sun": [["00:00","24:00"]], "mon": [["08:00","12:00"],["13:00","17:00"]]}}'),
 ('realistic', '{"time_zone": "Europe/Warsaw",
   "hours": {"mon": [["08:00","12:00"],["12:30","16:30"]], "tue": [["08:00","12:00"],["12:30","16:30"]],
             "wed": [["08:00","12:00"],["12:30","16:30"]], "thu": [["08:00","12:00"],["12:30","16:30"]],
             "fri": [["08:00","12:00"],["12:30","15:00"]], "sat": [["10:00","13:00"]]},
   "holidays": ["2026-01-01","2026-01-06","2026-04-05","2026-04-06","2026-05-01","2026-05-03","2026-05-24",
                "2026-06-04","2026-08-15","2026-11-01","2026-11-11","2026-12-24","2026-12-25","2026-12-26"],
   "breaks": {"2026-03-30": [["10:00","10:30"]]}, "shifts": {"2026-03-29": [["02:00","05:00"]], "2026-10-25": [["02:30","03:30"]]}}');
UPDATE c SET bh = omnichannel.business_hours(j);

-- Friday 16:55 + 1 hour = Monday 09:55 (5 minutes Friday, 55 Monday; DST began on Sunday)
SELECT omnichannel.business_time_add(bh, '2026-03-27 16:55', '1 hour') FROM c WHERE name = 'office';
SELECT omnichannel.business_time_between(bh, '2026-03-27 16:55', '2026-03-30 09:55') FROM c WHERE name = 'office';
-- ending exactly at closing time gives the next opening; a microsecond less does not
SELECT omnichannel.business_time_add(bh, '2026-03-27 16:00', '1 hour') AS at_closing,
       omnichannel.business_time_add(bh, '2026-03-27 16:00', '00:59:59.999999') AS just_before
  FROM c WHERE name = 'office';
-- d = 0: t when open, else the next opening (= next_open)
SELECT omnichannel.business_time_add(bh, '2026-03-27 12:00', '0') AS open_t,
       omnichannel.business_time_add(bh, '2026-03-28 12:00', '0') AS closed_t,
       omnichannel.next_open(bh, '2026-03-27 12:00') AS next_open_open,
       omnichannel.next_open(bh, '2026-03-28 12:00') AS next_open_closed
  FROM c WHERE name = 'office';
-- half-open intervals
SELECT omnichannel.is_open(bh, '2026-03-27 09:00') AS at_opening,
       omnichannel.is_open(bh, '2026-03-27 16:59:59.999999') AS just_before_closing,
       omnichannel.is_open(bh, '2026-03-27 17:00') AS at_closing
  FROM c WHERE name = 'office';
-- negative durations walk backward; landing on an opening returns it
SELECT omnichannel.business_time_add(bh, '2026-03-30 10:00', '-1 hour') AS to_opening,
       omnichannel.business_time_add(bh, '2026-03-30 10:00', '-2 hours') AS to_friday,
       omnichannel.business_time_add(bh, '2026-03-28 12:00', '-30 minutes') AS from_saturday
  FROM c WHERE name = 'office';
-- between is negative when b < a
SELECT omnichannel.business_time_between(bh, '2026-03-30 09:55', '2026-03-27 16:55') FROM c WHERE name = 'office';
-- shifts, breaks, holidays (holiday wins over a shift on the 28th), day by day
SELECT d::date AS day, to_char(d, 'Dy') AS dow,
       omnichannel.business_time_between(bh, d, d + interval '1 day') AS open
  FROM c, generate_series(timestamptz '2026-12-20', '2027-01-02', '1 day') d
 WHERE name = 'office' ORDER BY d;
SELECT omnichannel.business_time_add(bh, '2026-12-24 16:30', '1 hour') AS into_sunday_shift FROM c WHERE name = 'office';
-- long durations: 400 hours = 10 weeks; a whole year; 20 years
SELECT omnichannel.business_time_add(bh, '2026-03-27 16:55', '400 hours') FROM c WHERE name = 'office';
SELECT omnichannel.business_time_between(bh, '2026-01-05 09:00', '2027-01-04 09:00') FROM c WHERE name = 'office';
SELECT omnichannel.business_time_between(bh, '2026-01-05 09:00',
         omnichannel.business_time_add(bh, '2026-01-05 09:00', '41600 hours')) FROM c WHERE name = 'office';

-- DST: days are real elapsed time
SELECT omnichannel.business_time_between(bh, '2026-03-29 00:00', '2026-03-30 00:00') AS spring_day,
       omnichannel.business_time_between(bh, '2026-10-25 00:00', '2026-10-26 00:00') AS autumn_day,
       omnichannel.business_time_add(bh, '2026-03-29 00:00', '24 hours') AS plus_24h
  FROM c WHERE name = 'allday_warsaw';
-- Sunday 01:00-04:00 across the gap (02:00 -> 03:00) is 2 h, across fall-back 4 h
SELECT omnichannel.business_time_between(bh, '2026-03-28', '2026-03-30') AS spring,
       omnichannel.business_time_between(bh, '2026-10-24', '2026-10-26') AS autumn
  FROM c WHERE name = 'gap_warsaw';
-- a shift starting in the gap (02:00) opens at 03:00 CEST (2 h to 05:00);
-- the ambiguous 02:30 of the fall-back day means its first occurrence
-- (CEST), so 02:30-03:30 lasts 2 h of real time
SELECT omnichannel.next_open(bh, '2026-03-29 00:00') AS gap_opening,
       omnichannel.business_time_between(bh, '2026-03-29 00:00', '2026-03-30 00:00') AS gap_day,
       omnichannel.next_open(bh, '2026-10-25 00:00') AS first_occurrence,
       omnichannel.business_time_between(bh, '2026-10-25 00:00', '2026-10-26 00:00') AS fallback_day
  FROM c WHERE name = 'realistic';
SELECT omnichannel.business_time_between(bh, '2026-03-28 00:00+02', '2026-03-30 00:00+03') AS spring_weekend,
       omnichannel.business_time_between(bh, '2026-10-24 00:00+03', '2026-10-26 00:00+02') AS autumn_weekend
  FROM c WHERE name = 'bucharest';
-- Sao Paulo 2018-11-04: midnight did not exist (00:00 -03 -> 01:00 -02);
-- 2019-02-16 ended twice (24:00 -02 -> 23:00 -03)
SELECT omnichannel.business_time_between(bh, '2018-11-03 00:00-03', '2018-11-05 00:00-02') AS nov_weekend,
       omnichannel.business_time_add(bh, '2018-11-04 01:00+00', '150 minutes') AS sat_2200_plus_150min,
       omnichannel.business_time_between(bh, '2019-02-16 00:00-02', '2019-02-18 00:00-03') AS feb_weekend
  FROM c WHERE name = 'sao_paulo';
-- Lord Howe: 30-minute shifts
SELECT omnichannel.business_time_between(bh, '2026-04-05 00:00+11', '2026-04-06 00:00+10:30') AS april_sunday,
       omnichannel.business_time_between(bh, '2026-10-04 00:00+10:30', '2026-10-05 00:00+11') AS october_sunday
  FROM c WHERE name = 'lord_howe';

-- pauses (UTC ranges), to the microsecond
SELECT omnichannel.business_time_add(bh, '2026-03-30 09:00', '2 hours',
         excluding => '{["2026-03-30 10:00","2026-03-30 11:00"]}') AS inclusive_pause,
       omnichannel.business_time_between(bh, '2026-03-30 09:00', '2026-03-30 17:00',
         '{["2026-03-30 10:00","2026-03-30 11:00")}') AS between_minus_pause,
       omnichannel.business_time_add(bh, '2026-03-30 09:00', '2 hours', '{}') AS empty_pauses
  FROM c WHERE name = 'office';
-- an open-ended pause: no due time (NULL) unless the target is met before it
SELECT omnichannel.business_time_add(bh, '2026-03-30 09:00', '2 hours', '{["2026-03-30 10:00",)}') IS NULL AS due_is_null,
       omnichannel.business_time_add(bh, '2026-03-30 09:00', '30 minutes', '{["2026-03-30 10:00",infinity)}') AS due_before_pause,
       omnichannel.business_time_between(bh, '2026-03-30 09:00', '2026-04-30 09:00', '{["2026-03-30 10:00",)}') AS until_pause,
       omnichannel.business_time_add(bh, '2026-03-30 12:00', '-3 hours', '{(,"2026-03-30 10:00")}') IS NULL AS backward_null
  FROM c WHERE name = 'office';

-- refusals
SELECT omnichannel.business_time_add(bh, '2026-03-30 09:00', '1 day') FROM c WHERE name = 'office';
SELECT omnichannel.business_time_add(bh, '2026-03-30 09:00', '1 month') FROM c WHERE name = 'office';
SELECT omnichannel.business_time_add(bh, 'infinity', '1 hour') FROM c WHERE name = 'office';
SELECT omnichannel.next_open(bh, '-infinity') FROM c WHERE name = 'office';
SELECT omnichannel.business_time_add(bh, '2026-03-30 09:00', '2000000000 hours') FROM c WHERE name = 'office';
-- NULL in, NULL out
SELECT omnichannel.business_time_add(bh, NULL, '1 hour') IS NULL AS a,
       omnichannel.business_time_between(bh, '2026-01-01', NULL) IS NULL AS b,
       omnichannel.is_open(NULL, now()) IS NULL AS c,
       omnichannel.next_open(bh, NULL) IS NULL AS d
  FROM c WHERE name = 'office';

-- The slow plain-SQL reference: open periods built day by day with
-- generate_series, AT TIME ZONE and multiranges.  Local times resolve like
-- the engine: a gap moves forward (what AT TIME ZONE does too); an
-- ambiguous time takes its first occurrence (AT TIME ZONE takes the second,
-- so we look one day back for the earlier offset).
CREATE FUNCTION ref_utc(l timestamp, z text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN u1 < u2 AND (u1 AT TIME ZONE z) = l THEN u1 ELSE u2 END
    FROM (SELECT l AT TIME ZONE z AS u2) a,
         LATERAL (SELECT (l - (((u2 - interval '1 day') AT TIME ZONE z)
                               - ((u2 - interval '1 day') AT TIME ZONE 'UTC'))) AT TIME ZONE 'UTC' AS u1) b
$$;
CREATE FUNCTION ref_open(cal jsonb, d0 date, d1 date) RETURNS tstzmultirange
LANGUAGE sql IMMUTABLE AS $$
  WITH days AS (
    SELECT d::date AS d, to_char(d, 'YYYY-MM-DD') AS k, lower(to_char(d, 'dy')) AS wd
      FROM generate_series(d0::timestamp, d1::timestamp, interval '1 day') d),
  loc AS (
    SELECT days.d,
           coalesce((SELECT range_agg(tsrange(days.d + (iv->>0)::interval, days.d + (iv->>1)::interval))
                       FROM jsonb_array_elements(CASE WHEN cal->'shifts' ? days.k THEN cal->'shifts'->days.k
                                                      ELSE coalesce(cal->'hours'->days.wd, '[]') END) iv),
                    '{}'::tsmultirange)
           - coalesce((SELECT range_agg(tsrange(days.d + (iv->>0)::interval, days.d + (iv->>1)::interval))
                         FROM jsonb_array_elements(coalesce(cal->'breaks'->days.k, '[]')) iv),
                      '{}'::tsmultirange) AS m
      FROM days
     WHERE NOT coalesce(cal->'holidays' ? days.k, false)),
  per AS (
    SELECT greatest(ref_utc(lower(r), cal->>'time_zone'), ref_utc(loc.d, cal->>'time_zone')) AS s,
           least(ref_utc(upper(r), cal->>'time_zone'), ref_utc(loc.d + 1, cal->>'time_zone')) AS e
      FROM loc, unnest(loc.m) r)
  SELECT coalesce(range_agg(tstzrange(s, e)) FILTER (WHERE s < e), '{}') FROM per
$$;
CREATE FUNCTION ref_between(cal jsonb, a timestamptz, b timestamptz) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(sum(extract(epoch FROM upper(r)) - extract(epoch FROM lower(r))), 0)
    FROM unnest(ref_open(cal, (a AT TIME ZONE 'UTC')::date - 2, (b AT TIME ZONE 'UTC')::date + 2)
                * tstzmultirange(tstzrange(a, b))) r
$$;

-- property test: deterministic random instants and durations, every calendar
SELECT setseed(0.42);
CREATE TEMP TABLE cases AS
SELECT name, j, bh,
       timestamptz '2018-01-01' + random() * interval '3300 days' AS a,
       make_interval(secs => floor(random() * 21 * 86400)::int + round(random()::numeric, 6)) AS d,
       timestamptz '2018-01-01' + random() * interval '3300 days' AS b0
  FROM c, generate_series(1, 40);
UPDATE cases SET b0 = a + (b0 - a) / 150;   -- spans of up to about three weeks
SELECT count(*) AS cases,
       count(*) FILTER (WHERE omnichannel.is_open(bh, a)
                          AND omnichannel.business_time_between(bh, a, omnichannel.business_time_add(bh, a, d)) <> d) AS inverse_fails,
       count(*) FILTER (WHERE d > '0' AND NOT omnichannel.is_open(bh, omnichannel.business_time_add(bh, a, d))) AS result_closed,
       count(*) FILTER (WHERE omnichannel.business_time_between(bh, omnichannel.business_time_add(bh, a, -d), a) <> d) AS backward_fails,
       count(*) FILTER (WHERE omnichannel.business_time_between(bh, a, b0) + omnichannel.business_time_between(bh, b0, a + d)
                              <> omnichannel.business_time_between(bh, a, a + d)) AS additivity_fails,
       count(*) FILTER (WHERE extract(epoch FROM omnichannel.business_time_between(bh, least(a, b0), greatest(a, b0)))
                              <> ref_between(j, least(a, b0), greatest(a, b0))) AS reference_fails,
       count(*) FILTER (WHERE omnichannel.business_time_between(bh, least(a, b0), greatest(a, b0)) > '0') AS non_trivial
  FROM cases;
-- the reference agrees on the DST cases above too
SELECT name, ref_between(j, '2026-03-28', '2026-03-31') AS ref_spring,
       extract(epoch FROM omnichannel.business_time_between(bh, '2026-03-28', '2026-03-31')) AS engine_spring,
       ref_between(j, '2018-11-02', '2018-11-06') AS ref_sp,
       extract(epoch FROM omnichannel.business_time_between(bh, '2018-11-02', '2018-11-06')) AS engine_sp
  FROM c ORDER BY name;
DROP FUNCTION ref_between(jsonb, timestamptz, timestamptz);
DROP FUNCTION ref_open(jsonb, date, date);
DROP FUNCTION ref_utc(timestamp, text);
