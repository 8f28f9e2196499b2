#!/usr/bin/env bash
# bench/api.sh: the HTTP API against libh2o alone, in the same run.
#
# 1. Logged reads: wrk --latency against GET /v1/items/{sha256} of a real photo's record (a
#    JPEG with EXIF and GPS, tests/data/gps/DSCN0010.jpg, ingested with its preview and
#    thumbnail) with a reviewer's token and a purpose (every request decided and its ledger
#    entry durable, group-committed, before the answer), at each of CONNS connections,
#    against the ceiling: a trivial libh2o handler answering "ok" (bench/h2o_ceiling.c, the
#    same libh2o and libuv). Goals: >= 8,000 logged requests/s at 32 and at 64 connections,
#    p99 latency reported, and >= 0.6 of the ceiling. The server's CPU time per request
#    (utime + stime of custody serve over the run, /proc) is reported beside: it does not
#    depend on what else the machine runs.
# 2. Downloads: GET /v1/items/{sha256}/original of a 100 MiB object over loopback with curl,
#    against libh2o's own h2o_file_send serving the same file from the ceiling program.
#    Goal: >= 0.9 of h2o_file_send.
# Each measure alternates custody and its peer, N runs each; the medians are compared. The
# client runs on the same machine (wrk takes one of the cores it shares with the server).
#
# Usage: bench/api.sh   (needs build/custody, wrk, curl, sqlite3; builds
#        build/custody-bench-h2o-ceiling)
# Environment: N (runs, default 3), SECONDS_EACH (wrk duration, default 5), CONNS (wrk
# connections, a list, default "32 64"), CUSTODY, RESULTS ("-": print the section only).
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
SECONDS_EACH=${SECONDS_EACH:-5}
CONNS=${CONNS:-32 64}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=bench/out/api
CEILING=$(dirname "$CUSTODY")/custody-bench-h2o-ceiling
CASE='任水罚〔2023〕1号'
PHOTO=tests/data/gps/DSCN0010.jpg

die() {
    echo "bench/api.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
command -v wrk >/dev/null || die "wrk not found: apt-get install wrk"
command -v curl >/dev/null || die "curl not found: apt-get install curl"
command -v sqlite3 >/dev/null || die "sqlite3 not found: apt-get install sqlite3"
command -v jq >/dev/null || die "jq not found: apt-get install jq"
cmake --build "$(dirname "$CUSTODY")" --target custody-bench-h2o-ceiling >/dev/null

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
verdict() {
    awk -v x="$1" -v g="$2" 'BEGIN { print (x >= g ? "met" : "NOT met") }'
}

pids=()
stop_all() {
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    pids=()
}
trap stop_all EXIT

rm -rf "$OUT"
mkdir -p "$OUT"
"$CUSTODY" init --home "$OUT/home" >/dev/null
head -c $((100 * 1024 * 1024)) /dev/urandom >"$OUT/object.bin"
sha=$(sha256sum "$OUT/object.bin" | cut -c1-64)
"$CUSTODY" ingest --home "$OUT/home" --case "$CASE" "$OUT/object.bin" >/dev/null
photo=$(sha256sum "$PHOTO" | cut -c1-64)
"$CUSTODY" ingest --home "$OUT/home" --case "$CASE" "$PHOTO" >/dev/null
token=$("$CUSTODY" user add bench --home "$OUT/home" --role reviewer | tail -n 1)
"$CUSTODY" grant bench --home "$OUT/home" --case "$CASE" --purpose "api bench" >/dev/null

"$CUSTODY" serve --home "$OUT/home" --set api.listen=127.0.0.1:0 2>"$OUT/serve.log" &
pids+=($!)
"$CEILING" 0 "$here/$OUT/object.bin" >"$OUT/ceiling.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 200; i++)); do
    cport=$(awk '/^listening/ { print $2 }' "$OUT/ceiling.log")
    aport=$(sed -n 's/.*"api.listening".*"listen":"127.0.0.1:\([0-9]*\)".*/\1/p' "$OUT/serve.log")
    [[ -n $cport && -n $aport ]] && break
    sleep 0.05
done
[[ -n $cport && -n $aport ]] || die "the servers did not start: $(tail -3 "$OUT/serve.log")"
item="http://127.0.0.1:$aport/v1/items/$sha"
record="http://127.0.0.1:$aport/v1/items/$photo"
auth=(-H "Authorization: Bearer $token" -H "X-Custody-Purpose: api%20bench")
code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$item")
[[ $code == 200 ]] || die "GET /v1/items/{sha256} answered $code"
# The photo's record as a clerk sees it: EXIF, GPS, a preview and a thumbnail.
curl -s "${auth[@]}" "$record" >"$OUT/record.json"
jq -e '.metadata.gps.lat and .metadata.raw.exif and
    ([.derivatives[] | select(.status == "verified") | .profile] | index("preview") and
        index("thumbnail"))' "$OUT/record.json" >/dev/null ||
    die "the photo's record lacks GPS, EXIF, a preview or a thumbnail: $(head -c 300 "$OUT/record.json")"
record_bytes=$(wc -c <"$OUT/record.json")
serve_pid=${pids[0]}

entries() {
    sqlite3 "$OUT/home/catalog.db" "SELECT count(*) FROM ledger"
}
# Requests/s of one wrk run; the requests it completed go to $OUT/requests, its p50 and p99
# latency (ms) to $OUT/p50 and $OUT/p99.
wrk_rate() {
    local conns=$1
    shift
    wrk -t2 -c"$conns" -d"${SECONDS_EACH}s" --latency "$@" >"$OUT/wrk.txt"
    if grep -q 'Non-2xx\|Socket errors' "$OUT/wrk.txt"; then
        die "wrk saw errors: $(cat "$OUT/wrk.txt")"
    fi
    awk '/requests in/ { print $1 }' "$OUT/wrk.txt" >"$OUT/requests"
    ms() { awk -v q="$1" '$1 == q { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        printf "%.2f", v * (u == "us" ? 0.001 : u == "s" ? 1000 : 1) }' "$OUT/wrk.txt"; }
    ms 50% >"$OUT/p50"
    ms 99% >"$OUT/p99"
    awk '/^Requests\/sec/ { printf "%d", $2 }' "$OUT/wrk.txt"
}
# CPU time (ticks) custody serve has used.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$serve_pid/stat"
}
tick_us=$((1000000 / $(getconf CLK_TCK)))

ceil=()
declare -A logged p50 p99 cpu
total_requests=0
before=$(entries)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= N; r++)); do
    ceil+=("$(wrk_rate 64 "http://127.0.0.1:$cport/ok")")
    line="run $r/$N: ceiling ${ceil[-1]}/s"
    for c in $CONNS; do
        t0=$(cpu_ticks)
        rate=$(wrk_rate "$c" "${auth[@]}" "$record")
        requests=$(cat "$OUT/requests")
        logged[$c]+="$rate "
        p50[$c]+="$(cat "$OUT/p50") "
        p99[$c]+="$(cat "$OUT/p99") "
        cpu[$c]+="$(((($(cpu_ticks) - t0) * tick_us) / (requests > 0 ? requests : 1))) "
        total_requests=$((total_requests + requests))
        line+=", $c conns ${rate}/s (p99 $(cat "$OUT/p99") ms)"
    done
    echo "$line" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
ledgered=$(($(entries) - before))
# Every answered request has its entry; a few more may be in the ledger (requests wrk
# abandoned at the end of a run were decided and recorded, then not read).
((ledgered >= total_requests)) || die "$total_requests requests answered, only $ledgered ledgered"

dl() {
    curl -s -o /dev/null -w '%{speed_download}' "$@" | awk '{ printf "%.0f", $1 / 1048576 }'
}
file=() down=()
dl "http://127.0.0.1:$cport/file" >/dev/null # once each unmeasured: both from the page cache
dl "${auth[@]}" "$item/original" >/dev/null
for ((r = 1; r <= N; r++)); do
    file+=("$(dl "http://127.0.0.1:$cport/file")")
    down+=("$(dl "${auth[@]}" "$item/original")")
    echo "download run $r/$N: h2o_file_send ${file[-1]} MiB/s, custody ${down[-1]} MiB/s" >&2
done
stop_all
"$CUSTODY" ledger verify --home "$OUT/home" >"$OUT/verify.txt" ||
    die "ledger verify failed: $(cat "$OUT/verify.txt")"

cm=$(median "${ceil[@]}")
fm=$(median "${file[@]}")
dm=$(median "${down[@]}")
dr=$(ratio "$dm" "$fm")
rows="" verdicts=""
for c in $CONNS; do
    # shellcheck disable=SC2086 # the runs, one word each
    lm=$(median ${logged[$c]})
    # shellcheck disable=SC2086
    rows+="| custody, GET /v1/items/{sha256} of the photo, every request ledgered, $c connections (requests/s) | $lm | ${logged[$c]% } |
| ... p50 / p99 latency (ms) | $(median ${p50[$c]}) / $(median ${p99[$c]}) | p99: ${p99[$c]% } |
| ... custody serve's CPU time per request (us) | $(median ${cpu[$c]}) | ${cpu[$c]% } |
"
    verdicts+="- logged reads, $c connections: **$lm/s** (goal >= 8,000: $(verdict "$lm" 8000)); **$(ratio "$lm" "$cm")** of the ceiling (goal >= 0.6: $(verdict "$(ratio "$lm" "$cm")" 0.6)).
"
done
section=$(
    cat <<MD
## HTTP API against libh2o: $(date -u +%Y-%m-%d)

Command: \`bench/api.sh\` (N=$N, wrk -t2 -c{$CONNS} -d${SECONDS_EACH}s --latency; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),
$(df -T bench | awk 'NR == 2 { print $2 }') on $(df bench | awk 'NR == 2 { print $1 }'); load average $load_before before, $load_after after). wrk and curl run on the same $(nproc) cores as the servers.
The record read is that of a photo with EXIF and GPS, its preview and thumbnail ($PHOTO: $record_bytes bytes of JSON).

| measure | median | runs |
|---|---|---|
| libh2o alone, GET /ok, 64 connections (requests/s) | $cm | ${ceil[*]} |
${rows}| libh2o h2o_file_send, 100 MiB (MiB/s) | $fm | ${file[*]} |
| custody, GET /v1/items/{sha256}/original, 100 MiB (MiB/s) | $dm | ${down[*]} |

${verdicts}- $ledgered ledger entries for $total_requests answered requests; \`custody ledger verify\`: $(cat "$OUT/verify.txt").
- downloads: **$dr** of h2o_file_send (goal >= 0.9: $(verdict "$dr" 0.9)); custody streams the object in 256 KiB
  uv_fs_read chunks.
MD
)
printf '%s\n' "$section"
if [[ $RESULTS == - ]]; then
    :
elif [[ -f $RESULTS ]] && grep -q '^## HTTP API against libh2o' "$RESULTS"; then
    awk -v new="$section" '
        /^## HTTP API against libh2o/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
rm -rf "$OUT"
