#!/usr/bin/env bash
# bench/agree.sh: agreement of `custody probe` with ExifTool, field by field (bench/agree.py
# says how each field is compared), over the shared corpus and over any further folders of
# real files (bench/SAMPLES.md lists the ones used for RESULTS.md and where they came from).
#
# Usage: bench/agree.sh [DIR...]   each DIR holds files/ and, optionally, exiftool.json made by
#   `cd DIR/files && exiftool -r -j -n -G1 -a -ext '*' . > ../exiftool.json` (made if absent).
# Default DIR: ../shared/corpus. Environment: CUSTODY (build/custody), RESULTS
# (bench/RESULTS.md; RESULTS=/dev/null to only print), LIST=1 to print every disagreement.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
CUSTODY=${CUSTODY:-build/custody}
RESULTS=${RESULTS:-bench/RESULTS.md}
dirs=("$@")
((${#dirs[@]})) || dirs=("$here/../shared/corpus")

die() {
    echo "bench/agree.sh: $*" >&2
    exit 1
}
[[ -x $CUSTODY ]] || die "$CUSTODY not found; build it first"
command -v exiftool >/dev/null || die "exiftool not found: apt-get install libimage-exiftool-perl"
command -v python3 >/dev/null || die "python3 not found: apt-get install python3"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
report=$out/report.md
{
    echo
    echo "## custody probe agreement with ExifTool: $(date -u +%Y-%m-%d)"
    echo
    echo "Command: \`bench/agree.sh ${*:-../shared/corpus}\` ($(exiftool -ver | sed 's/^/ExifTool /');"
    echo "rules in bench/agree.py; fuzzer-made files left out)."
} >"$report"
for d in "${dirs[@]}"; do
    [[ -d $d/files ]] || die "$d/files: no such folder"
    oracle=$d/exiftool.json
    if [[ ! -s $oracle ]]; then
        oracle=$out/exiftool.json
        (cd "$d/files" && exiftool -r -j -n -G1 -a -ext '*' . >"$oracle" 2>/dev/null) || true
    fi
    mapfile -t files < <(find "$d/files" -type f ! -name '*.fuzzed' ! -name '*.parsed' | sort)
    "$CUSTODY" probe --json "${files[@]}" >"$out/probe.json" 2>/dev/null || true
    {
        echo
        echo "$(basename "$(cd "$d" && pwd)"): ${#files[@]} files"
        echo
        python3 bench/agree.py "$oracle" "$out/probe.json" ${LIST:+--list}
    } >>"$report"
done
cat "$report"
[[ $RESULTS == /dev/null ]] || cat "$report" >>"$RESULTS"
