#!/usr/bin/env bash
# scripts/regress-only.sh TEST...: run some pg_regress tests (sql/TEST.sql
# against expected/TEST.out) with the extension as installed, in a
# throwaway instance; no build, no install.  For development: make test
# runs them all.  Results and diffs land in $OC_REGRESS_OUT (default: a
# temporary directory, printed).  OC_ISOLATION=1: isolation specs
# (specs/TEST.spec) instead.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
oc_require_root
oc_pg_paths
oc_ensure_user
WORK=$(oc_tempdir)
trap 'rm -rf "$WORK"' EXIT
cp -r "$OC_ROOT/sql" "$OC_ROOT/expected" "$OC_ROOT/specs" "$WORK/"
mkdir -p "$WORK/results"
chown -R "$OC_USER" "$WORK"
driver="$PGXS_DIR/src/test/regress/pg_regress"
[ "${OC_ISOLATION:-0}" = 1 ] && driver="$PGXS_DIR/src/test/isolation/pg_isolation_regress"
( cd "$WORK" && oc_as_user "$driver" \
    --temp-instance="$WORK/instance" --bindir="$PG_BIN" \
    --inputdir="$WORK" --outputdir="$WORK" \
    --encoding=UTF8 --no-locale "$@" ) || true
out=${OC_REGRESS_OUT:-$(mktemp -d /tmp/oc-regress.XXXXXX)}
mkdir -p "$out"
cp -r "$WORK/results" "$out/" 2>/dev/null || true
[ -f "$WORK/regression.diffs" ] && cp "$WORK/regression.diffs" "$out/"
echo "results in $out"
