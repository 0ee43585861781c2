#!/usr/bin/env bash
# All tests: unit (plain Node), integration inside a real VS Code host (code-server), and the
# browser scenario. Needs `npm ci` first; installs the code-server host itself when missing.
# Each suite prints "<suite>: N passed, N failed"; the last line totals them for CI.
set -uo pipefail
cd "$(dirname "$0")/.."
SPOTIFY_HOST=oldest bash test/host/install-host.sh || exit 1
SPOTIFY_HOST=newest bash test/host/install-host.sh || exit 1
npm run --silent compile && npm run --silent build || exit 1
mkdir -p test-output
status=0
passed=0
failed=0

# Adds one suite's "suite: N passed, N failed" line (the last in its log) to the totals.
count() {
  local line
  line=$(grep -E '^[a-z0-9-]+( \([A-Za-z0-9 .()-]+\))?: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
  if [ -z "$line" ]; then
    echo "$2: no result line: counted as 1 failed"
    failed=$((failed + 1)); status=1; return
  fi
  passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$line")))
}

echo "== unit tests (mocha, plain Node)"
npx mocha 2>&1 | tee test-output/unit.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
p=$(grep -E '^\s+[0-9]+ passing' test-output/unit.log | grep -oE '[0-9]+' | head -1)
f=$(grep -E '^\s+[0-9]+ failing' test-output/unit.log | grep -oE '[0-9]+' | head -1)
echo "unit: ${p:-0} passed, ${f:-0} failed" | tee -a test-output/unit.log
[ -n "$p" ] || status=1
count test-output/unit.log unit

# The integration suite and every browser scenario run on both hosts: the oldest VS Code that
# engines.vscode allows, and the newest code-server on the npm registry. Their result lines name the
# host's VS Code version.
for host in oldest newest; do
  export SPOTIFY_HOST=$host
  echo "== [$host host] integration tests (real VS Code extension host in code-server)"
  node out/test/host/runHostTests.js 2>&1 | tee test-output/integration-$host.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count test-output/integration-$host.log "integration ($host)"

  for flow in auto loopback paste; do
    echo "== [$host host] browser scenario, signInFlow=$flow (Accounts menu, emulator consent page, back to VS Code)"
    SPOTIFY_SIGN_IN_FLOW=$flow node out/test/e2e/accountsMenu.js 2>&1 | tee "test-output/e2e-$flow-$host.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    count "test-output/e2e-$flow-$host.log" "e2e ($flow)"
  done
  echo "== [$host host] browser scenario: cancel the first way (the relay) and finish through the one offered next (paste)"
  SPOTIFY_E2E_CANCEL_FIRST=1 node out/test/e2e/accountsMenu.js 2>&1 | tee test-output/e2e-cancel-first-$host.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count test-output/e2e-cancel-first-$host.log "e2e (cancel first)"
  echo "== [$host host] browser scenario with the browser bundle in the web worker host (as on vscode.dev)"
  SPOTIFY_E2E_HOST=web node out/test/e2e/accountsMenu.js 2>&1 | tee test-output/e2e-web-$host.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count test-output/e2e-web-$host.log "e2e (web)"
  echo "== [$host host] walkthrough scenario (a newcomer with nothing configured follows only the walkthrough)"
  node out/test/e2e/walkthrough.js 2>&1 | tee test-output/e2e-walkthrough-$host.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count test-output/e2e-walkthrough-$host.log "e2e (walkthrough)"

  echo "== [$host host] browser scenario: an unknown Client ID, named by the waiting notice"
  node out/test/e2e/unknownClient.js 2>&1 | tee test-output/e2e-unknown-client-$host.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count test-output/e2e-unknown-client-$host.log "e2e (unknown client)"

  echo "== [$host host] browser scenario: a consent's six-month end, warned a week ahead (time moved by the test), renewed in place"
  node out/test/e2e/consentExpiry.js 2>&1 | tee test-output/e2e-consent-expiry-$host.log
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  count test-output/e2e-consent-expiry-$host.log "e2e (consent expiry)"
done
unset SPOTIFY_HOST

echo "== package (.vsix built with @vscode/vsce, contents checked)"
node out/test/package/checkVsix.js 2>&1 | grep -v '^npm warn' | tee test-output/package.log
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
count test-output/package.log package

[ "$failed" -eq 0 ] || status=1
echo "all: $passed passed, $failed failed"
exit $status
