#!/usr/bin/env bash
# Self-test of the interop peers WITHOUT the relay: a js-libp2p listener (js/listen.mjs) is dialed
# by the js, rust and go dialers over ip4 and ip6 loopback (identify + 3 pings each), and a dial
# with a wrong /p2p/ peer id must fail for each dialer.
#
#   tests/interop/selftest_peers.sh        (after tests/interop/setup.sh)
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

require_cmd jq timeout node
require_peer js "${JS_DIAL[@]}"
require_peer rust "${RUST_DIAL[@]}"
require_peer go "${GO_DIAL[@]}"

interop_tmp
tmp="$INTEROP_TMP"
listen_args=(--timeout 120)
has_ipv6_loopback && listen_args+=(--ip6)
"${JS_LISTEN[@]}" "${listen_args[@]}" >"$tmp/listen.json" 2>"$tmp/listen.err" &
LISTEN_PID=$!
trap 'kill -TERM "$LISTEN_PID" 2>/dev/null; wait "$LISTEN_PID" 2>/dev/null; _interop_cleanup' EXIT

for ((i = 0; i < 100; i++)); do
  [[ -s "$tmp/listen.json" ]] && break
  kill -0 "$LISTEN_PID" 2>/dev/null || break
  sleep 0.1
done
listen_json="$(head -n 1 "$tmp/listen.json")"
jq_true "$listen_json" '.addrs | length > 0' || { cat "$tmp/listen.err" >&2; die "listen.mjs did not start: $listen_json"; }
LISTEN_PEER_ID="$(jq -r '.peerId' <<<"$listen_json")"
log "js listener $LISTEN_PEER_ID: $(jq -c '.addrs' <<<"$listen_json")"

for dialer in js rust go; do
  case "$dialer" in
    js) dial=("${JS_DIAL[@]}") ;;
    rust) dial=("${RUST_DIAL[@]}") ;;
    go) dial=("${GO_DIAL[@]}") ;;
  esac
  for fam in ip4 ip6; do
    addr="$(jq -r --arg p "/$fam/" '[.addrs[] | select(startswith($p))][0] // empty' <<<"$listen_json")"
    if [[ -z "$addr" ]]; then skip "$dialer -> js $fam: no $fam listen address"; continue; fi
    printf '%s dial %s\n' "$dialer" "$addr"
    run_peer out "${dial[@]}" --addr "$addr"
    rc=$?
    printf '        -> %s\n' "${out:-<no JSON output>}"
    assert_eq   "$dialer -> js $fam: exit status 0" "$rc" 0
    assert_json "$dialer -> js $fam: ok" "$out" '.ok == true'
    assert_json "$dialer -> js $fam: peerId is the listener's" "$out" '.peerId == $v' --arg v "$LISTEN_PEER_ID"
    assert_json "$dialer -> js $fam: agentVersion is js-libp2p" "$out" '.agentVersion | startswith("js-libp2p/")'
    assert_json "$dialer -> js $fam: protocols include id and ping" "$out" \
      '(.protocols | index("/ipfs/id/1.0.0") != null) and (.protocols | index("/ipfs/ping/1.0.0") != null)'
    assert_json "$dialer -> js $fam: 3 ping RTTs" "$out" '(.rttMs | length) == 3'
  done
  addr="$(jq -r '.addrs[0]' <<<"$listen_json")"
  addr="${addr%/p2p/*}/p2p/${OTHER_PEER_IDS[0]}"
  printf '%s dial (wrong peer id) %s\n' "$dialer" "$addr"
  run_peer out "${dial[@]}" --addr "$addr" --expect-fail --timeout 10
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "$dialer -> js wrong /p2p/ id: dial fails" "$rc" 0
  assert_json "$dialer -> js wrong /p2p/ id: ok is false" "$out" '.ok == false'
done
check "js listener still running" kill -0 "$LISTEN_PID"
finish
