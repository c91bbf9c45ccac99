#!/usr/bin/env bash
# Interop: rust-libp2p 0.56 AutoNAT v1 clients (autonat::v1::Behaviour, the relay added with
# add_server) ask the relay to dial them back, on loopback.
#   1. A client listening on 127.0.0.1 (QUIC): the relay dials it back on a new connection and
#      answers OK with the address; the client's NAT status becomes Public(addr).
#   2. The same over IPv6 (::1), when the machine has IPv6 loopback.
#   3. A client that only offers a closed port (no listener): every dial-back fails, the relay
#      answers E_DIAL_ERROR and the client's NAT status becomes Private.
#   4. The relay with its defaults (only clients observed at global IPs): loopback is refused
#      (E_DIAL_REFUSED), the status stays Unknown.
#   5. --no-autonat: the protocol is not offered (nor advertised by identify), the client's
#      request fails.
# Steps 1-3 run the relay with --autonat-allow-private (everything here is loopback).
#
#   RELAY_BIN=build/privstack-relay tests/interop/autonat/autonat_rust.sh
set -o pipefail
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"

RUST_AUTONAT=("$INTEROP_DIR/rust/target/release/autonat_client")
require_cmd jq timeout
require_peer rust "${RUST_AUTONAT[@]}"
require_peer rust "${RUST_DIAL[@]}"
# No /metrics listener: its default port (9464) is shared by every relay other tests run at once.
BASE_ARGS="${RELAY_EXTRA_ARGS:-} --metrics-listen off"

RELAY_EXTRA_ARGS="$BASE_ARGS --autonat-allow-private"
start_relay

run_peer out "${RUST_DIAL[@]}" --addr "$(relay_addr ip4)"
assert_json "identify advertises /libp2p/autonat/1.0.0" "$out" \
  '.protocols | index("/libp2p/autonat/1.0.0") != null'

printf 'rust autonat client (listening on 127.0.0.1) -> %s\n' "$(relay_addr ip4)"
run_peer out "${RUST_AUTONAT[@]}" --server "$(relay_addr ip4)" --listen-ip 127.0.0.1
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "ip4 listener: exit status 0" "$rc" 0
assert_json "ip4 listener: relay answered OK (dial-back worked)" "$out" '.result == "public"'
assert_json "ip4 listener: NAT status Public" "$out" '.natStatus == "public"'
assert_json "ip4 listener: address is its loopback QUIC address with /p2p/" "$out" \
  '.address | test("^/ip4/127\\.0\\.0\\.1/udp/[0-9]+/quic-v1/p2p/12D3KooW")'

if has_ipv6_loopback; then
  printf 'rust autonat client (listening on ::1) -> %s\n' "$(relay_addr ip6)"
  run_peer out "${RUST_AUTONAT[@]}" --server "$(relay_addr ip6)" --listen-ip ::1
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq   "ip6 listener: exit status 0" "$rc" 0
  assert_json "ip6 listener: NAT status Public at ::1" "$out" \
    '.result == "public" and .natStatus == "public" and (.address | startswith("/ip6/::1/udp/"))'
else
  skip "ip6 listener: no IPv6 loopback"
fi

closed_port="$(free_port udp "$RELAY_PORT")" || die "no free UDP port"
printf 'rust autonat client (no listener, offers closed udp/%s) -> %s\n' "$closed_port" "$(relay_addr ip4)"
run_peer out "${RUST_AUTONAT[@]}" --server "$(relay_addr ip4)" --no-listen \
  --candidate "/ip4/127.0.0.1/udp/$closed_port/quic-v1"
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "unreachable: exit status 0" "$rc" 0
assert_json "unreachable: relay answered E_DIAL_ERROR" "$out" '.result == "dial_error"'
assert_json "unreachable: NAT status Private" "$out" '.natStatus == "private"'
check "relay still running" relay_alive
stop_relay

RELAY_EXTRA_ARGS="$BASE_ARGS"
start_relay
printf 'rust autonat client -> relay with default autonat policy (global IPs only)\n'
run_peer out "${RUST_AUTONAT[@]}" --server "$(relay_addr ip4)" --listen-ip 127.0.0.1
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "defaults: exit status 0" "$rc" 0
assert_json "defaults: loopback client refused (E_DIAL_REFUSED), status unknown" "$out" \
  '.result == "dial_refused" and .natStatus == "unknown"'
stop_relay

RELAY_EXTRA_ARGS="$BASE_ARGS --no-autonat"
start_relay
printf 'rust autonat client -> relay with --no-autonat\n'
INTEROP_PEER_TIMEOUT=40 run_peer out "${RUST_AUTONAT[@]}" --server "$(relay_addr ip4)" \
  --listen-ip 127.0.0.1 --timeout 20
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_json "--no-autonat: the request fails (protocol not offered)" "$out" \
  '.ok == false and (.error | test("dial request failed"))'
run_peer out "${RUST_DIAL[@]}" --addr "$(relay_addr ip4)"
assert_json "--no-autonat: identify does not advertise it" "$out" \
  '.ok == true and (.protocols | index("/libp2p/autonat/1.0.0") == null)'
check "relay still running" relay_alive
finish
