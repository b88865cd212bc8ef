#!/usr/bin/env bash
# Runs a command with TMPDIR set to a fresh directory of its own and fails when the command
# leaves anything in it: the tests (and the benchmark) must remove every temporary file,
# directory and process they create, also when tests fail. The directory is removed in any
# case. Only what this command creates counts, not what others (a `make demo` running
# beside) put into the usual temp folder meanwhile.
#
# Usage: scripts/with-private-tmpdir.sh COMMAND [ARG...]
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }

run=$(mktemp -d "${TMPDIR:-/tmp}/apimcap-test-run.XXXXXX") || exit 1
trap 'rm -rf "$run"' EXIT
trap 'exit 130' INT TERM HUP

TMPDIR=$run "$@"
status=$?

# A test binary that was killed leaves its control plane's directory to a watchdog, which
# removes it within seconds: wait for that before counting.
for _ in $(seq 50); do
  [ -z "$(ls -A "$run")" ] && break
  sleep 0.2
done
if [ -n "$(ls -A "$run")" ]; then
  echo "left in the temp folder (TMPDIR=$run) by: $*" >&2
  (cd "$run" && du -sh -- * .[!.]* 2>/dev/null) >&2
  [ "$status" = 0 ] && status=1
fi
exit "$status"
