--
-- omnichannel.business_hours: the type, its canonical text form, and every
-- refusal with its SQLSTATE (22P02 malformed JSON, 22023 invalid calendar,
-- 22007 malformed time/date, 22008 time/date out of range).
--
SET datestyle = 'ISO, YMD';
\set VERBOSITY default
-- the issue's example, through jsonb and through text input
SELECT omnichannel.business_hours('{"time_zone": "Europe/Warsaw",
  "hours": {"mon": [["09:00","17:00"]], "tue": [["08:00","12:00"],["13:00","17:00"]],
            "sat": [["10:00","14:00"]]},
  "holidays": ["2026-12-25", "2026-12-26"],
  "breaks": {"2026-12-24": [["12:00","24:00"]]},
  "shifts": {"2026-12-27": [["10:00","14:00"]]}}'::jsonb);
-- canonical: sorted, adjacent intervals merged, seconds only when non-zero,
-- duplicate holidays folded, zone name spelled as the zone database does
SELECT '{"shifts": {"2026-12-27": [], "2026-12-20": [["10:00","14:00"]]},
  "hours": {"tue": [["13:00","17:00:30"],["08:00","12:00"]], "mon": [["09:00","12:00"],["12:00","17:00"]]},
  "holidays": ["2026-12-26", "2026-12-25", "2026-12-25"],
  "time_zone": "europe/warsaw"}'::omnichannel.business_hours;
-- output is input: text -> value -> text is a fixed point, and so is send/recv
CREATE TEMP TABLE cal (id int, bh omnichannel.business_hours);
INSERT INTO cal VALUES
  (1, '{"time_zone": "UTC", "hours": {"sun": [["00:00:01", "24:00:00"]]}}'),
  (2, '{"time_zone": "America/Sao_Paulo", "hours": {"sat": [["22:00","24:00"]], "sun": [["00:00","02:00"]]}, "holidays": ["2018-12-25"]}'),
  (3, '{"time_zone": "Australia/Lord_Howe", "hours": {"fri": [["09:00","17:00"]]}, "breaks": {"2026-01-02": [["12:00","12:30"]]}}');
SELECT id, bh::text = (bh::text::omnichannel.business_hours)::text AS text_round_trip,
       bh::text = omnichannel.business_hours(bh::text::jsonb)::text AS jsonb_round_trip
  FROM cal ORDER BY id;
SELECT omnichannel.business_hours_send(bh) FROM cal WHERE id = 1;
\copy cal TO 'results/business_hours.bin' WITH (FORMAT binary)
CREATE TEMP TABLE cal2 (LIKE cal);
\copy cal2 FROM 'results/business_hours.bin' WITH (FORMAT binary)
SELECT c.id, c.bh::text = c2.bh::text AS binary_round_trip
  FROM cal c JOIN cal2 c2 USING (id) ORDER BY id;


-- duplicate keys: refused in the text form; jsonb has already kept the last one
SELECT '{"time_zone": "UTC", "time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}}'::omnichannel.business_hours;
SELECT omnichannel.business_hours('{"time_zone": "Mars/Base", "time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}}'::jsonb);
-- a holiday that also has a shift: accepted, the holiday wins (see business_time)
SELECT '{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": ["2026-12-28"], "shifts": {"2026-12-28": [["10:00","12:00"]]}}'::omnichannel.business_hours;

-- refusals --------------------------------------------------------------------
CREATE FUNCTION try_bh(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM t::omnichannel.business_hours;
  RETURN 'accepted';
EXCEPTION WHEN others THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT t AS input, try_bh(t) AS result FROM (VALUES
  (''),
  ('{'),
  ('not json'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}} trailing'),
  ('[]'),
  ('{"hours": {"mon": [["09:00","17:00"]]}}'),
  ('{"time_zone": "UTC"}'),
  ('{"time_zone": "UTC", "hours": {}}'),
  ('{"time_zone": "UTC", "hours": {"mon": []}}'),
  ('{"time_zone": "Mars/Olympus_Mons", "hours": {"mon": [["09:00","17:00"]]}}'),
  ('{"time_zone": "", "hours": {"mon": [["09:00","17:00"]]}}'),
  ('{"time_zone": 1, "hours": {"mon": [["09:00","17:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "extra": true}'),
  ('{"time_zone": "UTC", "hours": {"monday": [["09:00","17:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]], "mon": []}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["25:00","26:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:60","17:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["23:00","24:30"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["9:00","17:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00:5"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["24:00","24:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["17:00","09:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","09:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["22:00","06:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","13:00"],["12:00","17:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","13:00","14:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [[9,17]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": "09:00-17:00"}}'),
  ('{"time_zone": "UTC", "hours": [["09:00","17:00"]]}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": ["2026-02-30"]}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": ["2026-13-01"]}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": ["2026/12/25"]}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": ["25.12.2026"]}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": "2026-12-25"}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "breaks": {"monday": [["12:00","13:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "breaks": [["12:00","13:00"]]}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "breaks": {"2026-12-24": [["12:00","13:00"],["12:30","14:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "shifts": {"2026-12-27": [["10:00","09:00"]]}}'),
  ('{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "shifts": {"2026-12-27": [], "2026-12-27": []}}')
) v(t);
-- errors in full (message, hint, SQLSTATE)
-- (default verbosity shows the hint; try_bh above shows each SQLSTATE)
SELECT '{"time_zone": "UTC", "hours": {"mon": [["25:00","26:00"]]}}'::omnichannel.business_hours;
SELECT '{"time_zone": "Europe/Warsw", "hours": {"mon": [["09:00","17:00"]]}}'::omnichannel.business_hours;
SELECT '{"time_zone": "UTC", "hours": {"mon": [["22:00","06:00"]]}}'::omnichannel.business_hours;
SELECT '{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}, "holidays": ["2026/12/25"]}'::omnichannel.business_hours;
SELECT '{"time_zone": "UTC", "hours": {"mon": [["09:00","17:00"]]}' ::omnichannel.business_hours;
\set VERBOSITY default
-- NULL in, NULL out
SELECT omnichannel.business_hours(NULL::jsonb) IS NULL AS null_in_null_out;
DROP FUNCTION try_bh(text);
