#!/usr/bin/env bash
# tests/pkg/test_setup.sh BUILD_DIR: `scripts/setup.sh start` as a new administrator runs it,
# on this build folder ($CUSTODY_BUILD), with a fake apt-get first in PATH (nothing is
# installed: a machine that lacks a package skips the test). With --home and --listen it
# initialises the new home, prints the address and the exact `custody user add ... --role
# admin --home ...` command, and serves /healthz there; pasting that command makes the admin.
# With $CUSTODY_HOME and $CUSTODY_LISTEN instead, on that home again, it says an admin is
# there already and listens on the new address. A bad --listen is refused before any build.
set -euo pipefail

build=$(cd "${1:?usage: test_setup.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/pkg/testlib.sh
. "$(dirname "$0")/testlib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-setup.XXXXXX")
pid=
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# apt-get, should setup.sh call it, records the call and fails.
mkdir "$work/bin"
printf '#!/bin/sh\necho "apt-get $*" >>"%s/apt.log"\nexit 1\n' "$work" >"$work/bin/apt-get"
chmod +x "$work/bin/apt-get"
export PATH=$work/bin:$PATH CUSTODY_BUILD=$build
unset CUSTODY_HOME CUSTODY_LISTEN CUSTODY_CONFIG

# free_port: a loopback port nothing listens on now.
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 40000))
        if ! (: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    fail "no free loopback port"
}

# start_setup NAME ARGS...: setup.sh start in the background (at most 50 s), its output in
# $work/NAME.out and .err; returns once it printed where it listens and /healthz answers
# there, $pid and $url set.
start_setup() {
    local name=$1
    shift
    timeout 50 bash "$src/scripts/setup.sh" start "$@" >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    url=
    for _ in $(seq 450); do
        url=$(sed -n 's|^setup: the service listens on \(http://[^ ]*/\).*|\1|p' "$work/$name.out")
        [ -z "$url" ] || break
        if ! kill -0 "$pid" 2>/dev/null; then
            if [ -s "$work/apt.log" ]; then
                echo "SKIP: setup.sh start would install packages: $(cat "$work/apt.log")"
                exit 77
            fi
            cat "$work/$name.out" "$work/$name.err"
            fail "setup.sh start $* ended without printing its address"
        fi
        sleep 0.1
    done
    [ -n "$url" ] || { cat "$work/$name.out" "$work/$name.err"; fail "no address printed"; }
    for _ in $(seq 100); do
        [ "$(curl -s "${url}healthz" 2>/dev/null)" != '{"status":"ok"}' ] || return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$name.out" "$work/$name.err"
    fail "GET ${url}healthz did not answer {\"status\":\"ok\"}"
}

# stop_setup NAME: TERM to the service, which stops cleanly.
stop_setup() {
    kill "$pid"
    wait "$pid" || true
    pid=
    grep -q '"event":"service.stopped"' "$work/$1.err" || { cat "$work/$1.err"; fail "no service.stopped"; }
}

# 1. A bad address: usage, before anything is built or installed.
rc=0
timeout 30 bash "$src/scripts/setup.sh" start --listen localhost >"$work/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "--listen localhost: exit $rc, not 2"
grep -q 'give IPV4:PORT or \[IPV6\]:PORT' "$work/bad.out" || fail "--listen localhost: $(cat "$work/bad.out")"
[ ! -e "$work/apt.log" ] || fail "--listen localhost ran apt-get"
ok "a bad --listen is refused (exit 2) before anything is built"

# 2. --home and --listen on a new home.
home="$work/new home"
port=$(free_port)
start_setup flags --home "$home" --listen "127.0.0.1:$port"
[ "$url" = "http://127.0.0.1:$port/" ] || fail "printed $url, not http://127.0.0.1:$port/"
[ ! -e "$work/apt.log" ] || fail "setup.sh start ran $(cat "$work/apt.log")"
[ -f "$home/catalog.db" ] || fail "no catalog.db in $home"
[ -f "$home/ledger.key" ] || fail "no ledger.key in $home"
ok "--home and --listen: a new home, the address printed, GET /healthz answers there, no apt-get"

hint=$(sed -n 's/^setup:   \(.* user add NAME --role admin --home .*\)$/\1/p' "$work/flags.out")
expect="$(printf '%q' "$build/custody") user add NAME --role admin --home $(printf '%q' "$home")"
[ "$hint" = "$expect" ] || { cat "$work/flags.out"; fail "admin hint: '$hint', not '$expect'"; }
eval "${hint/NAME/boss}" >"$work/add.out" || fail "the printed command failed: $hint"
token=$(tail -1 "$work/add.out")
me=$(curl -s -H "Authorization: Bearer $token" "${url}v1/me")
grep -q '"name":"boss","role":"admin"' <<<"$me" || fail "GET /v1/me with the new token: $me"
ok "the printed user add command, pasted, makes an admin whose token the service takes"
stop_setup flags

# 3. $CUSTODY_HOME and $CUSTODY_LISTEN, a relative home, on that home again.
port=$(free_port)
cd "$work"
CUSTODY_HOME="new home" CUSTODY_LISTEN="127.0.0.1:$port" start_setup env
grep -q "^setup: the service listens on http://127.0.0.1:$port/" "$work/env.out" || fail "env: address"
grep -qF "setup: custody home $home" "$work/env.out" || fail "env: $(cat "$work/env.out")"
grep -q '^setup: 1 admin(s) already' "$work/env.out" || fail "env: $(cat "$work/env.out")"
grep -q 'is already initialised; nothing changed' "$work/env.out" || fail "env: home initialised again"
stop_setup env
ok "CUSTODY_HOME (relative) and CUSTODY_LISTEN: the same home, the new address, the admin seen"
echo "$checks passed, 0 failed"
