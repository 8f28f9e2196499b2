#!/usr/bin/env bash
# scripts/setup.sh start|test: everything a fresh Debian 12 machine needs, as root.
#   start [--home DIR] [--listen ADDR:PORT]: install what is missing, build `custody` and
#          `custody-worker` only, initialise the home (--home, else $CUSTODY_HOME, else ./var)
#          if it is new, say where the service listens (--listen, else $CUSTODY_LISTEN, else
#          the home's api.listen) and how to add the first admin, and run the service in the
#          foreground.
#   test:  install what is missing, build everything, and run the whole test suite.
# $CUSTODY_BUILD names the build folder (default ./build; one configured already keeps its
# build type).
set -euo pipefail

usage() {
    echo "usage: scripts/setup.sh start [--home DIR] [--listen ADDR:PORT]" >&2
    echo "       scripts/setup.sh test" >&2
    exit 2
}

mode=${1:-}
case "$mode" in
start | test) shift ;;
*) usage ;;
esac
home=${CUSTODY_HOME:-}
listen=${CUSTODY_LISTEN:-}
while (($#)); do
    case "$1" in
    --home | --listen)
        if [ "$mode" != start ] || (($# < 2)) || [ -z "$2" ]; then usage; fi
        if [ "$1" = --home ]; then home=$2; else listen=$2; fi
        shift 2
        ;;
    --home=?* | --listen=?*)
        [ "$mode" = start ] || usage
        if [ "${1%%=*}" = --home ]; then home=${1#*=}; else listen=${1#*=}; fi
        shift
        ;;
    *) usage ;;
    esac
done
# The address as api.listen takes it (core/config.c), checked before anything is built.
if [ -n "$listen" ] && ! [[ $listen =~ ^([0-9.]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}$ ]]; then
    echo "setup: --listen \"$listen\": give IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8420" >&2
    exit 2
fi
# Paths given relative to where the script was called from; ./var and ./build are the
# checkout's.
caller=$PWD
cd "$(dirname "$0")/.."
absolute() { if [ "${1#/}" = "$1" ]; then printf '%s/%s' "$caller" "$1"; else printf '%s' "$1"; fi; }
if [ -n "$home" ]; then home=$(absolute "$home"); else home=$PWD/var; fi
build=$PWD/build
cmake_type=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ -n "${CUSTODY_BUILD:-}" ]; then
    build=$(absolute "$CUSTODY_BUILD")
    [ ! -f "$build/CMakeCache.txt" ] || cmake_type=()
fi

# Build and run-time dependencies (DESIGN.md), then the test and benchmark peers; tzdata
# (the zone files ingest.default_tz names) is missing from minimal images such as Docker's.
packages=(
    build-essential cmake pkg-config
    libuv1-dev libh2o-dev libsqlite3-dev libssl-dev libjansson-dev libexif-dev libheif-dev
    libcurl4-openssl-dev libpcre2-dev libzstd-dev
    libavformat-dev libavcodec-dev libavfilter-dev libswscale-dev libswresample-dev libavutil-dev
    check
    ffmpeg libimage-exiftool-perl curl sqlite3 time
    tzdata
)
# Tests only: clang and its libFuzzer runtime (libclang_rt.fuzzer, in libclang-rt-14-dev) for
# the bounded fuzzing run of .ci/run.
if [ "$mode" = test ]; then
    packages+=(clang libclang-rt-14-dev)
fi
# Tests only: the Debian package installed into a scratch root (tests/pkg): dpkg-dev (cpack's
# Depends through dpkg-shlibdeps), adduser and init-system-helpers (the maintainer scripts),
# systemd (systemd-analyze verify of the unit), man-db and groff-base (the manual pages).
if [ "$mode" = test ]; then
    packages+=(dpkg-dev adduser init-system-helpers systemd man-db groff-base)
fi
# Tests only: a single-node Ceph cluster with its S3 gateway for the S3 store's tests
# (tests/storage/ceph.sh): monitor, OSD and RADOS Gateway, started by the tests themselves;
# iproute2 for its `ss` (a free port).
if [ "$mode" = test ]; then
    packages+=(ceph-mon ceph-osd radosgw ceph-common iproute2)
fi
# Tests only: the browser test of web/ (tests/web): Debian's Chromium, a CJK font for its
# screenshots, and Node.js with npm for playwright-core (by command: a Node.js installed
# otherwise, with its own npm, is kept).
if [ "$mode" = test ]; then
    packages+=(chromium fonts-wqy-microhei)
    command -v node >/dev/null || packages+=(nodejs)
    command -v npm >/dev/null || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser test's playwright-core, exactly as locked (tests/web/package-lock.json).
if [ "$mode" = test ]; then
    if [ -f tests/web/package-lock.json ]; then
        npm ci --prefix tests/web --no-audit --no-fund
    else
        npm install --prefix tests/web --no-audit --no-fund
    fi
fi

cmake -S . -B "$build" "${cmake_type[@]}"
if [ "$mode" = test ]; then
    cmake --build "$build" -j"$(nproc)"
    exec ctest --test-dir "$build" --output-on-failure -j2
fi
# start: the two programs the service runs, not the test programs.
cmake --build "$build" -j"$(nproc)" --target custody custody-worker
custody=$build/custody
"$custody" init --home "$home"
sets=()
[ -z "$listen" ] || sets=(--set "api.listen=$listen")
# What the service will take: the home's custody.conf (or $CUSTODY_CONFIG) under --listen.
conf=$("$custody" config --home "$home" "${sets[@]}")
listen=$(sed -n 's/^api\.listen = //p' <<<"$conf")
scheme=http
[ -z "$(sed -n 's/^api\.tls_cert = //p' <<<"$conf")" ] || scheme=https
url="$scheme://$listen/"
case "$listen" in
0.0.0.0:* | \[::\]:*) url="$url (every interface: this machine's address, port ${listen##*:})" ;;
esac
# The commands below, quoted to be pasted into a shell whatever the paths hold.
q_custody=$(printf '%q' "$custody")
q_home=$(printf '%q' "$home")
admins=$("$custody" user list --home "$home" | awk '$2 == "admin" && !/ disabled / {n++} END {print n + 0}')
cat <<MSG
setup: custody home $home
setup: the service listens on $url
setup:   (api.listen; for another address: scripts/setup.sh start --listen ADDR:PORT,
setup:   or custody serve --set api.listen=ADDR:PORT, or api.listen in the home's custody.conf)
MSG
if [ "$admins" = 0 ]; then
    cat <<MSG
setup: no admin yet. In another shell, create the first one (NAME of your choosing):
setup:   $q_custody user add NAME --role admin --home $q_home
setup:   it prints the admin's API token once, alone on its last line: sign in with it at
setup:   $scheme://$listen/ or send it as "Authorization: Bearer TOKEN" (README: HTTP API).
MSG
else
    echo "setup: $admins admin(s) already; more users: $q_custody user add NAME --role ROLE --home $q_home"
fi
exec "$custody" serve --home "$home" "${sets[@]}"
