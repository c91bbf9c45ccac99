#!/usr/bin/env bash
# Two peers behind two NATs reach each other through the relay, in network namespaces this test
# creates and removes (needs root, iproute2 and nftables; exits 77 = skipped otherwise).
#
#   "internet" 10.99.0.0/24 (a bridge in namespace PUB):  relay 10.99.0.1
#   NATA: wan 10.99.0.11, lan 10.99.1.1/24 -> client A 10.99.1.2 (namespace CLA)
#   NATB: wan 10.99.0.12, lan 10.99.2.1/24 -> client B 10.99.2.2 (namespace CLB)
#   Each NAT masquerades lan -> wan and drops unsolicited inbound traffic (nftables: only
#   established/related packets come in from the wan side). Linux masquerade keeps the source
#   port when it can and filters by address and port, so a simultaneous UDP open (hole punch)
#   can pass it.
#
# Checks (rust-libp2p 0.56 relay_peer: relay::client + dcutr):
#   1. A reserves a slot on the relay from behind NATA;
#   2. B cannot reach A directly: a dial to A's NAT-mapped address fails (inbound blocked);
#   3. B (dcutr off) dials A through the relay: ping + echo over the relayed connection;
#   4. C (dcutr on, also behind NATB) dials A through the relay and waits for dcutr. Whether the
#      hole punch yields a direct connection is reported (TWO_NAT_REQUIRE_DIRECT=1 makes it a
#      check); the relayed path must work either way.
# Only addresses inside these namespaces are used.
#
#   RELAY_BIN=build/privstack-relay tests/interop/relay/two_nat.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/relay_lib.sh"

SKIP=77
skip_test() {
  printf 'SKIP: %s: %s\n' "$_INTEROP_NAME" "$*"
  exit "$SKIP"
}

[[ "$(id -u)" == 0 ]] || skip_test "needs root to create network namespaces"
for c in ip nft jq timeout; do
  command -v "$c" >/dev/null 2>&1 || skip_test "'$c' not found (Debian packages: iproute2, nftables, jq, coreutils)"
done
require_peer rust "${RUST_RELAY_PEER[@]}"
require_peer rust "${RUST_DIAL[@]}"
[[ -n "${RELAY_BIN:-}" && -x "$RELAY_BIN" ]] || die "RELAY_BIN is not set or not executable"

# Unique names (netns names are global; interface names are per namespace, up to 15 chars).
tag="$$"
PUB="pn${tag}pub"
NATA="pn${tag}nata"
NATB="pn${tag}natb"
CLA="pn${tag}cla"
CLB="pn${tag}clb"
ALL_NS=("$CLA" "$CLB" "$NATA" "$NATB" "$PUB")
RELAY_IP=10.99.0.1

_two_nat_cleanup() {
  local rc=$? ns pid
  for pid in "${_RELAY_BG_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${_RELAY_BG_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  # Processes still inside a namespace would keep it alive: kill what runs there (ours only).
  for ns in "${ALL_NS[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  (exit $rc)
  _interop_cleanup
}
trap _two_nat_cleanup EXIT

nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

setup_namespaces() {
  local ns
  for ns in "${ALL_NS[@]}"; do
    ip netns add "$ns" || return 1
    nsx "$ns" ip link set lo up || return 1
  done
  # The "internet": a bridge in PUB, the relay on it.
  nsx "$PUB" ip link add br0 type bridge &&
    nsx "$PUB" ip addr add "$RELAY_IP/24" dev br0 &&
    nsx "$PUB" ip link set br0 up || return 1
  local side lan_net
  for side in a b; do
    local nat="$NATA" cl="$CLA" wan_ip=10.99.0.11 lan=1
    [[ "$side" == b ]] && { nat="$NATB"; cl="$CLB"; wan_ip=10.99.0.12; lan=2; }
    lan_net="10.99.$lan"
    # NAT wan <-> bridge port in PUB.
    ip -n "$nat" link add wan type veth peer name "port$side" netns "$PUB" &&
      nsx "$PUB" ip link set "port$side" master br0 &&
      nsx "$PUB" ip link set "port$side" up &&
      nsx "$nat" ip addr add "$wan_ip/24" dev wan &&
      nsx "$nat" ip link set wan up || return 1
    # NAT lan <-> client.
    ip -n "$nat" link add lan type veth peer name eth0 netns "$cl" &&
      nsx "$nat" ip addr add "$lan_net.1/24" dev lan &&
      nsx "$nat" ip link set lan up &&
      nsx "$cl" ip addr add "$lan_net.2/24" dev eth0 &&
      nsx "$cl" ip link set eth0 up &&
      nsx "$cl" ip route add default via "$lan_net.1" || return 1
    nsx "$nat" sysctl -qw net.ipv4.ip_forward=1 || return 1
    nsx "$nat" nft -f - <<'NFT' || return 1
table ip nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade
  }
}
table ip filter {
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
  }
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iifname { "lo", "lan" } accept
  }
}
NFT
  done
}

if ! setup_namespaces 2>"${TMPDIR:-/tmp}/two_nat_setup.$$"; then
  err="$(head -c 400 "${TMPDIR:-/tmp}/two_nat_setup.$$")"
  rm -f "${TMPDIR:-/tmp}/two_nat_setup.$$"
  skip_test "could not set up namespaces/NAT here: $err"
fi
rm -f "${TMPDIR:-/tmp}/two_nat_setup.$$"
log "namespaces: ${ALL_NS[*]}"

# ---- the relay in PUB ------------------------------------------------------------------------
interop_tmp
RELAY_PORT=4001
RELAY_HTTP_PORT=4002 # each namespace has its own ports: fixed ones cannot collide
RELAY_LOG="$INTEROP_TMP/relay.log"
relay_args=(--port "$RELAY_PORT" --http-port "$RELAY_HTTP_PORT" --identity "$INTEROP_TMP/relay.key")
relay_is_mock && relay_args+=(--listen-ip "$RELAY_IP")
# shellcheck disable=SC2086  # RELAY_EXTRA_ARGS is split on purpose
ip netns exec "$PUB" timeout -k 5 "${INTEROP_RELAY_MAX_SECONDS:-600}" "$RELAY_BIN" "${relay_args[@]}" \
  ${RELAY_EXTRA_ARGS:-} >"$RELAY_LOG" 2>&1 &
RELAY_PID=$!
_RELAY_BG_PIDS+=("$RELAY_PID")
relay_log_file relay "$RELAY_LOG"
for ((i = 0; i < 100; i++)); do
  RELAY_PEER_ID="$(awk '/^[[:space:]]*PeerId:/ {print $2; exit}' "$RELAY_LOG" 2>/dev/null)"
  [[ -n "$RELAY_PEER_ID" ]] && break
  kill -0 "$RELAY_PID" 2>/dev/null || break
  sleep 0.1
done
[[ -n "$RELAY_PEER_ID" ]] || { relay_dump_logs; die "relay did not start in $PUB"; }
raddr="/ip4/$RELAY_IP/udp/$RELAY_PORT/quic-v1/p2p/$RELAY_PEER_ID"
log "relay up in $PUB: $raddr"

# ---- 1. A behind NATA reserves ---------------------------------------------------------------
bg_peer A_PID rust-A ip netns exec "$CLA" "${RUST_RELAY_PEER[@]}" listen --relay "$raddr" \
  --listen-ip 10.99.1.2 --timeout 150
if ! reserved="$(wait_event "$rust_A_OUT" "$A_PID" '.event == "reserved"')"; then
  fail "A (behind NATA): reservation on the relay"
  relay_finish
fi
pass "A (behind NATA): reservation on the relay"
printf '        -> %s\n' "$reserved"
A_ID="$(jq -r .peerId <<<"$reserved")"
a_port="$(jq -r '[.listenAddrs[] | select(startswith("/ip4/10.99.1.2/udp/"))][0] // "" | split("/")[4]' <<<"$reserved")"

# ---- 2. inbound is blocked -------------------------------------------------------------------
if [[ -n "$a_port" ]]; then
  # masquerade keeps the port when it can: A's mapping on NATA is 10.99.0.11:<its port>.
  direct="/ip4/10.99.0.11/udp/$a_port/quic-v1/p2p/$A_ID"
  printf 'B dials A directly (unsolicited) %s\n' "$direct"
  run_peer out ip netns exec "$CLB" "${RUST_DIAL[@]}" --addr "$direct" --expect-fail --timeout 6
  rc=$?
  printf '        -> %s\n' "${out:-<no JSON output>}"
  assert_eq "B -> A direct without a hole punch fails (NATA blocks unsolicited inbound)" "$rc" 0
else
  skip "unsolicited direct dial: A reported no 10.99.1.2 listen address"
fi

# ---- 3. the relayed path ---------------------------------------------------------------------
printf 'B (behind NATB, dcutr off) dials A through the relay\n'
run_peer out ip netns exec "$CLB" "${RUST_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" \
  --listen-ip 10.99.2.2 --no-dcutr --bytes 16384
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "B: exit status 0" "$rc" 0
assert_json "B: relayed connection to A, ping over it" "$out" \
  '.ok == true and .relayed == true and .pingRttMs != null'
assert_json "B: 16 KiB echo through the relay intact" "$out" '.echoOk == true and .echoRelayed == true'

# ---- 4. dcutr --------------------------------------------------------------------------------
printf 'C (behind NATB, dcutr on) dials A through the relay and waits for a hole punch\n'
run_peer out ip netns exec "$CLB" "${RUST_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" \
  --listen-ip 10.99.2.2 --wait-direct 15 --bytes 4096 --timeout 35
rc=$?
printf '        -> %s\n' "${out:-<no JSON output>}"
assert_eq   "C: exit status 0" "$rc" 0
assert_json "C: relayed connection, ping and echo" "$out" '.ok == true and .relayed == true and .echoOk == true'
outcome="$(jq -r '"direct=\(.direct) dcutr=\(.dcutr) directAddr=\(.directAddr)"' <<<"$out" 2>/dev/null)"
log "dcutr outcome through two masquerading NATs: $outcome"
if jq_true "$out" '.direct == true'; then
  pass "C: dcutr upgraded the relayed connection to a direct one ($outcome)"
  assert_json "C: the direct connection goes to A's NAT (10.99.0.11), not its private address" "$out" \
    '.directAddr | startswith("/ip4/10.99.0.11/")'
elif [[ "${TWO_NAT_REQUIRE_DIRECT:-0}" == 1 ]]; then
  fail "C: dcutr upgraded the relayed connection to a direct one ($outcome)"
else
  skip "C: no direct connection ($outcome); the relayed path was checked (TWO_NAT_REQUIRE_DIRECT=1 to require it)"
fi
dc="$(grep -E '"event":"dcutr"' "$rust_A_OUT" | tr '\n' ' ')"
[[ -n "$dc" ]] && log "A's dcutr events (B has dcutr off, so its attempt fails): $dc"

check "A: still running" kill -0 "$A_PID"
check "relay still running" kill -0 "$RELAY_PID"
relay_finish
