#!/usr/bin/env bash
# Installs the real VS Code host used by the integration, browser and sandbox runs, offline (npm
# registry and Debian packages only), into .vscode-test/host. Idempotent: a second run does nothing.
# Why each step: ../shared/test-host.md (desktop VS Code cannot be downloaded here; code-server can).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HOST_DIR=${SPOTIFY_HOST_DIR:-$ROOT/.vscode-test/host}
CS_VERSION=4.100.3          # the last code-server for Node 20; carries VS Code 1.100
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

if [ -x "$HOST_DIR/node_modules/.bin/code-server" ] && [ -d "$HOST_DIR/node_modules/playwright-core" ]; then
  exit 0
fi
echo "[host] installing code-server $CS_VERSION and playwright-core into $HOST_DIR (about a minute)"
mkdir -p "$HOST_DIR/tmp"
export TMPDIR=$HOST_DIR/tmp
# node-gyp must build native modules against the local Node headers: nodejs.org is unreachable.
export npm_config_nodedir=${npm_config_nodedir:-/usr}
# @vscode/ripgrep's postinstall downloads rg from GitHub; seed its cache with Debian's rg instead.
RG_CACHE=$TMPDIR/vscode-ripgrep-cache-1.15.11
mkdir -p "$RG_CACHE" "$HOST_DIR/rg"
cp "$(command -v rg)" "$HOST_DIR/rg/rg"
tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$HOST_DIR/rg" rg
[ -f "$HOST_DIR/package.json" ] || echo '{"private":true}' > "$HOST_DIR/package.json"
if ! ( cd "$HOST_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_config_yes=true npm_config_unsafe_perm=true \
      npm install --no-audit --no-fund --no-save "code-server@$CS_VERSION" "playwright-core@$PW_VERSION" >"$HOST_DIR/install.log" 2>&1 ); then
  tail -40 "$HOST_DIR/install.log"
  echo "[host] code-server install failed (log: $HOST_DIR/install.log)" >&2
  exit 1
fi
echo "[host] installed"
