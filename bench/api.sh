#!/usr/bin/env bash
# bench/api.sh: the HTTP API against libh2o alone, in the same run.
#
# 1. Logged reads: wrk against GET /v1/items/{sha256} with a reviewer's token and a purpose
#    (every request decided and its ledger entry durable, group-committed, before the answer),
#    against the ceiling: a trivial libh2o handler answering "ok" (bench/h2o_ceiling.c, the
#    same libh2o and libuv). Goals: >= 8,000 logged requests/s and >= 0.6 of the ceiling.
# 2. Downloads: GET /v1/items/{sha256}/original of a 100 MiB object over loopback with curl,
#    against libh2o's own h2o_file_send serving the same file from the ceiling program.
#    Goal: >= 0.9 of h2o_file_send.
# Each measure alternates custody and its peer, N runs each; the medians are compared. The
# client runs on the same machine (wrk takes one of the cores it shares with the server).
#
# Usage: bench/api.sh   (needs build/custody, wrk, curl, sqlite3; builds
#        build/custody-bench-h2o-ceiling)
# Environment: N (runs, default 3), SECONDS_EACH (wrk duration, default 5), CONNS (wrk
# connections, default 64), CUSTODY, RESULTS.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
SECONDS_EACH=${SECONDS_EACH:-5}
CONNS=${CONNS:-64}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=bench/out/api
CEILING=$(dirname "$CUSTODY")/custody-bench-h2o-ceiling
CASE='任水罚〔2023〕1号'

die() {
    echo "bench/api.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
command -v wrk >/dev/null || die "wrk not found: apt-get install wrk"
command -v curl >/dev/null || die "curl not found: apt-get install curl"
command -v sqlite3 >/dev/null || die "sqlite3 not found: apt-get install sqlite3"
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
auth=(-H "Authorization: Bearer $token" -H "X-Custody-Purpose: api%20bench")
code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$item")
[[ $code == 200 ]] || die "GET /v1/items/{sha256} answered $code"

entries() {
    sqlite3 "$OUT/home/catalog.db" "SELECT count(*) FROM ledger"
}
# Requests/s of one wrk run; the requests it completed go to $OUT/requests.
wrk_rate() {
    wrk -t2 -c"$CONNS" -d"${SECONDS_EACH}s" "$@" >"$OUT/wrk.txt"
    if grep -q 'Non-2xx\|Socket errors' "$OUT/wrk.txt"; then
        die "wrk saw errors: $(cat "$OUT/wrk.txt")"
    fi
    awk '/requests in/ { print $1 }' "$OUT/wrk.txt" >"$OUT/requests"
    awk '/^Requests\/sec/ { printf "%d", $2 }' "$OUT/wrk.txt"
}

ceil=() logged=()
total_requests=0
before=$(entries)
for ((r = 1; r <= N; r++)); do
    ceil+=("$(wrk_rate "http://127.0.0.1:$cport/ok")")
    logged+=("$(wrk_rate "${auth[@]}" "$item")")
    requests=$(cat "$OUT/requests")
    total_requests=$((total_requests + requests))
    echo "run $r/$N: ceiling ${ceil[-1]}/s, logged reads ${logged[-1]}/s ($requests answered)" >&2
done
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
lm=$(median "${logged[@]}")
fm=$(median "${file[@]}")
dm=$(median "${down[@]}")
rr=$(ratio "$lm" "$cm")
dr=$(ratio "$dm" "$fm")
section=$(
    cat <<MD
## HTTP API against libh2o: $(date -u +%Y-%m-%d)

Command: \`bench/api.sh\` (N=$N, wrk -t2 -c$CONNS -d${SECONDS_EACH}s; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),
$(df -T bench | awk 'NR == 2 { print $2 }') on $(df bench | awk 'NR == 2 { print $1 }')). wrk and curl run on the same $(nproc) cores as the servers.

| measure | median | runs |
|---|---|---|
| libh2o alone, GET /ok (requests/s) | $cm | ${ceil[*]} |
| custody, GET /v1/items/{sha256}, every request ledgered (requests/s) | $lm | ${logged[*]} |
| libh2o h2o_file_send, 100 MiB (MiB/s) | $fm | ${file[*]} |
| custody, GET /v1/items/{sha256}/original, 100 MiB (MiB/s) | $dm | ${down[*]} |

- logged reads: **$lm/s** (goal >= 8,000: $(verdict "$lm" 8000)); **$rr** of the ceiling (goal >= 0.6: $(verdict "$rr" 0.6)).
  $ledgered ledger entries for $total_requests answered requests; \`custody ledger verify\`: $(cat "$OUT/verify.txt").
- downloads: **$dr** of h2o_file_send (goal >= 0.9: $(verdict "$dr" 0.9)); custody streams the object in 256 KiB
  uv_fs_read chunks.
- The ceiling answers "ok" from memory; a logged read authenticates the token, applies the
  access rules, reads the record (about ten SQLite queries on a reader connection), builds
  its JSON and waits for its entry's share of a synced group commit. On $(nproc) cores shared
  with wrk, the ceiling's ratio measures that work, not h2o.
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q '^## HTTP API against libh2o' "$RESULTS"; then
    awk -v new="$section" '
        /^## HTTP API against libh2o/ { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
rm -rf "$OUT"
