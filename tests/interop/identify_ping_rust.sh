#!/usr/bin/env bash
# Interop: a rust-libp2p 0.56 peer dials privstack-relay over QUIC v1 (ip4 and ip6 loopback), checks
# identify (agent/protocol version, protocols, peer id) and ping, and checks that a dial with a
# wrong /p2p/ peer id fails.
#
#   RELAY_BIN=build/privstack-relay tests/interop/identify_ping_rust.sh
#
# Build the peers first with tests/interop/setup.sh (CTest does that through a fixture).
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

identify_ping_suite rust "${RUST_DIAL[@]}"
