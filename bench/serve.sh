#!/usr/bin/env bash
# bench/serve.sh: `custody serve` from drop to done, against the physical limit of the same run.
#
# 1. Throughput, small files: 1,000 photos (the corpus JPEGs repeated, each made distinct by a
#    trailer that JPEG readers ignore) moved into a case folder at once; files/s over the time
#    from the drop to the last job done, less the settle period every file waits by design.
#    Goal: >= 500 photos/s (extraction included; no transcoding: run with
#    transcode.profiles empty). The same drop with the photos' preview and thumbnail made,
#    verified and stored is measured too and reported beside it, without a goal.
# 2. Latency: 60 photos dropped at 10 per second; for each, done_at minus the file's last write
#    (its mtime), with ingest.settle_ms = 1000. Goal: p99 <= settle + 250 ms.
# 3. Throughput, large files: 4 files of 1 GiB; MB/s from the drop to the last done (less the
#    settle period),
#    against `openssl dgst -sha256` over the same files in the same run (consume on one file
#    system is a hash and a link: hashing is the limit). Goal: ratio >= 0.85.
#
# Usage: bench/serve.sh   (needs build/custody, sqlite3, openssl; writes under bench/out/)
# Environment: CUSTODY (binary, default build/custody); RESULTS (default bench/RESULTS.md).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
CORPUS=${CORPUS:-$here/../shared/corpus/files}
OUT=bench/out/serve
CASE='任水罚〔2023〕1号'
SETTLE=1000

die() {
    echo "bench/serve.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
command -v sqlite3 >/dev/null || die "sqlite3 not found: apt-get install sqlite3"

pid=
stop_service() {
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=
    fi
}
trap stop_service EXIT

# Starts a fresh home and its service; arguments: more --set options.
start_service() {
    rm -rf "$OUT/home"
    "$CUSTODY" init --home "$OUT/home" >/dev/null
    mkdir -p "$OUT/home/uploads/$CASE"
    "$CUSTODY" serve --home "$OUT/home" --set ingest.settle_ms=$SETTLE "$@" 2>"$OUT/serve.log" &
    pid=$!
    sleep 1
}

sql() {
    sqlite3 "$OUT/home/catalog.db" "$1"
}

wait_done() {
    local want=$1 i
    for ((i = 0; i < 6000; i++)); do
        [[ $(sql "SELECT count(*) FROM jobs WHERE state = 'done'") -ge $want ]] && return 0
        sleep 0.1
    done
    die "only $(sql "SELECT count(*) FROM jobs WHERE state = 'done'") of $want jobs done"
}

# Seconds from the drop (UTC time given) to the last job done, less the settle period every
# file must wait by design: the time the service worked.
span() {
    sql "SELECT printf('%.3f', (julianday((SELECT max(done_at) FROM jobs))
                 - julianday('$1')) * 86400 - $SETTLE / 1000.0)"
}

now_utc() {
    date -u +%Y-%m-%dT%H:%M:%S.%3N
}

# Makes N distinct photos in $1 from the corpus JPEGs.
make_photos() {
    local dir=$1 n=$2 i=0 f
    mkdir -p "$dir"
    mapfile -t jpgs < <(find "$CORPUS" -iname '*.jpg' -size -400k | sort | head -50)
    ((${#jpgs[@]})) || die "no JPEGs under $CORPUS"
    while ((i < n)); do
        for f in "${jpgs[@]}"; do
            ((i < n)) || break
            { cat "$f"; printf 'CUSTODY-BENCH-%d' "$i"; } >"$dir/$(printf 'p%04d.jpg' "$i")"
            i=$((i + 1))
        done
    done
}

mkdir -p "$OUT"

# 1. Small files, three runs each (this machine is noisy): the median. First as the goal
#    says (no transcoding), then with each photo's preview and thumbnail (the default).
photo_runs() { # arguments: --set options of the service; sets runs=(...)
    local run
    runs=()
    for run in 1 2 3; do
        rm -rf "$OUT/photos"
        make_photos "$OUT/photos" 1000
        photo_bytes=$(du -sb "$OUT/photos" | cut -f1)
        start_service "$@"
        dropped=$(now_utc)
        mv "$OUT/photos"/* "$OUT/home/uploads/$CASE/"
        wait_done 1000
        runs+=("$(span "$dropped")")
        stop_service
        echo "photos run $run ($*): ${runs[-1]} s" >&2
    done
}
photo_runs --set transcode.profiles=
small_runs=("${runs[@]}")
photo_runs
copies_runs=("${runs[@]}")
small_s=$(printf '%s\n' "${small_runs[@]}" | sort -g | sed -n 2p)
photos_per_s=$(awk -v s="$small_s" 'BEGIN { printf "%.0f", 1000 / s }')
photo_mb_s=$(awk -v s="$small_s" -v b="$photo_bytes" 'BEGIN { printf "%.1f", b / s / 1e6 }')
copies_s=$(printf '%s\n' "${copies_runs[@]}" | sort -g | sed -n 2p)
copies_per_s=$(awk -v s="$copies_s" 'BEGIN { printf "%.0f", 1000 / s }')

# 2. Latency at a steady 10 files per second.
rm -rf "$OUT/photos"
make_photos "$OUT/photos" 60
start_service
for f in "$OUT/photos"/*; do
    cp "$f" "$OUT/home/uploads/$CASE/.tmp-$(basename "$f")"
    mv "$OUT/home/uploads/$CASE/.tmp-$(basename "$f")" "$OUT/home/uploads/$CASE/$(basename "$f")"
    sleep 0.1
done
wait_done 60
latencies=$(sql "SELECT (julianday(j.done_at) - julianday(s.source_mtime)) * 86400000
                 FROM jobs j JOIN item_sources s ON s.item_id = j.item_id" | sort -g)
stop_service
pct() {
    printf '%s\n' "$latencies" | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; printf "%.0f", v[i] }'
}
p50=$(pct 0.50)
p99=$(pct 0.99)

# 3. Large files.
rm -rf "$OUT/large"
mkdir -p "$OUT/large"
for i in 1 2 3 4; do
    head -c 1073741824 /dev/urandom >"$OUT/large/big$i.bin"
done
large_bytes=$((4 * 1073741824))
start=$(date +%s%N)
openssl dgst -sha256 "$OUT/large"/*.bin >/dev/null
end=$(date +%s%N)
hash_s=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
start_service
dropped=$(now_utc)
mv "$OUT/large"/*.bin "$OUT/home/uploads/$CASE/"
wait_done 4
large_s=$(span "$dropped")
stop_service
hash_mb_s=$(awk -v s="$hash_s" -v b=$large_bytes 'BEGIN { printf "%.0f", b / s / 1e6 }')
large_mb_s=$(awk -v s="$large_s" -v b=$large_bytes 'BEGIN { printf "%.0f", b / s / 1e6 }')
ratio=$(awk -v a="$large_mb_s" -v b="$hash_mb_s" 'BEGIN { printf "%.2f", a / b }')
rm -rf "$OUT/home"

section=$(
    cat <<MD
## custody serve, drop to done: $(date -u +%Y-%m-%d)

Command: \`bench/serve.sh\` ($("$CUSTODY" --version 2>/dev/null || echo "build: $CUSTODY"); $(nproc) cores,
$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); ingest.settle_ms = $SETTLE).

| measure | result | goal |
|---|---|---|
| 1,000 photos ($((photo_bytes / 1000)) bytes each on average), drop to last done less settle, no transcoding (\`transcode.profiles=\`), median of 3 (${small_runs[*]} s) | ${small_s} s: **${photos_per_s} photos/s**, ${photo_mb_s} MB/s | >= 500 photos/s |
| the same with each photo's preview and thumbnail made, verified and stored (the default), median of 3 (${copies_runs[*]} s) | ${copies_s} s: **${copies_per_s} photos/s** | |
| latency, last write to done, 60 photos at 10/s | p50 ${p50} ms, **p99 ${p99} ms** | p99 <= $((SETTLE + 250)) ms |
| 4 x 1 GiB, drop to last done less settle | ${large_s} s: **${large_mb_s} MB/s** | |
| \`openssl dgst -sha256\` over the same 4 GiB | ${hash_s} s: ${hash_mb_s} MB/s | |
| ratio custody / openssl | **${ratio}** | >= 0.85 |

The large files are hashed on ingest.parallel threads at once while openssl hashes one after
another, so the ratio can pass 1; with consume on one file system nothing is copied.

MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## custody serve, drop to done' "$RESULTS"; then
    # Replace the previous section of this benchmark, keep the others.
    awk -v new="$section" '
        /^## custody serve, drop to done/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n\n' "$section" >>"$RESULTS"
fi
