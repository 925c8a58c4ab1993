#!/usr/bin/env bash
# bench/citus.sh: ingest and a timeline page on a local Citus cluster (a
# coordinator and two workers on this machine) against one node; run by
# scripts/bench.sh (BENCH_ONLY=citus) in a subshell, after it sourced
# scripts/lib.sh and started its one-node cluster (WORK, PG_BIN, PGHOST,
# PGPORT).  On 2 cores the ratio says what the coordinator path costs, not
# what scale-out gains (bench/README.md).
#
# The same rows (BENCH_CITUS_ROWS, default 10,000: 1,000 customers, e-mails
# with subjects, replies by in_reply_to, chats) go in statements of 500:
#   one node   INSERT INTO interaction      (the one-node way in)
#   one node   INSERT INTO interaction_in   (the way in for Citus, on one node)
#   Citus      INSERT INTO interaction_in   (distributed by customer)
# then the newest 50 interactions of 200 customers (the timeline's keyset
# query) are read on one node and on Citus, the stored results of the
# first and the third are compared without ids (t/fixtures/ingest_compare.sql),
# and one agent claims and solves 200 threads on each (claim_next, then the
# status change that stops the clocks and ends the assignment).
ROWS=${BENCH_CITUS_ROWS:-10000}
sharedir=$("$PG_BIN/pg_config" --sharedir 2>/dev/null || pg_config --sharedir)
if ! grep -qs "default_version = '13\." "$sharedir/extension/citus.control"; then
    echo "omnichannel benchmark: citus skipped: Citus 13 is not installed (bash ../shared/citus/build.sh installs it)"
    exit 0
fi

PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At)
one=("${PSQL[@]}" -h "$PGHOST" -p "$PGPORT" -U "$OC_USER")
nodes=()
stop_nodes() { for d in "${nodes[@]}"; do oc_cluster_stop "$d"; done; }
trap stop_nodes EXIT
citus_node() {   # citus_node NAME: start a node; sets NODE_DIR and NODE_PORT
    NODE_DIR="$WORK/citus_$1"
    mkdir -p "$NODE_DIR"; chown "$OC_USER" "$NODE_DIR"
    NODE_PORT=$(oc_free_port)
    oc_as_user "$PG_BIN/initdb" -D "$NODE_DIR/data" -E UTF8 --no-locale -A trust >"$NODE_DIR/initdb.log" 2>&1
    nodes+=("$NODE_DIR")
    oc_as_user "$PG_BIN/pg_ctl" -D "$NODE_DIR/data" -l "$NODE_DIR/server.log" -w -o \
        "-k $NODE_DIR -c listen_addresses= -p $NODE_PORT -c shared_preload_libraries=citus -c max_prepared_transactions=20 -c citus.local_hostname=$NODE_DIR -c fsync=off -c synchronous_commit=off -c shared_buffers=512MB" \
        start >/dev/null
}
citus_node coordinator; cdir=$NODE_DIR; cport=$NODE_PORT
citus_node worker1; w1dir=$NODE_DIR; w1port=$NODE_PORT
citus_node worker2; w2dir=$NODE_DIR; w2port=$NODE_PORT
coord=("${PSQL[@]}" -h "$cdir" -p "$cport" -U "$OC_USER" -d postgres)
for n in "$cdir:$cport" "$w1dir:$w1port" "$w2dir:$w2port"; do
    "${PSQL[@]}" -h "${n%:*}" -p "${n#*:}" -U "$OC_USER" -d postgres -c 'CREATE EXTENSION citus'
done
"${coord[@]}" -c "SELECT citus_set_coordinator_host('$cdir', $cport)" >/dev/null
"${coord[@]}" -c "SELECT citus_add_node('$w1dir', $w1port)" -c "SELECT citus_add_node('$w2dir', $w2port)" >/dev/null
"${coord[@]}" -c 'CREATE EXTENSION omnichannel' -c 'SELECT count(*) FROM omnichannel.distribute()' >/dev/null
for db in omnichannel_bench_citus_direct omnichannel_bench_citus_way_in; do
    "$PG_BIN/createdb" -h "$PGHOST" -p "$PGPORT" -U "$OC_USER" "$db"
    "${one[@]}" -d "$db" -c 'CREATE EXTENSION omnichannel'
done

# statement K of the load into TABLE: rows K*500+1 .. (K+1)*500
batch() {
    cat <<SQL
INSERT INTO omnichannel.$1 (channel, direction, occurred_at, contact, subject, external_id, in_reply_to, agent)
SELECT CASE WHEN g % 5 = 4 THEN 'chat' ELSE 'email' END::omnichannel.channel,
       CASE WHEN g % 3 = 2 THEN 'outbound' ELSE 'inbound' END::omnichannel.direction,
       timestamptz '2026-01-01' + g * interval '7 minutes',
       'kunde' || (g % 1000) || '@example.de',
       CASE WHEN g % 3 <> 2 THEN 'Bestellung ' || (g % 1300) END,
       'b-' || g,
       CASE WHEN g % 3 = 2 THEN 'b-' || (g - 1000) END,
       CASE WHEN g % 3 = 2 THEN 'agent.' || (g % 7) END
  FROM generate_series($2 * 500 + 1, ($2 + 1) * 500) g;
SQL
}
load() {   # load TABLE PSQL...: seconds
    local table=$1 k t0 t1
    shift
    t0=$(date +%s.%N)
    for ((k = 0; k < ROWS / 500; k++)); do batch "$table" "$k" | "$@"; done
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
pages() {   # pages PSQL...: milliseconds for the newest 50 interactions of 200 customers
    local ids c t0 t1 f="$WORK/citus_pages.sql"
    ids=$("$@" -c "SELECT string_agg(id::text, ' ') FROM (SELECT id FROM omnichannel.customer ORDER BY id LIMIT 200) s")
    : >"$f"
    for c in $ids; do
        echo "SELECT count(*) FROM (SELECT i.id FROM omnichannel.interaction AS i WHERE i.customer_id = $c ORDER BY i.occurred_at DESC, i.id DESC LIMIT 50) p;" >>"$f"
    done
    "$@" -f "$f" >/dev/null    # once, to warm the caches
    t0=$(date +%s.%N)
    "$@" -f "$f" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }'
}

claims() {   # claims PSQL...: milliseconds for 200 claims, each solved at once, by one agent
    local k t0 t1 f="$WORK/citus_claims.sql"
    "$@" -c "INSERT INTO omnichannel.agent (id, languages, capacity, status) VALUES ('bench', '{}', 5, 'available')"
    : >"$f"
    for ((k = 0; k < 200; k++)); do
        echo "SELECT id AS t, customer_id AS c FROM omnichannel.claim_next('bench') \\gset" >>"$f"
        echo "UPDATE omnichannel.thread SET status = 'solved' WHERE customer_id = :c AND id = :t;" >>"$f"
    done
    t0=$(date +%s.%N)
    "$@" -f "$f" >/dev/null
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }'
}

echo "omnichannel benchmark: citus ($ROWS rows in statements of 500; a coordinator and 2 workers on this machine)"
s_direct=$(load interaction "${one[@]}" -d omnichannel_bench_citus_direct)
s_way=$(load interaction_in "${one[@]}" -d omnichannel_bench_citus_way_in)
s_citus=$(load interaction_in "${coord[@]}")
p_one=$(pages "${one[@]}" -d omnichannel_bench_citus_direct)
p_citus=$(pages "${coord[@]}")
same=no
if [ "$("${one[@]}" -d omnichannel_bench_citus_direct -f "$OC_ROOT/t/fixtures/ingest_compare.sql" | md5sum)" = \
     "$("${coord[@]}" -f "$OC_ROOT/t/fixtures/ingest_compare.sql" | md5sum)" ]; then same=yes; fi
c_one=$(claims "${one[@]}" -d omnichannel_bench_citus_direct)
c_citus=$(claims "${coord[@]}")
awk -v rows="$ROWS" -v a="$s_direct" -v b="$s_way" -v c="$s_citus" -v pa="$p_one" -v pc="$p_citus" -v ca="$c_one" -v cc="$c_citus" -v same="$same" 'BEGIN {
    printf "%-34s %10s %10s\n", "ingest", "seconds", "rows/s"
    printf "%-34s %10.2f %10.0f\n", "one node, interaction", a, rows / a
    printf "%-34s %10.2f %10.0f\n", "one node, interaction_in", b, rows / b
    printf "%-34s %10.2f %10.0f\n", "Citus (3 nodes), interaction_in", c, rows / c
    printf "citus_over_one_node_throughput: %.3f (interaction_in on one node: %.3f)\n", a / c, a / b
    printf "timeline pages (newest 50 of 200 customers, one session): one node %d ms, Citus %d ms\n", pa, pc
    printf "claim_next + solve (200, one agent, one session): one node %d ms (%.0f/s), Citus %d ms (%.0f/s), ratio %.3f\n", ca, 200000 / ca, cc, 200000 / cc, ca / cc
    printf "stored results equal (t/fixtures/ingest_compare.sql, before the claims): %s\n", same
}'
