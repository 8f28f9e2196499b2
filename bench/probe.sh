#!/usr/bin/env bash
# bench/probe.sh: metadata extraction against ExifTool, the reference its results are checked
# with. ~2,000 real photos (the corpus JPEGs, and every tenth one a HEIC from the corpus and
# tests/data/heic, as phones make them; copied as often as needed) in one folder;
# `custody probe --json DIR` against `exiftool -j -n DIR`, output to /dev/null, N runs each,
# interleaved; medians. Goal: custody >= 50x faster (issue 24).
#
# Usage: bench/probe.sh   (needs build/custody and exiftool: apt-get install
# libimage-exiftool-perl). Environment: N (default 3), CUSTODY, RESULTS, and BEFORE: another
# custody (a copy of an earlier build, its custody-worker beside it) timed in the same
# rounds, so that a change is measured under the same load as the peer.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
CORPUS=${CORPUS:-$here/../shared/corpus/files}
OUT=bench/out/probe
WANT=2000

die() {
    echo "bench/probe.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first"
command -v exiftool >/dev/null || die "exiftool not found: apt-get install libimage-exiftool-perl"

rm -rf "$OUT"
mkdir -p "$OUT/photos"
mapfile -t jpgs < <(find "$CORPUS" -iname '*.jpg' | sort)
((${#jpgs[@]})) || die "no JPEGs under $CORPUS"
# HEICs big enough to hold a picture (ExifTool's 623-byte sample holds only boxes)
mapfile -t heics < <(find "$CORPUS" tests/data/heic -iname '*.heic' -size +100k -exec sha256sum {} + |
    sort -u -k1,1 | cut -c67-)
((${#heics[@]})) || die "no HEIC photos under $CORPUS or tests/data/heic"
i=0
j=0
h=0
while ((i < WANT)); do
    if ((i % 10 == 9)); then
        cp "${heics[h % ${#heics[@]}]}" "$OUT/photos/$(printf 'p%04d.heic' "$i")"
        h=$((h + 1))
    else
        cp "${jpgs[j % ${#jpgs[@]}]}" "$OUT/photos/$(printf 'p%04d.jpg' "$i")"
        j=$((j + 1))
    fi
    i=$((i + 1))
done

seconds() {
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true # bad photos make both tools complain; both go on
    end=$(date +%s%N)
    awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

c=()
e=()
b=()
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= N; r++)); do
    c+=("$(seconds "$CUSTODY" probe --json "$OUT/photos")")
    e+=("$(seconds exiftool -j -n "$OUT/photos")")
    [[ -z ${BEFORE:-} ]] || b+=("$(seconds "$BEFORE" probe --json "$OUT/photos")")
    echo "run $r/$N: custody ${c[-1]} s, exiftool ${e[-1]} s${BEFORE:+, before ${b[-1]} s}" >&2
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
cm=$(median "${c[@]}")
em=$(median "${e[@]}")
ratio=$(awk -v a="$em" -v b="$cm" 'BEGIN { printf "%.1f", a / b }')
before_row=
if [[ -n ${BEFORE:-} ]]; then
    bm=$(median "${b[@]}")
    before_row="| \`$BEFORE probe --json DIR\` (before; **$(awk -v a="$em" -v b="$bm" 'BEGIN { printf "%.1f", a / b }')x**) | $bm | $(awk -v s="$bm" -v n=$WANT 'BEGIN { printf "%.0f", n / s }') | ${b[*]} |"
fi
section=$(
    cat <<MD
## custody probe against ExifTool: $(date -u +%Y-%m-%d)

Command: \`bench/probe.sh\` (N=$N, interleaved; $WANT photos: $j of the corpus JPEGs and $h
iPhone HEICs (${#heics[@]} distinct), copied as often as needed; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); ExifTool $(exiftool -ver); load average $load0 before, $load1 after).

| tool | median (s) | photos/s | runs (s) |
|---|---|---|---|
| \`custody probe --json DIR\` | $cm | $(awk -v s="$cm" -v n=$WANT 'BEGIN { printf "%.0f", n / s }') | ${c[*]} |
| \`exiftool -j -n DIR\` | $em | $(awk -v s="$em" -v n=$WANT 'BEGIN { printf "%.0f", n / s }') | ${e[*]} |
$before_row

- custody is **${ratio}x** faster (goal: >= 50x).
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## custody probe against ExifTool' "$RESULTS"; then
    awk -v new="$section" '
        /^## custody probe against ExifTool/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n\n' "$section" >>"$RESULTS"
fi
