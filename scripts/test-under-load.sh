#!/usr/bin/env bash
# Runs the test suite while other processes keep every core busy, to show that the tests wait on
# events and conditions, not on time (issue 19). Durations in tests are only hang guards.
#
#   scripts/test-under-load.sh                      # the whole suite, as `npm test` runs it
#   scripts/test-under-load.sh test/unit/embedder/registry.test.ts 'test/integration/embedder/*.test.ts'
#   LOAD_PROCS=4 scripts/test-under-load.sh ...     # more busy loops than cores (default: one per core)
#
# The busy loops run at normal priority, so they take as much CPU as the tests do; they are killed
# when the script exits, however it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

procs="${LOAD_PROCS:-$(nproc)}"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ((i = 0; i < procs; i++)); do
  node -e 'for (;;) {}' &
  pids+=("$!")
done
echo "test-under-load: ${procs} busy loops on $(nproc) cores (pids ${pids[*]}); load average $(cut -d' ' -f1-3 /proc/loadavg)"

start=$(date +%s)
status=0
if [ $# -eq 0 ]; then
  npm test || status=$?
else
  node node_modules/mocha/bin/mocha.js "$@" || status=$?
fi
echo "test-under-load: exit ${status}, wall time $(($(date +%s) - start)) s, load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
