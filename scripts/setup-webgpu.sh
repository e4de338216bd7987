#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) >= 25 so Dawn ("webgpu" npm package) finds a
# WebGPU adapter on a machine without a GPU. Idempotent: a dpkg-query check returns at once when done.
set -euo pipefail

readonly min_mesa_major=25
readonly package=mesa-vulkan-drivers

log() { echo "[setup-webgpu] $*"; }

installed_version() {
  dpkg-query -W -f='${Status} ${Version}\n' "$package" 2>/dev/null \
    | awk '$1 == "install" && $3 == "installed" { print $4 }'
}

# Debian versions look like "25.0.7-2~bpo12+1" or "1:25.0.7-2": drop an epoch, keep the major.
major_of() { local v="${1#*:}"; echo "${v%%.*}"; }

is_recent_enough() {
  local version="$1"
  [[ -n "$version" ]] || return 1
  local major
  major="$(major_of "$version")"
  [[ "$major" =~ ^[0-9]+$ ]] && (( major >= min_mesa_major ))
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  log "not a Debian-based system: install Mesa >= ${min_mesa_major} lavapipe (Vulkan) by hand for WebGPU tests."
  exit 0
fi

current="$(installed_version || true)"
if is_recent_enough "$current"; then
  log "found ${package} ${current} (lavapipe >= ${min_mesa_major}); nothing to do."
  exit 0
fi

if [[ "$(id -u)" != "0" ]]; then
  log "${package} is ${current:-not installed}; need >= ${min_mesa_major}, but not root so not installing."
  log "as root run: bash scripts/setup-webgpu.sh"
  exit 0
fi

codename=""
if [[ -r /etc/os-release ]]; then
  # shellcheck disable=SC1091
  codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
fi

export DEBIAN_FRONTEND=noninteractive
apt_quiet=(-qq -o Dpkg::Use-Pty=0)
target_release=()

# Bookworm ships Mesa 22, which Dawn rejects; its backports suite carries Mesa 25.
if [[ "$codename" == "bookworm" ]]; then
  list=/etc/apt/sources.list.d/bookworm-backports.list
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" > "$list"
    log "added ${list}"
  fi
  target_release=(-t bookworm-backports)
fi

log "${package} is ${current:-not installed}; installing ${target_release[*]:-from the default suite} ..."
apt-get "${apt_quiet[@]}" update
apt-get "${apt_quiet[@]}" install -y --no-install-recommends "${target_release[@]}" "$package" >/dev/null

current="$(installed_version || true)"
if is_recent_enough "$current"; then
  log "installed ${package} ${current}."
else
  log "installed ${package} ${current:-?}, still older than ${min_mesa_major}: Dawn's Vulkan backend will reject it."
  log "the GL ES fallback (EGL surfaceless) may still give a compatibility-mode adapter."
fi
