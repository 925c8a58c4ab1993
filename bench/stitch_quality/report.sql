-- bench/stitch_quality/report.sql: the tables run.sh prints from
-- public.bench_stitch_result (one row per seed and configuration).
\pset footer off
\echo
\echo 'per seed (P, R, F1: pairwise, "same thread" against "same problem"; base_*: the naive baselines)'
SELECT seed, config, interactions AS inter, problems, threads,
       to_char(p, 'FM0.000') AS "P", to_char(r, 'FM0.000') AS "R", to_char(f1, 'FM0.000') AS "F1",
       CASE WHEN missing > 0 THEN missing::text ELSE '' END AS missing,
       to_char(seconds, 'FM990.0') AS load_s
  FROM public.bench_stitch_result
 ORDER BY seed, ord;

\echo
\echo 'summary over seeds: mean [min - max]'
SELECT config,
       round(avg(threads)) AS threads, round(avg(problems)) AS problems,
       to_char(avg(p), 'FM0.000') || ' [' || to_char(min(p), 'FM0.000') || ' - ' || to_char(max(p), 'FM0.000') || ']' AS "P",
       to_char(avg(r), 'FM0.000') || ' [' || to_char(min(r), 'FM0.000') || ' - ' || to_char(max(r), 'FM0.000') || ']' AS "R",
       to_char(avg(f1), 'FM0.000') || ' [' || to_char(min(f1), 'FM0.000') || ' - ' || to_char(max(f1), 'FM0.000') || ']' AS "F1",
       count(*) AS seeds
  FROM public.bench_stitch_result
 GROUP BY config
 ORDER BY min(ord), config;

\echo
\echo 'stitch_reason of the stored interactions, share in %, mean over seeds'
SELECT config,
       to_char(avg(coalesce((reasons->>'new')::float8, 0) / interactions) * 100, 'FM990.0') AS new,
       to_char(avg(coalesce((reasons->>'reference')::float8, 0) / interactions) * 100, 'FM990.0') AS reference,
       to_char(avg(coalesce((reasons->>'token')::float8, 0) / interactions) * 100, 'FM990.0') AS token,
       to_char(avg(coalesce((reasons->>'business_key')::float8, 0) / interactions) * 100, 'FM990.0') AS business_key,
       to_char(avg(coalesce((reasons->>'subject')::float8, 0) / interactions) * 100, 'FM990.0') AS subject,
       to_char(avg(coalesce((reasons->>'recency')::float8, 0) / interactions) * 100, 'FM990.0') AS recency,
       to_char(avg(coalesce((reasons->>'manual')::float8, 0) / interactions) * 100, 'FM990.0') AS manual
  FROM public.bench_stitch_result
 WHERE reasons IS NOT NULL
 GROUP BY config
 ORDER BY min(ord), config;
