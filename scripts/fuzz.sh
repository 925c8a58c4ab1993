#!/usr/bin/env bash
# Bounded libFuzzer runs of every test/fuzz/fuzz_*.c harness.
#
#   scripts/fuzz.sh [SECONDS]     (default 30 s per harness)
#
# Builds each harness with clang -fsanitize=fuzzer,address,undefined against
# the server-free core (src/core/*.c, plus the C++ libphonenumber shim built
# once with clang++) and runs it for SECONDS over a scratch
# copy of its seed corpus (test/fuzz/corpus/<name>/), with its dictionary
# (test/fuzz/<name>.dict) if there is one.  The checked-in corpus is never
# modified: new inputs stay in the scratch directory.  A crash reproducer is
# copied to test/fuzz/crashes/ and the script exits non-zero.  Without a
# libFuzzer-capable clang (Debian: libclang-rt-14-dev) it says so and exits 0
# after replaying the corpus with the gcc replay binaries from "make unit".
set -euo pipefail

SECONDS_PER_TARGET="${1:-30}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

CLANG="${CLANG:-$(command -v clang-14 || command -v clang || true)}"
CLANGXX="${CLANGXX:-$(command -v clang++-14 || command -v clang++ || true)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/oc-fuzz.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CORE_LIBS="-licui18n -licuuc -licudata -lphonenumber -lstdc++"
CFLAGS="-g -O1 -std=c11 -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"

can_fuzz=0
if [ -n "$CLANG" ]; then
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void) d; (void) n; return 0; }\n' > "$WORK/probe.c"
    if "$CLANG" -fsanitize=fuzzer,address,undefined -o "$WORK/probe" "$WORK/probe.c" 2>/dev/null; then
        can_fuzz=1
    fi
fi

if [ "$can_fuzz" = 0 ]; then
    echo "# clang cannot build libFuzzer targets (install libclang-rt-14-dev); replaying the corpus only"
    make -s unit
    for bin in test/fuzz/fuzz_*.bin; do
        name="$(basename "$bin" .bin)"; name="${name#fuzz_}"
        "$bin" "test/fuzz/corpus/$name"
    done
    exit 0
fi

# The shim once; -fno-sanitize=vptr: UBSan's C++ type checks need a C++ link.
"$CLANGXX" -g -O1 -std=c++17 -Isrc -fsanitize=fuzzer-no-link,address,undefined \
    -fno-sanitize=vptr -c -o "$WORK/phone_shim.o" src/core/phone_shim.cpp

status=0
n=0
for src in test/fuzz/fuzz_*.c; do
    name="$(basename "$src" .c)"; name="${name#fuzz_}"
    bin="$WORK/fuzz_$name"
    n=$((n + 1))
    # shellcheck disable=SC2086
    "$CLANG" $CFLAGS -o "$bin" "$src" src/core/*.c "$WORK/phone_shim.o" $CORE_LIBS -lm
    mkdir -p "$WORK/corpus_$name" "$WORK/artifacts_$name"
    if [ -d "test/fuzz/corpus/$name" ]; then
        cp -R "test/fuzz/corpus/$name/." "$WORK/corpus_$name/"
    fi
    dict=()
    if [ -f "test/fuzz/$name.dict" ]; then
        dict=(-dict="test/fuzz/$name.dict")
    fi
    echo "# fuzzing $name for ${SECONDS_PER_TARGET}s"
    if "$bin" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$WORK/artifacts_$name/" "$WORK/corpus_$name" \
        > "$WORK/log_$name" 2>&1; then
        grep -E "^stat::number_of_executed_runs|^#[0-9]+.*DONE" "$WORK/log_$name" | tail -2 || true
        echo "ok $n - fuzz $name ${SECONDS_PER_TARGET}s, corpus $(ls "$WORK/corpus_$name" | wc -l) inputs"
    else
        tail -40 "$WORK/log_$name"
        mkdir -p test/fuzz/crashes
        cp "$WORK/artifacts_$name/"* test/fuzz/crashes/ 2>/dev/null || true
        echo "not ok $n - fuzz $name (reproducer in test/fuzz/crashes/)"
        status=1
    fi
done
echo "1..$n"
exit "$status"
