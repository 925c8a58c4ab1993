#!/usr/bin/env bash
# scripts/bench.sh: what `make bench` runs (as root); never part of make test.
#
# Builds and installs the extension and starts a throwaway cluster tuned for
# a bulk load (fsync=off: the cluster is thrown away).  Then:
#   business_time  bench/business_time.sql: business_time_add/_between over
#                  1,000,000 rows against a plain-SQL reference (~15 s)
#   ingest         bench/ingest.sql: COPY through the ingest triggers against a
#                  plain COPY into an identical table (~1 min)
#   timeline       loads >= 5,000,000
# interactions for 500,000 customers through the real ingest trigger, VACUUM
# ANALYZEs, then runs bench/timeline.sql: timeline() pages against a bare
# index-only scan (the floor) and against the identifier-join query a CRM
# writes without the extension.  See bench/README.md.
#
#   identity       bench/identity.sql: 1,000,000 interactions, 20 % new customers,
#                  identifiers in attributes, against a plain COPY (~2 min)
#   BENCH_ONLY=ingest make bench   one benchmark (business_time, ingest, identity or timeline)
#   BENCH_IDENTITY_ROWS=1000000    rows of the identity benchmark
#   BENCH_INGEST_ROWS=200000       rows per ingest round (default 200,000, 3 rounds)
#   BENCH_SCALE=0.05 make bench    a quick try of the timeline one (default 1 = full size)
#   BENCH_ROUNDS=5                 timed rounds over the sample (default 5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ONLY=${BENCH_ONLY:-}
SCALE=${BENCH_SCALE:-1}
ROUNDS=${BENCH_ROUNDS:-5}
BATCH_ROWS=250000

oc_prepare
oc_build_install

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
if [ -z "$ONLY" ] || [ "$ONLY" = ingest ]; then
    echo "omnichannel benchmark: ingest (COPY with customer resolution and stitching vs plain COPY)"
    "$PG_BIN/createdb" omnichannel_bench_ingest
    "${PSQL[@]}" -d omnichannel_bench_ingest -v rows="${BENCH_INGEST_ROWS:-200000}" -v rounds=3 \
        -f "$OC_ROOT/bench/ingest.sql"
    echo
fi
if [ -z "$ONLY" ] || [ "$ONLY" = identity ]; then
    echo "omnichannel benchmark: identity (COPY resolving customers and identifiers vs plain COPY)"
    "$PG_BIN/createdb" omnichannel_bench_identity
    "${PSQL[@]}" -d omnichannel_bench_identity -v rows="${BENCH_IDENTITY_ROWS:-1000000}" -v rounds=1 \
        -f "$OC_ROOT/bench/identity.sql"
    echo
fi
[ -z "$ONLY" ] || [ "$ONLY" = timeline ] || exit 0

echo "omnichannel benchmark: timeline() pages"
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

"${PSQL[@]}" -v rounds="$ROUNDS" -f "$OC_ROOT/bench/timeline.sql"
