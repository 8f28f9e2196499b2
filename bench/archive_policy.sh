#!/usr/bin/env bash
# bench/archive_policy.sh: storage and CPU per hour of 1080p body-camera video under the
# default format policy (H.264/AAC in MP4 kept: the original is the archival copy, plus the
# access copy and the poster) against the FFV1 profile (policy row mp4-h264 set to normalise
# to ffv1-mkv: an FFV1/FLAC Matroska archival copy beside them), in one run, interleaved.
#
# Source: SECS seconds (default 20) of 1080p30 H.264 High + AAC 128k at a constant 8 Mbit/s,
# as body cameras write it (about 3.6 GB an hour); the picture is ffmpeg's testsrc2 with mild
# temporal noise (NOISE, default 4), so that it does not compress better than a camera's. Each run: `custody init`, then for the FFV1 profile
# `custody policy set mp4-h264 --action normalise --target ffv1-mkv`, then `custody ingest`
# of the clip, which stores it, extracts, makes and verifies every copy the policy asks for,
# stores and records them. Measured: the bytes under store/objects (original + copies), and
# the CPU seconds (user + system) of `custody ingest` and its workers (/usr/bin/time counts
# the children it waited for), each scaled to one hour of video; officer-hours a day that a
# machine of CORES cores keeps up with = CORES x 24 h of CPU / CPU per hour of video.
#
# Usage: bench/archive_policy.sh   (needs build/custody, ffmpeg, /usr/bin/time)
# PROFILES="default ffv1 h264" adds a third: the same source normalised to h264-high-mp4
# (crf 18, preset slow), what a camera format (HEVC, MJPEG, AVCHD...) costs under the default.
# Environment: N (default 3), SECS (default 20), CORES (default 2), NOISE (default 4),
# PROFILES (default "default ffv1"), CUSTODY, RESULTS.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
SECS=${SECS:-20}
CORES=${CORES:-2}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=bench/out/archive_policy
NOISE=${NOISE:-4}
PROFILES=${PROFILES:-default ffv1} # and h264: the cost of normalising (set on the same source)
SRC=$OUT/bodycam-1080p30-${SECS}s-n${NOISE}.mp4
CASE='任水罚〔2023〕1号'

die() {
    echo "bench/archive_policy.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
command -v ffmpeg >/dev/null || die "ffmpeg not found: apt-get install ffmpeg"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: apt-get install time"

mkdir -p "$OUT"
if [[ ! -f $SRC ]]; then
    ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30,noise=alls=$NOISE:allf=t" \
        -f lavfi -i sine=frequency=440:sample_rate=48000 -t "$SECS" -c:v libx264 -preset veryfast \
        -profile:v high -b:v 8M -minrate 8M -maxrate 8M -bufsize 8M -x264-params nal-hrd=cbr \
        -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$SRC"
fi
src_bytes=$(stat -c %s "$SRC")

# One run of profile $1 ("default" or "ffv1"): prints "wall_s cpu_s stored_bytes archival
# archival_bytes".
run() {
    local home=$OUT/home-$1
    rm -rf "$home"
    "$CUSTODY" init --home "$home" >/dev/null
    if [[ $1 != default ]]; then
        "$CUSTODY" policy set mp4-h264 --action normalise \
            --target "$([[ $1 == ffv1 ]] && echo ffv1-mkv || echo h264-high-mp4)" \
            --reason "bench: profile $1" --home "$home" >/dev/null
    fi
    /usr/bin/time -f '%e %U %S' -o "$OUT/time" "$CUSTODY" ingest --home "$home" --case "$CASE" \
        --json "$SRC" >"$OUT/ingest.json" 2>"$OUT/err" || {
        cat "$OUT/err" >&2
        die "custody ingest failed ($1)"
    }
    local stored archival abytes
    stored=$(find "$home/store/objects" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    "$CUSTODY" show --home "$home" --purpose bench --json "$(jq -r .sha256 "$OUT/ingest.json")" >"$OUT/show.json"
    archival=$(jq -r '(.archival_decision.action // "none") + ":" + ([.derivatives[] | select(.profile == "archival") | .media_type][0] // "the-original")' "$OUT/show.json")
    abytes=$(jq -r '[.derivatives[] | select(.profile == "archival") | .size][0] // 0' "$OUT/show.json")
    read -r wall user sys <"$OUT/time"
    awk -v w="$wall" -v u="$user" -v s="$sys" -v b="$stored" -v a="$archival" -v ab="$abytes" \
        'BEGIN { printf "%.2f %.2f %d %s %d\n", w, u + s, b, a, ab }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Each profile's CPU seconds and wall seconds per run, and what its last run stored.
declare -A cpu wall bytes arch abytes
for ((r = 1; r <= N; r++)); do
    line="run $r:"
    for p in $PROFILES; do
        read -r w c b a ab < <(run "$p")
        cpu[$p]+="$c " wall[$p]+="$w " bytes[$p]=$b arch[$p]=$a abytes[$p]=$ab
        line+=" $p $w s wall, $c CPU-s, $b bytes ($a);"
    done
    echo "$line" >&2
done
load=$(cut -d' ' -f1-3 /proc/loadavg)

# Per hour of video; officer-hours a day on CORES cores.
row() { # name cpu_median bytes archival archival_bytes runs
    awk -v n="$1" -v c="$2" -v b="$3" -v a="$4" -v ab="$5" -v runs="$6" -v secs="$SECS" \
        -v src="$src_bytes" -v cores="$CORES" 'BEGIN {
        h = 3600 / secs
        printf "| %s | %s | %.2f | %.1f | %.2f | %.0f | %.2f | %.0f | %s |\n", n, a, ab * h / 1e9,
            b * h / 1e9, b / src, c * h, c / secs, cores * 86400 / (c * h), runs
    }'
}
declare -A names=([default]="default policy (mp4-h264 kept)"
    [ffv1]="FFV1 profile (mp4-h264 to ffv1-mkv)"
    [h264]="normalised (mp4-h264 to h264-high-mp4, as a camera format is)")
walls=""
table=$(
    echo "| profile | archival copy | archival GB per hour | GB stored per hour (all) | stored / original | CPU-s per hour | CPU-s per s of video | officer-hours a day on $CORES cores | CPU-s per run |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for p in $PROFILES; do
        # shellcheck disable=SC2086
        row "${names[$p]}" "$(median ${cpu[$p]})" "${bytes[$p]}" "${arch[$p]}" "${abytes[$p]}" "${cpu[$p]% }"
    done
)
for p in $PROFILES; do
    # shellcheck disable=SC2086
    walls+="$p $(median ${wall[$p]}) s; "
done
echo "$table"
{
    echo
    echo "### Archive policy: storage and CPU per hour of 1080p body-camera video"
    echo
    echo "Command: \`N=$N SECS=$SECS PROFILES='$PROFILES' bench/archive_policy.sh\` ($(date -u '+%H:%M UTC %Y-%m-%d'); load average $load;"
    echo "source: ${SECS} s of 1080p30 H.264 High 8 Mbit/s CBR + AAC 128k (testsrc2, noise $NOISE), $src_bytes bytes; medians of $N runs, interleaved;"
    echo "wall medians: ${walls% })."
    echo
    echo "$table"
} >>"$RESULTS"
