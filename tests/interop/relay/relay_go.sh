#!/usr/bin/env bash
# Interop: go-libp2p peers (p2p/protocol/circuitv2/client over QUIC) talk through the relay on
# loopback.
#   1. A connects to the relay and reserves a slot with client.Reserve, which rejects the
#      reservation if a voucher is present but does not verify (envelope signature, domain
#      libp2p-relay-rsvp, relay and peer ids);
#   2. B connects to <relay>/p2p-circuit/p2p/<A> and echoes 64 KiB of random bytes on a stream
#      opened on that limited (relayed) connection;
#   3. five more B's, one after the other: each circuit's slot is freed when its source has gone,
#      so the per-peer circuit cap (4 by default) does not refuse them.
#
#   RELAY_BIN=build/privstack-relay tests/interop/relay/relay_go.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

require_cmd jq timeout
require_peer go "${GO_RELAY_PEER[@]}"
ECHO_BYTES="${RELAY_GO_ECHO_BYTES:-65536}"
# 64 KiB each way plus TLS/yamux framing exceeds the default 128 KiB circuit limit (both
# directions summed, as rust-libp2p counts): raise it; relay_limits.sh tests the limits.
RELAY_EXTRA_ARGS="${RELAY_EXTRA_ARGS:-} --relay-circuit-bytes 1048576"
start_relay
raddr="$(relay_addr ip4)"

bg_peer A_PID go-listener "${GO_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
if ! reserved="$(wait_event "$go_listener_OUT" "$A_PID" '.event == "reserved"')"; then
  fail "go A: client.Reserve on the relay"
  relay_finish
fi
pass "go A: client.Reserve accepted (voucher, if any, verified by go-libp2p)"
printf '        -> %s\n' "$reserved"
A_ID="$(jq -r .peerId <<<"$reserved")"
assert_json "go A: expire in the future" "$reserved" '.expire > (now | floor)'
assert_json "go A: reservation addresses end in /p2p/<relay>" "$reserved" \
  '(.addrs | length) > 0 and all(.addrs[]; endswith("/p2p/" + $r))' --arg r "$RELAY_PEER_ID"
if [[ "$RELAY_EXPECT_VOUCHER" == 1 ]]; then
  assert_json "go A: voucher for this peer from this relay" "$reserved" \
    '.voucher.relay == $r and .voucher.peer == .peerId and .voucher.expiration == .expire' \
    --arg r "$RELAY_PEER_ID"
else
  skip "go A: voucher not required (RELAY_EXPECT_VOUCHER=0)"
fi

printf 'go B dial %s/p2p-circuit/p2p/%s\n' "$raddr" "$A_ID"
run_peer out "${GO_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" --bytes "$ECHO_BYTES"
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "go B: exit status 0" "$rc" 0
assert_json "go B: connection to A is relayed" "$out" '.relayed == true'
assert_json "go B: $ECHO_BYTES random bytes echoed intact" "$out" \
  '.echoOk == true and .received == ($n | tonumber)' --arg n "$ECHO_BYTES"
if echo_line="$(wait_event "$go_listener_OUT" "$A_PID" '.event == "echo"' 10)"; then
  assert_json "go A: served the echo on the relayed connection" "$echo_line" \
    '.relayed == true and .bytes == ($n | tonumber)' --arg n "$ECHO_BYTES"
else
  fail "go A: served the echo on the relayed connection (no echo event)"
fi

# A circuit's slot must be freed when its source disconnects: more sequential circuits to A than
# the default per-peer cap (4, as rust-libp2p) must all succeed.
seq_ok=0
for i in 1 2 3 4 5; do
  run_peer out "${GO_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" --bytes 1024 \
    && seq_ok=$((seq_ok + 1))
done
assert_eq "go: 5 more sequential circuits to A (each source gone before the next) all work" "$seq_ok" 5

check "go A: still running" kill -0 "$A_PID"
check "relay still running" relay_alive
relay_finish
