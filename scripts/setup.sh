#!/usr/bin/env bash
# Installs everything privstack-relay needs to build, test and run on Debian 12 (bookworm).
# Idempotent: a second run only checks. Usage: scripts/setup.sh [--runtime-only]
#   --runtime-only  build dependencies only (what scripts/run-relay.sh needs); no test/interop tools.
set -euo pipefail

runtime_only=false
[[ "${1:-}" == "--runtime-only" ]] && runtime_only=true

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

[[ -r /etc/os-release ]] && . /etc/os-release
[[ "${VERSION_CODENAME:-}" == "bookworm" ]] ||
  log "warning: this script targets Debian 12 (bookworm); found '${PRETTY_NAME:-unknown}'"

# Packages from bookworm itself.
build_packages=(build-essential cmake ninja-build pkg-config libgnutls28-dev libprotobuf-dev
  protobuf-compiler libspdlog-dev libfmt-dev libcli11-dev libsecp256k1-dev libsystemd-dev)
test_packages=(libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev clang-format clang-tidy curl jq
  iproute2 nftables procps python3-prometheus-client
  dpkg-dev file systemd strace
  gnuplot-nox)  # bench/run.sh draws bench/results.png
# Packages that must come from bookworm-backports (ngtcp2 1.11, Boost 1.83).
backport_packages=(libngtcp2-dev libngtcp2-crypto-gnutls-dev libboost1.83-dev libboost-json1.83-dev
  libboost-system1.83-dev)
$runtime_only || backport_packages+=(ngtcp2-client ngtcp2-server)
$runtime_only || build_packages+=("${test_packages[@]}")

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

ensure_backports() {
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "enabling bookworm-backports"
    echo "deb http://deb.debian.org/debian bookworm-backports main" |
      as_root tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
    apt_updated=false
  fi
}

apt_updated=false
apt_update_once() {
  $apt_updated && return
  log "apt-get update"
  as_root apt-get update -qq
  apt_updated=true
}

install_system_packages() {
  ensure_backports
  local missing_main missing_bpo
  missing_main=$(missing_packages "${build_packages[@]}")
  missing_bpo=$(missing_packages "${backport_packages[@]}")
  # An ngtcp2 older than 1.11 (bookworm's 0.12) counts as missing: it must be upgraded.
  if ! pkg-config --atleast-version=1.11 libngtcp2 2>/dev/null; then
    missing_bpo+=" libngtcp2-dev libngtcp2-crypto-gnutls-dev"
  fi
  if [[ -n "${missing_main// /}" ]]; then
    apt_update_once
    log "installing: $(echo $missing_main)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing_main >/dev/null
  fi
  if [[ -n "${missing_bpo// /}" ]]; then
    apt_update_once
    log "installing from bookworm-backports: $(echo $missing_bpo)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports \
      $missing_bpo >/dev/null
  fi
}

version_at_least() {  # version_at_least <have> <want>
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

# Interop peers are real rust-libp2p, go-libp2p and js-libp2p programs, so the test machine needs
# Rust, Go and Node.js >= 20. Use what the machine has; otherwise install them from Debian (Rust
# 1.85+ as rustc-web, Go 1.23 from backports) or, for Node 20, from the npm registry's node package.
ensure_toolchains() {
  if ! command -v cargo >/dev/null; then
    apt_update_once
    log "installing Rust (rustc-web, cargo-web)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web >/dev/null
  fi
  if ! command -v go >/dev/null; then
    apt_update_once
    log "installing Go from bookworm-backports"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports \
      golang-go >/dev/null
  fi
  local node_version
  node_version=$(node --version 2>/dev/null | tr -d v || echo 0)
  if ! version_at_least "$node_version" 20.0.0; then
    if ! command -v npm >/dev/null; then
      apt_update_once
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
    log "installing Node.js 20 from the npm registry (Debian ships 18)"
    as_root npm install -g --silent node@20 >/dev/null
    hash -r
  fi
  log "toolchains: $(cargo --version), $(go version | cut -d' ' -f3), node $(node --version)"
}

install_system_packages
if ! $runtime_only; then
  ensure_toolchains
  if [[ -x "$(dirname "$0")/../tests/interop/setup.sh" ]]; then
    "$(dirname "$0")/../tests/interop/setup.sh"
  fi
fi
log "dependencies ready"
