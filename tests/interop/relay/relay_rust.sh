#!/usr/bin/env bash
# Interop: two rust-libp2p 0.56 peers (relay::client + dcutr) talk through the relay on loopback.
#   1. A reserves a slot (listens on <relay>/p2p-circuit);
#   2. B (dcutr off) dials <relay>/p2p-circuit/p2p/<A>: a ping and an echo request/response
#      (32 KiB random, compared byte for byte) both run over the relayed connection;
#   3. C (dcutr on) dials A the same way and waits for the hole punch: on loopback nothing
#      blocks it, so the connection must upgrade to a direct one.
#
#   RELAY_BIN=build/privstack-relay tests/interop/relay/relay_rust.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

require_cmd jq timeout
require_peer rust "${RUST_RELAY_PEER[@]}"
# The echo travels as hex (json codec): 32 KiB is 64 KB each way, over the default 128 KiB
# circuit limit (both directions summed) once framed; raise it (relay_limits.sh tests limits).
RELAY_EXTRA_ARGS="${RELAY_EXTRA_ARGS:-} --relay-circuit-bytes 1048576"
start_relay
raddr="$(relay_addr ip4)"

bg_peer A_PID rust-listener "${RUST_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
if ! reserved="$(wait_event "$rust_listener_OUT" "$A_PID" '.event == "reserved"')"; then
  fail "rust A: reservation on the relay"
  relay_finish
fi
pass "rust A: reservation accepted"
printf '        -> %s\n' "$reserved"
A_ID="$(jq -r .peerId <<<"$reserved")"
assert_json "rust A: circuit address is <relay>/p2p-circuit/p2p/<A>" "$reserved" \
  '.circuitAddr == ($r + "/p2p-circuit/p2p/" + $a)' --arg r "$raddr" --arg a "$A_ID"

printf 'rust B (no dcutr) dial %s/p2p-circuit/p2p/%s\n' "$raddr" "$A_ID"
run_peer out "${RUST_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" --no-dcutr --bytes 32768
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "rust B: exit status 0" "$rc" 0
assert_json "rust B: relayed connection to A" "$out" '.ok == true and .relayed == true'
assert_json "rust B: ping over the circuit" "$out" '.pingRttMs != null and .pingRttMs >= 0'
assert_json "rust B: 32 KiB echo over the circuit intact" "$out" \
  '.echoOk == true and .echoRelayed == true and .echoBytes == 32768'
assert_json "rust B: stayed relayed (dcutr off)" "$out" '.direct == false'

printf 'rust C (dcutr) dial %s/p2p-circuit/p2p/%s\n' "$raddr" "$A_ID"
run_peer out "${RUST_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" --wait-direct 15 --bytes 4096
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "rust C: exit status 0" "$rc" 0
assert_json "rust C: relayed connection, ping and echo" "$out" \
  '.ok == true and .relayed == true and .echoOk == true'
assert_json "rust C: dcutr upgraded to a direct connection" "$out" '.direct == true'
log "rust C dcutr outcome: $(jq -r '.dcutr // "n/a"' <<<"$out")"

check "rust A: still holds its reservation" kill -0 "$A_PID"
check "relay still running" relay_alive
relay_finish
