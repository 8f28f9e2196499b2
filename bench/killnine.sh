#!/usr/bin/env bash
# bench/killnine.sh: power loss and disk faults, at length.
#
# 1. tests/fault/test_killnine.c with ROUNDS rounds (default 100; CI runs 10): kill -9 at a
#    random moment of a CLI ingest, the service ingesting dropped files, a burst of ledgered
#    reads, an export; each rerun to the end and the home checked (verify --all, ledger
#    verify, every file an item once, one arrival a drop, no temporary file, reads recorded
#    before they were served, exports absent or verified). Any failure fails the test.
# 2. tests/fault/test_ingest.c with CUSTODY_FAULT_STRIDE=1: every write, sync, open, link,
#    rename, truncate and mkdir of a whole `custody ingest` fails in turn (CI takes every
#    9th write), and tests/fault/test_reads.c: every catalog write and sync of a `custody get`.
# The figures go to the section "Reliability: kill -9 and fault injection" of RESULTS.md.
#
# Usage: bench/killnine.sh   (needs a build with the tests: cmake --build build)
# Environment: BUILD (default build), ROUNDS (100), CUSTODY_KILL_SEED (repeat a run), RESULTS.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-100}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=bench/out/killnine # git-ignored

die() {
    echo "bench/killnine.sh: $*" >&2
    exit 1
}
for t in fault_test_killnine fault_test_ingest fault_test_reads; do
    [[ -x $BUILD/$t ]] || die "$BUILD/$t not found; build the tests: cmake --build $BUILD"
done
mkdir -p "$OUT"

timed() { # name command...: runs it, output to $OUT/name.log, prints "rc seconds"
    local name=$1 start rc
    shift
    start=$(date +%s%N)
    "$@" >"$OUT/$name.log" 2>&1
    rc=$?
    echo "$rc $(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.0f", ns / 1e9 }')"
}

echo "kill -9: $ROUNDS rounds..." >&2
read -r k_rc k_s <<<"$(CUSTODY_KILL_ROUNDS=$ROUNDS timed killnine "$BUILD/fault_test_killnine")"
echo "fault sweep of an ingest (every call)..." >&2
read -r i_rc i_s <<<"$(CUSTODY_FAULT_STRIDE=1 timed ingest "$BUILD/fault_test_ingest")"
echo "fault sweep of a get..." >&2
read -r g_rc g_s <<<"$(timed reads "$BUILD/fault_test_reads")"

verdict() { [[ $1 == 0 ]] && echo "0 (pass)" || echo "**FAILED** (exit $1; see $OUT)"; }
seed=$(grep -o 'seed=[0-9]*' "$OUT/killnine.log" | head -1 | cut -d= -f2)
kinds=$(grep '^killnine: [a-z ]*: ' "$OUT/killnine.log" | sed 's/^killnine: /| /; s/: /: | /' |
    sed -E 's/\| ([a-z ]+): \| ([0-9]+) rounds, ([0-9]+) killed mid-operation \(([0-9]+) ms unkilled\)/| \1 | \2 | \3 | \4 |/')
total=$(grep -o 'killed mid-operation [0-9]*, failures' "$OUT/killnine.log" | grep -o '[0-9]*')
sweeps=$(grep '^sweep op=' "$OUT/ingest.log" |
    sed -E 's/^sweep op=([^ ]+) errno=([A-Z]+): ([0-9]+) call points, ([0-9]+) failed the ingest/| ingest | `\1` | \2 | \3 | \4 |/')
gets=$(grep '^get: op=' "$OUT/reads.log" |
    sed -E 's/^get: op=([^ ]+) failed at ([0-9]+) points/| get | `\1` | EIO | \2 | \2 |/')
# "write|fsync" inside a table cell: the pipes become commas.
nopipes() { sed -E ':a; s/(`[^`|]*)\|([^`]*`)/\1, \2/; ta'; }
sweeps=$(nopipes <<<"$sweeps")
gets=$(nopipes <<<"$gets")
checks() { grep -o 'Checks: [0-9]*, Failures: [0-9]*, Errors: [0-9]*' "$OUT/$1.log" | tail -1; }
section=$(
    cat <<MD
## Reliability: kill -9 and fault injection: $(date -u +%Y-%m-%d)

Command: \`bench/killnine.sh\` (BUILD=$BUILD; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo |
    cut -d: -f2 | sed 's/^ //'), $(df -T bench | awk 'NR == 2 { print $2 }') on $(df bench | awk 'NR == 2 { print $1 }'); load average $(cut -d' ' -f1-3 /proc/loadavg)).

kill -9 at a random moment, then the same work to the end (\`CUSTODY_KILL_ROUNDS=$ROUNDS
$BUILD/fault_test_killnine\`, seed $seed: \`CUSTODY_KILL_SEED=$seed\` repeats it; $k_s s).
"Killed mid-operation" counts the kills that found the operation still running (the others
came after it finished and check the same invariants); "unkilled" is how long it takes when
nobody kills it, and the random delay is drawn from 0 to about that. A round's work: cli ingest,
8 new files of 64-384 KiB; service ingest, 6 dropped files (a corpus photo, which gets two
copies, and 5 others), killed between the drop and the last copy; reads, 40 API downloads and
40 \`custody get\` at once, killed within 600 ms; export, a case of 12 files, as a folder or a
tar:

| operation (a round's work) | rounds | killed mid-operation | unkilled (ms) |
|---|---|---|---|
$kinds

- rounds $ROUNDS, killed mid-operation **${total:-?}**, failures: $(verdict "$k_rc") ($(checks killnine)).

Every call of one kind failing in turn (faultshim.c, \`after=k,count=1\` for k = 0, 1, ...
until the command makes fewer calls): \`CUSTODY_FAULT_STRIDE=1 $BUILD/fault_test_ingest\`
(a \`custody ingest\` of 3 files, 3.2 MiB; $i_s s) and \`$BUILD/fault_test_reads\` (a
\`custody get\`; $g_s s). A failed command must exit 3 (2 where SQLite fell back to a
read-only catalog) with one line naming the file and what to do, leave the home whole, and a
rerun must complete with every file an item once:

| command | calls | errno | call points | of which failed the command |
|---|---|---|---|---|
$sweeps
$gets

- ingest sweep: $(verdict "$i_rc") ($(checks ingest)); get sweep: $(verdict "$g_rc") ($(checks reads)).
  The points where an ingest succeeded despite its fault are best-effort calls (a failed
  checkpoint signature at exit is reported and signed by the next command; SQLite's own
  checkpoint of the WAL into the database); the home is checked whole after those too.
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## Reliability: kill -9 and fault injection' "$RESULTS"; then
    awk -v new="$section" '
        /^## Reliability: kill -9 and fault injection/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
((k_rc == 0 && i_rc == 0 && g_rc == 0))
