#!/usr/bin/env bash
# Makes Stan runnable here: installs R's rstan from Debian when missing (needs root), links Debian's Boost
# headers where rstan's BH package looks for them (Debian's r-cran-bh ships without them), and compiles the
# Stan models of bench/stan/models (cached in bench/stan/build/ with their compile times).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
say() { echo "[stan setup] $*" >&2; }

if ! Rscript -e 'suppressPackageStartupMessages(library(rstan))' >/dev/null 2>&1; then
  say "installing r-cran-rstan (apt-get)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-cran-rstan >&2
fi
BH_DIR=$(Rscript -e 'cat(system.file(package="BH"))')
if [[ -z "$BH_DIR" ]]; then say "R package BH not found (it comes with r-cran-rstan)"; exit 1; fi
if [[ ! -e "$BH_DIR/include/boost" ]]; then
  say "linking /usr/include/boost into $BH_DIR/include"
  mkdir -p "$BH_DIR/include"
  ln -s /usr/include/boost "$BH_DIR/include/boost"
fi
Rscript -e 'source("bench/stan/common.R"); for (m in model_names) invisible(compile_model(m))' >&2
say "models compiled: $(ls bench/stan/build/*.rds | xargs -n1 basename | tr '\n' ' ')"
