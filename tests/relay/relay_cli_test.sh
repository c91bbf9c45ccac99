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

echo "$passes passed, $failures failed"
[[ $failures -eq 0 ]]
