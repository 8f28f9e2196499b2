#!/usr/bin/env bash
# tests/pkg/test_docs.sh BUILD_DIR: what the build made from --help and the config table.
# custody.1 and custody.conf.5 render with man and groff without a warning; every command
# that `custody --help` lists has its section, synopsis and description in custody(1); every
# key that `custody config` prints is in custody.conf(5) with its default; and the bash
# completion, sourced in bash, completes commands, verbs, options and --set keys.
set -euo pipefail

build=$(cd "${1:?usage: test_docs.sh BUILD_DIR}" && pwd)
custody=$build/custody
# shellcheck source=tests/pkg/testlib.sh
. "$(dirname "$0")/testlib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
export LC_ALL=C.UTF-8 MANWIDTH=200

for page in custody.1 custody.conf.5; do
    [ -s "$build/$page" ] || fail "the build made no $page"
    cmp -s <(gzip -dc "$build/packaging/$page.gz") "$build/$page" || fail "$page.gz differs"
    groff -man -Tutf8 -ww -z "$build/$page" 2>"$work/groff.log" || fail "groff $page"
    [ ! -s "$work/groff.log" ] || { cat "$work/groff.log"; fail "groff warned on $page"; }
    man --warnings -l "$build/$page" >"$work/$page.txt" 2>"$work/man.log" || fail "man -l $page"
    [ ! -s "$work/man.log" ] || { cat "$work/man.log"; fail "man warned on $page"; }
done
ok "custody.1 and custody.conf.5 render with man -l and groff -ww, no warning"

# Every command of the table, with its usage and description.
"$custody" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 {print $1}' >"$work/commands"
[ "$(wc -l <"$work/commands")" -ge 20 ] || fail "custody --help lists $(wc -l <"$work/commands") commands"
while read -r cmd; do
    grep -q "^   $cmd\$" "$work/custody.1.txt" || fail "custody(1) has no section for $cmd"
    grep -q "^ *custody $cmd\b" "$work/custody.1.txt" || fail "custody(1) has no synopsis of $cmd"
    first=$("$custody" "$cmd" --help | sed -n 's/^usage: //p' | head -1)
    grep -qF -- "$first" "$work/custody.1.txt" || fail "custody(1) lacks the usage of $cmd: $first"
done <"$work/commands"
for section in SYNOPSIS COMMANDS 'COMMON OPTIONS' ENVIRONMENT FILES 'EXIT STATUS' 'SEE ALSO'; do
    grep -q "^$section" "$work/custody.1.txt" || fail "custody(1) has no $section"
done
grep -q 'CUSTODY_CONFIG' "$work/custody.1.txt" || fail "custody(1) does not name CUSTODY_CONFIG"
ok "custody(1) has each of the $(wc -l <"$work/commands") commands with its usage, and every section"

# Every config key, with its default.
"$custody" config --home "$work/none" --config /dev/null >"$work/config"
keys=0
while IFS= read -r line; do
    key=${line%% = *}
    def=${line#* = }
    grep -q "^       $key\$" "$work/custody.conf.5.txt" || fail "custody.conf(5) has no $key"
    if [ -n "$def" ]; then
        grep -qF -- "default $def." "$work/custody.conf.5.txt" || fail "custody.conf(5): no default $def of $key"
    fi
    keys=$((keys + 1))
done <"$work/config"
[ "$keys" -ge 30 ] || fail "custody config printed $keys keys"
ok "custody.conf(5) has each of the $keys keys with its default"

# The completion, in bash: what a <TAB> would offer.
complete_words() { # WORD... : the completions of the last word
    bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        _custody; printf "%s\n" "${COMPREPLY[@]}"' _ "$build/custody.bash-completion" "$@" | sort
}
bash -n "$build/custody.bash-completion" || fail "the completion does not parse"
[ "$(complete_words custody ver | tr '\n' ' ')" = "verify verify-bag " ] ||
    fail "custody ver<TAB>: $(complete_words custody ver)"
[ "$(complete_words custody ledger v | tr '\n' ' ')" = "verify " ] || fail "custody ledger v<TAB>"
[ "$(complete_words custody user '' | tr '\n' ' ')" = "add disable list passwd rotate " ] ||
    fail "custody user <TAB>: $(complete_words custody user '')"
complete_words custody export --p | grep -qx -- --purpose || fail "custody export --p<TAB>"
complete_words custody export --p | grep -qx -- --profiles || fail "custody export --p<TAB>"
[ "$(complete_words custody user add zhang --role a | tr '\n' ' ')" = "admin auditor " ] ||
    fail "--role a<TAB>: $(complete_words custody user add zhang --role a)"
complete_words custody grant x --clearance s | grep -qx state_secret || fail "--clearance s<TAB>"
complete_words custody serve --set api.l | grep -qx 'api.listen=' || fail "--set api.l<TAB>"
ok "bash completion: commands, verbs, options, choices and --set keys"
echo "$checks passed, 0 failed"
