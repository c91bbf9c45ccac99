#!/usr/bin/env bash
# Interop: the relay's /metrics moves with real rust-libp2p 0.56 traffic.
#   1. scrape /metrics on the dedicated listener (--metrics-listen 127.0.0.1:<port>): counters at 0;
#   2. rust A reserves a slot, rust B dials A through the relay (a circuit with a ping and an echo),
#      a rust kad client puts a record with the relay as its only DHT server;
#   3. scrape again: reservations, circuits (opened, closed with a duration), kad PUT_VALUE,
#      connections and peers served have all increased; the whole text passes Debian's
#      python3-prometheus-client parser (when installed); /metrics is not on the public HTTP port;
#   4. SIGTERM: the relay logs the spec's counters (peers_served, relayed_connections) at shutdown.
#
#   RELAY_BIN=build/privstack-relay tests/interop/metrics/metrics_rust.sh
set -o pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../relay" && pwd)/relay_lib.sh"

require_cmd jq timeout curl sha256sum
require_peer rust "${RUST_RELAY_PEER[@]}"
RUST_KAD=("$INTEROP_DIR/rust/target/release/kad_client")
require_peer rust "${RUST_KAD[@]}"

METRICS_PORT="$(free_port tcp)" || die "no free TCP port for metrics"
RELAY_EXTRA_ARGS="${RELAY_EXTRA_ARGS:-} --metrics-listen 127.0.0.1:$METRICS_PORT --stats-interval 1"
RELAY_EXTRA_ARGS+=" --relay-circuit-bytes 1048576"
start_relay
raddr="$(relay_addr ip4)"
interop_tmp

scrape() { curl -fsS --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics"; }
# value TEXT 'NAME{LABELS}': the sample's value (0 when absent).
value() {
  awk -v name="$2" '$1 == name { print $2; found = 1 } END { if (!found) print 0 }' <<<"$1" | head -n1
}
# increased LABEL NAME: the sample is larger after than before.
increased() {
  local b a
  b="$(value "$before" "$2")"
  a="$(value "$after" "$2")"
  if awk -v a="$a" -v b="$b" 'BEGIN { exit !(a > b) }'; then
    pass "$1 ($2: $b -> $a)"
  else
    fail "$1 ($2: $b -> $a)"
  fi
}

# --- 1. before --------------------------------------------------------------------------------
if ! before="$(scrape)"; then
  fail "scrape /metrics on 127.0.0.1:$METRICS_PORT"
  relay_finish
fi
pass "/metrics answers on the metrics listener"
assert_eq "no reservation yet" "$(value "$before" 'libp2p_relaysvc_reservations_total{type="opened"}')" 0
if curl -fsS --max-time 5 "http://127.0.0.1:$RELAY_HTTP_PORT/metrics" >/dev/null 2>&1; then
  fail "/metrics is not served on the public HTTP port without --metrics-on-http-port"
else
  pass "/metrics is not served on the public HTTP port without --metrics-on-http-port"
fi

# --- 2. traffic -------------------------------------------------------------------------------
bg_peer A_PID rust-listener "${RUST_RELAY_PEER[@]}" listen --relay "$raddr" --timeout 120
if ! reserved="$(wait_event "$rust_listener_OUT" "$A_PID" '.event == "reserved"')"; then
  fail "rust A: reservation on the relay"
  relay_finish
fi
A_ID="$(jq -r .peerId <<<"$reserved")"
pass "rust A: reservation accepted"

run_peer out "${RUST_RELAY_PEER[@]}" dial --relay "$raddr" --target "$A_ID" --no-dcutr --bytes 4096
assert_json "rust B: relayed connection with echo" "$out" '.ok == true and .relayed == true'

key="/privstack/syncgroup/$(printf 'metrics-%s-%s' "$$" "$RANDOM" | sha256sum | cut -d' ' -f1)"
run_peer kad_out "${RUST_KAD[@]}" --bootstrap "$raddr" --put-key "$key" --value metrics-test \
  --timeout 20
assert_json "rust kad client: put_record through the relay" "$kad_out" '.put.ok == true'

# The circuit B used ends when B exits; wait (bounded) until the relay has counted its close.
closed_sum() {
  local text="$1"
  awk '$1 ~ /^libp2p_relaysvc_connections_closed_total\{/ { s += $2 } END { print s + 0 }' <<<"$text"
}
for ((i = 0; i < 100; i++)); do
  after="$(scrape)" || after=""
  (($(closed_sum "$after") > 0)) && break
  sleep 0.2
done

# --- 3. after ---------------------------------------------------------------------------------
increased "reservations opened" 'libp2p_relaysvc_reservations_total{type="opened"}'
increased "live reservations gauge" 'libp2p_relaysvc_active_reservations'
increased "circuits opened" 'libp2p_relaysvc_connections_total{type="opened"}'
increased "spec counter relayed_connections" 'privstack_relay_relayed_connections_total'
increased "spec counter peers_served" 'privstack_relay_peers_served_total'
increased "kad PUT_VALUE answered" 'libp2p_kad_inbound_requests_total{request="PUT_VALUE",outcome="ok"}'
increased "kad records stored" 'libp2p_kad_records_stored'
increased "inbound connections established" 'libp2p_swarm_connections_established_total{role="listener"}'
increased "circuit duration observations" 'libp2p_relaysvc_connection_duration_seconds_count'
increased "bytes relayed" 'libp2p_relaysvc_data_transferred_bytes_total'
if (($(closed_sum "$after") > 0)); then
  pass "circuit close counted by reason"
else
  fail "circuit close counted by reason"
fi
rss="$(value "$after" process_resident_memory_bytes)"
check "process RSS reported ($rss bytes)" awk -v v="$rss" 'BEGIN { exit !(v > 1000000) }'
log "relay after the scenario: $(grep -E '^(libp2p_relaysvc_(active|reservations_total|connections_total)|privstack_|process_(resident|open_fds|cpu))' <<<"$after" | tr '\n' ' ')"

if /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null; then
  printf '%s\n' "$after" >"$INTEROP_TMP/scrape.txt"
  if parsed="$(/usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
print(len(fams), sum(len(f.samples) for f in fams))
' "$INTEROP_TMP/scrape.txt" 2>&1)"; then
    pass "python3-prometheus-client parses the scrape (families, samples: $parsed)"
  else
    fail "python3-prometheus-client parses the scrape: $parsed"
  fi
else
  skip "python3-prometheus-client not installed"
fi

# --- 4. shutdown ------------------------------------------------------------------------------
stop_bg "$A_PID"
check "periodic stats line (--stats-interval 1)" grep -q 'Stats: peers_served=' "$RELAY_LOG"
stop_relay
# The line logged by stop(): the first Stats line after the signal line.
last="$(sed -n '/shutting down/,$p' "$RELAY_LOG" | grep -m1 'Stats: peers_served=')"
log "shutdown stats: ${last:-<none after the signal line>}"
check "stats logged at shutdown, counting the circuit" grep -qE 'relayed_connections=[1-9]' <<<"$last"
relay_finish
