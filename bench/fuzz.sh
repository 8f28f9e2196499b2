#!/usr/bin/env bash
# bench/fuzz.sh: long libFuzzer runs of every target in fuzz/ (fuzz/README.md), one after
# another, each from a fresh copy of its seeds (fuzz/run.sh), and what they reached: per
# target the executions, executions per second, coverage (libFuzzer's cov: edges and ft:
# features), the corpus it grew and the crashes it found (inputs in $BUILD/fuzz-artifacts/).
# The figures go to bench/RESULTS.md, "Reliability: fuzzing".
#
# Usage: bench/fuzz.sh [SECONDS_PER_TARGET]   (default 600)
# Environment:
#   FORK     libFuzzer processes per target (default 2, one per core: -fork=2, and a crash is
#            counted and fuzzing goes on); 1: a single process that stops at its first crash
#   BUILD    the clang build (default build-fuzz; configured and built here)
#   TARGETS  the targets to run (default all seven)
#   RESULTS  where the figures go (default bench/RESULTS.md)
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
SECONDS_PER_TARGET=${1:-600}
FORK=${FORK:-2}
BUILD=${BUILD:-build-fuzz}
TARGETS=${TARGETS:-fuzz_route fuzz_casenum fuzz_config fuzz_sidecar fuzz_ledger fuzz_bag fuzz_extract}
RESULTS=${RESULTS:-bench/RESULTS.md}
ARTIFACTS=$BUILD/fuzz-artifacts
LOGS=$BUILD/fuzz-logs

die() {
    echo "bench/fuzz.sh: $*" >&2
    exit 1
}
[[ $SECONDS_PER_TARGET =~ ^[1-9][0-9]*$ ]] || die "SECONDS_PER_TARGET must be a whole number"
[[ $FORK =~ ^[1-9][0-9]*$ ]] || die "FORK must be a whole number"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DCUSTODY_FUZZ=ON \
    -DCUSTODY_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target fuzz -j"$(nproc)" >/dev/null
mkdir -p "$ARTIFACTS" "$LOGS"

declare -A drives=(
    [fuzz_route]="api/route.c, parse.c, cursor.c: route match, queries, cursors, Range"
    [fuzz_casenum]="core/casenum.c: parse and normalise, default and configured rules"
    [fuzz_config]="core/config.c: custody.conf (INI) and --set"
    [fuzz_sidecar]="ingest/route.c, sidecar.c: upload path and sidecar JSON"
    [fuzz_ledger]="ledger/note.c, b64.c, merkle.c, verify.c: notes, checkpoints, proofs, ledger verify"
    [fuzz_bag]="export/bag_verify.c, bag_tar.c: bag folders and .tar files"
    [fuzz_extract]="indexer/extract*.c, exif*.c, sniff.c, captime.c: whole media files"
)

rows=""
total_crashes=0
for t in $TARGETS; do
    [[ -n ${drives[$t]:-} ]] || die "unknown target $t"
    log=$LOGS/$t.log
    mark=$LOGS/$t.start
    touch "$mark"
    opts=()
    ((FORK > 1)) && opts=(-fork="$FORK" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    echo "bench/fuzz.sh: $t for $SECONDS_PER_TARGET s (fork $FORK)" >&2
    status=0
    ARTIFACTS=$ARTIFACTS fuzz/run.sh "$BUILD" "$t" "$SECONDS_PER_TARGET" "${opts[@]}" >"$log" 2>&1 ||
        status=$?
    corpus=$(find "$BUILD/fuzz-corpus/${t#fuzz_}" -type f | wc -l)
    found=$(find "$ARTIFACTS" -name "$t-*" -newer "$mark" -type f | wc -l)
    if ((FORK > 1)); then
        # "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c time: Ts job: J ..."
        line=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1)
        execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$line")
        rate=$(sed -E 's/.* exec\/s ([0-9]+).*/\1/' <<<"$line")
        crashes=$(sed -E 's/.*oom\/timeout\/crash: ([0-9]+)\/([0-9]+)\/([0-9]+).*/\1 \2 \3/' <<<"$line" |
            awk '{ print $1 + $2 + $3 }')
    else
        line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)' "$log" | tail -1)
        execs=$(sed -nE 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log" | tail -1)
        rate=$(sed -nE 's/^stat::average_exec_per_sec: +([0-9]+)/\1/p' "$log" | tail -1)
        crashes=$((status != 0 ? 1 : 0))
    fi
    cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$line")
    ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<<"$line")
    ((found > crashes)) && crashes=$found
    total_crashes=$((total_crashes + crashes))
    echo "bench/fuzz.sh: $t: ${execs:-?} executions, ${rate:-?}/s, cov ${cov:-?}, ft ${ft:-?}," \
        "corpus $corpus, crashes $crashes (log $log)" >&2
    rows+="| \`$t\` | ${drives[$t]} | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | $corpus | $crashes |"$'\n'
    rm -f "$mark"
done

mode="one process per target"
((FORK > 1)) && mode="-fork=$FORK per target, crashes counted and fuzzing continued"
cmd="bench/fuzz.sh $SECONDS_PER_TARGET"
[[ $FORK != 2 ]] && cmd="FORK=$FORK $cmd"
[[ $BUILD != build-fuzz ]] && cmd="BUILD=$BUILD $cmd"
section=$(
    cat <<MD
## Reliability: fuzzing: $(date -u +%Y-%m-%d)

Command: \`$cmd\` ($SECONDS_PER_TARGET s per target, $mode; clang $(clang -dumpversion),
libFuzzer with ASan and UBSan; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')).
Each target starts from a fresh copy of its seeds (fuzz/corpus/; fuzz_extract also the files of
fuzz/corpus/extract.list from ../shared/corpus). cov: edges covered, ft: libFuzzer's features;
corpus: inputs kept at the end, seeds included; crashes: crashes, leaks, timeouts and broken
properties (inputs in $ARTIFACTS/).

| target | drives | executions | exec/s | cov | ft | corpus | crashes |
|---|---|---|---|---|---|---|---|
${rows}
- crashes found in this run: **$total_crashes**.
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## Reliability: fuzzing' "$RESULTS"; then
    awk -v new="$section" '
        /^## Reliability: fuzzing/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
