#!/usr/bin/env bash
# bench/soak.sh: `custody serve` under a steady, mixed load for MINUTES (default 30), killed
# with -9 and restarted every 5 minutes, on loopback only; every loop is bounded by the end
# time and stops by itself.
#
# - a fresh home under bench/out/soak, three cases; alice (reviewer, granted on all three),
#   bob (reviewer, no grant), carol (auditor)
# - the dropper: DROP_EVERY seconds a file into uploads/<case>/ through a .part name: corpus
#   photos (../shared/corpus, read in place, never copied into the repo), now and then a short
#   corpus recording, and random small files; each made distinct by a trailer
# - readers: alice reads item records, downloads with Range, lists a case and searches; bob
#   asks for originals and must get 403; each request's status and time kept
# - the auditor: `custody ledger verify` every minute, while the service runs
# - the killer: kill -9 of the service's process group every KILL_EVERY seconds, and a restart
# - the sampler: VmRSS and open fds of the service every 10 s
# - with GROW=1, a case that grows past 10,000 items in 30 minutes: a drop every 0.05 s (unless
#   DROP_EVERY says otherwise), nine in ten of them small random files into the first case (no
#   copies to make, so that ingest keeps up), and a walker that reads that case's items to the
#   end, a page of 1,000 at a time following next_cursor, every WALK_EVERY s (each item once)
# At the end: the drops are awaited, the service stopped with SIGTERM (it must exit 0),
# `custody verify --all` and `custody ledger verify`; files dropped against items and arrivals
# (none lost, none doubled), requests, p50/p99 per kind, RSS and fds per service life; the
# section "Reliability: soak" of bench/RESULTS.md is written with the command (with GROW=1,
# "Reliability: soak, a growing case", at the end of the file), RSS per life with the case's
# size, and RSS growth within each life after its first two minutes.
#
# Usage: bench/soak.sh [MINUTES]   (needs build/custody, curl, sqlite3, setsid)
# Environment: CUSTODY (default build/custody), RESULTS, OUT, DROP_EVERY (0.5 s; 0.05 with GROW),
# KILL_EVERY (300 s), AUDIT_EVERY (60 s), CORPUS, GROW (0), WALK_EVERY (60 s).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
MINUTES=${1:-30}
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
OUT=${OUT:-bench/out/soak} # git-ignored
CORPUS=${CORPUS:-$here/../shared/corpus/files}
GROW=${GROW:-0}
if [[ $GROW == 1 ]]; then DROP_EVERY=${DROP_EVERY:-0.05}; else DROP_EVERY=${DROP_EVERY:-0.5}; fi
WALK_EVERY=${WALK_EVERY:-60}
KILL_EVERY=${KILL_EVERY:-300}
AUDIT_EVERY=${AUDIT_EVERY:-60}
CASES=('任水罚〔2023〕71号' '任水罚〔2023〕72号' '任水罚〔2023〕73号')
PURPOSE='soak%20review'

die() {
    echo "bench/soak.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
for tool in curl sqlite3 setsid; do
    command -v $tool >/dev/null || die "$tool not found (apt-get install curl sqlite3 util-linux)"
done
[[ -d $CORPUS ]] || die "no corpus at $CORPUS"
CUSTODY=$(realpath "$CUSTODY")

rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
HOME_DIR=$OUT/home
start_s=$(date +%s)
end_s=$((start_s + MINUTES * 60))
pids=()
svc=

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    [[ -n $svc ]] && kill -TERM -- "-$svc" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

"$CUSTODY" init --home "$HOME_DIR" >/dev/null || die "init failed"
token() { # the last line of `user add`
    "$CUSTODY" user add "$1" --home "$HOME_DIR" --role "$2" | tail -1
}
ALICE=$(token alice reviewer)
BOB=$(token bob reviewer)
token carol auditor >/dev/null
# A case exists once something is filed in it: one seed file each, before the grants.
seeds=0
for c in "${CASES[@]}"; do
    head -c 4096 /dev/urandom >"$OUT/seed.bin"
    "$CUSTODY" ingest --home "$HOME_DIR" --case "$c" "$OUT/seed.bin" >/dev/null || die "seed failed"
    seeds=$((seeds + 1))
    "$CUSTODY" grant alice --home "$HOME_DIR" --case "$c" --purpose 'soak review' >/dev/null ||
        die "grant failed"
    mkdir -p "$HOME_DIR/uploads/$c"
done
pct() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
CASES_PCT=()
for c in "${CASES[@]}"; do CASES_PCT+=("$(pct "$c")"); done

mapfile -t photos < <(find "$CORPUS" -iname '*.jpg' -size -2M | sort)
mapfile -t clips < <(find "$CORPUS" \( -iname '*.mp4' -o -iname '*.mov' -o -iname '*.3gp' \
    -o -iname '*.m4a' -o -iname '*.mp3' \) -size -600k | sort)
((${#photos[@]} > 0)) || die "no photos in $CORPUS"

# The service, in a process group of its own (its workers with it); the port it chose is
# written to $OUT/port for the readers, and every life is numbered in $OUT/lives.
life=0
start_service() {
    life=$((life + 1))
    local log=$OUT/serve-$life.log
    setsid "$CUSTODY" serve --home "$HOME_DIR" --set api.listen=127.0.0.1:0 \
        --set ingest.settle_ms=1000 2>"$log" &
    svc=$!
    local i port=
    for ((i = 0; i < 400; i++)); do
        port=$(grep -o '"api.listening","listen":"127.0.0.1:[0-9]*' "$log" 2>/dev/null |
            sed 's/.*://')
        [[ -n $port ]] && break
        sleep 0.05
    done
    [[ -n $port ]] || die "the service did not start (see $log)"
    echo "$port" >"$OUT/port"
    echo "$life $svc $(date +%s)" >>"$OUT/lives"
}

# ---- the dropper ----
# Two forks fewer a drop than a chmod and a `cut` each (the file is made 0644 by the umask;
# the sums are cut once at the end), so that a drop every 0.04 s is not paced by the forks.
dropper() {
    local n=0 c f dest
    umask 022
    while (($(date +%s) < end_s)); do
        n=$((n + 1))
        c=${CASES[$((n % 3))]}
        if [[ $GROW == 1 ]] && ((n % 10 != 0)); then
            c=${CASES[0]} # the growing case: a small file, nothing to transcode
            dest="$HOME_DIR/uploads/$c/note-$n.bin"
            head -c $((1024 + RANDOM % 4096)) /dev/urandom >"$dest.part"
        elif ((n % 25 == 0 && ${#clips[@]} > 0)); then
            f=${clips[$((RANDOM % ${#clips[@]}))]}
            dest="$HOME_DIR/uploads/$c/clip-$n.${f##*.}"
            cp "$f" "$dest.part"
        elif ((n % 3 == 0)); then
            dest="$HOME_DIR/uploads/$c/note-$n.bin"
            head -c $((1024 + RANDOM * 6)) /dev/urandom >"$dest.part"
        else
            f=${photos[$((RANDOM % ${#photos[@]}))]}
            dest="$HOME_DIR/uploads/$c/photo-$n.jpg"
            cp "$f" "$dest.part"
        fi
        printf 'custody-soak-%d' "$n" >>"$dest.part" # distinct; readers ignore a trailer
        [[ $dest == *note-* ]] || chmod 0644 "$dest.part"
        sha256sum "$dest.part" >>"$OUT/dropped.sums"
        mv "$dest.part" "$dest"
        sleep "$DROP_EVERY"
    done
}

# ---- the readers ----
# One request: "<kind> <status> <seconds>" appended to $OUT/requests.
req() {
    local kind=$1 token=$2 path=$3 range=${4:-}
    local port args=(-s -o /dev/null -m 10 -w '%{http_code} %{time_total}'
        -H "Authorization: Bearer $token" -H "X-Custody-Purpose: $PURPOSE")
    port=$(cat "$OUT/port")
    [[ -n $range ]] && args+=(-H "Range: $range")
    echo "$kind $(curl "${args[@]}" "http://127.0.0.1:$port$path")" >>"$OUT/requests"
}
pick() { # a stored item, "" while there is none
    sqlite3 -readonly "$HOME_DIR/catalog.db" \
        "SELECT sha256 FROM items ORDER BY random() LIMIT 1" 2>/dev/null
}
reader_alice() {
    local i=0 sha
    while (($(date +%s) < end_s)); do
        i=$((i + 1))
        sha=$(pick)
        if [[ -n $sha ]]; then
            req record "$ALICE" "/v1/items/$sha"
            req range "$ALICE" "/v1/items/$sha/original" "bytes=0-65535"
        fi
        req list "$ALICE" "/v1/cases/${CASES_PCT[$((i % 3))]}/items"
        req search "$ALICE" "/v1/search?case=${CASES_PCT[$((i % 3))]}&limit=20"
        sleep 0.1
    done
}
reader_bob() {
    local sha
    while (($(date +%s) < end_s)); do
        sha=$(pick)
        [[ -n $sha ]] && req denied "$BOB" "/v1/items/$sha/original"
        sleep 0.2
    done
}

# The growing case read to its end, 1,000 items a page, following next_cursor: one line
# "<time> <pages> <items> <distinct> <status of the last page>" per walk in $OUT/walks.
walker() {
    local next=$((start_s + WALK_EVERY)) cursor pages items port code body
    while ((next < end_s)); do
        sleep $((next - $(date +%s) > 0 ? next - $(date +%s) : 0))
        cursor="" pages=0 code=200
        : >"$OUT/walk.shas"
        while :; do
            port=$(cat "$OUT/port")
            body=$(curl -s -m 30 -w '\n%{http_code}' -H "Authorization: Bearer $ALICE" \
                -H "X-Custody-Purpose: $PURPOSE" \
                "http://127.0.0.1:$port/v1/cases/${CASES_PCT[0]}/items?limit=1000${cursor:+&cursor=$cursor}")
            code=${body##*$'\n'}
            [[ $code == 200 ]] || break
            pages=$((pages + 1))
            cursor=$(python3 -c 'import json, sys
page = json.loads(sys.stdin.read())
with open(sys.argv[1], "a") as f:
    for it in page["items"]:
        f.write(it["sha256"] + "\n")
print(page.get("next_cursor") or "")' "$OUT/walk.shas" <<<"${body%$'\n'*}")
            [[ -n $cursor ]] || break
        done
        items=$(wc -l <"$OUT/walk.shas")
        echo "$(($(date +%s) - start_s)) $pages $items $(sort -u "$OUT/walk.shas" | wc -l) $code" \
            >>"$OUT/walks"
        next=$((next + WALK_EVERY))
    done
}

# ---- the auditor, the killer, the sampler ----
auditor() {
    local next=$((start_s + AUDIT_EVERY))
    while ((next < end_s)); do
        sleep $((next - $(date +%s) > 0 ? next - $(date +%s) : 0))
        if "$CUSTODY" ledger verify --home "$HOME_DIR" >"$OUT/audit.last" 2>&1; then
            echo "$(date +%s) ok $(head -1 "$OUT/audit.last")" >>"$OUT/audits"
        else
            echo "$(date +%s) FAILED $(tr '\n' ' ' <"$OUT/audit.last")" >>"$OUT/audits"
        fi
        next=$((next + AUDIT_EVERY))
    done
}
sample() {
    local rss fds
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$svc/status" 2>/dev/null)
    fds=$(find "/proc/$svc/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    local grown
    grown=$(sqlite3 -readonly "$HOME_DIR/catalog.db" "SELECT count(*) FROM links l JOIN cases c ON
        c.id = l.case_id WHERE c.number = '${CASES[0]}' AND l.superseded_at IS NULL" 2>/dev/null)
    [[ -n $rss ]] && echo "$(($(date +%s) - start_s)) $life $rss $fds ${grown:-0}" >>"$OUT/samples"
}

start_service
dropper &
pids+=($!)
reader_alice &
pids+=($!)
reader_alice &
pids+=($!)
reader_bob &
pids+=($!)
auditor &
pids+=($!)
if [[ $GROW == 1 ]]; then
    walker &
    pids+=($!)
fi
echo "soak: $MINUTES min, home $HOME_DIR, service pid $svc" >&2
next_kill=$((start_s + KILL_EVERY))
kills=0
while (($(date +%s) < end_s)); do
    sample
    sleep 10
    if (($(date +%s) >= next_kill && next_kill < end_s)); then
        kill -9 -- "-$svc" 2>/dev/null
        wait "$svc" 2>/dev/null
        kills=$((kills + 1))
        echo "soak: kill -9 #$kills at $(($(date +%s) - start_s)) s" >&2
        start_service
        next_kill=$((next_kill + KILL_EVERY))
    fi
done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
pids=()
cut -d' ' -f1 "$OUT/dropped.sums" >"$OUT/dropped"

# Every drop done (or rejected, which must not happen), then a clean stop.
dropped=$(wc -l <"$OUT/dropped")
for ((i = 0; i < 1200; i++)); do
    done_jobs=$(sqlite3 -readonly "$HOME_DIR/catalog.db" \
        "SELECT count(*) FROM jobs WHERE state IN ('done', 'rejected')" 2>/dev/null || echo 0)
    ((done_jobs >= dropped)) && break
    sleep 0.5
done
sample
kill -TERM "$svc"
wait "$svc"
stop_rc=$?
svc=

verify_all=$("$CUSTODY" verify --home "$HOME_DIR" --all 2>&1)
verify_rc=$?
verify_all=$(tail -1 <<<"$verify_all")
ledger=$("$CUSTODY" ledger verify --home "$HOME_DIR" 2>&1)
ledger_rc=$?
ledger=$(head -1 <<<"$ledger")

q() { sqlite3 -readonly "$HOME_DIR/catalog.db" "$1"; }
sort -u "$OUT/dropped" >"$OUT/dropped.sorted"
q "SELECT sha256 FROM items ORDER BY sha256" >"$OUT/items.sorted"
distinct=$(wc -l <"$OUT/dropped.sorted")
items=$(wc -l <"$OUT/items.sorted")
lost=$(comm -23 "$OUT/dropped.sorted" "$OUT/items.sorted" | wc -l)
arrivals=$(q "SELECT count(*) FROM item_sources")
rejected=$(q "SELECT count(*) FROM jobs WHERE state = 'rejected'")
left=$(find "$HOME_DIR/uploads" -type f ! -path '*/_rejected/*' | wc -l)
derived=$(q "SELECT count(*) FROM derivatives WHERE status = 'verified' AND superseded_at IS NULL")
dfailed=$(q "SELECT count(*) FROM derivatives WHERE status = 'failed' AND superseded_at IS NULL")
entries=$(q "SELECT count(*) FROM ledger")
audits_ok=$(grep -c ' ok ' "$OUT/audits" 2>/dev/null || true)
audits_bad=$(grep -c 'FAILED' "$OUT/audits" 2>/dev/null || true)

# Latency per kind (ms) and status counts; 000 is a refused connection (a restart).
lat() { # kind -> "served p50 p99"
    awk -v k="$1" '$1 == k && $2 != "000" { print $3 * 1000 }' "$OUT/requests" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print "0 - -"; exit }
             i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
             printf "%d %.1f %.1f\n", NR, v[i50], v[i99] }'
}
status_of() { awk -v k="$1" '$1 == k { n[$2]++ } END { for (s in n) printf "%s:%d ", s, n[s] }' \
    "$OUT/requests"; }
served=$(awk '$2 != "000"' "$OUT/requests" | wc -l)
refused=$(awk '$2 == "000"' "$OUT/requests" | wc -l)
denied_ok=$(awk '$1 == "denied" && $2 == "403"' "$OUT/requests" | wc -l)
denied_all=$(awk '$1 == "denied" && $2 != "000"' "$OUT/requests" | wc -l)
lives=$(wc -l <"$OUT/lives")
why_failed=$(q "SELECT count(*) || ' ' || substr(reason, 1, 70) FROM derivatives WHERE status =
    'failed' AND superseded_at IS NULL GROUP BY substr(reason, 1, 70) ORDER BY count(*) DESC
    LIMIT 4" | sed 's/^/  - /')
rows=""
for kind in record range list search denied; do
    read -r n p50 p99 <<<"$(lat $kind)"
    rows+="| $kind | $n | $p50 | $p99 | $(status_of $kind)|"$'\n'
done
# Per life: RSS first, at 2 min into the life (warm: the catalog's page caches filled), last
# and max; the growth from 2 min to the end; the growing case's items at its start and end.
life_rows=$(awk '{ l = $2; if (!(l in first)) { first[l] = $3; ffd[l] = $4; t0[l] = $1; g0[l] = $5 }
        if (!(l in warm) && $1 - t0[l] >= 120) warm[l] = $3
        last[l] = $3; lfd[l] = $4; t1[l] = $1; g1[l] = $5; if ($3 > max[l]) max[l] = $3; n[l]++ }
    END { for (l = 1; l in first; l++) {
        w = (l in warm) ? warm[l] : first[l]
        printf "| %d | %d-%d s | %d | %d | %d | %d | %d | %+.1f%% | %d -> %d | %d | %d |\n", l,
               t0[l], t1[l], n[l], first[l], w, last[l], max[l], 100 * (last[l] - w) / w,
               g0[l], g1[l], ffd[l], lfd[l] } }' "$OUT/samples")
# RSS every 5 minutes with the growing case's size: the shape of the curve, not two points.
rss_rows=$(awk '$1 >= next_t { printf "| %d min | %d | %d | %d |\n", $1 / 60, $2, $3, $5;
        next_t = (int($1 / 300) + 1) * 300 }' next_t=0 "$OUT/samples")
walk_rows=$(awk '{ printf "| %d s | %d | %d | %d | %s |\n", $1, $2, $3, $4, $5 }' \
    "$OUT/walks" 2>/dev/null)
walks_bad=$(awk '$3 != $4 || $5 != 200' "$OUT/walks" 2>/dev/null | wc -l)
if [[ $GROW == 1 ]]; then
    title="Reliability: soak, a growing case"
    growing="; GROW=1: nine drops in ten are small random files into ${CASES[0]}, which a walker
reads to its end every ${WALK_EVERY} s (GET /v1/cases/{case}/items, 1,000 a page, following
next_cursor)"
    walk_table="Walks of the growing case (each a read of every page; items must be distinct):

| at | pages | items | distinct | last status |
|---|---|---|---|---|
$walk_rows
"
else
    title="Reliability: soak" growing="" walk_table=""
fi
verdict() { [[ $1 == 0 ]] && echo "pass" || echo "FAIL"; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
section=$(
    cat <<MD
## $title: $(date -u +%Y-%m-%d)

Command: \`GROW=$GROW DROP_EVERY=$DROP_EVERY KILL_EVERY=$KILL_EVERY bench/soak.sh $MINUTES\` ($MINUTES min; a drop every ${DROP_EVERY} s: corpus photos, a
short corpus recording every 25th drop, random small files; 2 readers as alice (granted reviewer:
record, Range download, case list, search), 1 as bob (no grant: originals, must be 403), an
auditor running \`custody ledger verify\` every ${AUDIT_EVERY} s, kill -9 of the service's process
group and a restart every ${KILL_EVERY} s; RSS and fds sampled every 10 s; loopback only$growing.
$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), shared with
other engineers' builds and tests: load average at the end $load). Build: \`$CUSTODY\`.

| measure | result |
|---|---|
| files dropped (distinct) | $dropped ($distinct) |
| items / arrivals (3 seeds filed first by \`custody ingest\` included) | $items / $arrivals |
| lost (dropped, not an item) | **$lost** |
| duplicated (arrivals - drops - seeds) | **$((arrivals - dropped - seeds))** |
| rejected; left in uploads | $rejected; $left |
| copies verified / failed | $derived / $dfailed |
| kill -9 and restarts | $kills (service lives: $lives) |
| stop with SIGTERM at the end | exit $stop_rc |
| requests answered (refused while restarting) | $served ($refused) |
| bob's reads refused with 403 | $denied_ok of $denied_all |
| ledger entries at the end | $entries |
| auditor's \`ledger verify\` while serving | $audits_ok ok, $audits_bad failed |
| \`custody verify --all\` at the end | $(verdict $verify_rc): $verify_all |
| \`custody ledger verify\` at the end | $(verdict $ledger_rc): $ledger |

| requests | answered | p50 (ms) | p99 (ms) | statuses |
|---|---|---|---|---|
${rows}
Copies that failed, by reason (the corpus holds corrupt and undecodable samples on purpose):

$why_failed

RSS (KiB) and open fds of the service, per life (sampled every 10 s; a life ends with kill -9;
"at 2 min": the first sample two minutes into the life, once the catalog's caches are warm;
"growth": from then to the life's last sample; items: of ${CASES[0]} at the life's start and end):

| life | span | samples | RSS first | RSS at 2 min | RSS last | RSS max | growth | items | fds first | fds last |
|---|---|---|---|---|---|---|---|---|---|---|
$life_rows

RSS over time (every 5 minutes: life, RSS in KiB, items of ${CASES[0]}):

| at | life | RSS | items |
|---|---|---|---|
$rss_rows

$walk_table
MD
)
printf '%s\n' "$section"
if [[ -f $RESULTS ]] && grep -q "^## $title:" "$RESULTS"; then
    awk -v new="$section" -v title="## $title:" '
        index($0, title) == 1 { skip = 1; print new; print ""; next }
        /^## / && skip { skip = 0 }
        !skip' "$RESULTS" >"$RESULTS.tmp" && mv "$RESULTS.tmp" "$RESULTS"
else
    printf '\n%s\n' "$section" >>"$RESULTS"
fi
((lost == 0 && arrivals == dropped + seeds && verify_rc == 0 && ledger_rc == 0 && stop_rc == 0 &&
    audits_bad == 0 && walks_bad == 0)) || exit 1
