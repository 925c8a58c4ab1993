#!/usr/bin/env bash
# scripts/bench.sh: what `make bench` runs (as root); never part of make test.
#
# Builds and installs the extension and starts a throwaway cluster tuned for
# a bulk load (fsync=off: the cluster is thrown away).  Then:
#   business_time  bench/business_time.sql: business_time_add/_between over
#                  1,000,000 rows against a plain-SQL reference (~15 s)
#   contact_point  bench/contact_point.sql: the contact_point type's input
#                  (phones distinct, repeated, written by people; e-mails)
#                  against text input of the same values, by COPY (~1 min)
#   ingest         bench/ingest.sql: COPY through the ingest triggers against a
#                  plain COPY into an identical table, and into one whose
#                  contact column is text (~2 min)
#   timeline       loads >= 5,000,000
# interactions for 500,000 customers through the real ingest trigger, VACUUM
# ANALYZEs, then runs bench/timeline.sql: timeline() pages against a bare
# index-only scan (the floor) and against the identifier-join query a CRM
# writes without the extension.  See bench/README.md.
#
#   identity       bench/identity.sql: 1,000,000 interactions, 20 % new customers,
#                  identifiers in attributes, against a plain COPY (~2 min)
#   queue          bench/queue_*: 16 agents claiming (claim_next) and solving over
#                  1,000,000 open threads while ingest runs, against a plain-SQL
#                  SKIP LOCKED queue; checks for double assignments, sizes (~6 min)
#   sla            bench/ingest.sql -v sla=1: the ingest benchmark with SLA policies
#                  covering every row (clocks running), then bench/sla_recompute.sql:
#                  recompute_sla() after a policy change over 200,000 open threads
#                  against the bare UPDATE re-deriving the same due times (~3 min)
#   reporting      after the timeline load (BENCH_ONLY=reporting: that load only):
#                  bench/reporting_load.sql adds customers with 10, 1,000 and
#                  100,000 interactions; bench/reporting.sql times customer_360
#                  and channel_kpis against the naive queries
#   stitch_quality bench/stitch_quality/run.sh: a synthetic contact-center stream
#                  with ground truth (5 seeds x ~2,400 single-row inserts) played
#                  under the default windows, DBA key patterns and a grid of
#                  windows; pairwise precision/recall/F1 of the threads against
#                  the true problems, and two naive baselines (~3 min)
#   citus          bench/citus.sh: a coordinator and two workers on this machine;
#                  ingest through interaction_in against one node, timeline pages,
#                  the stored results compared (skipped without Citus 13)
#   BENCH_ONLY=ingest make bench   one benchmark (business_time, contact_point, ingest, identity, sla, queue,
#                                  stitch_quality, citus, timeline or reporting)
#   BENCH_CITUS_ROWS=10000         rows of the citus benchmark
#   BENCH_STITCH_SEEDS="1 2 3 4 5" seeds of the stitch_quality benchmark
#   BENCH_STITCH_CONFIGS="..."     its configurations (bench/stitch_quality/README.md)
#   BENCH_IDENTITY_ROWS=1000000    rows of the identity benchmark
#   BENCH_SLA_THREADS=200000       open threads of the recompute_sla benchmark
#   BENCH_QUEUE_THREADS=1000000    open threads of the queue benchmark
#   BENCH_QUEUE_SECONDS=60         seconds of each run (extension, then plain)
#   BENCH_QUEUE_INGEST_RATE=20     messages/s the two ingest clients offer during a run
#   BENCH_NO_BUILD=1               use the extension as installed (no build, no install)
#   BENCH_INGEST_ROWS=200000       rows per ingest round (default 200,000, 3 rounds)
#   BENCH_CP_ROWS=200000           values per data set of the contact_point benchmark
#   BENCH_SCALE=0.05 make bench    a quick try of the timeline one (default 1 = full size)
#   BENCH_ROUNDS=5                 timed rounds over the sample (default 5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ONLY=${BENCH_ONLY:-}
SCALE=${BENCH_SCALE:-1}
ROUNDS=${BENCH_ROUNDS:-5}
BATCH_ROWS=250000

oc_prepare
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    oc_build_install
fi

WORK=$(oc_tempdir)
cleanup() {
    oc_cluster_stop "$WORK"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SETTINGS=(shared_buffers=2GB maintenance_work_mem=1GB work_mem=64MB
          max_wal_size=8GB checkpoint_timeout=30min synchronous_commit=off
          fsync=off full_page_writes=off wal_level=minimal max_wal_senders=0
          autovacuum=off effective_cache_size=16GB random_page_cost=1.1
          jit=off)
oc_log "throwaway cluster in $WORK"
oc_cluster_start "$WORK" "${SETTINGS[@]}"
"$PG_BIN/createdb" omnichannel_bench
export PGDATABASE=omnichannel_bench
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1)
sql() { "${PSQL[@]}" -At "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [ -z "$ONLY" ] || [ "$ONLY" = business_time ]; then
    echo "omnichannel benchmark: business time"
    "$PG_BIN/createdb" omnichannel_bench_bt
    "${PSQL[@]}" -d omnichannel_bench_bt -f "$OC_ROOT/bench/business_time.sql"
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = contact_point ]; then
    echo "omnichannel benchmark: contact_point input (COPY into a contact_point column vs a text column)"
    "$PG_BIN/createdb" omnichannel_bench_cp
    "${PSQL[@]}" -d omnichannel_bench_cp -v rows="${BENCH_CP_ROWS:-200000}" -v rounds=3 \
        -f "$OC_ROOT/bench/contact_point.sql"
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = ingest ]; then
    echo "omnichannel benchmark: ingest (COPY with customer resolution and stitching vs plain COPY)"
    "$PG_BIN/createdb" omnichannel_bench_ingest
    "${PSQL[@]}" -d omnichannel_bench_ingest -v rows="${BENCH_INGEST_ROWS:-200000}" -v rounds=3 \
        -f "$OC_ROOT/bench/ingest.sql"
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = sla ]; then
    echo "omnichannel benchmark: ingest with SLA clocks running (COPY vs plain COPY)"
    "$PG_BIN/createdb" omnichannel_bench_sla_ingest
    "${PSQL[@]}" -d omnichannel_bench_sla_ingest -v rows="${BENCH_INGEST_ROWS:-200000}" -v rounds=3 -v sla=1 \
        -f "$OC_ROOT/bench/ingest.sql"
    echo
    echo "omnichannel benchmark: recompute_sla after a policy change vs the bare UPDATE"
    "$PG_BIN/createdb" omnichannel_bench_sla_recompute
    "${PSQL[@]}" -d omnichannel_bench_sla_recompute -v threads="${BENCH_SLA_THREADS:-200000}" -v rounds=3 \
        -f "$OC_ROOT/bench/sla_recompute.sql"
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = citus ]; then
    ( source "$OC_ROOT/bench/citus.sh" )
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = identity ]; then
    echo "omnichannel benchmark: identity (COPY resolving customers and identifiers vs plain COPY)"
    "$PG_BIN/createdb" omnichannel_bench_identity
    "${PSQL[@]}" -d omnichannel_bench_identity -v rows="${BENCH_IDENTITY_ROWS:-1000000}" -v rounds=1 \
        -f "$OC_ROOT/bench/identity.sql"
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = queue ]; then
    QT=${BENCH_QUEUE_THREADS:-1000000}
    QS=${BENCH_QUEUE_SECONDS:-60}
    QRATE=${BENCH_QUEUE_INGEST_RATE:-20}
    QBATCH=125000
    QDB=omnichannel_bench_queue
    qsql() { sql -d "$QDB" "$@"; }
    echo "omnichannel benchmark: queue (16 agents claiming and solving over $QT open threads, ingest at $QRATE msg/s alongside; vs a plain-SQL queue)"
    echo "cluster: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $(nproc) cores; autovacuum=off, synchronous_commit=off, fsync=off (throwaway cluster)"
    "$PG_BIN/createdb" "$QDB"
    t0=$(now)
    qsql -v threads="$QT" -f "$OC_ROOT/bench/queue_load.sql"
    # the first message of every thread through the real ingest, two sessions at a time
    qbatches=$(( (QT + QBATCH - 1) / QBATCH ))
    qpids=()
    for w in 0 1; do
        ( for ((b = w; b < qbatches; b += 2)); do
              qsql -v lo=$((b * QBATCH)) -v hi=$(((b + 1) * QBATCH)) -f "$OC_ROOT/bench/queue_load_batch.sql"
          done ) &
        qpids+=($!)
    done
    for p in "${qpids[@]}"; do wait "$p"; done
    t1=$(now)
    qsql -v threads="$QT" -f "$OC_ROOT/bench/queue_load_finish.sql"
    t2=$(now)
    echo "load: $QT threads, their first message through the ingest in $(secs "$t0" "$t1") s;" \
         "plain copy + VACUUM ANALYZE $(secs "$t1" "$t2") s"
    qsql -c "SELECT 'loaded: ' || count(*) || ' open unassigned threads ('
                    || count(*) FILTER (WHERE sla_due_at < now()) || ' past their due time), '
                    || (SELECT count(*) FROM omnichannel.sla_clock) || ' SLA clocks; '
                    || (SELECT string_agg(p || ' ' || n, ', ' ORDER BY p DESC) FROM (SELECT priority AS p, count(*) AS n
                          FROM omnichannel.thread GROUP BY 1) AS x) || '; '
                    || (SELECT string_agg(w || ' ' || n, ', ' ORDER BY w) FROM (SELECT waiting_channel::text AS w, count(*) AS n
                          FROM omnichannel.thread GROUP BY 1) AS x)
               FROM omnichannel.thread WHERE status = 'open' AND assignee IS NULL"
    qsql -v label=before -f "$OC_ROOT/bench/queue_sizes.sql"

    # one run: 16 agents (one pgbench, client N = agent_N) and two ingest
    # clients at a fixed rate (a second pgbench), for QS seconds
    # sessions log lock waits longer than 100 ms (counted after each run)
    queue_run() {
        local side=$1 claim=$2 ingest=$3 ipid lines
        qsql -c CHECKPOINT
        lines=$(wc -l <"$WORK/server.log")
        export PGOPTIONS='-c log_lock_waits=on -c deadlock_timeout=100ms'
        "$PG_BIN/pgbench" -n -M prepared -c 2 -j 1 -T "$QS" -R "$QRATE" -D threads="$QT" -D seq=0 \
            -f "$OC_ROOT/bench/$ingest" -l --log-prefix "$WORK/qlog_${side}_ingest" "$QDB" \
            >"$WORK/q_${side}_ingest.out" 2>&1 &
        ipid=$!
        "$PG_BIN/pgbench" -n -M prepared -c 16 -j 2 -T "$QS" -D phase=0 \
            -f "$OC_ROOT/bench/$claim" -l --log-prefix "$WORK/qlog_${side}_claim" "$QDB" \
            >"$WORK/q_${side}_claim.out" 2>&1 || true
        wait "$ipid" || true
        unset PGOPTIONS
        tail -n +"$((lines + 1))" "$WORK/server.log" >"$WORK/q_${side}_server.log"
        echo "$side: lock waits over 100 ms: $(grep -c 'still waiting for' "$WORK/q_${side}_server.log" || true)," \
             "deadlocks: $(grep -c 'deadlock detected' "$WORK/q_${side}_server.log" || true)"
        grep -h 'still waiting for' "$WORK/q_${side}_server.log" | sed 's/.*still waiting for \([A-Za-z]*\) on \([a-z ]*\).*/  waited for \1 on \2/' |
            sort | uniq -c | head -5 || true
        # what waited, and on what row: the first three waits' context and statement
        # (the server log goes with the cluster)
        grep -h -A4 'still waiting for' "$WORK/q_${side}_server.log" |
            grep -E '(CONTEXT|STATEMENT): ' | sed 's/^.*\(CONTEXT\|STATEMENT\): */    \1: /' |
            cut -c1-160 | head -6 || true
        if grep -q -i 'error\|abort' "$WORK/q_${side}_claim.out" "$WORK/q_${side}_ingest.out"; then
            echo "pgbench errors ($side):"
            grep -h -i 'error\|abort' "$WORK/q_${side}_claim.out" "$WORK/q_${side}_ingest.out" | sort | uniq -c | head -20
            QERR=1
        fi
    }
    # claim latencies from pgbench's per-transaction log: a client's odd
    # transactions are its claims; its first claim (a new session planning
    # and compiling everything) is left out.  Prints: claims p50 p99 max (ms)
    queue_latency() {
        cat "$WORK/qlog_$1_claim".* | awk '$2 % 2 == 1 && $2 > 1 { print $3 / 1000 }' | sort -n |
            awk '{ v[NR] = $1 }
                 END { if (NR == 0) { print "0 - - -"; exit }
                       i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
                       printf "%d %.2f %.2f %.1f\n", NR, v[i50], v[i99], v[NR] }'
    }
    # claims per second in each tenth of the run (attempts, from the log)
    queue_profile() {
        cat "$WORK/qlog_$1_claim".* | awk -v T="$QS" '
            $2 % 2 == 1 { t = $5 + $6 / 1e6; n++; at[n] = t; if (min == "" || t < min) min = t }
            END { w = T / 10; for (i = 1; i <= n; i++) { b = int((at[i] - min) / w); if (b > 9) b = 9; c[b]++ }
                  for (b = 0; b < 10; b++) printf "%s%d", (b ? " " : ""), c[b] / w; print "" }'
    }
    # ingest: messages/s, p99 latency (ms, from the scheduled start: includes
    # the schedule lag; a client's first two messages left out)
    queue_ingest() {
        local n
        n=$(cat "$WORK/qlog_$1_ingest".* | wc -l)
        cat "$WORK/qlog_$1_ingest".* | awk '$2 > 2 { print $3 / 1000 }' | sort -n |
            awk -v T="$QS" -v n="$n" '{ v[NR] = $1 }
                 END { if (NR == 0) { print "0 -"; exit }
                       printf "%.1f %.1f\n", n / T, v[int(NR * 0.99 + 0.999999)] }'
    }

    QERR=
    echo "run 1: extension (claim_next, then solve; bench/queue_claim.pgbench + bench/queue_ingest.pgbench), $QS s"
    queue_run extension queue_claim.pgbench queue_ingest.pgbench
    qsql -v label='after extension' -f "$OC_ROOT/bench/queue_sizes.sql"
    echo "run 2: plain (UPDATE ... SKIP LOCKED, then solve; bench/queue_claim_plain.pgbench + bench/queue_ingest_plain.pgbench), $QS s"
    queue_run plain queue_claim_plain.pgbench queue_ingest_plain.pgbench
    qsql -v label='after plain' -f "$OC_ROOT/bench/queue_sizes.sql"

    read -r XN XP50 XP99 XMAX < <(queue_latency extension)
    read -r PN PP50 PP99 PMAX < <(queue_latency plain)
    read -r XIR XIP99 < <(queue_ingest extension)
    read -r PIR PIP99 < <(queue_ingest plain)
    XC=$(qsql -c "SELECT count(*) FROM omnichannel.thread_assignment WHERE how = 'claim'")
    PC=$(qsql -c "SELECT count(*) FROM bench_plain_thread WHERE assignee IS NOT NULL")
    awk -v xc="$XC" -v pc="$PC" -v xn="$XN" -v pn="$PN" -v T="$QS" \
        -v x50="$XP50" -v p50="$PP50" -v x99="$XP99" -v p99="$PP99" -v xm="$XMAX" -v pm="$PMAX" \
        -v xir="$XIR" -v pir="$PIR" -v xi99="$XIP99" -v pi99="$PIP99" -v rate="$QRATE" 'BEGIN {
        printf "%-34s %12s %12s %10s\n", "", "extension", "plain", "ratio"
        printf "%-34s %12.1f %12.1f %10.3f\n", "claims/s (threads assigned)", xc / T, pc / T, (pc ? xc / pc : 0)
        printf "%-34s %12d %12d\n", "claim attempts timed (pgbench log)", xn, pn
        printf "%-34s %12.2f %12.2f %10.2f\n", "claim latency p50 ms", x50, p50, (p50 ? x50 / p50 : 0)
        printf "%-34s %12.2f %12.2f %10.2f\n", "claim latency p99 ms", x99, p99, (p99 ? x99 / p99 : 0)
        printf "%-34s %12.1f %12.1f\n", "claim latency max ms", xm, pm
        printf "%-34s %12.1f %12.1f\n", "ingest msg/s (offered " rate ")", xir, pir
        printf "%-34s %12.1f %12.1f\n", "ingest latency p99 ms (incl. lag)", xi99, pi99 }'
    echo "claims/s in each tenth of the run, extension: $(queue_profile extension)"
    echo "claims/s in each tenth of the run, plain:     $(queue_profile plain)"
    qsql -c "SELECT 'plain side checks: ' || count(*) FILTER (WHERE assignee IS NOT NULL) || ' threads assigned, '
                    || count(*) FILTER (WHERE assignee IS NOT NULL AND status = 'open') || ' still open'
               FROM bench_plain_thread"
    "${PSQL[@]}" -d "$QDB" -f "$OC_ROOT/bench/queue_check.sql"
    if [ -n "$QERR" ]; then
        echo "queue benchmark: pgbench reported errors (above)"
        exit 1
    fi
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = stitch_quality ]; then
    echo "omnichannel benchmark: stitching quality (threads against the ground truth of a synthetic stream; bench/stitch_quality)"
    "$PG_BIN/createdb" omnichannel_bench_stitch
    PGDATABASE=omnichannel_bench_stitch PG_BIN="$PG_BIN" bash "$OC_ROOT/bench/stitch_quality/run.sh"
    echo
fi
[ -z "$ONLY" ] || [ "$ONLY" = timeline ] || [ "$ONLY" = reporting ] || exit 0

echo "omnichannel benchmark: timeline() pages and reporting (both read the same year of history)"
echo "cluster: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'), $(nproc) cores, settings: ${SETTINGS[*]}"
echo "NOTE: fsync=off, full_page_writes=off and synchronous_commit=off are for this throwaway cluster only;"
echo "      they speed up the load, not the read latencies measured below."
echo "scale: BENCH_SCALE=$SCALE"

sql -c 'CREATE EXTENSION omnichannel'

# ---- customers, identifiers, per-customer interaction counts --------------
# Skewed: 0.1% of customers have 1,000-4,000 interactions, 5% have 50-200,
# the rest 1-3.  Deterministic (hashes of the customer id).
t0=$(now)
sql -v scale="$SCALE" <<'SQL'
SET client_min_messages = warning;
SET TimeZone = 'UTC';
CREATE TABLE bench_counts AS
SELECT g::bigint AS customer_id,
       CASE WHEN g % 1000 = 7 THEN 1000 + abs(hashint4(g)::bigint) % 3001
            WHEN g % 20 = 3   THEN 50 + abs(hashint4(g)::bigint) % 151
            ELSE                   1 + abs(hashint4(g)::bigint) % 3 END AS n,
       (g % 1000 = 7 OR g % 20 = 3) AS known
  FROM generate_series(1, greatest(1000, round(500000 * :scale)::int)) AS g;
ALTER TABLE bench_counts ADD PRIMARY KEY (customer_id);
-- threads of known customers (about five interactions each) are created in
-- bulk; their interactions name customer_id and thread_id (the trigger's
-- fast path).  Other customers' interactions name only the contact point:
-- the trigger resolves the customer and opens a thread per interaction.
ALTER TABLE bench_counts ADD COLUMN thread_base bigint;
UPDATE bench_counts b SET thread_base = s.base
  FROM (SELECT customer_id, coalesce(sum((n + 4) / 5) OVER (ORDER BY customer_id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS base
          FROM bench_counts WHERE known) s
 WHERE s.customer_id = b.customer_id;

INSERT INTO omnichannel.customer (id, display_name, language, attributes, created_at)
SELECT customer_id, 'Customer ' || customer_id,
       (ARRAY['ro','pl','ru','es','en'])[1 + customer_id % 5],
       jsonb_build_object('tier', CASE WHEN n >= 1000 THEN 'b2b' ELSE 'b2c' END),
       timestamptz '2024-01-01 00:00+00'
  FROM bench_counts ORDER BY customer_id;
SELECT setval(pg_get_serial_sequence('omnichannel.customer', 'id'), max(customer_id)) FROM bench_counts \g /dev/null

INSERT INTO omnichannel.customer_identifier (contact, customer_id, source)
SELECT ('email:customer' || customer_id || '@bench.example.com')::omnichannel.contact_point, customer_id, 'import'
  FROM bench_counts
UNION ALL
SELECT ('tel:+48' || (500000000 + customer_id))::omnichannel.contact_point, customer_id, 'import'
  FROM bench_counts;

INSERT INTO omnichannel.thread (id, customer_id, subject, channels, opened_at, last_activity_at)
SELECT b.thread_base + j + 1, b.customer_id, 'Case ' || (b.thread_base + j + 1),
       enum_range(NULL::omnichannel.channel),
       timestamptz '2025-11-19 00:00+00', timestamptz '2026-11-20 12:00+00'
  FROM bench_counts b CROSS JOIN LATERAL generate_series(0, (b.n + 4) / 5 - 1) AS j
 WHERE b.known;
SELECT setval(pg_get_serial_sequence('omnichannel.thread', 'id'),
              (SELECT max(id) FROM omnichannel.thread)) \g /dev/null

CREATE TABLE bench_contact AS
SELECT customer_id,
       max(contact::text) FILTER (WHERE contact::text LIKE 'email:%')::omnichannel.contact_point AS email,
       max(contact::text) FILTER (WHERE contact::text LIKE 'tel:%')::omnichannel.contact_point AS tel
  FROM omnichannel.customer_identifier GROUP BY customer_id;
ALTER TABLE bench_contact ADD PRIMARY KEY (customer_id);
ANALYZE;
SQL
t1=$(now)
read -r CUSTOMERS TOTAL THREADS < <(sql -F ' ' -c "SELECT count(*), sum(n), (SELECT count(*) FROM omnichannel.thread) FROM bench_counts")
echo "customers + identifiers + $THREADS bulk threads: $CUSTOMERS customers in $(secs "$t0" "$t1") s"

# ---- interactions, in time order across customers, batches of ~250k -------
# Customer c's k-th of n interactions happens in the (k-1)/n .. k/n part of
# the year before 2026-11-20; batch b takes the b-th of B time slices of
# every customer, ordered by time, so rows of one customer are spread over
# the table as in real life.
BATCHES=$(( (TOTAL + BATCH_ROWS - 1) / BATCH_ROWS ))
echo "loading $TOTAL interactions in $BATCHES batches through the ingest trigger ..."
t0=$(now)
for ((b = 0; b < BATCHES; b++)); do
    sql -v b="$b" -v nb="$BATCHES" <<'SQL'
SET client_min_messages = warning;
SET TimeZone = 'UTC';
INSERT INTO omnichannel.interaction
       (customer_id, thread_id, channel, direction, occurred_at, contact, agent, queue,
        subject, body, attributes)
SELECT CASE WHEN c.known THEN c.customer_id END,
       CASE WHEN c.known THEN c.thread_base + 1 + (k - 1) / 5 END,
       (enum_range(NULL::omnichannel.channel))[1 + abs(hashint8(c.customer_id * 7919 + k)::bigint) % 13],
       CASE WHEN k % 2 = 1 THEN 'inbound' ELSE 'outbound' END::omnichannel.direction,
       timestamptz '2025-11-20 12:00+00'
         + interval '365 days' * ((k - 1) + (abs(hashint8(c.customer_id * 104729 + k)::bigint) % 1000000) / 1e6)::float8 / c.n,
       CASE WHEN k % 2 = 1 THEN ct.email ELSE ct.tel END,
       CASE WHEN k % 2 = 0 THEN 'agent' || (k % 40) END,
       'q' || (c.customer_id % 12),
       'Order A-' || (c.customer_id * 10 + k % 10) || ': delivery status',
       'Customer asked about the delivery of order A-' || (c.customer_id * 10 + k % 10)
         || '; the agent confirmed the courier slot and sent the tracking link. Case '
         || (c.customer_id * 100000 + k) || '.',
       jsonb_build_object('order', 'A-' || (c.customer_id * 10 + k % 10))
  FROM bench_counts c
  JOIN bench_contact ct USING (customer_id)
 CROSS JOIN LATERAL generate_series((:b * c.n) / :nb + 1, ((:b + 1) * c.n) / :nb) AS k
 ORDER BY 5;
SQL
    printf '.' >&2
done
echo >&2
t1=$(now)
LOAD=$(secs "$t0" "$t1")
ROWS=$(sql -c "SELECT count(*) FROM omnichannel.interaction")
echo "interactions: $ROWS rows in $LOAD s = $(awk -v r="$ROWS" -v s="$LOAD" 'BEGIN { printf "%.0f", r / s }') rows/s" \
     "(known customers: customer_id + thread_id given; others resolved by contact point, new thread each)"

t0=$(now)
sql -c 'VACUUM (ANALYZE) omnichannel.interaction' -c 'VACUUM (ANALYZE)'
t1=$(now)
echo "VACUUM ANALYZE: $(secs "$t0" "$t1") s"
t0=$(now)
sql -c 'CREATE INDEX bench_interaction_contact_idx ON omnichannel.interaction (contact, occurred_at)' \
    -c 'ANALYZE omnichannel.interaction'
t1=$(now)
echo "CRM index interaction (contact, occurred_at), for the crm join variant only: $(secs "$t0" "$t1") s"
sql -c "SELECT 'sizes: interaction ' || pg_size_pretty(pg_table_size('omnichannel.interaction'))
               || ', timeline index ' || pg_size_pretty(pg_relation_size('omnichannel.interaction_customer_timeline_idx'))
               || ', customers with >= 50 / >= 500 / >= 2000 interactions: '
               || count(*) FILTER (WHERE n >= 50) || ' / ' || count(*) FILTER (WHERE n >= 500)
               || ' / ' || count(*) FILTER (WHERE n >= 2000)
          FROM bench_counts"

if [ "$ONLY" != reporting ]; then
    "${PSQL[@]}" -v rounds="$ROUNDS" -f "$OC_ROOT/bench/timeline.sql"
fi

# ---- reporting: customer_360 and channel_kpis on the same history -----------
if [ "$ONLY" != timeline ]; then
    echo
    echo "omnichannel benchmark: reporting (customer_360 for 10 / 1,000 / 100,000 interactions, channel_kpis over the year)"
    t0=$(now)
    "${PSQL[@]}" -f "$OC_ROOT/bench/reporting_load.sql"
    t1=$(now)
    echo "three more customers (10, 1,000, 100,000 interactions) through the ingest: $(secs "$t0" "$t1") s"
    "${PSQL[@]}" -v rounds="$ROUNDS" -f "$OC_ROOT/bench/reporting.sql"
fi
