#!/usr/bin/env bash
# Quick start 1/2: install dependencies, build the release binary and run the relay with its defaults
# (UDP 4001 QUIC, TCP 4002 HTTP, key file ./relay-identity.key). Extra arguments go to the relay.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --runtime-only
scripts/build.sh release
exec build/privstack-relay "$@"
