#!/usr/bin/env bash
# Kad interop: js-libp2p @libp2p/kad-dht clients (DHT servers, with a validator and a selector for
# the `privstack` namespace) use privstack-relay as their DHT.
#
#   RELAY_BIN=build/privstack-relay tests/interop/kad/kad_js.sh
#
# 1. js client A puts /privstack/syncgroup/<sha256(sync code)> = {device_name,addresses,timestamp}
#    and provides a CID, then keeps serving the DHT;
# 2. js client B (knows only the relay): findPeer(A) (the relay's FIND_NODE answer names A), get
#    (the relay returns A's value), findProviders (the relay's GET_PROVIDERS answer lists A);
# 3. A stops; js client C (a DHT client: clientMode true, no kad in its identify) gets the record
#    again, from the relay alone.
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kad_lib.sh"

require_cmd jq timeout sha256sum
require_peer js "${JS_KAD[@]}"
start_relay_named R
relay="$R_ADDR"

code="$(kad_sync_code)"
key="$(kad_key "$code")"
ptext="provider-$code"
printf 'sync code %s -> key %s\n' "$code" "$key"

if ! start_bg_peer a jsA "${JS_KAD[@]}" --bootstrap "$relay" --put-key "$key" \
    --device-name interop-js-A --provide "$ptext" --hold "$KAD_PEER_HOLD"; then
  show "js A" "$a"
  fail "js A: put + provide through the relay"
  kad_finish
fi
show "js A" "$a"
assert_json "A: ok" "$a" '.ok == true'
assert_json "A: the relay entered js's kad routing table (identify lists /ipfs/kad/1.0.0)" "$a" \
  '.bootstrapInRoutingTable | index($r) != null' --arg r "$R_PEER_ID"
assert_json "A: the relay answered PUT_VALUE with the record" "$a" \
  '.put.storedAt | index($r) != null' --arg r "$R_PEER_ID"
assert_json "A: no put errors" "$a" '(.put.errors | length) == 0'
assert_json "A: provide finished" "$a" '.provide.ok == true'
jq_true "$a" '.ok == true' || kad_finish
a_id="$(jq -r '.peerId' <<<"$a")"
a_value="$(jq -r '.put.value' <<<"$a")"

run_fg_peer b jsB "${JS_KAD[@]}" --bootstrap "$relay" --find-peer "$a_id" --get-key "$key" \
  --find-providers "$ptext"
rc=$?
show "js B" "$b"
assert_eq "B: exit status 0" "$rc" 0
assert_json "B: findPeer(A) found A" "$b" '.findPeer.found == true'
assert_json "B: the relay's FIND_NODE answer named A" "$b" \
  '.findPeer.listedBy | index($r) != null' --arg r "$R_PEER_ID"
assert_json "B: ... with a loopback address of A" "$b" \
  'any(.findPeer.peer.addrs[]; startswith("/ip4/127.0.0.1/"))'
assert_json "B: get returned A's value from the relay" "$b" \
  'any(.get.records[]; .from == $r and .value == $v)' --arg r "$R_PEER_ID" --arg v "$a_value"
assert_json "B: every value found is A's" "$b" 'all(.get.records[]; .value == $v)' --arg v "$a_value"
assert_json "B: the relay's GET_PROVIDERS answer listed A" "$b" \
  'any(.findProviders.responses[]; .from == $r and (.providers | index($a) != null))' \
  --arg r "$R_PEER_ID" --arg a "$a_id"
assert_json "B: findProviders found A with an address" "$b" \
  'any(.findProviders.providers[]; .peerId == $a and (.addrs | length) > 0)' --arg a "$a_id"

stop_bg_peer "$a_PID"
run_fg_peer c jsC "${JS_KAD[@]}" --bootstrap "$relay" --get-key "$key" --client-mode
rc=$?
show "js C" "$c"
assert_eq "C (A stopped, DHT client mode): exit status 0" "$rc" 0
assert_json "C (A stopped): the relay alone returns A's value" "$c" \
  'any(.get.records[]; .from == $r and .value == $v)' --arg r "$R_PEER_ID" --arg v "$a_value"
check "relay still running" pid_alive "$R_PID"

kad_finish
