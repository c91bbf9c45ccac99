#!/usr/bin/env bash
# Smoke test of every benchmark target (bench/targets/<name>.sh) against every workload of our
# load generators, small sizes: does each workload run to completion against each relay? Not a
# measurement (numbers are printed but mean little at these sizes).
#
#   bench/targets/smoke.sh [target...]          # default: ours rust js
#
# Needs the targets built (`<name>.sh build`) and the load generators relay_load, kad_load and
# relay_bench in $LOADGEN_DIR (default: build-bench/bench, else build-b2/bench). Knobs:
# SMOKE_IDLE (300 idle connections), SMOKE_RESERVATIONS (100), SMOKE_PORT (47701),
# SMOKE_UNLIMITED (1: pass --unlimited to the targets).
# Prints one line per target x workload: `smoke target=T workload=W result=ok|FAIL <result line>`;
# exits 1 if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
# shellcheck source=lib.sh
source bench/targets/lib.sh  # wait_for_peer_id
loadgen=${LOADGEN_DIR:-}
if [[ -z $loadgen ]]; then
  loadgen=build-bench/bench
  [[ -x $loadgen/relay_bench && -x $loadgen/kad_load && -x $loadgen/relay_load ]] || loadgen=build-b2/bench
fi
for b in relay_load kad_load relay_bench; do
  [[ -x $loadgen/$b ]] || { echo "missing $loadgen/$b (cmake -DPRIVSTACK_BUILD_BENCH=ON)" >&2; exit 1; }
done
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(ours rust js)
idle=${SMOKE_IDLE:-300}
reservations=${SMOKE_RESERVATIONS:-100}
port=${SMOKE_PORT:-47701}
unlimited=()
[[ ${SMOKE_UNLIMITED:-1} == 1 ]] && unlimited=(--unlimited)

work=$(mktemp -d)
relay_pid=
stop_relay() {
  if [[ -n $relay_pid ]] && kill -0 "$relay_pid" 2>/dev/null; then
    kill -TERM "$relay_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$relay_pid" 2>/dev/null
    wait "$relay_pid" 2>/dev/null
  fi
  relay_pid=
}
trap 'stop_relay; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

failures=0
report() {  # target workload rc output-file
  local line
  line=$(grep -E '^mode=' "$4" | tail -n 1)
  if [[ $3 == 0 && -n $line && $line != *" ok=0"* ]]; then
    echo "smoke target=$1 workload=$2 result=ok $line"
  else
    echo "smoke target=$1 workload=$2 result=FAIL rc=$3 ${line:-$(tail -n 2 "$4" | tr '\n' ' ')}"
    failures=$((failures + 1))
  fi
}

for t in "${targets[@]}"; do
  d=$work/$t
  mkdir -p "$d"
  "bench/targets/$t.sh" run --port "$port" --http-port $((port + 1)) --workdir "$d" "${unlimited[@]}" &
  relay_pid=$!
  if ! peer=$(wait_for_peer_id "$d" "$relay_pid" 30); then
    echo "smoke target=$t workload=start result=FAIL no peer_id"; tail -n 5 "$d/relay.log" 2>/dev/null
    failures=$((failures + 1)); stop_relay; continue
  fi
  tgt=(--target "127.0.0.1:$port" --peer "$peer")
  run() {  # workload timeout-seconds command...
    local w=$1 secs=$2
    shift 2
    timeout "$secs" "$@" "${tgt[@]}" >"$d/$w.out" 2>"$d/$w.err"
    report "$t" "$w" $? "$d/$w.out"
  }
  run handshakes 60 "$loadgen/relay_load" handshakes --seconds 2 --concurrency 8
  run idle 180 "$loadgen/relay_load" idle --count "$idle" --concurrency 8 --hold 3
  run kad_requests 60 "$loadgen/kad_load" requests --seconds 2 --concurrency 4
  run kad_find_node 60 "$loadgen/kad_load" requests --seconds 2 --concurrency 4 --op find_node
  run kad_fill 120 "$loadgen/kad_load" fill --records 2000 --relay-pid "$relay_pid"
  run reservations 180 "$loadgen/relay_bench" reservations --count "$reservations" --concurrency 8 --hold 2
  run circuits_1 120 "$loadgen/relay_bench" circuits --circuits 1 --megabytes 16
  run circuits_16 120 "$loadgen/relay_bench" circuits --circuits 16 --megabytes 16
  run ping_idle 120 "$loadgen/relay_bench" ping --samples 200
  run ping_loaded 120 "$loadgen/relay_bench" ping --samples 200 --under-load 1
  kill -0 "$relay_pid" 2>/dev/null || { echo "smoke target=$t workload=alive result=FAIL relay died"; failures=$((failures + 1)); }
  stop_relay
  port=$((port + 2))
done
exit $((failures > 0))
