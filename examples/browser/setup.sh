#!/usr/bin/env bash
# Installs what the browser end-to-end test needs, idempotently: Debian's chromium (as root) and
# playwright-core (npm, into examples/browser/node_modules, outside the pnpm workspace).
# Returns at once when both are present.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

log() { echo "[setup-browser] $*"; }

if command -v chromium >/dev/null 2>&1; then
  log "found $(command -v chromium)"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  log "installing chromium (apt) ..."
  start=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  apt-get -qq -o Dpkg::Use-Pty=0 update
  apt-get -qq -o Dpkg::Use-Pty=0 install -y --no-install-recommends chromium >/dev/null
  log "installed chromium in $((SECONDS - start)) s"
else
  log "chromium is missing and this is not a root Debian shell: install it by hand (apt-get install chromium)."
fi

if [[ -f node_modules/playwright-core/package.json ]]; then
  log "found playwright-core $(node -p 'require("./node_modules/playwright-core/package.json").version')"
else
  log "installing playwright-core (npm) ..."
  start=$SECONDS
  # Never let playwright fetch a browser of its own: the test drives the system's chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-fund --no-audit --loglevel=error --no-save --package-lock=false
  log "installed playwright-core in $((SECONDS - start)) s"
fi
