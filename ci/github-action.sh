#!/usr/bin/env bash
# The work of prr's GitHub Action (action.yml), kept in a script so it runs, and is tested,
# anywhere: set the variables the action sets and run it in a checkout with prr installed.
#
#   INPUT_PATH             repository or service folder to gate (default .)
#   INPUT_ALLOWED_SIGNERS  allowed_signers file, from outside the repository (required)
#   INPUT_REF              commit to gate (default HEAD)
#   INPUT_TIER             the service's tier, 0-3, pinned from outside the repository (default: its config's)
#   INPUT_CHECKLIST        the pack reviews must be made with, pinned likewise (default: its config's)
#   INPUT_FORMAT           format of the report file: text, json, junit or sarif (default text)
#   INPUT_PROBE            "true": also write `prr probe --format sarif` (never changes the result)
#   INPUT_UPLOAD_SARIF     "true": write the SARIF files for code scanning to upload
#   RUNNER_TEMP            where the files go (under prr/); GitHub sets it
#   GITHUB_OUTPUT, GITHUB_STEP_SUMMARY   where outputs and the summary go, when set
#
# Exits with prr check's code: 0 ready, 1 not ready, 2 usage or input error.
set -uo pipefail

path=${INPUT_PATH:-.}
allowed=${INPUT_ALLOWED_SIGNERS:-}
ref=${INPUT_REF:-HEAD}
tier=${INPUT_TIER:-}
checklist=${INPUT_CHECKLIST:-}
format=${INPUT_FORMAT:-text}
probe=${INPUT_PROBE:-false}
upload=${INPUT_UPLOAD_SARIF:-false}
out=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/prr

# Workflow commands end at a newline and decode %XX: escape what a message may hold.
escape() {
    local text=${1//%/%25}
    text=${text//$'\r'/%0D}
    printf '%s' "${text//$'\n'/%0A}"
}

usage_error() {
    echo "::error title=prr::$(escape "$1")"
    output exit-code 2
    exit 2
}

output() {
    if [[ -n ${GITHUB_OUTPUT:-} ]]; then
        printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
    fi
}

case $format in
    text) extension=txt ;;
    json) extension=json ;;
    junit) extension=xml ;;
    sarif) extension=sarif ;;
    *) usage_error "format must be text, json, junit or sarif, not '$format'" ;;
esac
case $tier in
    "" | 0 | 1 | 2 | 3) ;;
    *) usage_error "tier must be 0, 1, 2 or 3 (or empty: the repository's config decides), not '$tier'" ;;
esac
for name in probe upload; do
    if [[ ${!name} != true && ${!name} != false ]]; then
        usage_error "$name must be \"true\" or \"false\", not '${!name}'"
    fi
done
if [[ -z $allowed ]]; then
    usage_error "allowed-signers is required: an allowed_signers file from a CI secret or another, protected repository"
fi
if [[ ! -f $allowed ]]; then
    usage_error "allowed-signers: $allowed: no such file"
fi
if [[ $(git -C "$path" rev-parse --is-shallow-repository 2>/dev/null) == true ]]; then
    echo "::warning title=prr::$(escape "shallow clone: the reviewed commit may be missing; check out with fetch-depth: 0")"
fi

mkdir -p "$out"
check=(prr check "$path" --allowed-signers "$allowed" --ref "$ref")
if [[ -n $tier ]]; then
    check+=(--tier "$tier")
fi
if [[ -n $checklist ]]; then
    check+=(--checklist "$checklist")
fi

# The decision, and its reason in the log. The output quotes names from the repository
# under review: between stop-commands and its token, no line of it runs as a workflow command.
"${check[@]}" >"$out/prr-check.txt" 2>"$out/prr-check.err"
code=$?
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "::stop-commands::$token"
cat "$out/prr-check.txt" "$out/prr-check.err"
echo "::$token::"
reason=$(head -n 1 "$out/prr-check.txt")
reason=${reason#PASS }
reason=${reason#FAIL }
if [[ -z $reason ]]; then
    reason=$(head -n 1 "$out/prr-check.err")
fi

report="$out/prr-check.$extension"
if [[ $code != 0 && $code != 1 ]]; then
    report=""  # prr could not decide: the error above is the report
elif [[ $format != text ]]; then
    "${check[@]}" --format "$format" >"$report"
fi

sarif_dir=""
probe_code=""
if [[ $probe == true || $upload == true ]] && [[ $code == 0 || $code == 1 ]]; then
    sarif_dir="$out/sarif"
    mkdir -p "$sarif_dir"
    "${check[@]}" --format sarif >"$sarif_dir/prr-check.sarif"
    if [[ $probe == true ]]; then
        prr probe "$path" --ref "$ref" --format sarif >"$sarif_dir/prr-probe.sarif"
        probe_code=$?
        echo "prr probe: exit $probe_code (0 passed, 1 a probe failed, 3 a probe could not run)"
        if [[ $probe_code != 0 && $probe_code != 1 && $probe_code != 3 ]]; then
            rm -f "$sarif_dir/prr-probe.sarif"  # no report to upload: the error is in the log
            echo "::warning title=prr probe::$(escape "prr probe could not report (exit $probe_code)")"
        fi
    fi
fi

if [[ $code == 0 ]]; then
    echo "::notice title=prr check::$(escape "$reason")"
    passed=true
else
    echo "::error title=prr check::$(escape "$reason")"
    passed=false
fi
output passed "$passed"
output repository "$(git -C "$path" rev-parse --show-toplevel 2>/dev/null)"
output exit-code "$code"
output reason "$reason"
output report "$report"
output sarif-dir "$sarif_dir"
output probe-exit-code "$probe_code"
if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    printf '### prr check: %s\n\n%s\n' "$([[ $passed == true ]] && echo PASS || echo FAIL)" "$reason" \
        >>"$GITHUB_STEP_SUMMARY"
fi
exit "$code"
