#!/usr/bin/env bash
# bench/s3.sh: Custody's S3 store backend against curl --aws-sigv4 on the same gateway, in one run.
#
# A real gateway (tests/storage/ceph.sh: one monitor, one OSD on memstore, the RADOS Gateway)
# is started afresh for each run, so that every run writes into empty buckets (objects under
# COMPLIANCE lock cannot be deleted, and memstore holds 3 GiB). In each run, on the same files
# (BIG_N files of BIG_MB MB and SMALL_N files of SMALL_MB MB, random bytes):
# 1. Ingest: `custody ingest --case X FILES...` into a home with store.backend = s3 (it hashes,
#    keeps a local copy, PUTs to the gateway with the SHA-256 checked by the gateway, records)
#    against one curl process PUTting every file (`--aws-sigv4`, UNSIGNED-PAYLOAD, the same
#    Object Lock headers), and `openssl dgst -sha256` of the files (curl + hash is the fair
#    peer of an ingest that must know the hash; the goal is stated against curl alone;
#    coreutils' sha256sum is 5 times slower here). The main custody home is made with
#    store.s3_put_check = readback (the large files go up unsigned and are read back later);
#    for the large files, custody once more with s3_put_check = signed (the
#    gateway re-hashes each PUT against its SHA-256) and = md5 (Content-MD5), and the deferred
#    read-back itself: `custody verify --all` right after the ingest.
# 2. Download: GET /v1/items/{sha256}/original through `custody serve` (a reviewer with a
#    grant and a purpose, every read ledgered) after `custody store trim --set
#    store.s3_cache_mb=0` (no local copy: the bytes come from the gateway by ranges), against
#    one curl process GETting the same objects from the gateway. Before the trim, the same
#    downloads with the local copy present, for reference.
# Each measure alternates custody and curl (which goes first alternates by run); medians of
# N runs are compared. Everything runs on the same cores as the gateway. Goal: >= 0.8 of curl.
#
# Usage: bench/s3.sh   (as root: needs build/custody, curl, ceph-mon ceph-osd radosgw
#        ceph-common)
# Environment: N (runs, default 3), BIG_N (4), BIG_MB (100), SMALL_N (200), SMALL_MB (1),
# LOCKS (Object Lock modes to measure, default "compliance off"), CUSTODY, RESULTS.
# ONLY=download: the files are put (custody's ingest and curl's PUT, not timed) and only the
# downloads from the gateway are measured (the local-copy reference too), with a table of those.
# REPEAT (default 1): each download measure from the gateway is taken REPEAT times a run
# (custody and curl alternating), for more samples from one gateway's objects.
# ATTACH='perf stat -p' (or 'strace -c -f -p'): that command, given custody serve's PID, runs
# beside each custody download from the gateway; its output is kept in $ATTACH_OUT (default
# /tmp/s3-attach), one file a run, repeat and set.
set -euo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
N=${N:-3}
BIG_N=${BIG_N:-4}
BIG_MB=${BIG_MB:-100}
SMALL_N=${SMALL_N:-200}
SMALL_MB=${SMALL_MB:-1}
LOCKS=${LOCKS:-compliance off}
CUSTODY=${CUSTODY:-build/custody}
CUSTODY=$(cd "$(dirname "$CUSTODY")" && pwd)/$(basename "$CUSTODY")
RESULTS=${RESULTS:-bench/RESULTS.md}
CEPH=$here/tests/storage/ceph.sh
ONLY=${ONLY:-}
REPEAT=${REPEAT:-1}
ATTACH=${ATTACH:-}
ATTACH_OUT=${ATTACH_OUT:-/tmp/s3-attach}
CASE='任水罚〔2023〕1号'
PURPOSE='s3 bench'

die() {
    echo "bench/s3.sh: $*" >&2
    exit 1
}
[[ -z $ONLY || $ONLY == download ]] || die "ONLY=$ONLY: only ONLY=download is known"
[[ -z $ATTACH ]] || mkdir -p "$ATTACH_OUT"
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first: cmake --build build"
command -v curl >/dev/null || die "curl not found: apt-get install curl"
command -v radosgw >/dev/null || die "radosgw not found: apt-get install ceph-mon ceph-osd radosgw ceph-common"
total_mb=$((BIG_N * BIG_MB + SMALL_N * SMALL_MB))
# Per gateway: custody's copy, curl's, and the large files three times more (custody's signed
# and md5, curl's with the SHA-256 signed), in a memstore of 4 GiB.
export CEPH_SH_MEMSTORE_BYTES=$((4 << 30))
((total_mb * 2 + 3 * BIG_N * BIG_MB < 3400)) ||
    die "$total_mb MB twice and the large files three times more do not fit well in memstore's 4 GiB"

# A short folder: the gateway's admin sockets fail beyond 107 characters.
OUT=$(mktemp -d /tmp/cb.XXXX)
serve_pid=
cleanup() {
    if [[ -n $serve_pid ]]; then
        kill -TERM "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    if [[ -f $OUT/g/env ]]; then sh "$CEPH" stop "$OUT/g" >/dev/null 2>&1 || true; fi
    rm -rf "$OUT"
}
trap cleanup EXIT

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
verdict() {
    awk -v x="$1" -v g="$2" 'BEGIN { print (x >= g ? "met" : "NOT met") }'
}
mbps() { # bytes seconds
    awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? b / 1e6 / s : 0) }'
}
now() {
    echo "$EPOCHREALTIME"
}
since() {
    awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

# ---- the files ------------------------------------------------------------------------------
mkdir -p "$OUT/d/big" "$OUT/d/small"
# Random bytes after 4 fixed ones: a random first byte of 0xFF passes for MP3 or AAC now and
# then, and the file is then sent to the media worker for copies.
random_file() { # path megabytes
    { printf 'BNCH' && head -c $(($2 * 1000000 - 4)) /dev/urandom; } >"$1"
}
for ((i = 0; i < BIG_N; i++)); do
    random_file "$OUT/d/big/b$i.bin" "$BIG_MB"
done
for ((i = 0; i < SMALL_N; i++)); do
    random_file "$OUT/d/small/s$i.bin" "$SMALL_MB"
done
declare -A bytes
bytes[big]=$((BIG_N * BIG_MB * 1000000))
bytes[small]=$((SMALL_N * SMALL_MB * 1000000))
total_bytes=$((bytes[big] + bytes[small]))
declare -A shas
for set in big small; do
    shas[$set]=$(sha256sum "$OUT"/d/$set/* | cut -c1-64 | tr '\n' ' ')
done

# ---- one gateway per run --------------------------------------------------------------------
S3=() # curl's signing options
gateway_start() {
    sh "$CEPH" start "$OUT/g" >"$OUT/ceph.log" 2>&1 || die "the gateway did not start: $(tail -3 "$OUT/ceph.log")"
    # shellcheck disable=SC1091
    . "$OUT/g/env"
    S3=(--aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY"
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
}
gateway_stop() {
    sh "$CEPH" stop "$OUT/g" >/dev/null 2>&1 || true
    rm -rf "$OUT/g"
}
make_bucket() { # name lock
    local h=()
    [[ $2 == off ]] || h=(-H "x-amz-bucket-object-lock-enabled: true")
    code=$(curl -s -o "$OUT/bucket.txt" -w '%{http_code}' "${S3[@]}" "${h[@]}" -X PUT "$S3_ENDPOINT/$1")
    [[ $code == 200 ]] || die "creating bucket $1 answered $code: $(cat "$OUT/bucket.txt")"
}

# Checks curl's "code size" lines: every transfer answered 200 with its whole file.
check_transfers() { # file expected-count expected-bytes what
    awk -v n="$2" -v b="$3" '$1 != 200 { bad++ } { c++; s += $2 } END { exit !(bad == 0 && c == n && s == b) }' "$1" ||
        die "$4: not every transfer answered 200 with all its bytes: $(sort "$1" | uniq -c | head -5)"
}

# ---- custody --------------------------------------------------------------------------------
home_make() { # lock [home bucket [put_check]]
    local home=${2:-$OUT/h} bucket=${3:-cust$run}
    "$CUSTODY" init --home "$home" >/dev/null
    printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$OUT/cred"
    chmod 600 "$OUT/cred"
    {
        printf '\n[store]\nbackend = s3\ns3_endpoint = %s\ns3_bucket = %s\n' "$S3_ENDPOINT" "$bucket"
        printf 's3_region = %s\ns3_credentials = %s\n' "$S3_REGION" "$OUT/cred"
        if [[ $1 == off ]]; then
            printf 's3_object_lock = off\n'
        else
            printf 's3_object_lock = %s\ns3_retain_days = 1\n' "$1"
        fi
        [[ -z ${4:-} ]] || printf 's3_put_check = %s\n' "$4"
    } >>"$home/custody.conf"
}
reviewer() { # a reviewer with a grant on the case (once it has items)
    token=$("$CUSTODY" user add bench --home "$OUT/h" --role reviewer | tail -n 1)
    "$CUSTODY" grant bench --home "$OUT/h" --case "$CASE" --purpose "$PURPOSE" >/dev/null
}
serve_start() {
    : >"$OUT/serve.log"
    "$CUSTODY" serve --home "$OUT/h" --set api.listen=127.0.0.1:0 2>"$OUT/serve.log" &
    serve_pid=$!
    port=
    for ((i = 0; i < 200; i++)); do
        port=$(sed -n 's/.*"api.listening".*"listen":"127.0.0.1:\([0-9]*\)".*/\1/p' "$OUT/serve.log")
        [[ -n $port ]] && break
        sleep 0.05
    done
    [[ -n $port ]] || die "custody serve did not start: $(tail -3 "$OUT/serve.log")"
}
serve_stop() {
    kill -TERM "$serve_pid"
    wait "$serve_pid" || true
    serve_pid=
}

ingest_custody() { # set [home [--set k=v]] -> seconds
    local t set=$1 home=${2:-$OUT/h}
    shift $(($# < 2 ? $# : 2))
    t=$(now)
    "$CUSTODY" ingest --home "$home" "$@" --case "$CASE" "$OUT"/d/"$set"/* >"$OUT/ingest.txt" ||
        die "custody ingest failed: $(tail -3 "$OUT/ingest.txt")"
    since "$t"
}
ingest_curl() { # set lock [signed] -> seconds
    local t f i=0 h=() shas_=() bucket=curl$run
    [[ $2 == off ]] || h=(-H "x-amz-object-lock-mode: ${2^^}"
        -H "x-amz-object-lock-retain-until-date: $(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)")
    # Signed: each PUT carries its file's SHA-256 in x-amz-content-sha256, which the gateway
    # checks against the bytes (as custody's PUTs do); one transfer per `next`.
    [[ ${3:-} == signed ]] && bucket=sig$run && read -ra shas_ <<<"${shas[$1]}"
    : >"$OUT/put.cfg"
    for f in "$OUT"/d/$1/*; do
        if [[ ${3:-} == signed ]]; then
            ((i == 0)) || printf 'next\n' >>"$OUT/put.cfg"
            printf 'aws-sigv4 = "aws:amz:%s:s3"\nuser = "%s:%s"\nheader = "x-amz-content-sha256: %s"\n' \
                "$S3_REGION" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" "${shas_[i]}" >>"$OUT/put.cfg"
            for x in "${h[@]}"; do
                [[ $x == -H ]] || printf 'header = "%s"\n' "$x" >>"$OUT/put.cfg"
            done
            printf 'write-out = "%%{http_code} %%{size_upload}\\n"\nsilent\n' >>"$OUT/put.cfg"
        fi
        printf 'upload-file = "%s"\nurl = "%s/%s/%s"\noutput = "/dev/null"\n' \
            "$f" "$S3_ENDPOINT" "$bucket" "$(basename "$f")" >>"$OUT/put.cfg"
        i=$((i + 1))
    done
    t=$(now)
    if [[ ${3:-} == signed ]]; then
        curl -K "$OUT/put.cfg" >"$OUT/put.txt"
    else
        curl -s "${S3[@]}" "${h[@]}" -K "$OUT/put.cfg" -w '%{http_code} %{size_upload}\n' >"$OUT/put.txt"
    fi
    since "$t"
    check_transfers "$OUT/put.txt" "$(find "$OUT/d/$1" -type f | wc -l)" "${bytes[$1]}" "curl PUT"
}
verify_custody() { # -> seconds of `custody verify --all` (every object read back from the gateway)
    local t
    t=$(now)
    "$CUSTODY" verify --all --home "$OUT/h" >"$OUT/verify-all.txt" ||
        die "custody verify --all failed: $(tail -3 "$OUT/verify-all.txt")"
    since "$t"
    "$CUSTODY" store status --home "$OUT/h" | grep -q ' 0 objects wait for their read-back' ||
        die "objects still wait for their read-back after verify --all"
}
hash_files() { # set -> seconds
    local t
    t=$(now)
    openssl dgst -sha256 "$OUT"/d/$1/* >/dev/null
    since "$t"
}
get_custody() { # set -> seconds
    local t s
    : >"$OUT/get.cfg"
    for s in ${shas[$1]}; do
        printf 'url = "http://127.0.0.1:%s/v1/items/%s/original"\noutput = "/dev/null"\n' \
            "$port" "$s" >>"$OUT/get.cfg"
    done
    t=$(now)
    curl -s -H "Authorization: Bearer $token" -H "X-Custody-Purpose: s3%20bench" \
        -K "$OUT/get.cfg" -w '%{http_code} %{size_download}\n' >"$OUT/get.txt"
    since "$t"
    check_transfers "$OUT/get.txt" "$(wc -w <<<"${shas[$1]}")" "${bytes[$1]}" "custody GET"
}
# The same with $ATTACH beside custody serve, stopped (SIGINT) once the downloads are over.
get_custody_attached() { # set -> seconds
    local apid
    if [[ -z $ATTACH ]]; then
        get_custody "$1"
        return
    fi
    # shellcheck disable=SC2086
    $ATTACH "$serve_pid" 2>"$ATTACH_OUT/$lock.r$run.k$rep.$1.txt" >&2 &
    apid=$!
    sleep 0.5
    get_custody "$1"
    kill -INT "$apid"
    wait "$apid" || true
}
get_curl() { # set -> seconds
    local t f
    : >"$OUT/get.cfg"
    for f in "$OUT"/d/$1/*; do
        printf 'url = "%s/curl%s/%s"\noutput = "/dev/null"\n' "$S3_ENDPOINT" "$run" "$(basename "$f")" \
            >>"$OUT/get.cfg"
    done
    t=$(now)
    curl -s "${S3[@]}" -K "$OUT/get.cfg" -w '%{http_code} %{size_download}\n' >"$OUT/get.txt"
    since "$t"
    check_transfers "$OUT/get.txt" "$(find "$OUT/d/$1" -type f | wc -l)" "${bytes[$1]}" "curl GET"
}

# ---- the runs -------------------------------------------------------------------------------
declare -A res # res[lock.measure.set] = "t1 t2 ..."
add() {
    res[$1]="${res[$1]:-}${res[$1]:+ }$2"
}
measure() { # key command... : the command's seconds added to res[key]
    local k=$1 v
    shift
    v=$("$@")
    add "$k" "$v"
}
for lock in $LOCKS; do
    for ((r = 1; r <= N; r++)); do
        run=$r
        gateway_start
        home_make "$lock" "$OUT/h" "cust$run" readback
        make_bucket "cust$run" "$lock"
        make_bucket "curl$run" "$lock"
        make_bucket "sig$run" "$lock"
        home_make "$lock" "$OUT/h1" "one$run" signed
        make_bucket "one$run" "$lock"
        home_make "$lock" "$OUT/h2" "two$run" md5
        make_bucket "two$run" "$lock"
        for set in big small; do
            if [[ $ONLY == download ]]; then # the bytes in place, not timed
                ingest_custody "$set" >/dev/null
                ingest_curl "$set" "$lock" >/dev/null
                continue
            fi
            measure "$lock.hash.$set" hash_files "$set"
            if ((r % 2)); then
                measure "$lock.ingest.$set" ingest_custody "$set"
                measure "$lock.put.$set" ingest_curl "$set" "$lock"
            else
                measure "$lock.put.$set" ingest_curl "$set" "$lock"
                measure "$lock.ingest.$set" ingest_custody "$set"
            fi
        done
        [[ $ONLY == download ]] || measure "$lock.readback.all" verify_custody
        if [[ $ONLY == download ]]; then
            :
        elif ((r % 2)); then
            measure "$lock.single.big" ingest_custody big "$OUT/h1"
            measure "$lock.md5.big" ingest_custody big "$OUT/h2"
            measure "$lock.signed.big" ingest_curl big "$lock" signed
        else
            measure "$lock.signed.big" ingest_curl big "$lock" signed
            measure "$lock.md5.big" ingest_custody big "$OUT/h2"
            measure "$lock.single.big" ingest_custody big "$OUT/h1"
        fi
        rm -rf "$OUT/h1" "$OUT/h2"
        reviewer
        # Downloads with the local copy present (reference), then from the gateway alone.
        serve_start
        for set in big small; do
            measure "$lock.local.$set" get_custody "$set"
        done
        serve_stop
        "$CUSTODY" store trim --home "$OUT/h" --set store.s3_cache_mb=0 >"$OUT/trim.txt" 2>&1 ||
            die "custody store trim failed: $(cat "$OUT/trim.txt")"
        left=$(find "$OUT/h" -type f -size +900k -path '*object*' | wc -l)
        ((left == 0)) || die "$left local copies left after the trim"
        serve_start
        if ((r == 1)); then # the bytes served from the gateway are the object's
            s=$(cut -d' ' -f1 <<<"${shas[big]}")
            got=$(curl -s -H "Authorization: Bearer $token" -H "X-Custody-Purpose: s3%20bench" \
                "http://127.0.0.1:$port/v1/items/$s/original" | sha256sum | cut -c1-64)
            [[ $got == "$s" ]] || die "custody served $got for object $s"
        fi
        for set in big small; do
            for ((rep = 0; rep < REPEAT; rep++)); do
                if (((r + rep) % 2)); then
                    measure "$lock.remote.$set" get_custody_attached "$set"
                    measure "$lock.get.$set" get_curl "$set"
                else
                    measure "$lock.get.$set" get_curl "$set"
                    measure "$lock.remote.$set" get_custody_attached "$set"
                fi
            done
        done
        serve_stop
        "$CUSTODY" ledger verify --home "$OUT/h" >"$OUT/verify.txt" ||
            die "ledger verify failed: $(cat "$OUT/verify.txt")"
        rm -rf "$OUT/h"
        gateway_stop
        echo "lock $lock, run $r/$N:" \
            "$(for k in "${!res[@]}"; do [[ $k == $lock.* ]] && echo "${k#*.}=${res[$k]##* }"; done | sort | tr '\n' ' ')" >&2
    done
done

# ---- the report -----------------------------------------------------------------------------
m() { # key -> median seconds
    # shellcheck disable=SC2086
    median ${res[$1]}
}
if [[ $ONLY == download ]]; then # the downloads alone
    rows=
    for lock in $LOCKS; do
        for set in big small; do
            if [[ $set == big ]]; then what="$BIG_N × $BIG_MB MB"; else what="$SMALL_N × $SMALL_MB MB"; fi
            b=${bytes[$set]}
            cr=$(m "$lock.remote.$set") cg=$(m "$lock.get.$set") cl=$(m "$lock.local.$set")
            dr=$(ratio "$cg" "$cr") lr=$(ratio "$cg" "$cl")
            rows+="| $lock | download $what | custody, from the gateway | $(mbps "$b" "$cr") | ${res[$lock.remote.$set]} | |
| $lock | download $what | curl GET | $(mbps "$b" "$cg") | ${res[$lock.get.$set]} | **$dr** (goal >= 0.8: $(verdict "$dr" 0.8)) |
| $lock | download $what | custody, local copy (reference) | $(mbps "$b" "$cl") | ${res[$lock.local.$set]} | $lr |
"
        done
    done
    section=$(
        cat <<MD
## S3 downloads against curl GET (ONLY=download): $(date -u +%Y-%m-%d)

Command: \`ONLY=download REPEAT=$REPEAT bench/s3.sh\` with $CUSTODY (N=$N runs, a fresh gateway each, REPEAT downloads of each kind a run; $BIG_N files of $BIG_MB MB and $SMALL_N of $SMALL_MB MB, random bytes),
load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Machine: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r).
The files are put by custody ingest and curl PUT, not timed; the downloads as in the full run.

| lock | set | measure | MB/s (median) | runs (s) | ratio to curl |
|---|---|---|---|---|---|
$rows
MD
    )
    printf '%s\n' "$section"
    printf '\n%s\n' "$section" >>"$RESULTS"
    exit 0
fi
rows=
for lock in $LOCKS; do
    for set in big small; do
        if [[ $set == big ]]; then what="$BIG_N × $BIG_MB MB"; else what="$SMALL_N × $SMALL_MB MB"; fi
        b=${bytes[$set]}
        ci=$(m "$lock.ingest.$set") cp=$(m "$lock.put.$set") ch=$(m "$lock.hash.$set")
        cr=$(m "$lock.remote.$set") cg=$(m "$lock.get.$set") cl=$(m "$lock.local.$set")
        hp=$(awk -v a="$cp" -v b="$ch" 'BEGIN { printf "%.3f", a + b }')
        single=
        if [[ $set == big ]]; then
            cs=$(m "$lock.single.big") c5=$(m "$lock.md5.big")
            cg2=$(m "$lock.signed.big") cv=$(m "$lock.readback.all")
            single="| $lock | ingest $what | custody ingest, s3_put_check = signed (the gateway re-hashes each PUT) | $(mbps "$b" "$cs") | ${res[$lock.single.big]} | $(ratio "$cp" "$cs") |
| $lock | ingest $what | custody ingest, s3_put_check = md5 (Content-MD5) | $(mbps "$b" "$c5") | ${res[$lock.md5.big]} | $(ratio "$cp" "$c5") |
| $lock | ingest $what | curl PUT, SHA-256 signed (the gateway checks it) | $(mbps "$b" "$cg2") | ${res[$lock.signed.big]} | custody: $(ratio "$cg2" "$ci"); signed: $(ratio "$cg2" "$cs") |
| $lock | read back | custody verify --all after the ingest (both sets: the read-back readback defers) | $(mbps "$total_bytes" "$cv") | ${res[$lock.readback.all]} | |
"
        fi
        ir=$(ratio "$cp" "$ci") ih=$(ratio "$hp" "$ci") dr=$(ratio "$cg" "$cr") lr=$(ratio "$cg" "$cl")
        rows+="| $lock | ingest $what | custody ingest | $(mbps "$b" "$ci") | ${res[$lock.ingest.$set]} | |
| $lock | ingest $what | curl PUT | $(mbps "$b" "$cp") | ${res[$lock.put.$set]} | **$ir** (goal >= 0.8: $(verdict "$ir" 0.8)) |
| $lock | ingest $what | openssl dgst -sha256, then curl PUT | $(mbps "$b" "$hp") | ${res[$lock.hash.$set]} (hash) | $ih |
$single| $lock | download $what | custody, from the gateway | $(mbps "$b" "$cr") | ${res[$lock.remote.$set]} | |
| $lock | download $what | curl GET | $(mbps "$b" "$cg") | ${res[$lock.get.$set]} | **$dr** (goal >= 0.8: $(verdict "$dr" 0.8)) |
| $lock | download $what | custody, local copy (reference) | $(mbps "$b" "$cl") | ${res[$lock.local.$set]} | $lr |
"
    done
done
section=$(
    cat <<MD
## S3 store against curl --aws-sigv4: $(date -u +%Y-%m-%d)

Command: \`bench/s3.sh\` (N=$N runs, a fresh gateway each; $BIG_N files of $BIG_MB MB and $SMALL_N of $SMALL_MB MB, random bytes).
Machine: $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r),
$(df -T /tmp | awk 'NR == 2 { print $2 }') on $(df /tmp | awk 'NR == 2 { print $1 }'). Gateway: tests/storage/ceph.sh (Ceph $(ceph --version | awk '{ print $3 }'), one OSD on memstore,
radosgw on 127.0.0.1), on the same cores as custody and curl. $(curl --version | head -1 | cut -d' ' -f1-2).
Custody: store.backend = s3, store.s3_put_check = readback unless the measure says otherwise (default: $("$CUSTODY" config 2>/dev/null | sed -n 's/^store.s3_put_check = //p'))
(objects up to 1 GiB are one streamed PUT), lock modes as in the first column (compliance with s3_retain_days = 1); curl
PUTs with UNSIGNED-PAYLOAD and the same lock headers, one process for all the files (connection
reused); custody's downloads are one curl process too, every read ledgered.

| lock | set | measure | MB/s (median) | runs (s) | ratio to curl |
|---|---|---|---|---|---|
$rows
- ratio = curl's median time / custody's (custody's share of curl's throughput); "openssl dgst
  -sha256, then curl PUT" is the peer that also knows each file's hash, as an ingest must.
MD
)
printf '%s\n' "$section"
printf '\n%s\n' "$section" >>"$RESULTS" # a new section at the end: earlier runs stay
