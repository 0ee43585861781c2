#!/usr/bin/env bash
# npm start: install the host if needed, build, and run the sandbox.
# SPOTIFY_RELAY_APPEND=encoded|raw|none npm start: how the sandbox's relay page appends Spotify's
# parameters (encoded by default); SPOTIFY_CLIENT_ID=<id> npm start: real Spotify instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/host/install-host.sh
npm run --silent compile
npm run --silent build
exec node out/test/host/sandbox.js
