#!/usr/bin/env bash
# All tests: unit (plain Node), integration inside a real VS Code host (code-server), and the
# browser scenarios (test/e2e/catalog.ts) on both hosts. Needs `npm ci` first; installs the
# code-server hosts itself when missing. Each suite prints "<suite>: N passed, N failed"; the last
# line totals them for CI.
#
# Nothing a suite starts outlives it: each suite runs with a marker in its environment
# (SPOTIFY_REAP_MARK), which every process it starts inherits; after the suite, whatever still
# carries the marker is killed with its process group, and the run says so (test/host/reap.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
SPOTIFY_HOST=oldest bash test/host/install-host.sh || exit 1
SPOTIFY_HOST=newest bash test/host/install-host.sh || exit 1
npm run --silent compile && npm run --silent build || exit 1
mkdir -p test-output
export SPOTIFY_RUN_MARK=${SPOTIFY_RUN_MARK:-run-$$-$RANDOM}
status=0
current=
follower=
# Stopped from outside (Ctrl-C, a CI timeout): the running suite and all this run started go too.
stopped() {
  echo "run-all: stopped by $1"
  [ -n "$current" ] && kill -TERM "$current" 2>/dev/null
  [ -n "$follower" ] && kill "$follower" 2>/dev/null
  sleep 2
  node out/test/host/reap.js "SPOTIFY_RUN_MARK=$SPOTIFY_RUN_MARK" --kill --quiet --label "stopped test run"
  exit 130
}
trap 'stopped SIGINT' INT
trap 'stopped SIGTERM' TERM
passed=0
failed=0
suites=0

# Adds one suite's "suite: N passed, N failed" line (the last in its log) to the totals. A suite
# that exited non-zero is counted as failed even when its line says 0 failed, so the totals line
# never disagrees with the exit status.
count() {
  local log=$1 label=$2 rc=$3 line f
  line=$(grep -E '^[a-z0-9-]+( \([A-Za-z0-9 .()-]+\))?: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$label: no result line: counted as 1 failed"
    failed=$((failed + 1)); status=1; return
  fi
  f=$(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$line")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "$label: exited with status $rc though its result line says 0 failed: counted as 1 failed"
    f=1
  fi
  passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + f))
}

# run_suite LABEL LOG COMMAND...: runs one suite with its own marker, keeps its output in LOG,
# kills what it left running (and says so), counts its result line. The output goes to the log
# and is followed from there, not through a pipe: a process the suite left behind holding the
# pipe open would keep the pipe from closing, and so the clean-up from ever starting.
run_suite() {
  local label=$1 log=$2 pid rc
  shift 2
  suites=$((suites + 1))
  local mark="suite-$SPOTIFY_RUN_MARK-$suites"
  : >"$log"
  SPOTIFY_REAP_MARK=$mark "$@" >"$log" 2>&1 </dev/null &
  pid=$!
  current="$pid"
  # In the background too, so that a signal to this script is handled at once (bash runs a trap
  # only when its foreground child has ended; `wait` it interrupts).
  tail -n +1 -f --pid="$pid" "$log" &
  follower=$!
  wait "$pid"
  rc=$?
  wait "$follower"
  current=
  [ "$rc" -eq 0 ] || status=1
  node out/test/host/reap.js "SPOTIFY_REAP_MARK=$mark" --kill --quiet --label "$label" | tee -a "$log"
  count "$log" "$label" "$rc"
}

echo "== unit tests (mocha, plain Node)"
unit() {
  npx mocha 2>&1 | tee test-output/mocha.log
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -E '^\s+[0-9]+ passing' test-output/mocha.log | grep -oE '[0-9]+' | head -1)
  f=$(grep -E '^\s+[0-9]+ failing' test-output/mocha.log | grep -oE '[0-9]+' | head -1)
  echo "unit: ${p:-0} passed, ${f:-0} failed"
  [ -n "$p" ] && [ "$rc" -eq 0 ]
}
# mocha's closing lines are not one CI reads: unit prints "unit: N passed, N failed" from them.
run_suite unit test-output/unit.log bash -c "$(declare -f unit); unit"

echo "== consumer package (client/: unit tests against the emulator, the SDK adapter, npm pack check)"
run_suite client test-output/client.log npm run --silent test:client

# The integration suite and every browser scenario run on both hosts: the oldest VS Code that
# engines.vscode allows, and the newest code-server on the npm registry. Their result lines name the
# host's VS Code version.
mapfile -t scenarios < <(node out/test/e2e/catalog.js)
if [ ${#scenarios[@]} -eq 0 ]; then
  echo "e2e catalog: no scenarios listed (out/test/e2e/catalog.js failed?): counted as 1 failed"
  failed=$((failed + 1)); status=1
fi
for host in oldest newest; do
  export SPOTIFY_HOST=$host
  echo "== [$host host] integration tests (real VS Code extension host in code-server)"
  run_suite "integration ($host)" "test-output/integration-$host.log" node out/test/host/runHostTests.js

  for line in "${scenarios[@]}"; do
    IFS=$'\t' read -r id script envs title <<<"$line"
    [ "$envs" = - ] && envs=
    echo "== [$host host] $title"
    # shellcheck disable=SC2086 # envs is a list of NAME=VALUE words
    run_suite "e2e ($id, $host)" "test-output/e2e-$id-$host.log" env $envs node "out/test/e2e/$script"
  done
done
unset SPOTIFY_HOST

for host in oldest newest; do
  echo "== [$host host] browser-scenario harness: a scenario broken on purpose at a random step still reports and leaves nothing running"
  run_suite "e2e-harness ($host)" "test-output/e2e-harness-$host.log" env SPOTIFY_HOST=$host node out/test/e2e/harnessCheck.js
done

echo "== package (.vsix built with @vscode/vsce, contents checked)"
run_suite package test-output/package.log bash -c 'node out/test/package/checkVsix.js 2>&1 | grep -v "^npm warn"; exit ${PIPESTATUS[0]}'

node out/test/host/reap.js "SPOTIFY_RUN_MARK=$SPOTIFY_RUN_MARK" --label "processes this test run started, still alive"
[ "$failed" -eq 0 ] || status=1
echo "all: $passed passed, $failed failed"
exit $status
