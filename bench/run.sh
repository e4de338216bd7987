#!/usr/bin/env bash
# `pnpm bench`: makes sure the peers are installed (the npm ones are devDependencies of
# bench/package.json, pinned by the lockfile; numpy and threadpoolctl for the OpenBLAS peer), then
# runs bench/main.ts, which builds the C peer, measures everything and rewrites bench/RESULTS.md.
# Arguments go to main.ts: --quick, --only=chain,matmul,logreg,scan,compile,..., --no-write, --optim;
# --only=webgpu runs bench/webgpu/run.ts instead (vmapped MCMC on the webgpu device); --stan only the
# Stan section. Without any of those, every section runs (see below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "[bench] $*" >&2; }

[[ " $* " == *" --stan "* ]] && exec bash bench/stan/run.sh "$@" # the stan section (bench/stan/run.sh): NUTS vs Stan; installs rstan itself

if [[ ! -d bench/node_modules/@jax-js/jax || ! -d bench/node_modules/@tensorflow/tfjs-backend-wasm || ! -x node_modules/.bin/tsx ]]; then
  say "installing the npm peers (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile
fi

[[ " $* " == *" --only=webgpu "* ]] && exec node_modules/.bin/tsx --tsconfig bench/webgpu/tsconfig.json bench/webgpu/run.ts "$@" # the webgpu section (bench/webgpu/run.ts): no peers

# The numpy peer needs a python3 with numpy; threadpoolctl reports which OpenBLAS kernel runs.
python_with() { "$1" -c "import $2" >/dev/null 2>&1; }
BENCH_PYTHON=""
for py in python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && python_with "$py" numpy; then BENCH_PYTHON="$py"; break; fi
done
if [[ -z "$BENCH_PYTHON" ]] && command -v python3 >/dev/null 2>&1; then
  say "installing numpy with pip"
  python3 -m pip install --quiet numpy threadpoolctl >&2 || true
  python_with python3 numpy && BENCH_PYTHON=python3
fi
if [[ -z "$BENCH_PYTHON" ]] && command -v apt-get >/dev/null 2>&1; then
  say "installing Debian's python3-numpy"
  { apt-get update -qq && apt-get install -y -qq python3-numpy python3-threadpoolctl; } >&2 || true
  python_with /usr/bin/python3 numpy && BENCH_PYTHON=/usr/bin/python3
fi
if [[ -n "$BENCH_PYTHON" ]] && ! python_with "$BENCH_PYTHON" threadpoolctl; then
  "$BENCH_PYTHON" -m pip install --quiet threadpoolctl >&2 || say "threadpoolctl unavailable; the numpy row will say so"
fi
export BENCH_PYTHON

# With no section named (--only=..., --optim, --stan), `pnpm bench` runs every section in turn: core and
# models (main.ts), optim (SciPy), webgpu (lavapipe) and stan (rstan; installed by bench/stan/setup.sh).
everything=1
for arg in "$@"; do case "$arg" in --only=*|--optim|--stan) everything=0 ;; esac; done
if (( everything == 0 )); then
  exec node_modules/.bin/tsx --tsconfig bench/tsconfig.json bench/main.ts "$@"
fi
status=0
node_modules/.bin/tsx --tsconfig bench/tsconfig.json bench/main.ts "$@" --optim || status=$?
say "webgpu section (bench/webgpu/run.ts)"
node_modules/.bin/tsx --tsconfig bench/webgpu/tsconfig.json bench/webgpu/run.ts "$@" || { say "webgpu section failed (exit $?)"; status=1; }
if [[ " $* " == *" --quick "* ]]; then
  say "stan section skipped under --quick (it installs rstan and compiles three models: run pnpm bench --stan --quick)"
else
  say "stan section (bench/stan/run.sh)"
  bash bench/stan/run.sh "$@" || { say "stan section failed (exit $?)"; status=1; }
fi
exit "$status"
