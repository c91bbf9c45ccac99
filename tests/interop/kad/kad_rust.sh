#!/usr/bin/env bash
# Kad interop: rust-libp2p 0.56 clients that behave like PrivStack's sync client (kad MemoryStore in
# server mode, identify, the relay as the only bootstrap node) use privstack-relay as their DHT.
#
#   RELAY_BIN=build/privstack-relay tests/interop/kad/kad_rust.sh
#
# 1. client A put_record(/privstack/syncgroup/<sha256(sync code)>, {device_name,addresses,timestamp},
#    Quorum::One) and start_providing(<provider key>), then keeps serving the DHT;
# 2. client B (a separate process that only knows the relay) get_record: the relay returns the
#    same value with publisher = A; get_closest_peers(A) finds A (through the relay's FIND_NODE);
#    get_providers finds A;
# 3. A exits; client C get_record: the relay alone still serves the record (ttl kept), also to a
#    client that reaches it over /ip6/::1;
# 4. client D puts a 200 kB record (beyond kad's 16 KiB frame, sent with a raised client limit):
#    the relay refuses it; 8 clients put 60 kB records at once; the relay keeps running and still
#    serves the first record.
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kad_lib.sh"

require_cmd jq timeout sha256sum
require_peer rust "${RUST_KAD[@]}"
start_relay_named R
relay="$R_ADDR"

code="$(kad_sync_code)"
key="$(kad_key "$code")"
pkey="/privstack/provider/$(printf '%s' "$code-p" | sha256sum | cut -d' ' -f1)"
printf 'sync code %s -> key %s\n' "$code" "$key"

# --- 1. client A: put + provide, then hold --------------------------------------------------
if ! start_bg_peer a clientA "${RUST_KAD[@]}" --bootstrap "$relay" --put-key "$key" \
    --device-name "interop-device-A" --provide "$pkey" --hold "$KAD_PEER_HOLD"; then
  show "client A" "$a"
  fail "client A: put_record + start_providing through the relay"
  kad_finish
fi
show "client A" "$a"
assert_json "A: ok" "$a" '.ok == true'
assert_json "A: relay advertises /ipfs/kad/1.0.0 in identify" "$a" \
  '.bootstrapAdvertisesKad[$r] == true' --arg r "$R_PEER_ID"
assert_json "A: put_record Quorum::One succeeded" "$a" '.put.ok == true'
assert_json "A: start_providing succeeded" "$a" '.provide.ok == true'
a_id="$(jq -r '.peerId // empty' <<<"$a")"
a_value="$(jq -r '.put.value // empty' <<<"$a")"
jq_true "$a" '.ok == true' || { fail "A failed; nothing to look up"; kad_finish; }
assert_json "A: value is PrivStack's {device_name,addresses,timestamp}" "$a_value" \
  '.device_name == "interop-device-A" and (.addresses | length) > 0 and (.timestamp | type) == "number"'

# --- 2. client B: get_record, get_closest_peers(A), get_providers --------------------------------
run_fg_peer b clientB "${RUST_KAD[@]}" --bootstrap "$relay" --get-key "$key" --find-peer "$a_id" \
  --find-providers "$pkey"
rc=$?
show "client B" "$b"
assert_eq "B: exit status 0" "$rc" 0
assert_json "B: get_record found the record at the relay" "$b" \
  'any(.get.records[]; .from == $r)' --arg r "$R_PEER_ID"
assert_json "B: the relay's record has A's value" "$b" \
  'any(.get.records[]; .from == $r and .value == $v)' --arg r "$R_PEER_ID" --arg v "$a_value"
assert_json "B: the relay's record has publisher = A" "$b" \
  'any(.get.records[]; .from == $r and .publisher == $a)' --arg r "$R_PEER_ID" --arg a "$a_id"
assert_json "B: the relay's record has the key asked for" "$b" \
  'any(.get.records[]; .from == $r and .key == $k)' --arg r "$R_PEER_ID" --arg k "$key"
assert_json "B: the relay's record carries a ttl (rust field 777) of at most 48 h" "$b" \
  'any(.get.records[]; .from == $r and (.expiresInSecs // 0) > 0 and .expiresInSecs <= 172800)' \
  --arg r "$R_PEER_ID"
assert_json "B: every record found is A's (value, publisher)" "$b" \
  '(.get.records | length) > 0 and all(.get.records[]; .value == $v and .publisher == $a)' \
  --arg v "$a_value" --arg a "$a_id"
assert_json "B: get_closest_peers(A) found A through the relay" "$b" '.findPeer.found == true'
assert_json "B: ... with a loopback address of A" "$b" \
  'any(.findPeer.peers[]; .peerId == $a and any(.addrs[]; startswith("/ip4/127.0.0.1/")))' \
  --arg a "$a_id"
assert_json "B: get_providers found A" "$b" '.findProviders.providers | index($a) != null' \
  --arg a "$a_id"

# --- 3. A gone: the relay alone serves the record -------------------------------------------
stop_bg_peer "$a_PID"
run_fg_peer c clientC "${RUST_KAD[@]}" --bootstrap "$relay" --get-key "$key" \
  --find-providers "$pkey"
rc=$?
show "client C" "$c"
assert_eq "C (A stopped): exit status 0" "$rc" 0
assert_json "C (A stopped): the relay still returns A's record" "$c" \
  'any(.get.records[]; .from == $r and .value == $v and .publisher == $a)' \
  --arg r "$R_PEER_ID" --arg v "$a_value" --arg a "$a_id"

assert_json "C (A stopped): the relay alone still names A as provider" "$c" \
  '.findProviders.providers | index($a) != null' --arg a "$a_id"

# Same over the relay's IPv6 loopback address.
if has_ipv6_loopback; then
  run_fg_peer c6 clientC6 "${RUST_KAD[@]}" --bootstrap "$(relay_addr ip6 "$R_PEER_ID")" --get-key "$key"
  show "client C6 (ip6)" "$c6"
  assert_json "C6 (bootstrap over /ip6/::1): the relay returns A's record" "$c6" \
    'any(.get.records[]; .from == $r and .value == $v and .publisher == $a)' \
    --arg r "$R_PEER_ID" --arg v "$a_value" --arg a "$a_id"
else
  skip "C6: no ::1 on this machine"
fi

# --- 4. oversized record and a put flood: the relay survives --------------------------------
big_key="$(kad_key "$code-big")"
run_fg_peer d clientD "${RUST_KAD[@]}" --bootstrap "$relay" --put-key "$big_key" \
  --value-size 200000 --max-packet 1048576 --timeout 15
show "client D (200 kB record)" "$d"
# The relay is the only DHT server D knows, so a put that "succeeds" means it stored 200 kB.
assert_json "D: the relay refuses a 200 kB record (put_record fails)" "$d" '.put.ok == false'
check "relay still running after a 200 kB PUT_VALUE" pid_alive "$R_PID"
flood_pids=()
for i in 1 2 3 4 5 6 7 8; do
  timeout -k 5 30 "${RUST_KAD[@]}" --bootstrap "$relay" --put-key "$(kad_key "$code-flood-$i")" \
    --value-size 60000 --max-packet 1048576 --timeout 20 >/dev/null 2>&1 &
  flood_pids+=($!)
done
for p in "${flood_pids[@]}"; do wait "$p"; done
check "relay still running after 8 parallel 60 kB puts" pid_alive "$R_PID"
run_fg_peer e clientE "${RUST_KAD[@]}" --bootstrap "$relay" --get-key "$key"
show "client E" "$e"
assert_json "E (after the flood): the relay still returns A's record" "$e" \
  'any(.get.records[]; .from == $r and .value == $v and .publisher == $a)' \
  --arg r "$R_PEER_ID" --arg v "$a_value" --arg a "$a_id"

kad_finish
