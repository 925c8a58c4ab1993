#!/usr/bin/env bash
# scripts/demo.sh: what `make demo` runs (as root).
#
# Installs what is missing, builds and installs the extension, starts a
# throwaway cluster owned by an unprivileged user on a Unix socket in a temp
# directory, loads demo/sample.sql through the real ingest path and prints a
# walk-through: counts per channel, the seed scenario's customer across
# channels, their threads, a mail thread stitched by reference, a customer
# with several identifiers.  The cluster is stopped and removed on every exit.
#
#   DEMO_KEEP=1 make demo    keep the cluster running at the end (prints how
#                            to connect and how to stop it)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

oc_prepare
oc_build_install

WORK=$(oc_tempdir)
cleanup() {
    if [ "${DEMO_KEEP:-0}" = 1 ] && [ -f "$WORK/data/postmaster.pid" ]; then
        echo
        echo "cluster kept: psql -h $WORK -p $PGPORT -U $OC_USER omnichannel_demo"
        echo "stop it with: runuser -u $OC_USER -- $PG_BIN/pg_ctl -D $WORK/data stop && rm -rf $WORK"
        return
    fi
    oc_cluster_stop "$WORK"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

oc_log "throwaway cluster in $WORK"
oc_cluster_start "$WORK"
"$PG_BIN/createdb" omnichannel_demo
export PGDATABASE=omnichannel_demo
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1)

"${PSQL[@]}" -c 'CREATE EXTENSION omnichannel'

oc_log "loading demo/sample.sql"
start=$(date +%s.%N)
"${PSQL[@]}" -f "$OC_ROOT/demo/sample.sql" >/dev/null
end=$(date +%s.%N)
LOAD_SECONDS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

"${PSQL[@]}" -v load_seconds="$LOAD_SECONDS" <<'SQL'
\pset linestyle unicode
\pset border 1
\pset null ''
\pset footer off
SET TimeZone = 'Europe/Warsaw';
SET search_path = "$user", omnichannel, public;   -- the contact_point operators

\echo
\echo 'omnichannel demo: one customer history across every channel'
\echo '============================================================'
\echo 'Sample anchored at "today" = 2026-11-20; times shown in Europe/Warsaw.'
\pset tuples_only on
\pset format unaligned
SELECT format('Loaded %s customers, %s identifiers, %s interactions and %s threads in %s s through the ingest triggers.',
              (SELECT count(*) FROM omnichannel.customer),
              (SELECT count(*) FROM omnichannel.customer_identifier),
              (SELECT count(*) FROM omnichannel.interaction),
              (SELECT count(*) FROM omnichannel.thread),
              :'load_seconds');
\pset format aligned
\pset tuples_only off

\echo
\echo '1. Interactions per channel (last 12 months)'
SELECT i.channel,
       count(*) AS interactions,
       count(*) FILTER (WHERE direction = 'inbound') AS inbound,
       count(*) FILTER (WHERE direction = 'outbound') AS outbound,
       count(*) FILTER (WHERE direction = 'internal') AS internal,
       count(DISTINCT customer_id) AS customers,
       count(*) FILTER (WHERE stitch_reason = 'reference') AS "by reference",
       count(*) FILTER (WHERE stitch_reason = 'business_key') AS "by order number",
       count(*) FILTER (WHERE stitch_reason = 'recency') AS "by recency",
       count(*) FILTER (WHERE stitch_reason = 'new') AS "new thread"
  FROM omnichannel.interaction i
 GROUP BY ROLLUP (i.channel)
 ORDER BY i.channel NULLS LAST;

SELECT customer_id AS jan
  FROM omnichannel.customer_identifier
 WHERE contact = 'email:jan.kowalski@example.pl'
\gset

\echo
\echo '2. The seed scenario: Jan Kowalski wrote, phoned last week, and opens a web chat today'
\echo '   Who is he? (found by any of his addresses, here his e-mail)'
SELECT c.id AS customer, c.display_name AS name, c.language,
       c.attributes->>'tier' AS tier,
       string_agg(ci.contact::text, ', ' ORDER BY ci.contact::text) AS identifiers
  FROM omnichannel.customer c
  JOIN omnichannel.customer_identifier ci ON ci.customer_id = c.id
 WHERE c.id = :jan
 GROUP BY c.id;

\echo
\echo '   His timeline on every channel, newest first: omnichannel.timeline(customer)'
SELECT to_char(t.occurred_at, 'YYYY-MM-DD HH24:MI') AS "when",
       t.channel, t.direction,
       left(coalesce(t.subject, t.body), 42) AS "subject / text",
       t.thread_id AS thread, t.stitch_reason AS stitched,
       (SELECT string_agg(m, ' > ') FROM jsonb_array_elements_text(t.attributes->'ivr'->'menu') m) AS "IVR choices",
       t.attributes->>'order' AS "order", t.agent
  FROM omnichannel.timeline(:jan) t;

\echo
\echo '   What the chat agent needs today: every earlier contact about order A-1234, on any channel'
SELECT to_char(t.occurred_at, 'YYYY-MM-DD HH24:MI') AS "when", t.channel, t.agent,
       coalesce(t.attributes->>'claim', '') AS claim,
       replace(left(t.body, 110), E'\n', ' / ') AS "what happened"
  FROM omnichannel.timeline(:jan) t
 WHERE t.attributes->>'order' = 'A-1234' AND t.occurred_at < '2026-11-20 10:00+01'
 ORDER BY t.occurred_at;

\echo
\echo '   His threads: the IVR leg named order A-1234 and joined the e-mail thread by business key,'
\echo '   the call and the SMS joined by reference, and today''s chat by the order number again:'
\echo '   one thread across five channels, so the chat agent starts with the whole story'
SELECT th.id AS thread, th.status, th.subject, th.channels,
       to_char(th.opened_at, 'YYYY-MM-DD HH24:MI') AS opened,
       to_char(th.last_activity_at, 'YYYY-MM-DD HH24:MI') AS "last activity",
       (SELECT count(*) FROM omnichannel.interaction i WHERE i.thread_id = th.id) AS interactions
  FROM omnichannel.thread th
 WHERE th.customer_id = :jan
 ORDER BY th.last_activity_at DESC;

\echo
\echo '   What the chat agent sees: omnichannel.thread_context(thread) of the chat''s thread'
SELECT ctx.key AS "context", left(ctx.value::text, 100) AS value
  FROM omnichannel.interaction i,
       jsonb_each(omnichannel.thread_context(i.thread_id)) AS ctx
 WHERE i.customer_id = :jan AND i.channel = 'chat'
   AND ctx.key IN ('channels', 'ivr', 'keys', 'last_topics', 'previous_agent', 'interactions')
 ORDER BY i.occurred_at DESC, ctx.key
 LIMIT 6;

\echo
\echo '   Paging: the second page of 3 starts after the (occurred_at, id) of the first page''s last row'
SELECT occurred_at AS before, id AS before_id
  FROM omnichannel.timeline(:jan, lim => 3) ORDER BY occurred_at, id LIMIT 1
\gset
SELECT to_char(t.occurred_at, 'YYYY-MM-DD HH24:MI') AS "when", t.channel, t.direction,
       left(coalesce(t.subject, t.body), 50) AS "subject / text"
  FROM omnichannel.timeline(:jan, before => :'before', lim => 3, before_id => :before_id) t;

SELECT thread_id AS mail_thread
  FROM omnichannel.interaction
 WHERE channel = 'email' AND customer_id <> :jan
 GROUP BY thread_id
HAVING count(*) >= 5
 ORDER BY thread_id
 LIMIT 1
\gset

\echo
\echo '3. A mail thread stitched by In-Reply-To / References (Message-IDs)'
SELECT c.display_name AS customer, c.language FROM omnichannel.customer c
 WHERE c.id = (SELECT customer_id FROM omnichannel.thread WHERE id = :mail_thread);
SELECT to_char(i.occurred_at, 'YYYY-MM-DD HH24:MI') AS "when", i.direction,
       coalesce(i.agent, '') AS agent, left(i.subject, 40) AS subject,
       i.external_id AS "message-id", coalesce(i.in_reply_to, '') AS "in-reply-to",
       i.stitch_reason AS stitched
  FROM omnichannel.interaction i
 WHERE i.thread_id = :mail_thread
 ORDER BY i.occurred_at, i.id;

SELECT th.id AS social_thread
  FROM omnichannel.thread th
  JOIN omnichannel.customer c ON c.id = th.customer_id AND c.display_name IS NOT NULL
 WHERE th.channels @> '{social,messaging}'
   AND (SELECT count(*) FROM omnichannel.interaction i WHERE i.thread_id = th.id) >= 5
 ORDER BY th.id
 LIMIT 1
\gset

\echo
\echo '   A public complaint on social media moved to a private channel and closed publicly, one thread'
SELECT to_char(i.occurred_at, 'YYYY-MM-DD HH24:MI') AS "when", i.channel, i.direction,
       i.attributes->>'visibility' AS visibility, i.contact::text AS contact,
       left(i.body, 60) AS text, i.stitch_reason AS stitched
  FROM omnichannel.interaction i
 WHERE i.thread_id = :social_thread
 ORDER BY i.occurred_at, i.id;

SELECT c.id AS multi
  FROM omnichannel.customer c
  JOIN omnichannel.interaction i ON i.customer_id = c.id
 WHERE c.display_name IS NOT NULL AND c.id <> :jan
 GROUP BY c.id
 ORDER BY count(DISTINCT i.contact::text) DESC, count(DISTINCT i.channel) DESC, c.id
 LIMIT 1
\gset

\echo '4. A customer with several identifiers: every address resolves to the same customer'
SELECT ci.contact::text AS identifier, ci.source,
       (SELECT count(*) FROM omnichannel.interaction i WHERE i.contact = ci.contact) AS interactions
  FROM omnichannel.customer_identifier ci
 WHERE ci.customer_id = :multi
 ORDER BY ci.contact::text;
SELECT c.display_name AS customer, c.language, c.attributes->>'country' AS country,
       count(i.*) AS interactions,
       string_agg(DISTINCT i.channel::text, ', ') AS channels,
       count(DISTINCT i.thread_id) AS threads
  FROM omnichannel.customer c
  JOIN omnichannel.interaction i ON i.customer_id = c.id
 WHERE c.id = :multi
 GROUP BY c.id;
\echo '   Their eight latest contacts:'
SELECT to_char(t.occurred_at, 'YYYY-MM-DD HH24:MI') AS "when", t.channel, t.direction,
       t.contact::text AS via, left(coalesce(t.subject, t.body), 45) AS "subject / text"
  FROM omnichannel.timeline(:multi, lim => 8) t;

\echo
\echo '5. Unknown visitors and handles: ingest created a (nameless) customer on first sight'
SELECT split_part(ci.contact::text, ':', 1) AS kind, count(DISTINCT c.id) AS customers,
       count(i.*) AS interactions
  FROM omnichannel.customer c
  JOIN omnichannel.customer_identifier ci ON ci.customer_id = c.id AND ci.source = 'ingest'
  JOIN omnichannel.interaction i ON i.customer_id = c.id
 WHERE c.display_name IS NULL
 GROUP BY 1 ORDER BY 1;

\echo
\echo '6. Languages of the named customers'
SELECT c.language, count(*) AS customers,
       string_agg(c.display_name, ', ' ORDER BY c.id) FILTER (WHERE c.id % 97 = 5) AS "for example"
  FROM omnichannel.customer c
 WHERE c.display_name IS NOT NULL
 GROUP BY c.language ORDER BY customers DESC;

\echo
\echo '7. SLA attainment in business hours, last 30 days before "today" (view omnichannel.sla_attainment)'
SELECT metric, channel, sum(clocks) AS clocks,
       round(100.0 * sum(achieved) / sum(clocks), 1) AS "achieved %",
       round((percentile_disc(0.5) WITHIN GROUP (ORDER BY median_business_seconds) / 60)::numeric, 1)
           AS "typical median (business min)"
  FROM omnichannel.sla_attainment
 WHERE day BETWEEN date '2026-10-21' AND date '2026-11-20'
 GROUP BY metric, channel
HAVING sum(clocks) >= 20
 ORDER BY metric, channel;

\echo
\echo '   The universal queue as it stood at "today" 12:00 UTC: most urgent first'
\echo '   (priority, then SLA due time; business time left counted in each policy''s calendar)'
SELECT q.thread_id, q.priority, q.channel, q.policy, q.due_metric,
       to_char(q.due_at AT TIME ZONE 'Europe/Warsaw', 'MM-DD HH24:MI') AS "due (Warsaw)",
       round((extract(epoch FROM omnichannel.business_time_between(
           omnichannel.sla_calendar_of(t.sla_policy_id), timestamptz '2026-11-20 12:00+00', q.due_at)) / 60)::numeric)
           AS "business min left"
  FROM omnichannel.queue AS q JOIN omnichannel.thread AS t ON t.id = q.thread_id
 WHERE q.status = 'open' AND q.due_at IS NOT NULL AND q.due_at > timestamptz '2026-11-20 12:00+00'
 ORDER BY q.priority_rank DESC, q.due_at, q.waiting_since
 LIMIT 8;

\echo
\echo '   Agents claim work: omnichannel.claim_next(agent) gives each the most urgent thread they may take'
SELECT a.id AS agent, c.id AS thread, c.waiting_channel AS channel, c.language, c.priority
  FROM (VALUES (1, 'marta.nowak'), (2, 'andrei.popescu'), (3, 'lucia.garcia')) AS a(n, id)
  CROSS JOIN LATERAL omnichannel.claim_next(a.id) AS c
 ORDER BY a.n;
SQL
