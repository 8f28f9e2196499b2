#!/usr/bin/env bash
# bench/scale.sh: a province in a box. Builds a catalog of N items in N/100 cases with about
# ten ledger entries an item, through the code paths ingest and the gate use
# (bench/scale_bench.c: arrivals with their jobs, metadata records with their search index,
# reviewers' reads ledgered as the gate builds them), then measures:
#   search by case, by a week's time range, by a 2 km radius, by text (a case's record number,
#   and a common word), a case's timeline: p50/p99 over Q random queries each, through the
#   functions the API calls (indexer/search.c, timeline.c);
#   inclusion and consistency proofs at the tail (ledger/merkle_proof.c), p50/p99, and the CLI's
#   `custody ledger proof` and `ledger consistency` once each (process start included);
#   `custody ledger checkpoint` of the unsigned tail; `custody ledger verify` of the whole log
#   (entries/s); the catalog's size on disk (bytes an item, the largest tables); peak RSS.
#
# Usage: N=100000 bench/scale.sh     (default N=10000000; needs build/custody; builds
#        build/custody-bench-scale). Environment: N, Q (queries per kind, 300), OUT (the home;
#        default bench/out/scale; removed at the end unless KEEP=1), CUSTODY, RESULTS.
# REUSE=1 measures an existing home at OUT (filled by an earlier run, e.g. KEEP=1) without
# filling it again; FILL_S and FILL_RSS give the fill's figures for the table if known.
# The section "Scale: N items" is replaced in RESULTS (each N keeps its own section).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-10000000}
Q=${Q:-300}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=${OUT:-bench/out/scale}
BENCH=$(dirname "$CUSTODY")/custody-bench-scale

die() {
    echo "bench/scale.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
# (a copy of the programs elsewhere, e.g. while the tree is rebuilt, is used as it is)
if [[ -f $(dirname "$CUSTODY")/CMakeCache.txt ]]; then
    cmake --build "$(dirname "$CUSTODY")" --target custody-bench-scale >/dev/null
fi
# Seconds (3 decimals) and peak RSS (KiB) of a command, its stdout into $OUT.stdout.
timed() {
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$OUT.rss" "$@" >"$OUT.stdout"
    end=$(date +%s%N)
    secs=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
    rss=$(cat "$OUT.rss")
}
fmt() { printf "%'d" "$1"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ ${REUSE:-0} == 1 ]]; then
    [[ -f $OUT/catalog.db ]] || die "REUSE=1: no catalog at $OUT"
    fill_s=${FILL_S:-0} fill_rss=${FILL_RSS:-?}
else
    rm -rf "$OUT"
    mkdir -p "$(dirname "$OUT")"
    "$CUSTODY" init --home "$OUT" >/dev/null
    timed "$BENCH" "$OUT" fill "$N"
    fill_s=$secs fill_rss=$rss
fi
entries=$(sqlite3 "$OUT/catalog.db" 'SELECT count(*) FROM ledger')
echo "fill: $N items, $entries entries in $fill_s s, peak RSS $fill_rss KiB" >&2

rows=""
for kind in case time near text word short timeline; do
    # two-character words are found by a scan of every item's text: fewer of them
    timed "$BENCH" "$OUT" query "$kind" "$([[ $kind == short ]] && echo $((Q / 10)) || echo "$Q")"
    read -r p50 p99 max mean c50 c99 <"$OUT.stdout"
    echo "query $kind: p50 $p50 ms, p99 $p99 ms, max $max ms, $mean rows; CPU $c50/$c99 ms" >&2
    rows+="| $kind | $p50 | $p99 | $max | $c50 | $c99 | $mean | $rss |"$'\n'
done
# The CLI: checkpoint the tail (what fill left unsigned), proofs at the tail, verify.
timed "$CUSTODY" ledger checkpoint --home "$OUT"
ckpt_s=$secs ckpt_rss=$rss
timed "$BENCH" "$OUT" proofs "$Q"
read -r pr50 pr99 co50 co99 <"$OUT.stdout"
proof_rss=$rss
# The same without the stored subtrees, as proofs were made before them (a few: each reads
# every leaf).
timed "$BENCH" "$OUT" proofs-from-leaves 5
read -r lpr50 lpr99 lco50 lco99 <"$OUT.stdout"
timed "$CUSTODY" ledger proof --home "$OUT" --leaf $((entries - 1))
cliproof_s=$secs
timed "$CUSTODY" ledger consistency --home "$OUT" --from $((entries - 1000)) --to "$entries"
clicons_s=$secs
timed "$CUSTODY" ledger verify --home "$OUT"
verify_s=$secs verify_rss=$rss verify_out=$(cat "$OUT.stdout")
rate=$(awk -v n="$entries" -v s="$verify_s" 'BEGIN { printf "%.0f", n / s }')
echo "checkpoint $ckpt_s s; proofs $pr50/$pr99 ms, consistency $co50/$co99 ms; from the leaves" \
    "$lpr50/$lco50 ms; CLI proof $cliproof_s s, consistency $clicons_s s; verify $verify_s s" \
    "($rate/s, RSS $verify_rss KiB): $verify_out" >&2

sqlite3 "$OUT/catalog.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
bytes=$(stat -c %s "$OUT/catalog.db")
per_item=$(awk -v b="$bytes" -v n="$N" 'BEGIN { printf "%.0f", b / n }')
tables=$(sqlite3 "$OUT/catalog.db" "SELECT name || ' ' || sum(pgsize) FROM dbstat GROUP BY name
    ORDER BY sum(pgsize) DESC LIMIT 8" |
    awk -v n="$N" '{ printf "%s%s %.0f", (NR > 1 ? ", " : ""), $1, $2 / n }')
load1=$(cut -d' ' -f1-3 /proc/loadavg)
verdict() { awk -v x="$1" -v g="$2" -v dir="$3" 'BEGIN { ok = dir == "ge" ? x >= g : x < g; print (ok ? "met" : "NOT met") }'; }

section=$(
    cat <<MD
## Scale: $(fmt "$N") items: $(date -u +%Y-%m-%d)

Command: \`N=$N bench/scale.sh\` (Q=$Q queries of each kind; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),
$(df -T bench | awk 'NR == 2 { print $2 }') on $(df bench | awk 'NR == 2 { print $1 }'); load average $load0 before, $load1 after). $(fmt "$N") items in
$(fmt $((N / 100))) cases, $(fmt "$entries") ledger entries ($(awk -v e="$entries" -v n="$N" 'BEGIN { printf "%.1f", e / n }') an item), filled in $fill_s s
($(awk -v n="$N" -v s="$fill_s" 'BEGIN { printf "%.0f", n / s }') items/s, $(awk -v n="$entries" -v s="$fill_s" 'BEGIN { printf "%.0f", n / s }') entries/s; peak RSS $fill_rss KiB).

| query (limit 100; short: Q/10 queries) | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms | rows | peak RSS KiB |
|---|---|---|---|---|---|---|---|
${rows}
| ledger | figure |
|---|---|
| inclusion proof, p50 / p99 (ms) | $pr50 / $pr99 |
| consistency proof, p50 / p99 (ms) | $co50 / $co99 (peak RSS $proof_rss KiB) |
| the same from the leaves alone (5 each): inclusion / consistency p50 (ms) | $lpr50 / $lco50 |
| \`custody ledger proof\` of the last leaf, whole command (s) | $cliproof_s |
| \`custody ledger consistency\` from 1,000 back, whole command (s) | $clicons_s |
| \`custody ledger checkpoint\` of the unsigned tail (s) | $ckpt_s (peak RSS $ckpt_rss KiB) |
| \`custody ledger verify\` (s; entries/s) | $verify_s; **$rate/s** (peak RSS $verify_rss KiB) |
| catalog.db (bytes; an item) | $bytes; **$per_item** |

- largest tables and indexes, bytes an item: $tables.
- search p99 < 100 ms, by kind (wall clock; CPU time): $(printf '%s' "$rows" | awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $4); gsub(/ /, "", $7); printf "%s%s %s (%s)", (NR > 1 ? ", " : ""), $2, ($4 + 0 < 100 ? "met" : "NOT met"), ($7 + 0 < 100 ? "met" : "NOT met") }');
  proofs p99 < 10 ms: $(verdict "$(awk -v a="$pr99" -v b="$co99" 'BEGIN { print (a + 0 > b + 0 ? a : b) }')" 10 lt);
  verify >= 1,000,000 entries/s: $(verdict "$rate" 1000000 ge); catalog <= 2,048 bytes an item: $(verdict "$per_item" 2049 lt).
- verify said: $verify_out
MD
)
printf '%s\n' "$section"
title="## Scale: $(fmt "$N") items"
if [[ -f $RESULTS ]] && grep -q "^$title:" "$RESULTS"; then
    awk -v new="$section" -v t="$title:" '
        index($0, t) == 1 { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
[[ ${KEEP:-0} == 1 ]] || rm -rf "$OUT"
rm -f "$OUT.rss" "$OUT.stdout"
