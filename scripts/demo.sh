#!/usr/bin/env bash
# The main demo on a fresh machine: installs pnpm and dependencies if needed, builds, runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v pnpm >/dev/null 2>&1 || npm install -g pnpm@10 --no-fund --no-audit --loglevel=error
[[ -d node_modules ]] || pnpm install --frozen-lockfile
pnpm run demo
