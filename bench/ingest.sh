#!/usr/bin/env bash
# bench/ingest.sh: ingest throughput against its named peers, and peak memory on a huge file.
#
# Peers, over the same ~600 MB in 50 random files: `openssl dgst -sha256` (hashing alone)
# and `cp -r` + `sync` (writing alone, durably). Ingest must both hash and write durably, so
# its floor is the slower of the two: ratio = max(hash, cp+sync) / ingest; goal >= 0.85.
# Each measure runs N times, interleaved so drifting disk speed hits all alike; the page cache
# is not dropped (the files stay cached, as an upload just written would be). Then the peak
# RSS of ingesting one sparse 4 GiB file; goal < 64 MiB.
#
# Usage: bench/ingest.sh    (from anywhere; needs build/custody, openssl, /usr/bin/time)
# Environment: N (runs, default 5); CUSTODY (binary, default build/custody); RESULTS (default
# bench/RESULTS.md), to try the script on another build without touching the record.
set -euo pipefail
shopt -s inherit_errexit # a failing command inside $(seconds ...) must stop the run too

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

N=${N:-5}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
CASE='任水罚〔2023〕1号'
OUT=bench/out # git-ignored; on the same disk as the homes we ingest into
SRC=$OUT/src
NFILES=50

die() {
    echo "bench/ingest.sh: $*" >&2
    exit 1
}

[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build --target custody"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found; install it: apt-get install time"
command -v openssl >/dev/null || die "openssl not found; install it: apt-get install openssl"

# The data: sizes from 1 to 23 MiB (about 600 MB in all), made once and kept between runs.
make_source() {
    if [[ -f $OUT/src.complete ]]; then
        return
    fi
    rm -rf "$SRC"
    mkdir -p "$SRC"
    local i size
    for ((i = 1; i <= NFILES; i++)); do
        size=$(((1 + i * 37 % 23) * 1048576 + i * 4099))
        head -c "$size" /dev/urandom >"$SRC/$(printf 'rec%02d.bin' "$i")"
    done
    touch "$OUT/src.complete"
}

# Prints the seconds (3 decimals) that the command given as arguments takes.
seconds() {
    local start end
    start=$(date +%s%N)
    "$@"
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

median() {
    printf '%s\n' "$@" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

hash_files() {
    openssl dgst -sha256 "${files[@]}" >/dev/null
}

copy_files() {
    cp -r "$SRC" "$OUT/dst" && sync
}

ingest_files() {
    "$CUSTODY" ingest --home "$OUT/home" --case "$CASE" "$SRC" >/dev/null
}

# The machine may be shared: the load beside the figures says how far to trust them.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)

make_source
files=("$SRC"/rec*.bin)
bytes=$(stat -c %s "${files[@]}" | awk '{ s += $1 } END { print s }')
echo "data: ${#files[@]} files, $bytes bytes in $SRC"

hash_s=() copy_s=() ingest_s=()
for ((run = 1; run <= N; run++)); do
    hash_s+=("$(seconds hash_files)")

    rm -rf "${OUT:?}/dst"
    sync
    copy_s+=("$(seconds copy_files)")

    rm -rf "${OUT:?}/home"
    sync
    "$CUSTODY" init --home "$OUT/home" >/dev/null
    ingest_s+=("$(seconds ingest_files)")

    echo "run $run/$N: hash ${hash_s[-1]} s, cp+sync ${copy_s[-1]} s, ingest ${ingest_s[-1]} s"
done
rm -rf "${OUT:?}/dst" "${OUT:?}/home"
load_end=$(loadavg)

hash_m=$(median "${hash_s[@]}")
copy_m=$(median "${copy_s[@]}")
ingest_m=$(median "${ingest_s[@]}")
limit=$(awk -v a="$hash_m" -v b="$copy_m" 'BEGIN { print (a > b ? a : b) }')
ratio=$(awk -v l="$limit" -v c="$ingest_m" 'BEGIN { printf "%.2f\n", l / c }')
mbps() {
    awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f\n", b / s / 1e6 }'
}

# Peak memory: one sparse 4 GiB file, read whole, must not be held whole.
rm -rf "${OUT:?}/sparse" "${OUT:?}/home-sparse"
mkdir -p "$OUT/sparse"
truncate -s 4G "$OUT/sparse/huge.bin"
printf 'not all zeros' | dd of="$OUT/sparse/huge.bin" bs=1 seek=1000000000 conv=notrunc status=none
"$CUSTODY" init --home "$OUT/home-sparse" >/dev/null
/usr/bin/time -f %M -o "$OUT/rss.txt" \
    "$CUSTODY" ingest --home "$OUT/home-sparse" --case "$CASE" "$OUT/sparse" >/dev/null
rss_kb=$(tail -n 1 "$OUT/rss.txt")
rm -rf "${OUT:?}/sparse" "${OUT:?}/home-sparse" "${OUT:?}/rss.txt"

verdict() { # verdict <1 if met>
    if [[ $1 == 1 ]]; then echo met; else echo "NOT met"; fi
}
ratio_ok=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.85) }')
rss_ok=$(awk -v k="$rss_kb" 'BEGIN { print (k < 64 * 1024) }')

when=$(date -u '+%Y-%m-%d %H:%M UTC')
heading="## Ingest throughput, $(date -u +%Y-%m-%d)"
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
# A Debug build measures the compiler's -O0, not the design: say which one ran.
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$CUSTODY")/CMakeCache.txt" 2>/dev/null || true)
section=$(
    cat <<EOF
$heading

Run at $when with \`bench/ingest.sh\` (N=$N runs each, interleaved; page cache not dropped).
Machine: $(nproc) × $cpu, Linux $(uname -r), $(df -T "$OUT" | awk 'NR == 2 { print $2 " on " $1 }').
Build: \`$CUSTODY\` (${build_type:-unknown} build). Data: ${#files[@]} random files, $bytes bytes.
Load average (1, 5, 15 min): $load_start before the runs, $load_end after.

| measure | median (s) | MB/s | runs (s) |
|---|---|---|---|
| \`openssl dgst -sha256\` | $hash_m | $(mbps "$hash_m") | ${hash_s[*]} |
| \`cp -r\` + \`sync\` | $copy_m | $(mbps "$copy_m") | ${copy_s[*]} |
| \`custody ingest\` | $ingest_m | $(mbps "$ingest_m") | ${ingest_s[*]} |

- limit = max(hash, cp+sync) = $limit s; ratio = limit / ingest = **$ratio**
- peak RSS ingesting a sparse 4 GiB file: **$rss_kb KiB**
- goal: ratio >= 0.85 — $(verdict "$ratio_ok")
- goal: RSS < 64 MiB (65536 KiB) — $(verdict "$rss_ok")
EOF
)

# One section per day: a rerun replaces that day's section and keeps the others.
if [[ ! -f $RESULTS ]]; then
    printf '# Benchmark results\n\nEach section is written by the script it names; newest last.\n' >"$RESULTS"
fi
awk -v h="$heading" '
    $0 == h { skip = 1; next }
    skip && /^## / { skip = 0 }
    skip { next }
    /^$/ { blank++; next } # held back, so that trailing blank lines are dropped
    { for (; blank > 0; blank--) print ""; print }
' "$RESULTS" >"$RESULTS.new"
printf '\n%s\n' "$section" >>"$RESULTS.new"
mv "$RESULTS.new" "$RESULTS"

echo
echo "$section"
