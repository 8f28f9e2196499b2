#!/usr/bin/env bash
# bench/transcode.sh: archival + access copies of one recording, against the ffmpeg program.
#
# Source: 10 s of 1080p30 H.264 + AAC (made once with ffmpeg's lavfi test source). Measures:
#   custody: `custody ingest` of the file into a fresh home: stores the original, extracts its
#            metadata, makes both copies from one decode, verifies each by decoding it back,
#            stores and records them.
#   (a) ffmpeg, one command writing the same two outputs from one decode (its best case).
#   (b) ffmpeg, two commands, one per output (what archival systems do: two decodes).
# Same settings for all: FFV1 level 3, g 1, slicecrc, 4 slices + FLAC in Matroska; libx264
# veryfast CRF 23 yuv420p at 720 lines + AAC 128k, MP4 +faststart. N runs each, interleaved;
# medians; peak RSS (custody: its worker, the process that transcodes). Goals on 2 cores:
# custody >= 1.0x (a) and >= 1.4x (b).
#
# Usage: bench/transcode.sh   (needs build/custody, ffmpeg, /usr/bin/time)
# Environment: N (default 3), CUSTODY, RESULTS.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=bench/out/transcode
SRC=$OUT/src-1080p30.mp4
CASE='任水罚〔2023〕1号'

die() {
    echo "bench/transcode.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
command -v ffmpeg >/dev/null || die "ffmpeg not found: apt-get install ffmpeg"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install time"

mkdir -p "$OUT"
if [[ ! -f $SRC ]]; then
    ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 \
        -f lavfi -i sine=frequency=440:sample_rate=48000 -t 10 -c:v libx264 -preset medium \
        -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$SRC"
fi

ARCHIVAL=(-map 0:v -map '0:a?' -c:v ffv1 -level 3 -g 1 -slicecrc 1 -slices 4 -c:a flac)
ACCESS=(-map 0:v:0 -map '0:a:0?' -vf 'scale=-2:720' -c:v libx264 -preset veryfast -crf 23
    -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart)

# Prints "seconds peak_rss_kb" of the command given as arguments.
measure() {
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$OUT/rss" "$@" >/dev/null 2>"$OUT/err" || {
        cat "$OUT/err" >&2
        die "failed: $*"
    }
    end=$(date +%s%N)
    awk -v ns=$((end - start)) -v rss="$(tail -n 1 "$OUT/rss")" 'BEGIN { printf "%.3f %d\n", ns / 1e9, rss }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

custody_run() {
    rm -rf "$OUT/home"
    "$CUSTODY" init --home "$OUT/home" >/dev/null
    "$CUSTODY" ingest --home "$OUT/home" --case "$CASE" "$SRC"
}
one_ffmpeg() {
    ffmpeg -nostdin -loglevel error -y -i "$SRC" "${ARCHIVAL[@]}" "$OUT/a.mkv" "${ACCESS[@]}" "$OUT/b.mp4"
}
two_ffmpeg() {
    ffmpeg -nostdin -loglevel error -y -i "$SRC" "${ARCHIVAL[@]}" "$OUT/a.mkv" &&
        ffmpeg -nostdin -loglevel error -y -i "$SRC" "${ACCESS[@]}" "$OUT/b.mp4"
}
# The worker's peak RSS: /usr/bin/time reports the largest of the process and its children.
c=() a=() b=() crss=() arss=() brss=()
for ((r = 1; r <= N; r++)); do
    read -r t m < <(measure bash -c "$(declare -f custody_run); OUT='$OUT' CUSTODY='$CUSTODY' CASE='$CASE' SRC='$SRC' custody_run")
    c+=("$t") crss+=("$m")
    read -r t m < <(measure bash -c "$(declare -p ARCHIVAL ACCESS); $(declare -f one_ffmpeg); OUT='$OUT' SRC='$SRC' one_ffmpeg")
    a+=("$t") arss+=("$m")
    read -r t m < <(measure bash -c "$(declare -p ARCHIVAL ACCESS); $(declare -f two_ffmpeg); OUT='$OUT' SRC='$SRC' two_ffmpeg")
    b+=("$t") brss+=("$m")
    echo "run $r/$N: custody ${c[-1]} s, one ffmpeg ${a[-1]} s, two ffmpeg ${b[-1]} s" >&2
done
# The copies custody made, as a check that it did the same work.
show=$("$CUSTODY" show --home "$OUT/home" --purpose "benchmark check" --json "$(sha256sum "$SRC" | cut -c1-64)")
summary=$(printf '%s' "$show" | python3 -c '
import json, sys
d = json.load(sys.stdin)["derivatives"]
print("; ".join("%s %s %s %dx%d %s frames %s bytes" % (x["profile"], x["status"], x.get("encoders", {}).get("video"),
      x.get("width") or 0, x.get("height") or 0, x.get("frames"), x.get("size")) for x in d))')

cm=$(median "${c[@]}")
am=$(median "${a[@]}")
bm=$(median "${b[@]}")
ra=$(awk -v x="$am" -v y="$cm" 'BEGIN { printf "%.2f", x / y }')
rb=$(awk -v x="$bm" -v y="$cm" 'BEGIN { printf "%.2f", x / y }')
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r >= g ? "met" : "NOT met") }'; }
section=$(
    cat <<MD
## Transcoding against ffmpeg: $(date -u +%Y-%m-%d)

Command: \`bench/transcode.sh\` (N=$N, interleaved; source: 10 s 1080p30 H.264 + AAC from
lavfi testsrc2; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');
$(ffmpeg -version | head -n 1 | cut -d' ' -f1-3)). Build: \`$CUSTODY\`
($(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$CUSTODY")/CMakeCache.txt" 2>/dev/null || echo unknown)).

| run | median (s) | runs (s) | peak RSS (KiB, median) |
|---|---|---|---|
| \`custody ingest\` (store, extract, both copies, verify both, record) | $cm | ${c[*]} | $(median "${crss[@]}") |
| (a) one \`ffmpeg\`, two outputs, one decode | $am | ${a[*]} | $(median "${arss[@]}") |
| (b) two \`ffmpeg\` runs, one per output | $bm | ${b[*]} | $(median "${brss[@]}") |

- custody against (a): **${ra}x** (goal >= 1.0x: $(verdict "$ra" 1.0)); against (b): **${rb}x** (goal >= 1.4x: $(verdict "$rb" 1.4)).
- custody's copies: $summary.
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## Transcoding against ffmpeg' "$RESULTS"; then
    awk -v new="$section" '
        /^## Transcoding against ffmpeg/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
