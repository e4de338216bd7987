#!/usr/bin/env bash
# `pnpm bench --stan`: Fluxion's NUTS (windowedAdaptiveNuts) vs Stan on eight schools (non-centered), iris
# multinomial logistic regression and a 100-d Gaussian, 1 and 4 chains. Installs rstan and compiles the models
# when needed (setup.sh), times Stan (bench.R) and Fluxion (fluxion.ts), then writes the stan section of
# bench/RESULTS.md (report.ts). Flags: --quick (200 + 200 steps, prints without writing unless --write), --no-write.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
say() { echo "[bench stan] $*" >&2; }

QUICK=""; WRITE="--write"
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK="--quick"; WRITE="" ;;
    --no-write) WRITE="" ;;
  esac
done
for arg in "$@"; do [[ "$arg" == "--write" ]] && WRITE="--write"; done

bash bench/stan/setup.sh
mkdir -p bench/stan/build
say "Stan runs"
Rscript bench/stan/bench.R $QUICK > bench/stan/build/stan.json
say "Fluxion runs (wasm device)"
node_modules/.bin/tsx --tsconfig bench/stan/tsconfig.json bench/stan/fluxion.ts $QUICK > bench/stan/build/fluxion.json
node_modules/.bin/tsx bench/stan/report.ts bench/stan/build/stan.json bench/stan/build/fluxion.json $QUICK $WRITE
