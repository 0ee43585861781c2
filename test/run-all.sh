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
passed=0
failed=0
suites=0
# The suite under way, for a stop from outside: its pid while it runs, its log and label, and
# whether its line is still to be counted (pending=1 from its start until count has added it).
current=
current_log=
current_label=
current_rc=
pending=0
follower=

# Stopped from outside (Ctrl-C, a CI timeout): the running suite gets SIGTERM and up to 25 s for its
# own clean-up (a scenario takes its picture, stops its host and prints its result line), is counted
# (as failed), and then everything this run started is killed; the totals so far are printed.
stopped() {
  local sig=$1 code=$2 rc i
  echo "run-all: stopped by $sig"
  rc=${current_rc:-$code}
  if [ -n "$current" ]; then
    kill -TERM "$current" 2>/dev/null
    for i in $(seq 1 50); do
      kill -0 "$current" 2>/dev/null || break
      sleep 0.5
    done
    rc=$code
  fi
  # The follower ignores SIGTERM (a signal to the whole group must not cut the suite's last lines)
  # and ends by itself within a second of the suite.
  if [ -n "$follower" ]; then
    for i in 1 2 3 4; do
      kill -0 "$follower" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$follower" 2>/dev/null
  fi
  node out/test/host/reap.js "SPOTIFY_RUN_MARK=$SPOTIFY_RUN_MARK" --kill --quiet --label "stopped test run"
  [ "$pending" -eq 1 ] && count "$current_log" "$current_label" "$rc"
  echo "all: $passed passed, $failed failed"
  exit "$code"
}
trap 'stopped SIGINT 130' INT
trap 'stopped SIGTERM 143' TERM

# Adds one suite's "suite: N passed, N failed" line (the last in its log) to the totals. A suite
# that exited non-zero is counted as failed even when its line says 0 failed, so the totals line
# never disagrees with the exit status. The totals and `pending` change in one command, so a
# signal can neither drop the suite nor count it twice.
count() {
  local log=$1 label=$2 rc=$3 line p f
  line=$(grep -E '^[a-z0-9-]+( \([A-Za-z0-9 .()-]+\))?: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -z "$line" ]; then
    echo "$label: no result line: counted as 1 failed"
    p=0 f=1
  else
    p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$line")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      echo "$label: exited with status $rc though its result line says 0 failed: counted as 1 failed"
      f=1
    fi
  fi
  ((passed += p, failed += f, pending = 0, 1))
}

# run_suite LABEL LOG COMMAND...: runs one suite with its own marker, keeps its output in LOG,
# kills what it left running (and says so), counts its result line. The output goes to the log
# and is followed from there, not through a pipe: a process the suite left behind holding the
# pipe open would keep the pipe from closing, and so the clean-up from ever starting.
run_suite() {
  local label=$1 log=$2 pid
  shift 2
  suites=$((suites + 1))
  local mark="suite-$SPOTIFY_RUN_MARK-$suites"
  : >"$log"
  current_log=$log current_label=$label current_rc= pending=1
  SPOTIFY_REAP_MARK=$mark "$@" >"$log" 2>&1 </dev/null &
  pid=$!
  current=$pid
  # In the background too, so that a signal to this script is handled at once (bash runs a trap
  # only when its foreground child has ended; `wait` it interrupts).
  (trap '' TERM; exec tail -n +1 -f --pid="$pid" "$log") &
  follower=$!
  wait "$pid"
  current_rc=$? current=
  wait "$follower"
  follower=
  [ "$current_rc" -eq 0 ] || status=1
  node out/test/host/reap.js "SPOTIFY_REAP_MARK=$mark" --kill --quiet --label "$label" | tee -a "$log"
  count "$log" "$label" "$current_rc"
}

echo "== unit tests (mocha, plain Node)"
unit() {
  # Into a file and followed, not through a pipe (see run_suite); emptied first, so the follower
  # never shows an earlier run's log.
  : >test-output/mocha.log
  npx mocha >test-output/mocha.log 2>&1 </dev/null &
  local pid=$!
  tail -n +1 -f --pid="$pid" test-output/mocha.log
  wait "$pid"
  local rc=$? p f
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
run_suite package test-output/package.log bash -c 'node out/test/package/checkVsix.js >test-output/package-raw.log 2>&1 </dev/null; rc=$?; grep -v "^npm warn" test-output/package-raw.log; exit $rc'

node out/test/host/reap.js "SPOTIFY_RUN_MARK=$SPOTIFY_RUN_MARK" --label "processes this test run started, still alive"
[ "$failed" -eq 0 ] || status=1
echo "all: $passed passed, $failed failed"
exit $status
