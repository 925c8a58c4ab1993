-- bench/stitch_quality/score.sql: pairwise precision / recall / F1 of the
-- extension's threads against the ground truth of one generated stream.
--
--   psql -v seed=1 -v config=defaults -v ord=1 -v baselines=1 -f score.sql
--
-- Reads public.bench_truth (written by the stream) and omnichannel.interaction;
-- appends one row per method to public.bench_stitch_result (created by
-- run.sh).  With baselines=1 it also scores, on the same stream, two naive
-- groupings that need no stitching:
--   base_customer  one thread per customer;
--   base_channel   per-channel tickets: mail threaded by headers only
--                  (connected components of in_reply_to / refs among mails),
--                  every other channel one ticket per (customer, channel)
--                  burst of interactions no more than 24 h apart.
--
-- Pairs are counted per group, never by a self-join: with n interactions in
-- a group there are n(n-1)/2 pairs.  Only pairs of one customer can be "same
-- problem" or "same thread", so the groups are (customer, thread) and
-- (customer, problem).
--   P  = pairs in the same thread and the same problem / pairs in the same thread
--   R  = the same / pairs in the same problem
--   F1 = 2PR / (P + R)
-- A method that puts every interaction alone has no same-thread pair: its P
-- is printed as 1 (it claims nothing wrong) and its R as 0.

SET client_min_messages = warning;

CREATE TEMP TABLE sq_assign (
    method      text NOT NULL,
    external_id text NOT NULL,
    customer_id bigint NOT NULL,
    grp         text            -- NULL: the interaction is missing (not stored)
);

-- the extension: its thread_id
INSERT INTO sq_assign
SELECT 'extension', t.external_id, t.customer_id, i.thread_id::text
  FROM public.bench_truth t
  LEFT JOIN omnichannel.interaction i
         ON i.external_id = t.external_id AND i.channel::text = t.channel;

\if :baselines
-- (a) one thread per customer
INSERT INTO sq_assign
SELECT 'base_customer', t.external_id, t.customer_id, 'c'
  FROM public.bench_truth t;

-- (b) per-channel tickets.  Mail: connected components of the header graph
-- (an edge from a mail to every mail its in_reply_to or refs names).
WITH RECURSIVE
mail AS (
    SELECT i.id, i.customer_id, i.external_id, i.in_reply_to, i.refs
      FROM omnichannel.interaction i
      JOIN public.bench_truth t ON t.external_id = i.external_id AND t.channel = i.channel::text
     WHERE i.channel = 'email'),
edge AS (
    SELECT a.id AS a, b.id AS b
      FROM mail a
      JOIN mail b ON b.customer_id = a.customer_id
                 AND (b.external_id = a.in_reply_to OR b.external_id = ANY (a.refs))
     WHERE a.id <> b.id),
uedge AS (
    SELECT a, b FROM edge UNION SELECT b, a FROM edge),
reach (a, b) AS (
    SELECT id, id FROM mail
    UNION
    SELECT r.a, u.b FROM reach r JOIN uedge u ON u.a = r.b)
INSERT INTO sq_assign
SELECT 'base_channel', m.external_id, m.customer_id, 'mail ' || min(r.b)
  FROM mail m JOIN reach r ON r.a = m.id
 GROUP BY m.external_id, m.customer_id;

-- every other channel: bursts per (customer, channel), a new ticket when the
-- previous interaction of that customer on that channel is more than 24 h older
INSERT INTO sq_assign
SELECT 'base_channel', external_id, customer_id,
       channel || ' ' || sum(starts) OVER (PARTITION BY customer_id, channel ORDER BY occurred_at, id)
  FROM (SELECT i.id, i.external_id, i.customer_id, i.channel::text AS channel, i.occurred_at,
               CASE WHEN i.occurred_at - lag(i.occurred_at) OVER w <= interval '24 hours'
                    THEN 0 ELSE 1 END AS starts
          FROM omnichannel.interaction i
          JOIN public.bench_truth t ON t.external_id = i.external_id AND t.channel = i.channel::text
         WHERE i.channel <> 'email'
        WINDOW w AS (PARTITION BY i.customer_id, i.channel ORDER BY i.occurred_at, i.id)) AS s;
\endif

WITH cell AS (          -- interactions per (method, customer, group, problem)
    SELECT a.method, a.customer_id, coalesce(a.grp, 'missing ' || a.external_id) AS grp,
           t.problem_id, count(*) AS n, count(*) FILTER (WHERE a.grp IS NULL) AS missing
      FROM sq_assign a JOIN public.bench_truth t USING (external_id)
     GROUP BY 1, 2, 3, 4),
per_group AS (
    SELECT method, customer_id, grp, sum(n) AS n FROM cell GROUP BY 1, 2, 3),
per_problem AS (
    SELECT method, problem_id, sum(n) AS n FROM cell GROUP BY 1, 2),
totals AS (
    SELECT c.method,
           sum(c.n) AS interactions,
           sum(c.missing) AS missing,
           sum(c.n * (c.n - 1) / 2) AS both_pairs,
           (SELECT sum(g.n * (g.n - 1) / 2) FROM per_group g WHERE g.method = c.method) AS thread_pairs,
           (SELECT count(*) FROM per_group g WHERE g.method = c.method) AS threads,
           (SELECT sum(p.n * (p.n - 1) / 2) FROM per_problem p WHERE p.method = c.method) AS problem_pairs,
           (SELECT count(*) FROM per_problem p WHERE p.method = c.method) AS problems
      FROM cell c GROUP BY c.method),
scored AS (
    SELECT *,
           CASE WHEN thread_pairs > 0 THEN both_pairs::float8 / thread_pairs ELSE 1 END AS p,
           CASE WHEN problem_pairs > 0 THEN both_pairs::float8 / problem_pairs ELSE 1 END AS r
      FROM totals)
INSERT INTO public.bench_stitch_result
       (seed, config, ord, interactions, missing, problems, threads,
        pairs_same_thread, pairs_same_problem, pairs_both, p, r, f1, reasons)
SELECT :seed,
       CASE method WHEN 'extension' THEN :'config' ELSE method END,
       CASE method WHEN 'extension' THEN :ord WHEN 'base_customer' THEN 1000 ELSE 1001 END,
       interactions, missing, problems, threads, thread_pairs, problem_pairs, both_pairs,
       p, r, CASE WHEN p + r > 0 THEN 2 * p * r / (p + r) ELSE 0 END,
       CASE WHEN method = 'extension' THEN
            (SELECT jsonb_object_agg(stitch_reason, n)
               FROM (SELECT stitch_reason, count(*) AS n FROM omnichannel.interaction GROUP BY 1) AS x)
       END
  FROM scored;

DROP TABLE sq_assign;
