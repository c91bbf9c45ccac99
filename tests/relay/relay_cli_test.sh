#!/usr/bin/env bash
# End to end: the real binary's CLI, banner, identity key file and HTTP API.
# Usage: relay_cli_test.sh <path to privstack-relay>
set -uo pipefail

relay=${1:?usage: $0 <privstack-relay binary>}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
passes=0
# check <description> <command...> — or, for [[ ]] conditions: `[[ ... ]]; check <description>`.
check() {
  local status=$?
  local description=$1
  shift
  if [[ $# -gt 0 ]]; then
    "$@"
    status=$?
  fi
  if [[ $status -eq 0 ]]; then
    passes=$((passes + 1))
    echo "ok   - $description"
  else
    failures=$((failures + 1))
    echo "FAIL - $description"
  fi
}

# A free port in the ephemeral range, checked against both TCP and UDP listeners.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    ss -Hlntu "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

# start_relay <name> <args...>: runs the relay, waits for the banner; sets PEER_ID and PID.
start_relay() {
  local name=$1
  shift
  "$relay" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  PID=$!
  pids+=("$PID")
  for _ in $(seq 1 100); do
    PEER_ID=$(sed -n 's/^  PeerId:    \(.*\)$/\1/p' "$work/$name.out")
    [[ -n "$PEER_ID" ]] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "relay '$name' did not print its banner"
  cat "$work/$name.out" "$work/$name.err"
  return 1
}

stop_relay() {  # stop_relay <pid>: SIGTERM, returns the exit code
  kill -TERM "$1"
  wait "$1"
}

port=$(free_port)
http_port=$(free_port)
key="$work/state/relay-identity.key"
mkdir -p "$work/state"

# --- first run: generates the key ---
start_relay first --port "$port" --http-port "$http_port" --identity "$key" || exit 1
first_id=$PEER_ID
[[ "$first_id" =~ ^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$ ]]; check "peer id is an Ed25519 libp2p id"
check "banner shows the ports" grep -q "^  P2P Port:  $port$" "$work/first.out"
[[ $(stat -c %s "$key") -eq 68 ]]; check "key file is 68 bytes"
[[ $(stat -c %a "$key") == 600 ]]; check "key file mode is 0600"
[[ $(head -c 4 "$key" | od -An -tx1 | tr -d ' \n') == 08011240 ]]; check "key file is a libp2p Ed25519 PrivateKey protobuf"

json=$(curl -sf "http://127.0.0.1:$http_port/api/v1/identity")
[[ -n "$json" ]]; check "identity API answers over IPv4"
[[ $(jq -r .peer_id <<<"$json") == "$first_id" ]]; check "identity peer_id matches the banner"
[[ $(jq -c .addresses <<<"$json") == "[\"/ip4/0.0.0.0/udp/$port/quic-v1\",\"/ip6/::/udp/$port/quic-v1\"]" ]]; check "identity addresses are the wildcard QUIC addresses"
[[ $(jq -r .protocol_version <<<"$json") == /privstack/relay/1.0.0 ]]; check "identity protocol_version"
[[ $(jq -r .agent_version <<<"$json") == privstack-relay/0.1.0 ]]; check "identity agent_version"
[[ $(curl -sfg "http://[::1]:$http_port/api/v1/identity" | jq -r .peer_id) == "$first_id" ]]; check "identity API answers over IPv6"
check "content type is application/json" \
  bash -c "curl -sfI 'http://127.0.0.1:$http_port/api/v1/identity' | grep -qi '^content-type: application/json'"
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/api/v1/nonexistent") == 404 ]]; check "unknown route is 404"
[[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$http_port/api/v1/identity") == 405 ]]; check "POST is 405"

# Ten concurrent clients are all served.
for i in $(seq 1 10); do
  curl -sf "http://127.0.0.1:$http_port/api/v1/identity" -o "$work/concurrent.$i" &
done
wait_ok=true
for job in $(jobs -p); do [[ " ${pids[*]} " == *" $job "* ]] || wait "$job" || wait_ok=false; done
check "concurrent clients are served" $wait_ok

stop_relay "$PID"
[[ $? -eq 0 ]]; check "SIGTERM exits 0"

# --- second run: same key, same peer id ---
start_relay second --port "$port" --http-port "$http_port" --identity "$key" || exit 1
[[ "$PEER_ID" == "$first_id" ]]; check "restart keeps the peer id"
check "restart logs that it loaded the key" grep -q "Loaded identity" "$work/second.err"

# --- a second relay on the same HTTP port fails clearly ---
"$relay" --port "$(free_port)" --http-port "$http_port" --identity "$work/other.key" \
  >"$work/busy.out" 2>"$work/busy.err"
[[ $? -ne 0 ]]; check "HTTP port in use exits non-zero"
check "HTTP port in use is explained" grep -q "cannot listen for HTTP" "$work/busy.err"
stop_relay "$PID"
[[ $? -eq 0 ]]; check "SIGINT/SIGTERM second run exits 0"

# --- bad key files: clear error naming the path, non-zero exit, file untouched ---
bad_key_case() {  # bad_key_case <description> <file contents generator>
  local description=$1 path="$work/bad.key"
  rm -f "$path"
  eval "$2" >"$path"
  local before
  before=$(sha256sum "$path")
  "$relay" --port "$(free_port)" --http-port "$(free_port)" --identity "$path" \
    >"$work/bad.out" 2>"$work/bad.err"
  local code=$?
  [[ $code -ne 0 ]]; check "$description: exits non-zero"
  check "$description: error names the path" grep -qF "$path" "$work/bad.err"
  [[ "$(sha256sum "$path")" == "$before" ]]; check "$description: file not overwritten"
}
bad_key_case "truncated key" "head -c 30 '$key'"
bad_key_case "corrupt key" "printf 'not a key at all, just text of some length......................'"
bad_key_case "empty key" "true"

"$relay" --port "$(free_port)" --http-port "$(free_port)" --identity "$work/missing/dir/k.key" \
  >"$work/missing.out" 2>"$work/missing.err"
[[ $? -ne 0 ]]; check "missing parent directory exits non-zero"
check "missing parent directory error names the path" grep -qF "$work/missing/dir" "$work/missing.err"

chmod 000 "$key"
if [[ $(id -u) -ne 0 ]]; then
  "$relay" --port "$(free_port)" --http-port "$(free_port)" --identity "$key" >/dev/null 2>"$work/unreadable.err"
  [[ $? -ne 0 ]]; check "unreadable key exits non-zero"
fi
chmod 600 "$key"

# --- CLI errors ---
for bad in 0 70000 abc; do
  "$relay" --port "$bad" >/dev/null 2>"$work/cli.err"
  [[ $? -ne 0 ]]; check "--port $bad is rejected"
done
[[ $("$relay" --version) == "privstack-relay 0.1.0" ]]; check "--version prints the version"
check "--help lists --identity" bash -c "'$relay' --help | grep -q -- --identity"

# --- operations (issue 6): health, announced addresses, sd_notify, JSON logs, SIGTERM ---
# wait_for <seconds> <command...>: bounded poll; fails (instead of hanging) when time runs out.
wait_for() {
  local tries=$(($1 * 10))
  shift
  for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}
ops_port=$(free_port)
ops_http=$(free_port)
# The systemd notify protocol without systemd: a unix datagram socket this test owns.
notify_sock="$work/notify.sock"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as log:
    while True:
        log.write(s.recv(4096) + b"\n")
' "$notify_sock" "$work/notify.log" &
pids+=("$!")
wait_for 5 test -S "$notify_sock"; check "notify socket is listening"
export NOTIFY_SOCKET="$notify_sock"
export WATCHDOG_USEC=1000000  # as systemd's WatchdogSec=1: pings every 0.5 s
start_relay ops --port "$ops_port" --http-port "$ops_http" --identity "$work/ops.key" \
  --announce /dns4/relay.example.com/udp/4001/quic-v1 --external-ip 203.0.113.7 \
  --log-format json --shutdown-timeout 5 || exit 1
unset NOTIFY_SOCKET WATCHDOG_USEC
ops_pid=$PID
ops_id=$PEER_ID
[[ $(curl -s -o "$work/healthz" -w '%{http_code}' "http://127.0.0.1:$ops_http/healthz") == 200 ]]; check "GET /healthz is 200"
[[ $(jq -r .status "$work/healthz") == ok ]]; check "/healthz body says ok"
[[ $(curl -s -o "$work/readyz" -w '%{http_code}' "http://127.0.0.1:$ops_http/readyz") == 200 ]]; check "GET /readyz is 200 once serving"
[[ $(jq -r .status "$work/readyz") == ready ]]; check "/readyz body says ready"
json=$(curl -sf "http://127.0.0.1:$ops_http/api/v1/identity")
[[ $(jq -c .addresses <<<"$json") == "[\"/dns4/relay.example.com/udp/4001/quic-v1\",\"/ip4/203.0.113.7/udp/$ops_port/quic-v1\"]" ]]; check "identity addresses are the announced ones (no wildcards)"
wait_for 5 grep -q '^READY=1' "$work/notify.log"; check "sd_notify READY=1 arrives"
wait_for 5 grep -q '^WATCHDOG=1' "$work/notify.log"; check "sd_notify WATCHDOG=1 pings arrive (WATCHDOG_USEC set)"
jq -e -s 'length > 0 and all(has("ts") and has("level") and has("msg"))' "$work/ops.err" >/dev/null
check "JSON logs: every stderr line is an object with ts, level, msg"
check "JSON logs: the announced addresses are logged" grep -q 'Announcing /ip4/203.0.113.7' "$work/ops.err"
# Hold a QUIC connection (a js peer with a reservation) across the SIGTERM, when the interop peers
# are installed (tests/interop/setup.sh); without them the shutdown is checked with no client.
js_dir="$(cd "$(dirname "$0")/../interop/js" && pwd)"
held=0
if command -v node >/dev/null && [[ -d "$js_dir/node_modules" ]]; then
  timeout -k 5 60 node "$js_dir/relay_peer.mjs" listen --relay "/ip4/127.0.0.1/udp/$ops_port/quic-v1/p2p/$ops_id" \
    --timeout 60 >"$work/holder.out" 2>"$work/holder.err" &
  pids+=("$!")
  wait_for 30 grep -q '"reserved"' "$work/holder.out"; check "a js peer holds a connection to the relay"
  held=1
else
  echo "skip - no node/js peers: SIGTERM checked without a connected client"
fi
sigterm_start=${EPOCHREALTIME/./}
kill -TERM "$ops_pid"
wait_for 15 bash -c "! kill -0 $ops_pid 2>/dev/null"; check "SIGTERM: exits within 15 s (shutdown timeout 5 s)"
wait "$ops_pid"
[[ $? -eq 0 ]]; check "SIGTERM with a client connected exits 0"
echo "     (SIGTERM to exit: $(((${EPOCHREALTIME/./} - sigterm_start) / 1000)) ms, client held: $held)"
wait_for 5 grep -q '^STOPPING=1' "$work/notify.log"; check "sd_notify STOPPING=1 arrives"
if [[ $held -eq 1 ]]; then
  check "SIGTERM: the held connection was closed with a reason" grep -q 'Closed 1 connection' "$work/ops.err"
fi
# --announce naming another peer, or a bad address: usage error (exit 2), nothing started.
"$relay" --port "$(free_port)" --http-port "$(free_port)" --identity "$work/ops.key" \
  --announce "/ip4/203.0.113.7/udp/4001/quic-v1/p2p/12D3KooWCoA7GZQc1Fjy8Mgybp3KADFcfbyY54yUo5y48GLEUnEB" \
  >/dev/null 2>"$work/other.err"
[[ $? -eq 2 ]]; check "--announce with another peer's /p2p/ exits 2"
check "--announce with another peer's /p2p/ is explained" grep -q "names another peer" "$work/other.err"
"$relay" --announce /ip4/203.0.113.7/tcp/4001 >/dev/null 2>&1
[[ $? -eq 2 ]]; check "--announce of a non-QUIC address exits 2"
"$relay" --log-format xml >/dev/null 2>&1
[[ $? -eq 2 ]]; check "--log-format xml exits 2"
for flag in --announce --external-ip --shutdown-timeout --log-format; do
  check "--help lists $flag" bash -c "'$relay' --help | grep -q -- '$flag'"
done

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
