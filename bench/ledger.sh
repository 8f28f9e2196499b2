#!/usr/bin/env bash
# bench/ledger.sh: durable ledger appends with group commit, and `custody ledger verify` of a
# million entries.
#
# Appends: THREADS callers (8, then 64) each append retrieval entries for 5 s through the
# group-commit appender, each call returning only once its entry is durable (a synced SQLite
# commit in catalog.db, WAL, synchronous=FULL): the rule a retrieval lives by before a byte is
# served. Goal >= 10,000 appends/s. Beside it, the published figure of Tessera's POSIX
# backend (transparency-dev/tessera; ~2,900 writes/s on 12 cores, from its README's
# performance table) — quoted, not rerun here: it needs Go, which this machine lacks.
# Verify: 1,000,000 entries and a checkpoint, then `custody ledger verify`; goal < 10 s.
#
# Usage: bench/ledger.sh   (needs build/custody; builds build/custody-bench-ledger)
# Environment: N (verify runs, default 3), CUSTODY, RESULTS.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=bench/out/ledger
BENCH=$(dirname "$CUSTODY")/custody-bench-ledger

die() {
    echo "bench/ledger.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
cmake --build "$(dirname "$CUSTODY")" --target custody-bench-ledger >/dev/null
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

rows=""
for threads in 8 64; do
    rates=()
    for ((r = 1; r <= N; r++)); do
        rm -rf "$OUT"
        "$CUSTODY" init --home "$OUT" >/dev/null
        rates+=("$("$BENCH" "$OUT" appends "$threads" 5)")
        echo "appends, $threads callers, run $r/$N: ${rates[-1]}/s" >&2
    done
    rows+="| durable appends/s, $threads concurrent callers | $(median "${rates[@]}") | ${rates[*]} |"$'\n'
done

rm -rf "$OUT"
"$CUSTODY" init --home "$OUT" >/dev/null
start=$(date +%s%N)
"$BENCH" "$OUT" fill 1000000
fill_s=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
v=()
for ((r = 1; r <= N; r++)); do
    start=$(date +%s%N)
    "$CUSTODY" ledger verify --home "$OUT" >"$OUT.verify" || die "verify failed: $(cat "$OUT.verify")"
    v+=("$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f", ns / 1e9 }')")
    echo "verify run $r/$N: ${v[-1]} s: $(cat "$OUT.verify")" >&2
done
vm=$(median "${v[@]}")
a8=$(echo "$rows" | awk -F'|' 'NR == 1 { gsub(/ /, "", $3); print $3 }')
a64=$(echo "$rows" | awk -F'|' 'NR == 2 { gsub(/ /, "", $3); print $3 }')
verdict() { awk -v x="$1" -v g="$2" -v dir="$3" 'BEGIN { ok = dir == "ge" ? x >= g : x < g; print (ok ? "met" : "NOT met") }'; }
section=$(
    cat <<MD
## Ledger: durable appends and verify: $(date -u +%Y-%m-%d)

Command: \`bench/ledger.sh\` (N=$N; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),
$(df -T bench | awk 'NR == 2 { print $2 }') on $(df bench | awk 'NR == 2 { print $1 }')). Each append returns only once its entry is durable.

| measure | median | runs |
|---|---|---|
${rows}| \`custody ledger verify\`, 1,000,000 entries + checkpoints (s) | $vm | ${v[*]} |
| Tessera POSIX backend, published (12 cores; not rerun: no Go here) | ~2,900 writes/s | |

- appends with 64 concurrent callers: **$a64/s** (goal >= 10,000: $(verdict "$a64" 10000 ge)); with 8: $a8/s
  (a group is only as large as the callers waiting: fewer callers, fewer entries per sync).
- verify of 1,000,000 entries: **$vm s** (goal < 10 s: $(verdict "$vm" 10 lt)); filling them took $fill_s s.
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## Ledger: durable appends and verify' "$RESULTS"; then
    awk -v new="$section" '
        /^## Ledger: durable appends and verify/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
rm -rf "$OUT" "$OUT.verify"
