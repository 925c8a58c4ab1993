#!/usr/bin/env bash
# bench/stitch_quality/run.sh: the stitching-quality benchmark (README.md here).
#
# For every seed and configuration: recreate the extension in the database
# the PG* variables name, apply the configuration (stitch_setting_override rows and/or
# business_key_pattern_override rows), play the generated stream (single-row INSERTs in
# arrival order, solve UPDATEs in between), score the threads against the
# ground truth (score.sql).  Then print per-seed rows and a summary table.
#
# THE DATABASE IS WIPED: the extension is dropped with CASCADE, its history
# with it.  Use a throwaway database (scripts/bench.sh makes one:
# BENCH_ONLY=stitch_quality).  Needs a superuser (CREATE EXTENSION, and the
# schema omnichannel must belong to a superuser) and python3.
#
#   PGDATABASE=stitch PG_BIN=/usr/lib/postgresql/15/bin bash bench/stitch_quality/run.sh
#   BENCH_STITCH_SEEDS="1 2 3 4 5"     seeds (default)
#   BENCH_STITCH_CONFIGS="defaults dba_pattern live72h+async7d ..."   configurations
#       (default: the list below).  A name is defaults, or tokens joined by '+':
#         dba_pattern   business-key patterns for the stream's key formats
#         live<N>h|d    recency window of phone, chat, ivr, chatbot, video, in_person
#         async<N>h|d   recency window of sms, messaging, social
#         subject<N>d   subject window of email, web, forum
#         dba_attribute business_key_attribute_override rows for the stream's top-level
#                       attribute names (only with an extension that has that table;
#                       then added to the default list as dba_attribute and
#                       dba_pattern+dba_attribute)
#   BENCH_STITCH_KEEP=DIR              keep the generated streams in DIR
#   BENCH_STITCH_FORCE=1               wipe a database that holds other omnichannel history
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${PG_BIN:-}" ]; then
    if [ -x /usr/lib/postgresql/15/bin/psql ]; then PG_BIN=/usr/lib/postgresql/15/bin
    else PG_BIN=$(dirname "$(command -v psql)"); fi
fi
SEEDS=${BENCH_STITCH_SEEDS:-"1 2 3 4 5"}
DEFAULT_CONFIGS="defaults dba_pattern
  live48h live72h live96h live7d
  async7d
  subject7d subject14d
  live72h+async7d live7d+async7d+subject14d
  dba_pattern+live72h+async7d dba_pattern+live7d+async7d"
CONFIGS=${BENCH_STITCH_CONFIGS:-}

PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1)
sql() { "${PSQL[@]}" -At "$@"; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning -c synchronous_commit=off"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ---- configurations -----------------------------------------------------------
LIVE="'phone','chat','ivr','chatbot','video','in_person'"
ASYNC="'sms','messaging','social'"
MAILISH="'email','web','forum'"
window_sql() {   # column channels interval
    cat <<SQL
INSERT INTO omnichannel.stitch_setting_override (channel, $1)
SELECT c::omnichannel.channel, interval '$3' FROM unnest(ARRAY[$2]) AS c
ON CONFLICT (channel) DO UPDATE SET $1 = EXCLUDED.$1;
SQL
}
config_sql() {
    local tok
    [ "$1" = defaults ] && return 0
    for tok in ${1//+/ }; do
        case $tok in
            dba_pattern)
                # the key formats of the stream; no back-references or lookaround
                # (the extension refuses them).  Names match attributes->'keys'.
                cat <<'SQL'
INSERT INTO omnichannel.business_key_pattern_override (name, pattern) VALUES
    ('order',   '\m([A-C]-[0-9]{5})\M'),
    ('booking', '\m(BK-[0-9]{5})\M'),
    ('invoice', '\m(INV-[0-9]{4}-[0-9]{4})\M'),
    ('claim',   '\m(CL-[0-9]{5})\M');
SQL
                ;;
            dba_attribute)
                # the stream's top-level attribute names, read as keys (only with
                # an extension that has business_key_attribute_override)
                cat <<'SQL'
INSERT INTO omnichannel.business_key_attribute_override (attribute, name) VALUES
    ('order', 'order'), ('order_id', 'order'), ('orderNumber', 'order'),
    ('invoice', 'invoice'), ('invoice_no', 'invoice'),
    ('booking', 'booking'), ('booking_ref', 'booking'),
    ('claim', 'claim'), ('claim_id', 'claim')
ON CONFLICT (attribute) DO UPDATE SET name = EXCLUDED.name, enabled = true;
SQL
                ;;
            *)
                if [[ ! $tok =~ ^(live|async|subject)([0-9]+)([hd])$ ]]; then
                    echo "unknown configuration token: $tok (in $1)" >&2; return 1
                fi
                local iv="${BASH_REMATCH[2]} hours"
                [ "${BASH_REMATCH[3]}" = d ] && iv="${BASH_REMATCH[2]} days"
                case ${BASH_REMATCH[1]} in
                    live)    window_sql recency_window "$LIVE" "$iv" ;;
                    async)   window_sql recency_window "$ASYNC" "$iv" ;;
                    subject) window_sql subject_window "$MAILISH" "$iv" ;;
                esac
                ;;
        esac
    done
}

# ---- the database ---------------------------------------------------------------
if [ "$(sql -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" != t ]; then
    echo "run.sh: needs a superuser (CREATE EXTENSION omnichannel)" >&2; exit 2
fi
has_history=$(sql -c "SELECT to_regclass('omnichannel.customer') IS NOT NULL
                        AND to_regclass('public.bench_stitch_result') IS NULL
                        AND to_regclass('public.bench_truth') IS NULL")
if [ "$has_history" = t ] && [ -z "${BENCH_STITCH_FORCE:-}" ] &&
   [ "$(sql -c 'SELECT EXISTS (SELECT 1 FROM omnichannel.customer)')" = t ]; then
    echo "run.sh: database $(sql -c 'SELECT current_database()') holds omnichannel history that this" >&2
    echo "benchmark did not write; it would be dropped. Use a throwaway database (or BENCH_STITCH_FORCE=1)." >&2
    exit 2
fi

DEFAULTED=
if [ -z "$CONFIGS" ]; then CONFIGS=$DEFAULT_CONFIGS; DEFAULTED=1; fi
for c in $CONFIGS; do config_sql "$c" >/dev/null; done   # fail early on a typo

reset_extension() {
    sql -c "SET omnichannel.allow_drop_with_history = on" \
        -c "DROP EXTENSION IF EXISTS omnichannel CASCADE" \
        -c "CREATE SCHEMA IF NOT EXISTS omnichannel" \
        -c "CREATE EXTENSION omnichannel SCHEMA omnichannel"
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/stitch_quality.XXXXXX")
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

T0=$(now)
echo "stitching quality: seeds $SEEDS; database $(sql -c 'SELECT current_database()')"
for s in $SEEDS; do
    python3 "$HERE/generate.py" --seed "$s" --out "$WORK/stream_$s.sql" 2>"$WORK/summary_$s.txt"
    chmod 644 "$WORK/stream_$s.sql"
done
echo
echo "streams (generate.py):"
cat "$WORK"/summary_*.txt
if [ -n "${BENCH_STITCH_KEEP:-}" ]; then
    mkdir -p "$BENCH_STITCH_KEEP" && cp "$WORK"/stream_*.sql "$WORK"/summary_*.txt "$BENCH_STITCH_KEEP"/
fi

sql <<'SQL'
DROP TABLE IF EXISTS public.bench_stitch_result;
CREATE TABLE public.bench_stitch_result (
    seed int NOT NULL, config text NOT NULL, ord int NOT NULL,
    interactions int, missing int, problems int, threads int,
    pairs_same_thread bigint, pairs_same_problem bigint, pairs_both bigint,
    p float8, r float8, f1 float8, reasons jsonb, seconds float8,
    PRIMARY KEY (seed, config));
SQL

reset_extension
if [ -n "$DEFAULTED" ] &&
   [ "$(sql -c "SELECT to_regclass('omnichannel.business_key_attribute_override') IS NOT NULL")" = t ]; then
    # an extension that can read top-level attributes as keys: measure that too
    CONFIGS="$CONFIGS dba_attribute dba_pattern+dba_attribute"
fi
echo
echo "built-in windows in force (omnichannel.stitch_settings, nothing overridden):"
"${PSQL[@]}" -P footer=off -c "SELECT * FROM omnichannel.stitch_settings ORDER BY channel"
for v in business_key_patterns business_key_attributes; do
    if [ "$(sql -c "SELECT to_regclass('omnichannel.$v') IS NOT NULL")" = t ]; then
        echo "built-in omnichannel.$v:"
        "${PSQL[@]}" -P footer=off -c "SELECT * FROM omnichannel.$v ORDER BY 1"
    fi
done
LIB="$("$PG_BIN/pg_config" --pkglibdir 2>/dev/null || true)/omnichannel.so"
lib_stamp() { stat -c '%y' "$LIB" 2>/dev/null || echo unknown; }
LIB_START=$(lib_stamp)
echo "extension $(sql -c "SELECT extversion FROM pg_extension WHERE extname = 'omnichannel'"), library $LIB of $LIB_START"

one_run() {   # seed config ord baselines
    local t0 t1
    t0=$(now)
    reset_extension
    config_sql "$2" | sql
    sql -f "$WORK/stream_$1.sql"
    t1=$(now)
    sql -v seed="$1" -v config="$2" -v ord="$3" -v baselines="$4" -f "$HERE/score.sql"
    sql -c "UPDATE public.bench_stitch_result SET seconds = $(secs "$t0" "$t1")
             WHERE seed = $1 AND config = '$2'"
}

echo
echo "configurations: $(echo $CONFIGS)"
echo "runs (seed: configurations):"
for s in $SEEDS; do
    printf '  seed %s:' "$s"
    ord=0
    for c in $CONFIGS; do
        ord=$((ord + 1))
        b=0; [ "$ord" = 1 ] && b=1
        sql -c "DELETE FROM public.bench_stitch_result WHERE seed = $s AND (config = '$c' OR $b = 1 AND ord >= 1000)"
        # a failure (e.g. the extension reinstalled under us) is retried once
        if ! one_run "$s" "$c" "$ord" "$b" >"$WORK/run.log" 2>&1; then
            printf ' [%s failed, retrying]' "$c"
            sql -c "DELETE FROM public.bench_stitch_result WHERE seed = $s AND (config = '$c' OR $b = 1 AND ord >= 1000)"
            if ! one_run "$s" "$c" "$ord" "$b" >"$WORK/run.log" 2>&1; then
                echo; echo "run seed $s config $c failed:" >&2; cat "$WORK/run.log" >&2; exit 1
            fi
        fi
        printf ' %s' "$c"
    done
    echo
done
T1=$(now)

"${PSQL[@]}" -P footer=off -f "$HERE/report.sql"
if [ "$(lib_stamp)" != "$LIB_START" ]; then
    echo
    echo "WARNING: $LIB changed during the run ($LIB_START -> $(lib_stamp)): the runs mix two builds"
fi
echo
echo "wall time: $(secs "$T0" "$T1") s ($(echo $SEEDS | wc -w) seeds x $(echo $CONFIGS | wc -w) configurations," \
     "mean $(sql -c "SELECT round(avg(seconds)::numeric, 1) FROM public.bench_stitch_result WHERE seconds IS NOT NULL") s per stream load)"
