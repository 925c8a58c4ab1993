#!/usr/bin/env bash
# scripts/test.sh: what `make test` runs, on a fresh Debian 12 machine as root.
#
# Installs what is missing, builds with -Wall -Wextra -Werror, installs, and
# runs every suite against throwaway clusters owned by an unprivileged user:
#   unit        server-free core unit tests and fuzz-corpus replays (ASan+UBSan)
#   regress     pg_regress        (sql/, expected/)
#   regress_sql the same, with ingest's look-ups as SQL queries
#               (omnichannel.lookups_through_sql: what they are on a Citus
#               coordinator), which must give the same results
#   isolation   pg_isolation_regress (specs/, expected/)
#   tap         prove             (t/, PostgreSQL::Test::Cluster; t/060_citus.pl
#               runs a coordinator and workers when Citus 13 is installed)
# Each suite prints its own "N passed, N failed"; the last line sums them all.
# Exit status is non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

oc_prepare

TOTAL_PASS=0
TOTAL_FAIL=0
WORK=$(oc_tempdir)
cleanup() {
    # pg_regress and PostgreSQL::Test::Cluster stop their own clusters; this
    # catches anything left by an interrupted run.
    for pid in $(find "$WORK" -name postmaster.pid 2>/dev/null); do
        oc_cluster_stop "$(dirname "$(dirname "$pid")")"
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() {   # record SUITE PASSED FAILED
    printf '%-10s %s passed, %s failed\n' "$1:" "$2" "$3"
    TOTAL_PASS=$((TOTAL_PASS + $2))
    TOTAL_FAIL=$((TOTAL_FAIL + $3))
}

finish() {
    echo
    echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
    [ "$TOTAL_FAIL" -eq 0 ]
}

if ! oc_build_install; then
    record build 0 1
    finish
    exit 1
fi

# --- unit: core tests and fuzz replays, TAP-style "ok"/"not ok" lines -------
oc_log "unit"
make -C "$OC_ROOT" -s unit >/dev/null
pass=0; fail=0
for bin in "$OC_ROOT"/test/unit/*.bin "$OC_ROOT"/test/fuzz/*.bin; do
    [ -e "$bin" ] || continue
    args=()
    case "$bin" in
        */test/fuzz/fuzz_*.bin)
            name=$(basename "$bin" .bin); name=${name#fuzz_}
            args=("$OC_ROOT/test/fuzz/corpus/$name") ;;
    esac
    out=$("$bin" "${args[@]}" 2>&1) && rc=0 || rc=$?
    p=$(grep -c '^ok ' <<<"$out" || true)
    f=$(grep -c '^not ok ' <<<"$out" || true)
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed or sanitizer abort
    if [ "$f" -ne 0 ]; then
        echo "--- $(basename "$bin") (exit $rc)"; grep -v '^ok ' <<<"$out" | head -40 || true
    fi
    pass=$((pass + p)); fail=$((fail + f))
done
record unit "$pass" "$fail"

# Test inputs in a directory the unprivileged user can write results into.
mkdir -p "$WORK/test"
cp -r "$OC_ROOT/sql" "$OC_ROOT/expected" "$OC_ROOT/specs" "$OC_ROOT/t" "$OC_ROOT/docs" "$OC_ROOT/README.md" "$WORK/"
cp -r "$OC_ROOT/test/clients" "$WORK/test/"   # t/030_bi_clients.pl runs them
cp "$OC_ROOT/META.json" "$OC_ROOT/omnichannel.control" "$WORK/"
chown -R "$OC_USER" "$WORK"

# Counts from a pg_regress-style summary: "All N tests passed." or
# "M of N tests failed."
regress_counts() {
    local log=$1 n m
    if n=$(grep -oP 'All \K[0-9]+(?= tests passed)' "$log"); then
        echo "$n 0"
    elif read -r m n < <(grep -oP '\K[0-9]+ of [0-9]+(?= tests failed)' "$log" | sed 's/ of / /'); then
        echo "$((n - m)) $m"
    else
        echo "0 1"
    fi
}

# run_suite NAME DRIVER OUTPUTDIR TESTS...: a pg_regress-style driver against
# its own temporary instance; prints the per-test lines and any diffs.
run_suite() {
    local name=$1 driver=$2 outdir=$3; shift 3
    oc_log "$name"
    mkdir -p "$outdir"; chown "$OC_USER" "$outdir"
    ( cd "$WORK" && oc_as_user "$driver" \
        --temp-instance="$WORK/${name}_instance" --bindir="$PG_BIN" \
        --inputdir="$WORK" --outputdir="$outdir" \
        --encoding=UTF8 --no-locale "$@" ) >"$WORK/$name.log" 2>&1 || true
    grep -E '^(test|ok|not ok|     )' "$WORK/$name.log" | sed 's/^/  /' || true
    if [ -f "$outdir/regression.diffs" ]; then head -200 "$outdir/regression.diffs"; fi
    read -r p f < <(regress_counts "$WORK/$name.log")
    record "$name" "$p" "$f"
}

# regress writes results/ under the input copy (tests may \copy to results/)
# shellcheck disable=SC2046
run_suite regress "$PGXS_DIR/src/test/regress/pg_regress" "$WORK" \
    $(make -C "$OC_ROOT" -s print-REGRESS)
# the same again with ingest's look-ups through SQL (src/pg/index_probe.c);
# the results must not differ
echo "omnichannel.lookups_through_sql = on" >"$WORK/lookups_through_sql.conf"
chmod 644 "$WORK/lookups_through_sql.conf"
rm -rf "$WORK/results" "$WORK/regression.diffs" "$WORK/regression.out"
# shellcheck disable=SC2046
run_suite regress_sql "$PGXS_DIR/src/test/regress/pg_regress" "$WORK" \
    --temp-config="$WORK/lookups_through_sql.conf" $(make -C "$OC_ROOT" -s print-REGRESS)
# shellcheck disable=SC2046
run_suite isolation "$PGXS_DIR/src/test/isolation/pg_isolation_regress" "$WORK/isolation" \
    $(make -C "$OC_ROOT" -s print-ISOLATION)

# --- tap ------------------------------------------------------------------------
oc_log "tap"
mkdir -p "$WORK/tap"; chown "$OC_USER" "$WORK/tap"
( cd "$WORK" && oc_as_user env PATH="$PG_BIN:$PATH" TESTDIR="$WORK/tap" \
    PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" OC_SRCDIR="$WORK" \
    prove -I "$PGXS_DIR/src/test/perl" -I "$WORK/t" t/*.pl ) >"$WORK/tap.log" 2>&1 || true
sed 's/^/  /' "$WORK/tap.log" | grep -vE '^\s+ok ' | tail -60 || true
tests=$(grep -oP 'Tests=\K[0-9]+' "$WORK/tap.log" || echo 0)
# prove's summary: "Failed N/M subtests" per failing file; a file that died
# before its plan counts as one failure.
failed=$( (grep -oP 'Failed \K[0-9]+(?=/[0-9]+ subtests)' "$WORK/tap.log" || true) | awk '{s+=$1} END {print s+0}')
dubious=$(grep -c 'Dubious, test returned' "$WORK/tap.log" || true)
if ! grep -q '^Result: PASS' "$WORK/tap.log" && [ "$failed" -eq 0 ]; then failed=$((dubious > 0 ? dubious : 1)); fi
record tap "$((tests - failed > 0 ? tests - failed : 0))" "$failed"
if grep -q 'citus.pl .*skipped' "$WORK/tap.log"; then
    echo "  the Citus suite (t/060_citus.pl) was skipped: Citus 13 is not installed" \
         "(bash ../shared/citus/build.sh installs it)"
fi

finish
