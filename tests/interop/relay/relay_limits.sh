#!/usr/bin/env bash
# Interop: the relay's limits, seen by real clients. The relay runs with small limits:
#   --relay-max-reservations 2 --relay-circuit-bytes 65536 --relay-circuit-duration 3
#   1. a js and a rust listener each get a reservation (OK); the Limit they are told matches;
#   2. a third reservation (raw hop RESERVE, js/relay_hop.mjs) is refused with
#      RESOURCE_LIMIT_EXCEEDED (201);
#   3. data: a 4 KiB echo through the circuit passes; a 256 KiB echo (js) and a 96 KiB
#      request/response (rust, which does not enforce limits itself) are cut by the relay;
#   4. duration: a js stream kept busy for 15 s over a 3 s circuit is cut.
# Nothing here asserts how fast a limit bites; only that it does, within the peers' timeouts.
#
#   RELAY_BIN=build/privstack-relay tests/interop/relay/relay_limits.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

require_cmd jq timeout node
require_peer js "${JS_RELAY_PEER[@]}"
require_peer rust "${RUST_RELAY_PEER[@]}"
LIMIT_BYTES=65536
LIMIT_SECONDS=3
RELAY_EXTRA_ARGS="${RELAY_EXTRA_ARGS:-} --relay-max-reservations 2 --relay-circuit-bytes $LIMIT_BYTES --relay-circuit-duration $LIMIT_SECONDS"
start_relay
raddr="$(relay_addr ip4)"

# ---- 1. two reservations fill the relay ------------------------------------------------------
bg_peer JS_A js-listener "${JS_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 150
bg_peer RUST_A rust-listener "${RUST_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 150
js_res="$(wait_event "$js_listener_OUT" "$JS_A" '.event == "reserved"')" \
  && pass "js listener: reservation 1 of 2 accepted" || fail "js listener: reservation 1 of 2 accepted"
rust_res="$(wait_event "$rust_listener_OUT" "$RUST_A" '.event == "reserved"')" \
  && pass "rust listener: reservation 2 of 2 accepted" || fail "rust listener: reservation 2 of 2 accepted"
printf '        -> %s\n' "${rust_res:-<none>}"
assert_json "rust listener: told Limit {duration $LIMIT_SECONDS s, data $LIMIT_BYTES}" "$rust_res" \
  '.limit.durationS == ($s | tonumber) and .limit.bytes == ($b | tonumber)' \
  --arg s "$LIMIT_SECONDS" --arg b "$LIMIT_BYTES"
JS_A_ID="$(jq -r '.peerId // empty' <<<"$js_res")"
RUST_A_ID="$(jq -r '.peerId // empty' <<<"$rust_res")"

# ---- 2. the third is refused -------------------------------------------------------------------
printf 'js raw hop RESERVE #3 on %s\n' "$raddr"
run_peer out "${JS_RELAY_HOP[@]}" --relay "$raddr" --count 1
printf '        -> %s\n' "${out:-<no JSON output>}"
r0="$(jq -c '.results[0] // {}' <<<"${out:-{\}}" 2>/dev/null)"
assert_json "reservation 3 of 2: refused with RESOURCE_LIMIT_EXCEEDED (201)" "$r0" \
  '.type == 2 and .status == 201'
assert_json "reservation 3 of 2: no reservation in the refusal" "$r0" '.expire == null'

# ---- 3. data limit ------------------------------------------------------------------------------
if [[ -n "$JS_A_ID" ]]; then
  printf 'js B: 4 KiB echo through the circuit (under the limit)\n'
  run_peer out "${JS_RELAY_PEER[@]}" dial --relay "$raddr" --target "$JS_A_ID" --bytes 4096
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_json "js: 4 KiB echo under the $LIMIT_BYTES-byte limit passes" "$out" '.ok == true and .echoOk == true'
  assert_json "js: the circuit carries the Limit" "$out" \
    '.limits.bytes != null and .limits.bytes <= ($b | tonumber)' --arg b "$LIMIT_BYTES"

  printf 'js B: 256 KiB echo through the circuit (over the limit)\n'
  run_peer out "${JS_RELAY_PEER[@]}" dial --relay "$raddr" --target "$JS_A_ID" --bytes 262144 --expect-cut
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "js: 256 KiB echo over the limit is cut (--expect-cut exit 0)" "$rc" 0
  assert_json "js: less than 256 KiB came back" "$out" '.cut == true and .received < 262144'
else
  skip "js data limit: no js listener"
fi
if [[ -n "$RUST_A_ID" ]]; then
  printf 'rust B: 96 KiB request/response through the circuit (over the limit)\n'
  run_peer out "${RUST_RELAY_PEER[@]}" dial --relay "$raddr" --target "$RUST_A_ID" --no-dcutr \
    --bytes 98304 --timeout 30
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "rust: request/response over the limit fails (exit 1)" "$rc" 1
  assert_json "rust: it failed on the circuit, not before" "$out" \
    '.ok == false and (.error | test("dial|connecting") | not)'
else
  skip "rust data limit: no rust listener"
fi

# ---- 4. duration limit --------------------------------------------------------------------------
if [[ -n "$JS_A_ID" ]]; then
  printf 'js B: stream kept busy for 15 s over a %s s circuit\n' "$LIMIT_SECONDS"
  run_peer out "${JS_RELAY_PEER[@]}" dial --relay "$raddr" --target "$JS_A_ID" --bytes 1024 \
    --hold 15 --expect-cut --timeout 35
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "js: circuit over its duration is cut (--expect-cut exit 0)" "$rc" 0
  assert_json "js: cut while holding the stream" "$out" '.cut == true'
  log "js duration cut after $(jq -r '.cutAfterMs // "?"' <<<"$out") ms (limit ${LIMIT_SECONDS} s; informational)"
else
  skip "js duration limit: no js listener"
fi

check "js listener: still running" kill -0 "$JS_A"
check "rust listener: still running" kill -0 "$RUST_A"
check "relay still running" relay_alive
relay_finish
