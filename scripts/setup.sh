#!/usr/bin/env bash
# scripts/setup.sh start|test: everything a fresh Debian 12 machine needs, as root.
#   start: install what is missing, build, initialise ./var (or $CUSTODY_HOME) and run the
#          service in the foreground.
#   test:  install what is missing, build, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
start | test) ;;
*)
    echo "usage: scripts/setup.sh start|test" >&2
    exit 2
    ;;
esac

# Build and run-time dependencies (DESIGN.md), then the test and benchmark peers; tzdata
# (the zone files ingest.default_tz names) is missing from minimal images such as Docker's.
packages=(
    build-essential cmake pkg-config
    libuv1-dev libh2o-dev libsqlite3-dev libssl-dev libjansson-dev libexif-dev libheif-dev
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

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

if [ "$mode" = test ]; then
    exec ctest --test-dir build --output-on-failure -j2
fi
build/custody init
exec build/custody serve
