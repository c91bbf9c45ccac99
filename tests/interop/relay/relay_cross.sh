#!/usr/bin/env bash
# Interop: circuits between different implementations through the relay on loopback. The relay
# only pipes bytes, so a js-libp2p and a go-libp2p peer must reach each other through it (they
# agree on noise + yamux over the circuit and on the raw echo protocol of relay_peer.mjs/.go).
#   js A and go A reserve; js B -> go A and go B -> js A each echo 16 KiB of random bytes.
#
#   RELAY_BIN=build/privstack-relay tests/interop/relay/relay_cross.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

require_cmd jq timeout node
require_peer js "${JS_RELAY_PEER[@]}"
require_peer go "${GO_RELAY_PEER[@]}"
ECHO_BYTES=16384
start_relay
raddr="$(relay_addr ip4)"

bg_peer JS_A js-listener "${JS_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
bg_peer GO_A go-listener "${GO_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
js_res="$(wait_event "$js_listener_OUT" "$JS_A" '.event == "reserved"')" \
  && pass "js A: reservation" || fail "js A: reservation"
go_res="$(wait_event "$go_listener_OUT" "$GO_A" '.event == "reserved"')" \
  && pass "go A: reservation" || fail "go A: reservation"
JS_A_ID="$(jq -r '.peerId // empty' <<<"$js_res")"
GO_A_ID="$(jq -r '.peerId // empty' <<<"$go_res")"

if [[ -n "$GO_A_ID" ]]; then
  printf 'js B -> go A through the relay\n'
  run_peer out "${JS_RELAY_PEER[@]}" dial --relay "$raddr" --target "$GO_A_ID" --bytes "$ECHO_BYTES"
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "js B -> go A: exit status 0" "$rc" 0
  assert_json "js B -> go A: relayed, $ECHO_BYTES bytes echoed intact" "$out" \
    '.relayed == true and .echoOk == true and .received == ($n | tonumber)' --arg n "$ECHO_BYTES"
fi
if [[ -n "$JS_A_ID" ]]; then
  printf 'go B -> js A through the relay\n'
  run_peer out "${GO_RELAY_PEER[@]}" dial --relay "$raddr" --target "$JS_A_ID" --bytes "$ECHO_BYTES"
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "go B -> js A: exit status 0" "$rc" 0
  assert_json "go B -> js A: relayed, $ECHO_BYTES bytes echoed intact" "$out" \
    '.relayed == true and .echoOk == true and .received == ($n | tonumber)' --arg n "$ECHO_BYTES"
fi

check "js A: still running" kill -0 "$JS_A"
check "go A: still running" kill -0 "$GO_A"
check "relay still running" relay_alive
relay_finish
