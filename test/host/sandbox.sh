#!/usr/bin/env bash
# npm start: install the host if needed, build, and run the sandbox.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/host/install-host.sh
npm run --silent compile
npm run --silent build
exec node out/test/host/sandbox.js
