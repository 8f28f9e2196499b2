#!/usr/bin/env bash
# bench/export.sh: `custody export` of a ~2 GB case against `cp -r` plus `sha256sum` of the
# same stored object files, in the same run.
#
# The case: FILES random files of MB MiB each (made once under bench/out/export/src,
# ingested once into bench/out/export/home). Each of N rounds runs, interleaved: the export
# to a folder (as the operator: every item, ledgered, checkpoint signed, bag synced), then the
# floor: `cp -r` of the case's stored objects and `sha256sum` of the copies. Both read the
# same files, warm in the page cache after the first round. ratio = floor / export, medians;
# goal >= 0.8. Peak RSS of the export from /usr/bin/time.
#
# Usage: bench/export.sh   (needs build/custody, /usr/bin/time)
# Environment: N (rounds, default 3), FILES (20), MB (100), CUSTODY, RESULTS, OUT.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
FILES=${FILES:-20}
MB=${MB:-100}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=${OUT:-bench/out/export} # git-ignored
CASE="任水罚〔2023〕12号"

die() {
    echo "bench/export.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
seconds() { # runs "$@", prints its wall time in seconds
    local start
    start=$(date +%s%N)
    "$@"
    awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f", ns / 1e9 }'
}

# The case, made and ingested once (a marker says each step finished).
if [[ ! -f $OUT/src.complete ]]; then
    rm -rf "$OUT"
    mkdir -p "$OUT/src"
    for ((i = 0; i < FILES; i++)); do
        head -c $((MB * 1048576)) /dev/urandom >"$OUT/src/part-$i.bin"
    done
    touch "$OUT/src.complete"
fi
if [[ ! -f $OUT/home.complete ]]; then
    rm -rf "$OUT/home"
    "$CUSTODY" init --home "$OUT/home" >/dev/null
    "$CUSTODY" ingest --home "$OUT/home" --case "$CASE" "$OUT/src" >/dev/null
    touch "$OUT/home.complete"
fi
mapfile -t objects < <(find "$OUT/home/store/objects" -type f)
((${#objects[@]} == FILES)) || die "expected $FILES stored objects, found ${#objects[@]}"
bytes=$(du -cb "${objects[@]}" | tail -1 | cut -f1)

run_export() {
    /usr/bin/time -f %M -o "$OUT/rss" "$CUSTODY" export "$CASE" --home "$OUT/home" \
        --purpose bench --out "$OUT/bag" >/dev/null
}
run_floor() {
    mkdir "$OUT/copy"
    cp -r "${objects[@]}" "$OUT/copy/"
    sha256sum "$OUT"/copy/* >/dev/null
}

export_s=() floor_s=() rss=()
for ((r = 1; r <= N; r++)); do
    rm -rf "$OUT/bag" "$OUT/copy"
    sync
    export_s+=("$(seconds run_export)")
    rss+=("$(cat "$OUT/rss")")
    rm -rf "$OUT/bag"
    sync
    floor_s+=("$(seconds run_floor)")
    rm -rf "$OUT/copy"
    echo "round $r/$N: export ${export_s[-1]} s (peak RSS ${rss[-1]} KiB), cp -r + sha256sum ${floor_s[-1]} s" >&2
done
em=$(median "${export_s[@]}")
fm=$(median "${floor_s[@]}")
rm_kib=$(median "${rss[@]}")
ratio=$(awk -v f="$fm" -v e="$em" 'BEGIN { printf "%.2f", f / e }')
mbs() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }
verdict=$(awk -v x="$ratio" 'BEGIN { print (x >= 0.8 ? "met" : "NOT met") }')
section=$(
    cat <<MD
## Export: a ~2 GB case against cp -r + sha256sum: $(date -u +%Y-%m-%d)

Command: \`bench/export.sh\` (N=$N interleaved rounds; $FILES files of $MB MiB, $bytes bytes; $(nproc) cores,
$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(df -T bench | awk 'NR == 2 { print $2 }') on $(df bench | awk 'NR == 2 { print $1 }'); sources warm in the page cache).
The export is \`custody export CASE --out DIR\` as the operator: plan, a durable ledger entry, a signed
checkpoint, originals copied and hashed into the manifest, records and ledger proofs, one syncfs, rename.
The floor is \`cp -r\` of the same stored objects and \`sha256sum\` of the copies (no sync).

| measure | median | runs |
|---|---|---|
| \`custody export\` (s) | $em | ${export_s[*]} |
| \`cp -r\` + \`sha256sum\` (s) | $fm | ${floor_s[*]} |
| export peak RSS (KiB) | $rm_kib | ${rss[*]} |

- ratio (cp -r + sha256sum) / export: **$ratio** (goal >= 0.8: $verdict); export $(mbs "$em") MiB/s,
  floor $(mbs "$fm") MiB/s.
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## Export: a ~2 GB case' "$RESULTS"; then
    awk -v new="$section" '
        /^## Export: a ~2 GB case/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
rm -rf "$OUT/bag" "$OUT/copy" "$OUT/rss"
