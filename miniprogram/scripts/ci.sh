#!/usr/bin/env bash
# CI step for the mini-program: install, type-check, template checks, build, page tests.
# stdout carries the tests' TAP and, last, one line "N passed, N failed"; everything else
# (npm, tsc, wcc/eslint) goes to stderr. Exit status is non-zero if any step fails.
set -uo pipefail
cd "$(dirname "$0")/.."

step() {
  echo "== miniprogram: $*" >&2
  "$@" 1>&2 || { echo "miniprogram: '$*' failed" >&2; echo "0 passed, 1 failed"; exit 1; }
}

step npm ci --no-audit --no-fund
step npm run --silent typecheck
step npm run --silent lint:wxml
step npm run --silent build

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
npx ava --tap | tee "$tap"
rc=${PIPESTATUS[0]}
pass=$(awk '/^# pass/{print $3}' "$tap")
fail=$(awk '/^# fail/{print $3}' "$tap")
echo "${pass:-0} passed, ${fail:-0} failed"
if [ "$rc" -ne 0 ] && [ "${fail:-0}" = 0 ]; then echo "miniprogram: ava exited $rc" >&2; fi
exit "$rc"
