#!/usr/bin/env bash
# Kad interop across three relays: our binary x3, B started with `--bootstrap <A>`, C with
# `--bootstrap <A> --bootstrap <B>`. A rust client (PrivStack's sync client) that knows only relay B
# puts a record; a rust client that knows only relay C gets it (same value, publisher) and finds,
# through the relays, a peer that is connected to B only. Then a record stored on relay B alone
# (put_record_to) must reach relay C by the relays' own replication.
#
#   RELAY_BIN=build/privstack-relay tests/interop/kad/kad_multi_relay.sh
#
# KAD_BOOTSTRAP_FLAG (default --bootstrap) is the relay's flag for a bootstrap peer, given once per
# peer. Needs the kad-query work (--bootstrap + DHT queries of the relay itself).
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kad_lib.sh"

require_cmd jq timeout sha256sum
require_peer rust "${RUST_KAD[@]}"
flag="${KAD_BOOTSTRAP_FLAG:---bootstrap}"
base_extra="${RELAY_EXTRA_ARGS:-}"
# Three relays on one host: a fixed default port (the Prometheus listener's 127.0.0.1:9464) can
# be bound only once, so switch it off where the binary has it.
if "$RELAY_BIN" --help 2>/dev/null | grep -q -- '--metrics-listen'; then
  base_extra="$base_extra --metrics-listen off"
fi
RELAY_EXTRA_ARGS="$base_extra"

start_relay_named A
RELAY_EXTRA_ARGS="$base_extra $flag $A_ADDR"
start_relay_named B
RELAY_EXTRA_ARGS="$base_extra $flag $A_ADDR $flag $B_ADDR"
start_relay_named C
RELAY_EXTRA_ARGS="$base_extra"
printf 'relays: A %s\n        B %s\n        C %s\n' "$A_ADDR" "$B_ADDR" "$C_ADDR"
relay_ids="$(jq -cn --arg a "$A_PEER_ID" --arg b "$B_PEER_ID" --arg c "$C_PEER_ID" '[$a,$b,$c]')"

code="$(kad_sync_code)"
key="$(kad_key "$code")"
printf 'sync code %s -> key %s\n' "$code" "$key"

# X: a device connected to relay B only, serving the DHT (to be found from C's side).
if ! start_bg_peer x clientX "${RUST_KAD[@]}" --bootstrap "$B_ADDR" --hold "$KAD_PEER_HOLD"; then
  show "client X (on B)" "$x"
  fail "client X could not bootstrap from relay B"
  kad_finish
fi
x_id="$(jq -r '.peerId' <<<"$x")"

# P: puts the record through relay B and stays online, as a sync client does: rust ends the put
# at the first success (Quorum::One), and the PUT_VALUEs still in flight to the other peers need
# P's connections to complete.
start_bg_peer p clientP "${RUST_KAD[@]}" --bootstrap "$B_ADDR" --put-key "$key" \
  --device-name interop-device-P --hold "$KAD_PEER_HOLD"
show "client P (on B)" "$p"
assert_json "P (on B): put_record Quorum::One succeeded" "$p" '.put.ok == true'
jq_true "$p" '.put.ok == true' || kad_finish
p_id="$(jq -r '.peerId' <<<"$p")"
p_value="$(jq -r '.put.value' <<<"$p")"

# G: knows only relay C. The relays bootstrap and store in the background, so a lookup that
# misses is retried (bounded: KAD_REPLICATION_WAIT seconds, default 60) before it counts as failed.
g=""
deadline=$((SECONDS + ${KAD_REPLICATION_WAIT:-60}))
attempt=0
while :; do
  attempt=$((attempt + 1))
  run_fg_peer g "clientG-$attempt" "${RUST_KAD[@]}" --bootstrap "$C_ADDR" --get-key "$key" \
    --find-peer "$x_id"
  jq_true "$g" '.ok == true and .findPeer.found == true and
    any(.get.records[]; .from as $f | $ids | index($f) != null)' --argjson ids "$relay_ids" && break
  printf '  attempt %d on C: %s\n' "$attempt" \
    "$(jq -c '.error // {found: .findPeer.found, servedBy: [.get.records[]?.from]}' <<<"$g" 2>/dev/null)"
  ((SECONDS < deadline)) || break
  sleep 2
done
stop_bg_peer "$p_PID"
show "client G (on C)" "$g"
assert_json "G (on C): get_record found the record put on B" "$g" '(.get.records | length) > 0'
assert_json "G (on C): value is P's" "$g" 'all(.get.records[]; .value == $v)' --arg v "$p_value"
assert_json "G (on C): publisher is P" "$g" 'all(.get.records[]; .publisher == $p)' --arg p "$p_id"
assert_json "G (on C): a relay served it" "$g" \
  'any(.get.records[]; .from as $f | $ids | index($f) != null)' --argjson ids "$relay_ids"
printf '        served by: %s\n' "$(jq -c '[.get.records[].from]' <<<"$g" 2>/dev/null)"
assert_json "G (on C): get_closest_peers found X (connected to B only)" "$g" '.findPeer.found == true'

# Relay-side replication: Q stores a record on relay B alone (put_record_to); relay B must pass it
# on to the other relays (the replication pass runs shortly after a new record arrives), so that
# relay C itself answers G2's GET_VALUE. Bounded polling: KAD_REPLICATION_WAIT seconds (default 60).
key2="$(kad_key "$code-replicated")"
run_fg_peer q clientQ "${RUST_KAD[@]}" --bootstrap "$B_ADDR" --put-key "$key2" \
  --device-name interop-device-Q --put-to-bootstrap-only
rc=$?
show "client Q (record on B only)" "$q"
assert_json "Q: relay B accepted the record (put_record_to B)" "$q" '.put.ok == true'
q_id="$(jq -r '.peerId // empty' <<<"$q")"
q_value="$(jq -r '.put.value // empty' <<<"$q")"
g2=""
deadline=$((SECONDS + ${KAD_REPLICATION_WAIT:-60}))
attempt=0
while :; do
  attempt=$((attempt + 1))
  run_fg_peer g2 "clientG2-$attempt" "${RUST_KAD[@]}" --bootstrap "$C_ADDR" --get-key "$key2"
  jq_true "$g2" 'any(.get.records[]?; .from == $c)' --arg c "$C_PEER_ID" && break
  ((SECONDS < deadline)) || break
  sleep 2
done
printf '        G2 attempts: %d; served by: %s\n' "$attempt" \
  "$(jq -c '[.get.records[]?.from]' <<<"$g2" 2>/dev/null)"
assert_json "G2 (on C): relay C itself serves the record put on relay B only" "$g2" \
  'any(.get.records[]; .from == $c and .value == $v and .publisher == $q)' \
  --arg c "$C_PEER_ID" --arg v "$q_value" --arg q "$q_id"

check "relay A still running" pid_alive "$A_PID"
check "relay B still running" pid_alive "$B_PID"
check "relay C still running" pid_alive "$C_PID"
kad_finish
