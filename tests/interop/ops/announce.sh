#!/usr/bin/env bash
# Interop (issue 6): the relay started with --announce / --external-ip advertises exactly those
# addresses, and a graceful SIGTERM with clients connected.
#   1. js (and rust, when built) dial the relay on 127.0.0.1: identify's listenAddrs are the
#      announced addresses, not the interface ones;
#   2. a raw hop RESERVE (js/relay_hop.mjs): the reservation's addrs are the announced addresses,
#      each ending in /p2p/<relay>;
#   3. GET /api/v1/identity lists the announced addresses; /readyz and /healthz answer 200;
#   4. with a js peer holding a reservation, SIGTERM: the relay (-v) logs that it closed the
#      connection with an application close "shutting down", exits 0 before the shutdown timeout, and /readyz stops answering.
# Nothing leaves loopback: 203.0.113.7 (TEST-NET-3) and relay.example.com are only advertised.
#
#   RELAY_BIN=build/privstack-relay tests/interop/ops/announce.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/relay/relay_lib.sh"

require_cmd jq timeout node curl
require_peer js "${JS_DIAL[@]}"
ANNOUNCE_DNS="/dns4/relay.example.com/udp/4001/quic-v1"
RELAY_EXTRA_ARGS="${RELAY_EXTRA_ARGS:-} --announce $ANNOUNCE_DNS --external-ip 203.0.113.7 --shutdown-timeout 5 -v"
start_relay
raddr="$(relay_addr ip4)"
announced_ip="/ip4/203.0.113.7/udp/$RELAY_PORT/quic-v1"
expected="$(jq -cn --arg a "$ANNOUNCE_DNS" --arg b "$announced_ip" '[$a, $b] | sort')"

printf 'js dial %s\n' "$raddr"
run_peer out "${JS_DIAL[@]}" --addr "$raddr"
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_json "js identify: listenAddrs are the announced addresses" "$out" \
  '(.listenAddrs | sort) == $e' --argjson e "$expected"

if [[ -x "${RUST_DIAL[0]}" ]]; then
  printf 'rust dial %s\n' "$raddr"
  run_peer out "${RUST_DIAL[@]}" --addr "$raddr"
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_json "rust identify: listenAddrs are the announced addresses" "$out" \
    '(.listenAddrs | sort) == $e' --argjson e "$expected"
else
  skip "rust identify: ${RUST_DIAL[0]} not built (tests/interop/setup.sh)"
fi

printf 'js raw hop RESERVE on %s\n' "$raddr"
run_peer out "${JS_RELAY_HOP[@]}" --relay "$raddr" --count 1
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_json "js hop: status OK (100)" "$out" '.results[0].status == 100'
assert_json "js hop: reservation addrs are the announced addresses with /p2p/<relay>" "$out" \
  '(.results[0].addrs | sort) == ($e | map(. + "/p2p/" + $r) | sort)' \
  --argjson e "$expected" --arg r "$RELAY_PEER_ID"

identity="$(curl -sf "http://127.0.0.1:$RELAY_HTTP_PORT/api/v1/identity")"
assert_json "HTTP identity: addresses are the announced ones (no wildcards)" "${identity:-{\}}" \
  '(.addresses | sort) == $e' --argjson e "$expected"
assert_eq "GET /readyz is 200" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RELAY_HTTP_PORT/readyz")" 200
assert_eq "GET /healthz is 200" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RELAY_HTTP_PORT/healthz")" 200

# --- graceful shutdown with a peer connected ---
bg_peer L_PID js-listener "${JS_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
if wait_event "$js_listener_OUT" "$L_PID" '.event == "reserved"' >/dev/null; then
  pass "js listener holds a reservation (a connection is open)"
else
  fail "js listener holds a reservation (a connection is open)"
fi
pid="$RELAY_PID"
started=${EPOCHREALTIME/./}
kill -TERM "$pid"
# Bounded wait: the relay must be gone well within --shutdown-timeout (5 s) plus slack.
for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  fail "SIGTERM: relay exited within 15 s"
else
  wait "$pid"
  rc=$?
  elapsed_ms=$(((${EPOCHREALTIME/./} - started) / 1000))
  printf '        -> exit %s after %s ms\n' "$rc" "$elapsed_ms"
  assert_eq "SIGTERM with a peer connected: exit status 0" "$rc" 0
  RELAY_PID=""
fi
check "SIGTERM: the relay closed the open connection(s) with a reason" \
  grep -qE 'Closed [1-9][0-9]* connection' "$RELAY_LOG"
check "SIGTERM: CONNECTION_CLOSE carried the reason 'shutting down'" \
  grep -q 'application error 0: shutting down' "$RELAY_LOG"
check "SIGTERM: the relay logged that it stopped" grep -q 'PrivStack Relay stopped' "$RELAY_LOG"
relay_finish
