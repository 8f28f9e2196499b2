# shellcheck shell=bash
# tests/pkg/testlib.sh: sourced by the tests of tests/pkg/: numbered checks, TAP-like, and a
# closing "N passed, 0 failed" line for ctest's log. $checks carries the count.
checks=${CHECKS:-0}

# fail MESSAGE: the check failed; the test stops.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# ok MESSAGE: one more check passed.
ok() {
    checks=$((checks + 1))
    echo "ok $checks - $*"
}
