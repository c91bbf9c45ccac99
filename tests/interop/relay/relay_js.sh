#!/usr/bin/env bash
# Interop: js-libp2p peers (@libp2p/circuit-relay-v2 4.x transport over @chainsafe/libp2p-quic)
# talk through the relay on loopback.
#   1. A listens on <relay>/p2p-circuit (the transport reserves a slot);
#   2. B dials <relay>/p2p-circuit/p2p/<A> and echoes 64 KiB of random bytes over that relayed
#      connection (compared byte for byte);
#   3. a raw hop RESERVE (js/relay_hop.mjs) checks the reservation itself: status OK, expire in the
#      future, addresses ending in /p2p/<relay>, and the voucher, opened with @libp2p/peer-record's
#      RecordEnvelope.openAndCertify (domain libp2p-relay-rsvp), signed by the relay for this peer.
#      RELAY_EXPECT_VOUCHER=0 (the rust-libp2p mock relay sends none) accepts a missing voucher;
#      the same over ::1; and a CONNECT to a peer without a reservation gets NO_RESERVATION (204).
#
#   RELAY_BIN=build/privstack-relay tests/interop/relay/relay_js.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

require_cmd jq timeout node
require_peer js "${JS_RELAY_PEER[@]}"
ECHO_BYTES="${RELAY_JS_ECHO_BYTES:-65536}"
# 64 KiB each way plus noise/yamux framing exceeds the default 128 KiB circuit limit (both
# directions summed, as rust-libp2p counts): raise it; relay_limits.sh tests the limits.
RELAY_EXTRA_ARGS="${RELAY_EXTRA_ARGS:-} --relay-circuit-bytes 1048576"
start_relay
raddr="$(relay_addr ip4)"

bg_peer A_PID js-listener "${JS_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
if reserved="$(wait_event "$js_listener_OUT" "$A_PID" '.event == "reserved"')"; then
  pass "js A: reservation accepted (listening on the circuit)"
  printf '        -> %s\n' "$reserved"
  A_ID="$(jq -r .peerId <<<"$reserved")"
  assert_json "js A: circuit address is <relay>/p2p-circuit/p2p/<A>" "$reserved" \
    '.circuitAddr == ($r + "/p2p-circuit/p2p/" + $a)' --arg r "$raddr" --arg a "$A_ID"

  printf 'js B dial %s/p2p-circuit/p2p/%s\n' "$raddr" "$A_ID"
  run_peer out "${JS_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" --bytes "$ECHO_BYTES"
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "js B: exit status 0" "$rc" 0
  assert_json "js B: connection to A is relayed" "$out" '.relayed == true'
  assert_json "js B: $ECHO_BYTES random bytes echoed intact" "$out" \
    '.echoOk == true and .received == ($n | tonumber) and .cut == false' --arg n "$ECHO_BYTES"
  if echo_line="$(wait_event "$js_listener_OUT" "$A_PID" '.event == "echo"' 10)"; then
    assert_json "js A: served the echo on the relayed connection" "$echo_line" \
      '.relayed == true and .bytes == ($n | tonumber)' --arg n "$ECHO_BYTES"
  else
    fail "js A: served the echo on the relayed connection (no echo event)"
  fi
else
  fail "js A: reservation accepted (listening on the circuit)"
fi

printf 'js raw hop RESERVE on %s\n' "$raddr"
run_peer out "${JS_RELAY_HOP[@]}" --relay "$raddr" --count 1
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "js hop: exit status 0" "$rc" 0
r0="$(jq -c '.results[0] // {}' <<<"${out:-{\}}" 2>/dev/null)"
assert_json "js hop: HopMessage type STATUS, status OK (100)" "$r0" '.type == 2 and .status == 100'
assert_json "js hop: expire in the future" "$r0" '.expire > (now | floor)'
assert_json "js hop: addresses non-empty, each ends in /p2p/<relay>" "$r0" \
  '(.addrs | length) > 0 and all(.addrs[]; endswith("/p2p/" + $r))' --arg r "$RELAY_PEER_ID"
if [[ "$RELAY_EXPECT_VOUCHER" == 1 ]]; then
  assert_json "js hop: voucher present" "$r0" '.voucher.present == true'
  assert_json "js hop: voucher verifies (openAndCertify libp2p-relay-rsvp, relay/peer/expiration)" \
    "$r0" '.voucher.valid == true and .voucher.relay == $r and .voucher.peer == .peerId' \
    --arg r "$RELAY_PEER_ID"
elif jq_true "$r0" '.voucher.present == true'; then
  assert_json "js hop: voucher (sent although not required) verifies" "$r0" '.voucher.valid == true'
else
  skip "js hop: voucher: relay sent none (RELAY_EXPECT_VOUCHER=0)"
fi

if has_ipv6_loopback; then
  printf 'js raw hop RESERVE on %s\n' "$(relay_addr ip6)"
  run_peer out "${JS_RELAY_HOP[@]}" --relay "$(relay_addr ip6)" --count 1
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_json "js hop over ::1: status OK" "$out" '.results[0].status == 100'
else
  skip "js hop over ::1: no ::1 on this machine"
fi

other="$(other_peer_id)"
printf 'js raw hop CONNECT to %s (no reservation)\n' "$other"
run_peer out "${JS_RELAY_HOP[@]}" --relay "$raddr" --connect "$other"
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_json "js hop: CONNECT to a peer without reservation gets NO_RESERVATION (204)" "$out" \
  '.results[0].type == 2 and .results[0].status == 204'

check "js A: still running" kill -0 "$A_PID"
check "relay still running" relay_alive
relay_finish
