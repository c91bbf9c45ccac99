#!/usr/bin/env bash
# Kad interop: go-libp2p-kad-dht clients (dht.ProtocolPrefix("/ipfs"), the relay as
# dht.BootstrapPeers) use privstack-relay for FIND_NODE and provider records (go's default
# validator refuses other record namespaces, so no PUT/GET_VALUE here; the rust and js scripts
# cover those).
#
#   RELAY_BIN=build/privstack-relay tests/interop/kad/kad_go.sh
#
# 1. go client A (DHT server) Provide(CID), then keeps serving the DHT;
# 2. go client B (DHT client, knows only the relay): FindPeer(A), GetClosestPeers(A),
#    FindProvidersAsync(CID) finds A; after A stopped, client D still gets A from the relay;
# 3. a rust client (the product's client) and go B: go B finds the rust peer through the relay.
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kad_lib.sh"

require_cmd jq timeout sha256sum
require_peer go "${GO_KAD[@]}"
start_relay_named R
relay="$R_ADDR"
ptext="provider-$(kad_sync_code)"

if ! start_bg_peer a goA "${GO_KAD[@]}" --bootstrap "$relay" --mode server --provide "$ptext" \
    --hold "$KAD_PEER_HOLD"; then
  show "go A" "$a"
  fail "go A: Provide through the relay"
  kad_finish
fi
show "go A" "$a"
assert_json "A: ok" "$a" '.ok == true'
assert_json "A: the relay entered go's routing table (identify lists /ipfs/kad/1.0.0)" "$a" \
  '.bootstrapInRoutingTable | index($r) != null' --arg r "$R_PEER_ID"
assert_json "A: Provide succeeded" "$a" '.provide.ok == true'
jq_true "$a" '.ok == true' || kad_finish
a_id="$(jq -r '.peerId' <<<"$a")"

run_fg_peer b goB "${GO_KAD[@]}" --bootstrap "$relay" --mode client --find-peer "$a_id" \
  --closest-peers "$a_id" --find-providers "$ptext"
rc=$?
show "go B" "$b"
assert_eq "B: exit status 0" "$rc" 0
assert_json "B: FindPeer(A) found A" "$b" '.findPeer.found == true'
assert_json "B: ... with a loopback address of A" "$b" \
  'any(.findPeer.peer.addrs[]; startswith("/ip4/127.0.0.1/"))'
assert_json "B: GetClosestPeers(A) includes A" "$b" '.closestPeers.found == true'
assert_json "B: FindProvidersAsync found A with an address" "$b" \
  'any(.findProviders.providers[]; .peerId == $a and (.addrs | length) > 0)' --arg a "$a_id"
stop_bg_peer "$a_PID"
# With A gone only the relay can still name A as the provider.
run_fg_peer d goD "${GO_KAD[@]}" --bootstrap "$relay" --mode client --find-providers "$ptext"
show "go D" "$d"
assert_json "D (A stopped): the relay alone returns A as provider, with an address" "$d" \
  'any(.findProviders.providers[]; .peerId == $a and (.addrs | length) > 0)' --arg a "$a_id"

# The product's client (rust, DHT server) is found by a go client through the relay.
if [[ -x "${RUST_KAD[0]}" ]]; then
  if start_bg_peer r rustA "${RUST_KAD[@]}" --bootstrap "$relay" --hold "$KAD_PEER_HOLD"; then
    r_id="$(jq -r '.peerId' <<<"$r")"
    run_fg_peer c goC "${GO_KAD[@]}" --bootstrap "$relay" --mode client --find-peer "$r_id"
    show "go C" "$c"
    assert_json "go C: FindPeer(rust client) found it through the relay" "$c" '.findPeer.found == true'
    stop_bg_peer "$r_PID"
  else
    show "rust A" "$r"
    fail "rust client did not bootstrap"
  fi
else
  skip "rust kad_client not built: go finds rust"
fi
check "relay still running" pid_alive "$R_PID"

kad_finish
