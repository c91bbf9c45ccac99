#!/usr/bin/env bash
# Interop: OUR dialer (privstack_interop_dial, the node layer: QUIC v1 + libp2p TLS, multistream,
# identify, ping) dials a js-libp2p listener (js/listen.mjs) over ip4 and ip6 loopback, checks
# identify (peer id, agent version, protocols) and 3 pings, and checks that a dial with a wrong
# /p2p/ peer id fails.
#
#   DIAL_BIN=build/tests/interop/cpp/privstack_interop_dial tests/interop/identify_ping_ours_to_js.sh
#
# Build the js peer first with tests/interop/setup.sh js (CTest does that through a fixture).
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

[[ -n "${DIAL_BIN:-}" ]] || die "DIAL_BIN is not set"
[[ -x "$DIAL_BIN" ]] || die "DIAL_BIN=$DIAL_BIN is not an executable"
require_cmd jq timeout node
require_peer js "${JS_LISTEN[@]}"
dial=("$DIAL_BIN")

interop_tmp
tmp="$INTEROP_TMP"
listen_args=(--timeout 60)
has_ipv6_loopback && listen_args+=(--ip6)
"${JS_LISTEN[@]}" "${listen_args[@]}" >"$tmp/listen.json" 2>"$tmp/listen.err" &
LISTEN_PID=$!
stop_listener() {
  [[ -n "${LISTEN_PID:-}" ]] || return 0
  kill -TERM "$LISTEN_PID" 2>/dev/null
  wait "$LISTEN_PID" 2>/dev/null
  LISTEN_PID=""
}
trap 'stop_listener; _interop_cleanup' EXIT

for ((i = 0; i < 150; i++)); do
  [[ -s "$tmp/listen.json" ]] && break
  kill -0 "$LISTEN_PID" 2>/dev/null || break
  sleep 0.1
done
listen_json="$(head -n 1 "$tmp/listen.json")"
jq_true "$listen_json" '.addrs | length > 0' \
  || { cat "$tmp/listen.err" >&2; die "listen.mjs did not start: ${listen_json:-<no output>}"; }
LISTEN_PEER_ID="$(jq -r '.peerId' <<<"$listen_json")"
log "js listener $LISTEN_PEER_ID: $(jq -c '.addrs' <<<"$listen_json")"

name="ours -> js"
dials_ok=0
for fam in ip4 ip6; do
  addr="$(jq -r --arg p "/$fam/" '[.addrs[] | select(startswith($p))][0] // empty' <<<"$listen_json")"
  if [[ -z "$addr" ]]; then skip "$name $fam: no $fam listen address"; continue; fi
  printf '%s dial %s\n' "$name" "$addr"
  run_peer out "${dial[@]}" --addr "$addr"
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "$name $fam: exit status 0" "$rc" 0
  assert_json "$name $fam: ok" "$out" '.ok == true'
  assert_json "$name $fam: peerId is the listener's" "$out" '.peerId == $v' --arg v "$LISTEN_PEER_ID"
  assert_json "$name $fam: agentVersion is js-libp2p" "$out" '(.agentVersion // "") | startswith("js-libp2p/")'
  assert_json "$name $fam: protocols include /ipfs/id/1.0.0" "$out" \
    '.protocols | index("/ipfs/id/1.0.0") != null'
  assert_json "$name $fam: protocols include /ipfs/ping/1.0.0" "$out" \
    '.protocols | index("/ipfs/ping/1.0.0") != null'
  assert_json "$name $fam: 3 ping RTTs" "$out" '(.rttMs | length) == 3 and all(.rttMs[]; . >= 0)'
  jq_true "$out" '.ok == true' && dials_ok=$((dials_ok + 1))
done

# A failed dial only proves the peer id check if the listener answers at all.
if ((dials_ok == 0)); then
  skip "$name wrong /p2p/ id: no successful dial to compare against"
else
  other=""
  for id in "${OTHER_PEER_IDS[@]}"; do
    [[ "$id" != "$LISTEN_PEER_ID" ]] && { other="$id"; break; }
  done
  addr="$(jq -r '[.addrs[] | select(startswith("/ip4/"))][0] // .addrs[0]' <<<"$listen_json")"
  addr="${addr%/p2p/*}/p2p/$other"
  printf '%s dial (wrong peer id) %s\n' "$name" "$addr"
  run_peer out "${dial[@]}" --addr "$addr" --expect-fail --timeout 10
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "$name wrong /p2p/ id: dial fails (--expect-fail exit 0)" "$rc" 0
  assert_json "$name wrong /p2p/ id: ok is false" "$out" '.ok == false'
fi
check "js listener still running" kill -0 "$LISTEN_PID"
if ((_INTEROP_FAILED > 0)); then
  log "---- listener stderr ----"
  tail -n 30 "$tmp/listen.err" >&2
fi
finish
