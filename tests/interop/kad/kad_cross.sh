#!/usr/bin/env bash
# Kad interop across implementations through one relay: a record put by rust (PrivStack's sync
# client, with publisher/ttl) is read by js, one put by js is read by rust, and go finds the js
# peer. Checks that the relay stores and serves records in a form every implementation accepts.
#
#   RELAY_BIN=build/privstack-relay tests/interop/kad/kad_cross.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kad_lib.sh"

require_cmd jq timeout sha256sum
require_peer rust "${RUST_KAD[@]}"
require_peer js "${JS_KAD[@]}"
require_peer go "${GO_KAD[@]}"
start_relay_named R
relay="$R_ADDR"
code="$(kad_sync_code)"
key_r="$(kad_key "$code-rust")"
key_j="$(kad_key "$code-js")"

# rust puts (and exits); js gets it from the relay.
run_fg_peer rp rustPut "${RUST_KAD[@]}" --bootstrap "$relay" --put-key "$key_r" \
  --device-name interop-rust
show "rust put" "$rp"
assert_json "rust put_record succeeded" "$rp" '.put.ok == true'
rv="$(jq -r '.put.value // empty' <<<"$rp")"
run_fg_peer jg jsGet "${JS_KAD[@]}" --bootstrap "$relay" --get-key "$key_r"
show "js get" "$jg"
assert_json "js gets rust's record from the relay (same value)" "$jg" \
  'any(.get.records[]; .from == $r and .value == $v)' --arg r "$R_PEER_ID" --arg v "$rv"

# js puts and keeps serving; rust gets it from the relay; go finds the js peer.
if start_bg_peer jp jsPut "${JS_KAD[@]}" --bootstrap "$relay" --put-key "$key_j" \
    --device-name interop-js --hold "$KAD_PEER_HOLD"; then
  show "js put" "$jp"
  assert_json "js put: the relay stored the record" "$jp" '.put.storedAt | index($r) != null' \
    --arg r "$R_PEER_ID"
  jv="$(jq -r '.put.value // empty' <<<"$jp")"
  j_id="$(jq -r '.peerId' <<<"$jp")"
  run_fg_peer rg rustGet "${RUST_KAD[@]}" --bootstrap "$relay" --get-key "$key_j" --find-peer "$j_id"
  show "rust get" "$rg"
  assert_json "rust gets js's record from the relay (same value)" "$rg" \
    'any(.get.records[]; .from == $r and .value == $v)' --arg r "$R_PEER_ID" --arg v "$jv"
  # Seen once in ~10 runs on a loaded machine: the js peer missing from get_closest_peers (rust
  # lists only peers that answered). Retried twice, with a warning, so the log shows it.
  for attempt in 2 3; do
    jq_true "$rg" '.findPeer.found == true' && break
    printf '  warn  rust get_closest_peers missed the js peer (attempt %d): %s\n' "$((attempt - 1))" \
      "$(jq -c '.error // [.findPeer.peers[]?.peerId]' <<<"$rg" 2>/dev/null)"
    sleep 2
    run_fg_peer rg "rustFind-$attempt" "${RUST_KAD[@]}" --bootstrap "$relay" --find-peer "$j_id"
  done
  assert_json "rust get_closest_peers finds the js peer" "$rg" '.findPeer.found == true'
  run_fg_peer gf goFind "${GO_KAD[@]}" --bootstrap "$relay" --mode client --find-peer "$j_id"
  show "go find" "$gf"
  assert_json "go FindPeer finds the js peer" "$gf" '.findPeer.found == true'
  stop_bg_peer "$jp_PID"
else
  show "js put" "$jp"
  fail "js put through the relay"
fi
check "relay still running" pid_alive "$R_PID"
kad_finish
