#!/usr/bin/env bash
# fuzz/run.sh: runs one libFuzzer target of fuzz/ for a bounded time on a fresh copy of its
# seeds, as .ci/run and bench/fuzz.sh do. A crash, leak, timeout or broken property stops it
# with a non-zero status and leaves the input in <build>/fuzz-artifacts/<target>-crash-...
#
# Usage: fuzz/run.sh BUILD_DIR TARGET SECONDS [libFuzzer options...]
#   e.g. fuzz/run.sh build-fuzz fuzz_bag 15
# The corpus it grows is <build>/fuzz-corpus/<name>/ (fuzz/corpus/<name>/ copied afresh; for
# fuzz_extract also the files fuzz/corpus/extract.list names in $CUSTODY_CORPUS, by default
# ../shared/corpus, which is never copied into the repository).
# Environment: ARTIFACTS (folder for crash inputs, default <build>/fuzz-artifacts).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if (($# < 3)); then
    echo "usage: fuzz/run.sh BUILD_DIR TARGET SECONDS [libFuzzer options...]" >&2
    exit 2
fi
build=$1 target=$2 seconds=$3
shift 3
name=${target#fuzz_}
seeds=$here/fuzz/corpus/$name
corpus=$build/fuzz-corpus/$name
artifacts=${ARTIFACTS:-$build/fuzz-artifacts}

[[ -x $build/$target ]] || {
    echo "fuzz/run.sh: $build/$target not found; build it: cmake --build $build --target fuzz" >&2
    exit 2
}
[[ -d $seeds ]] || {
    echo "fuzz/run.sh: no seeds in $seeds" >&2
    exit 2
}
rm -rf "$corpus"
mkdir -p "$corpus" "$artifacts"
cp "$seeds"/* "$corpus"/
if [[ $name == extract ]]; then
    shared=${CUSTODY_CORPUS:-$here/../shared/corpus}
    n=0
    while IFS= read -r line; do
        [[ -z $line || $line == \#* ]] && continue
        n=$((n + 1))
        if [[ -f $shared/$line ]]; then
            cp "$shared/$line" "$corpus/shared-$n-$(basename "$line")"
        else
            echo "fuzz/run.sh: $shared/$line is missing; fuzzing without it" >&2
        fi
    done <"$here/fuzz/corpus/extract.list"
fi
exec "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/$target-" -print_final_stats=1 "$@" "$corpus"
