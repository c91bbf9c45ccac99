#!/usr/bin/env bash
# One command: builds the release relay and the load generator, runs the relay on CPU 0 and the
# load generator on CPU 1 (127.0.0.1 only), prints a table and writes bench/results.csv.
#
# Knobs (environment): HS_SECONDS (5) per handshake case, IDLE_COUNT (1000), IDLE_CONCURRENCY (8),
# HOLD (5) seconds the idle connections are held, BENCH_PORT (47901), BENCH_HTTP_PORT (47981),
# PRIVSTACK_JOBS (build parallelism), SKIP_BUILD=1 to reuse existing binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

HS_SECONDS=${HS_SECONDS:-5}
IDLE_COUNT=${IDLE_COUNT:-1000}
IDLE_CONCURRENCY=${IDLE_CONCURRENCY:-8}
HOLD=${HOLD:-5}
PORT=${BENCH_PORT:-47901}
HTTP_PORT=${BENCH_HTTP_PORT:-47981}
RELAY=build/privstack-relay
LOADGEN=build-bench/bench/relay_load
CSV=bench/results.csv

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  nice -n 19 scripts/build.sh release
  nice -n 19 cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPRIVSTACK_BUILD_BENCH=ON -DPRIVSTACK_BUILD_TESTS=OFF >/dev/null
  nice -n 19 cmake --build build-bench -j "${PRIVSTACK_JOBS:-$(nproc)}" --target relay_load
fi

workdir=$(mktemp -d)
relay_pid=
idle_pid=
cleanup() {
  if [[ -n $idle_pid ]] && kill -0 "$idle_pid" 2>/dev/null; then kill "$idle_pid" 2>/dev/null || true; fi
  if [[ -n $relay_pid ]] && kill -0 "$relay_pid" 2>/dev/null; then
    kill "$relay_pid" 2>/dev/null || true
    wait "$relay_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$relay_pid/status"; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}'; }

# The relay: its own fresh identity, logs to a file (it logs every connection at info level).
: >"$workdir/relay.log"
taskset -c 0 "$RELAY" --port "$PORT" --http-port "$HTTP_PORT" --identity "$workdir/relay.key" \
  >"$workdir/relay.log" 2>&1 &
relay_pid=$!
peer=
for _ in $(seq 100); do
  peer=$(awk '/^  PeerId:/ {print $2; exit}' "$workdir/relay.log")
  [[ -n $peer ]] && break
  kill -0 "$relay_pid" 2>/dev/null || { cat "$workdir/relay.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n $peer ]] || { echo "relay printed no PeerId" >&2; exit 1; }
target=127.0.0.1:$PORT
load() { taskset -c 1 "$LOADGEN" "$@" --target "$target" --peer "$peer"; }
echo "relay pid=$relay_pid peer=$peer target=$target"

# 1. Memory: baseline with 0 connections, then with IDLE_COUNT identified idle connections.
sleep 1
rss0=$(rss_kb)
load idle --count "$IDLE_COUNT" --concurrency "$IDLE_CONCURRENCY" --hold "$HOLD" \
  >"$workdir/idle.out" 2>"$workdir/idle.err" &
idle_pid=$!
ready=
for _ in $(seq $((10 * (120 + IDLE_COUNT / 10)))); do
  ready=$(grep -m1 '^ready' "$workdir/idle.out" || true)
  [[ -n $ready ]] && break
  kill -0 "$idle_pid" 2>/dev/null || break
  sleep 0.1
done
sleep 1  # let the relay settle (identify exchanges, first keep-alives)
rssN=$(rss_kb)
wait "$idle_pid" || true
idle_result=$(grep '^mode=idle' "$workdir/idle.out" || true)
cat "$workdir/idle.out"
[[ -s $workdir/idle.err ]] && cat "$workdir/idle.err" >&2
connected=$(kv "$ready" connected)
connected=${connected:-0}
sleep 1
rss_after=$(rss_kb)

# 2. Handshake + identify throughput, with the relay's CPU use over each run (about 1.0 = the
#    relay's core was saturated, i.e. the relay, not the load generator, was the limit).
relay_cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$relay_pid/stat"; }
now_s() { date +%s.%N; }
handshake_case() {
  local c0 t0 out
  c0=$(relay_cpu_s)
  t0=$(now_s)
  out=$(load handshakes --seconds "$HS_SECONDS" --concurrency "$1")
  echo "$out relay_cpu_util=$(awk -v c1="$(relay_cpu_s)" -v c0="$c0" -v t1="$(now_s)" -v t0="$t0" \
    'BEGIN { printf "%.2f", (c1 - c0) / (t1 - t0) }')"
}
hs1=$(handshake_case 1)
echo "$hs1"
hs32=$(handshake_case 32)
echo "$hs32"
relay_cpu=$(relay_cpu_s)

per_conn=$(awk -v a="$rssN" -v b="$rss0" -v n="$connected" \
  'BEGIN { if (n > 0) printf "%.2f", (a - b) / n; else print "nan" }')
ratio=$(awk -v a="$rssN" -v b="$rss0" 'BEGIN { printf "%.3f", a / b }')

{
  echo "metric,value,unit,note"
  echo "handshakes_c1,$(kv "$hs1" rate),per_s,ok=$(kv "$hs1" ok) failed=$(kv "$hs1" failed)"
  echo "handshakes_c32,$(kv "$hs32" rate),per_s,ok=$(kv "$hs32" ok) failed=$(kv "$hs32" failed)"
  echo "handshakes_c32_over_c1,$(awk -v a="$(kv "$hs32" rate)" -v b="$(kv "$hs1" rate)" \
    'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'),ratio,same run"
  echo "loadgen_cpu_util_c1,$(kv "$hs1" loadgen_cpu_util),cpu_s/wall_s,<1 means loadgen had slack"
  echo "loadgen_cpu_util_c32,$(kv "$hs32" loadgen_cpu_util),cpu_s/wall_s,<1 means loadgen had slack"
  echo "relay_cpu_util_c1,$(kv "$hs1" relay_cpu_util),cpu_s/wall_s,~1 means relay core saturated"
  echo "relay_cpu_util_c32,$(kv "$hs32" relay_cpu_util),cpu_s/wall_s,~1 means relay core saturated"
  echo "rss_0,$rss0,kB,relay VmRSS before idle connections"
  echo "rss_idle,$rssN,kB,relay VmRSS with $connected idle connections"
  echo "rss_after_close,$rss_after,kB,relay VmRSS 1 s after they closed"
  echo "idle_connected,$connected,count,asked $IDLE_COUNT failed=$(kv "$ready" failed)"
  echo "idle_still_open_after_hold,$(kv "$idle_result" still_open_after_hold),count,hold ${HOLD}s"
  echo "rss_per_connection,$per_conn,kB,(rss_idle-rss_0)/connected"
  echo "rss_idle_over_rss_0,$ratio,ratio,same run"
  echo "relay_cpu_total,$relay_cpu,s,whole run"
} >"$CSV"

echo
column -t -s, "$CSV"
echo
echo "wrote $CSV"
