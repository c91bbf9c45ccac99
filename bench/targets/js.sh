#!/usr/bin/env bash
# Benchmark target "js": a js-libp2p relay, tests/interop/js/relay_server.mjs, on the interop
# package's pinned deps (tests/interop/js/package-lock.json): libp2p 3.3.11,
# @chainsafe/libp2p-quic 2.1.1, @libp2p/circuit-relay-v2 4.2.13 (circuitRelayServer),
# @libp2p/kad-dht 16.4.5 (server mode, /ipfs/kad/1.0.0, `privstack` validator + selector that
# accept anything), @libp2p/identify 4.1.14, @libp2p/ping 3.1.13; Node.js from the system (20.x,
# with the Promise.withResolvers polyfill).
#
#   js.sh build
#   js.sh run --port P --http-port H --workdir D [--unlimited]
#
# build: `npm ci` in tests/interop/js when its node_modules is missing (what tests/interop/setup.sh
#   does too); nothing else to compile.
# run: execs node (the caller's $! is the relay's node process, whose RSS includes the QUIC
#   stack: @chainsafe/libp2p-quic is quinn in a napi addon with its own threads), QUIC v1 on
#   127.0.0.1:P and [::1]:P, HTTP identity on 127.0.0.1:H, a fresh identity per run (in memory),
#   log in D/relay.log; the script writes D/peer_id (tmp + rename) once listening.
#   - without --unlimited: js-libp2p's defaults: 300 connections (pruned above), 5 inbound
#     connections/s per host, 10 pending inbound connections, 15 reservations, 2 min / 128 KiB
#     per circuit, 32 inbound streams per protocol and connection. The handshake and footprint
#     workloads need --unlimited.
#   - --unlimited: maxConnections, maxIncomingPendingConnections, inboundConnectionThreshold
#     1e9; maxReservations 1e9, applyDefaultLimit false (no Limit: no duration/byte cap on
#     circuits), reservation TTL 24 h; hop/stop and kad/identify/ping stream caps 1e6 per
#     connection. kad records: the default in-memory datastore has no record count limit.
#   Stays (js-libp2p behaviour): the connection monitor pings every connection every 10 s over
#   /ipfs/ping/1.0.0 and aborts the connection if that ping fails (a peer that does not
#   support ping is fine: UnsupportedProtocolError counts as alive). JS_CONNECTION_MONITOR=0 in
#   the environment turns it off (--no-connection-monitor). Measured on the shared 2-core
#   machine (load ~12), 3 x 3400 idle connections from relay_load: with the monitor on the
#   relay fell behind at about 6,800 connections (handshake timeouts, then every connection
#   dropped during the hold); with it off all 10,200 connected and stayed open (RSS ~1.1 GB).
#   3,000 idle connections work either way. QUIC max idle timeout 10 s
#   with 5 s keep-alive, 256 streams per connection, 10 MB/15 MB stream/connection windows
#   (@chainsafe/libp2p-quic defaults).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
source "$root/bench/targets/lib.sh"
pkg=$root/tests/interop/js

cmd=${1:-}
shift || true
case "$cmd" in
  build)
    command -v node >/dev/null || { echo "node not found (apt-get install nodejs npm)" >&2; exit 1; }
    if [[ ! -d $pkg/node_modules/libp2p || ! -d $pkg/node_modules/@libp2p/circuit-relay-v2 ]]; then
      (cd "$pkg" && npm ci --no-audit --no-fund)
    fi
    exit 0
    ;;
  run) ;;
  *)
    target_usage
    exit 2
    ;;
esac

[[ -d $pkg/node_modules/libp2p ]] || { echo "$pkg/node_modules missing: run $0 build" >&2; exit 1; }
target_parse_run_args "$@"

args=(--port "$port" --http-port "$http_port" --peer-id-file "$workdir/peer_id")
[[ $unlimited == 1 ]] && args+=(--unlimited)
[[ ${JS_CONNECTION_MONITOR:-1} == 0 ]] && args+=(--no-connection-monitor)
cd "$pkg"
exec node relay_server.mjs "${args[@]}" >"$workdir/relay.log" 2>&1
