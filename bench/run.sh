#!/usr/bin/env bash
# One command for the relay benchmarks (issue 7): builds what is needed, then runs every workload
# against each relay target (ours, rust-libp2p 0.56, js-libp2p; bench/targets/<name>.sh) and the
# raw ngtcp2 one-hop baseline, prints a table and writes bench/results.csv + bench/results.png.
#
# Every relay runs on CPU 0 and the load generator on CPU 1, all on 127.0.0.1. Each workload group
# gets a fresh relay started with --unlimited (every relay/kad/connection limit lifted), so the
# comparison is of the implementations, not of their default limits. A target that fails a
# workload gets n/a (its error goes into the CSV); the run continues.
#
# Knobs (environment):
#   TARGETS="ours rust js"  which relays        QUICK=1       ~5-minute variant
#   BENCH_GROUPS="circuits handshakes kad idle reservations ping baseline"  which workload groups
#   SKIP_BUILD=1            reuse the binaries  BENCH_PORT    first UDP port (47901)
#   CIRCUIT_MB, HS_SECONDS, KAD_SECONDS, KAD_CONCURRENCY, IDLE_COUNTS, RESERVATIONS, PING_SAMPLES,
#   PING_LOADED_SAMPLES, READY_TIMEOUT
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=${TARGETS:-ours rust js}
BENCH_GROUPS=${BENCH_GROUPS:-circuits handshakes kad idle reservations ping baseline}
wants() { [[ " $BENCH_GROUPS " == *" $1 "* ]]; }
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  d_circuit_mb=32 d_hs=3 d_kad=2 d_idle="1000 5000" d_res=1000 d_ping=500 d_ping_loaded=200
else
  d_circuit_mb=128 d_hs=8 d_kad=5 d_idle="1000 5000 10000" d_res=1000 d_ping=2000 d_ping_loaded=500
fi
CIRCUIT_MB=${CIRCUIT_MB:-$d_circuit_mb}
HS_SECONDS=${HS_SECONDS:-$d_hs}
KAD_SECONDS=${KAD_SECONDS:-$d_kad}
KAD_CONCURRENCY=${KAD_CONCURRENCY:-32}
IDLE_COUNTS=${IDLE_COUNTS:-$d_idle}
RESERVATIONS=${RESERVATIONS:-$d_res}
PING_SAMPLES=${PING_SAMPLES:-$d_ping}
# Fewer under load: each round trip then waits behind the bulk transfer's queue (tens of ms).
PING_LOADED_SAMPLES=${PING_LOADED_SAMPLES:-$d_ping_loaded}
# Seconds a holding workload (idle connections, reservations) may take to set up before it is
# stopped and counted n/a.
READY_TIMEOUT=${READY_TIMEOUT:-240}
port=${BENCH_PORT:-47901}
BIN=${BENCH_BIN:-build-bench/bench}  # where relay_load, kad_load, relay_bench are
CSV=bench/results.csv
PNG=bench/results.png
jobs=${PRIVSTACK_JOBS:-2}

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- Build -----------------------------------------------------------------------------------
declare -A build_error=()
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
  log "building the release relay and the load generators"
  PRIVSTACK_JOBS=$jobs bench/targets/ours.sh build
  nice -n 19 cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPRIVSTACK_BUILD_BENCH=ON -DPRIVSTACK_BUILD_TESTS=OFF >/dev/null
  nice -n 19 cmake --build build-bench -j "$jobs" --target relay_load kad_load relay_bench
  for t in $TARGETS; do
    [[ $t == ours ]] && continue
    if [[ ! -x bench/targets/$t.sh ]]; then
      build_error[$t]="bench/targets/$t.sh missing"
      continue
    fi
    log "building target $t"
    if ! bench/targets/"$t".sh build >"/tmp/bench-build-$t.log" 2>&1; then
      build_error[$t]="build failed: $(tail -n 3 "/tmp/bench-build-$t.log" | tr '\n,' '  ')"
      log "target $t: ${build_error[$t]}"
    fi
  done
  if ! command -v gnuplot >/dev/null; then
    log "installing gnuplot-nox"
    sudo_cmd=
    [[ $(id -u) != 0 ]] && sudo_cmd=sudo
    $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gnuplot-nox >/dev/null ||
      log "gnuplot unavailable; no PNG"
  fi
fi
for tool in relay_load kad_load relay_bench; do
  [[ -x $BIN/$tool ]] || { echo "missing $BIN/$tool (run without SKIP_BUILD=1)" >&2; exit 1; }
done

# ---- Helpers ---------------------------------------------------------------------------------
workdir=$(mktemp -d /tmp/privstack-bench.XXXXXX)
relay_pid=
stop_relay() {
  [[ -n $relay_pid ]] || return 0
  if kill -0 "$relay_pid" 2>/dev/null; then
    kill -TERM "$relay_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$relay_pid" 2>/dev/null || true
  fi
  wait "$relay_pid" 2>/dev/null || true
  relay_pid=
}
cleanup() {
  stop_relay
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# CSV, long form: one row per (workload, target).
echo "workload,unit,better,target,value,loadgen_cpu_util,relay_cpu_util,relay_runqueue_wait,note" >"$CSV"
declare -A value=()  # value[workload|target]
declare -a workloads=()
declare -A unit_of=() better_of=()
record() {  # workload unit better(higher|lower) target value loadgen_util relay_util note
  local w=$1 u=$2 b=$3 t=$4 v=$5 lu=$6 ru=$7 note=${8//,/;}
  [[ -n ${unit_of[$w]:-} ]] || workloads+=("$w")
  unit_of[$w]=$u
  better_of[$w]=$b
  value[$w|$t]=$v
  echo "$w,$u,$b,$t,$v,$lu,$ru,${rwait:-},${note//$'\n'/ }" >>"$CSV"
}
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2; exit}'; }
err_of() { sed -n 's/.*\(last_error\|error\)="\([^"]*\)".*/\2/p' <<<"$1" | head -n 1; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$relay_pid/status" 2>/dev/null || echo 0; }
relay_cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$relay_pid/stat" 2>/dev/null || echo 0; }
# Seconds the relay's threads spent runnable but waiting for a CPU (schedstat field 2): on a
# shared machine this says how much of the wall time others' processes took from the relay.
relay_wait_s() { cat /proc/"$relay_pid"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%.3f", s / 1e9}'; }
now_s() { date +%s.%N; }
util() { awk -v c1="$1" -v c0="$2" -v t1="$3" -v t0="$4" 'BEGIN { printf "%.2f", (c1 - c0) / (t1 - t0) }'; }
load() { taskset -c 1 "$BIN/$1" "${@:2}"; }

# Starts target $1 fresh on CPU 0; sets relay_pid, peer, target_addr. Fails if not ready in 60 s.
start_relay() {
  local t=$1 dir
  port=$((port + 2))
  dir=$workdir/$t-$port
  mkdir -p "$dir"
  taskset -c 0 bench/targets/"$t".sh run --port "$port" --http-port "$((port + 1))" \
    --workdir "$dir" --unlimited >"$dir/target.out" 2>&1 &
  relay_pid=$!
  peer=
  for _ in $(seq 600); do
    [[ -s $dir/peer_id ]] && { peer=$(<"$dir/peer_id"); break; }
    kill -0 "$relay_pid" 2>/dev/null || break
    sleep 0.1
  done
  target_addr=127.0.0.1:$port
  if [[ -z $peer ]]; then
    start_error="did not start: $(tail -n 2 "$dir/target.out" "$dir/relay.log" 2>/dev/null | tr '\n' ' ' | cut -c1-200)"
    stop_relay
    return 1
  fi
  sleep 0.5  # settle before any baseline
}

# Runs a load generator command while measuring the relay's CPU; output in $out, relay util in $rutil.
measured() {
  local c0 w0 t0 t1
  c0=$(relay_cpu_s)
  w0=$(relay_wait_s)
  t0=$(now_s)
  out=$(load "$@" 2>&1 | grep -E '^(mode|ready)=?' | tail -n 1) || true
  t1=$(now_s)
  rutil=$(util "$(relay_cpu_s)" "$c0" "$t1" "$t0")
  rwait=$(util "$(relay_wait_s)" "$w0" "$t1" "$t0")
}

# ---- Workload groups -------------------------------------------------------------------------
group_circuits() {
  local t=$1 k
  for k in 1 16; do
    measured relay_bench circuits --target "$target_addr" --peer "$peer" --circuits "$k" \
      --megabytes "$CIRCUIT_MB"
    if [[ $(kv "$out" ok) == 1 ]]; then
      record "circuit_x$k" MiB/s higher "$t" "$(kv "$out" mib_per_s)" "$(kv "$out" loadgen_cpu_util)" \
        "$rutil" "payload ${CIRCUIT_MB} MiB"
    else
      record "circuit_x$k" MiB/s higher "$t" n/a "" "" "$(err_of "$out") $out"
    fi
  done
}

group_handshakes() {
  local t=$1
  measured relay_load handshakes --target "$target_addr" --peer "$peer" --seconds "$HS_SECONDS" \
    --concurrency 32
  if [[ -n $(kv "$out" rate) && $(kv "$out" ok) != 0 ]]; then
    record handshakes_identify per_s higher "$t" "$(kv "$out" rate)" "$(kv "$out" loadgen_cpu_util)" \
      "$rutil" "32 concurrent; ok=$(kv "$out" ok) failed=$(kv "$out" failed) $(err_of "$out")"
  else
    record handshakes_identify per_s higher "$t" n/a "" "" "$(err_of "$out") $out"
  fi
}

group_kad() {
  local t=$1 op
  for op in put get find_node; do
    measured kad_load requests --target "$target_addr" --peer "$peer" --seconds "$KAD_SECONDS" \
      --concurrency "$KAD_CONCURRENCY" --op "$op"
    local rate
    rate=$(kv "$out" rate)
    if [[ -n $rate && $(kv "$out" answered) != 0 && $(kv "$out" failed) == 0 ]]; then
      record "kad_$op" per_s higher "$t" "$rate" "$(kv "$out" loadgen_cpu_util)" "$rutil" \
        "$KAD_CONCURRENCY clients"
    else
      record "kad_$op" per_s higher "$t" n/a "" "" "answered=$(kv "$out" answered) failed=$(kv "$out" failed) $(err_of "$out")"
    fi
  done
}

# Starts a holding load generator, waits for its "ready" line, samples the relay's RSS.
hold_and_sample() {  # name, then the load generator command
  local name=$1 outf=$workdir/$1.out holder
  shift
  load "$@" >"$outf" 2>&1 &
  holder=$!
  ready=
  for _ in $(seq $((READY_TIMEOUT * 10))); do
    ready=$(grep -m1 '^ready' "$outf" || true)
    [[ -n $ready ]] && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $ready ]]; then  # not there in time: stop it rather than wait for its own cap
    kill "$holder" 2>/dev/null || true
    ready="ready error=\"no ready line within ${READY_TIMEOUT}s\" $(tail -n 1 "$outf")"
  fi
  sleep 1  # identify exchanges and first keep-alives settle
  sampled_rss=$(rss_kb)
  wait "$holder" || true
  final=$(grep -E '^mode=' "$outf" | tail -n 1 || true)
}

group_idle() {  # fresh relay per count: the baseline is 0 connections each time
  local t=$1 n=$2 rss0
  rss0=$(rss_kb)
  rwait=
  [[ $n == "${IDLE_COUNTS%% *}" ]] &&
    record rss_0 MiB lower "$t" "$(awk -v k="$rss0" 'BEGIN { printf "%.1f", k / 1024 }')" "" "" \
      "relay VmRSS after start, no connections"
  hold_and_sample "idle$n" relay_load idle --target "$target_addr" --peer "$peer" --count "$n" \
    --concurrency 32 --hold 3
  local connected
  connected=$(kv "$ready" connected)
  if [[ -n $connected && $connected -ge $((n * 95 / 100)) ]]; then
    record "rss_idle_$n" MiB lower "$t" "$(awk -v k="$sampled_rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
      "$(kv "$final" loadgen_cpu_util)" "" \
      "rss_0=${rss0}kB connected=$connected still_open_after_hold=$(kv "$final" still_open_after_hold)"
  else
    record "rss_idle_$n" MiB lower "$t" n/a "" "" "connected=${connected:-0} of $n $(err_of "$ready")"
  fi
}

group_reservations() {
  local t=$1 rss0
  rwait=
  rss0=$(rss_kb)
  hold_and_sample reservations relay_bench reservations --target "$target_addr" --peer "$peer" \
    --count "$RESERVATIONS" --concurrency 16 --hold 2
  local reserved
  reserved=$(kv "$ready" reserved)
  if [[ -n $reserved && $reserved == "$RESERVATIONS" ]]; then
    record "rss_reservations_$RESERVATIONS" MiB lower "$t" \
      "$(awk -v k="$sampled_rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
      "$(kv "$ready" loadgen_cpu_util)" "" "rss_0=${rss0}kB"
  else
    record "rss_reservations_$RESERVATIONS" MiB lower "$t" n/a "" "" \
      "reserved=${reserved:-0} $(err_of "$ready")"
  fi
}

group_ping() {
  local t=$1 load_flag name samples
  for load_flag in 0 1; do
    name=idle samples=$PING_SAMPLES
    [[ $load_flag == 1 ]] && name=loaded samples=$PING_LOADED_SAMPLES
    measured relay_bench ping --target "$target_addr" --peer "$peer" --samples "$samples" \
      --under-load "$load_flag"
    if [[ $(kv "$out" ok) == 1 ]]; then
      record "ping_${name}_p50" us lower "$t" "$(kv "$out" p50_us)" "$(kv "$out" loadgen_cpu_util)" \
        "$rutil" "$samples samples"
      record "ping_${name}_p99" us lower "$t" "$(kv "$out" p99_us)" "$(kv "$out" loadgen_cpu_util)" \
        "$rutil" "$samples samples"
    else
      record "ping_${name}_p50" us lower "$t" n/a "" "" "$(err_of "$out") $out"
      record "ping_${name}_p99" us lower "$t" n/a "" "" "$(err_of "$out") $out"
    fi
  done
}

# Runs one group on a fresh relay; on a start failure every workload of the group gets n/a.
run_group() {  # target, group function, workloads it would record (for n/a), extra args
  local t=$1 fn=$2 names=$3
  rwait=
  shift 3
  log "$t: $fn $*"
  if ! start_relay "$t"; then
    log "$t: $start_error"
    local w
    for w in $names; do record "$w" "$(unit_for "$w")" "$(better_for "$w")" "$t" n/a "" "" "$start_error"; done
    return 0
  fi
  "$fn" "$t" "$@" || log "$t: $fn failed"
  if ! kill -0 "$relay_pid" 2>/dev/null; then log "$t: relay exited during $fn"; fi
  stop_relay
}
unit_for() {
  case $1 in circuit_*) echo MiB/s ;; rss_*) echo MiB ;; ping_*) echo us ;; *) echo per_s ;; esac
}
better_for() { case $1 in rss_* | ping_*) echo lower ;; *) echo higher ;; esac; }

# ---- Run -------------------------------------------------------------------------------------
start_time=$(date +%s)
for t in $TARGETS; do
  if [[ -n ${build_error[$t]:-} || ! -x bench/targets/$t.sh ]]; then
    why=${build_error[$t]:-bench/targets/$t.sh missing}
    for w in circuit_x1 circuit_x16 handshakes_identify kad_put kad_get kad_find_node \
      $(for n in $IDLE_COUNTS; do echo "rss_idle_$n"; done) "rss_reservations_$RESERVATIONS" \
      ping_idle_p50 ping_idle_p99 ping_loaded_p50 ping_loaded_p99; do
      record "$w" "$(unit_for "$w")" "$(better_for "$w")" "$t" n/a "" "" "$why"
    done
    continue
  fi
  rwait=
  wants circuits && run_group "$t" group_circuits "circuit_x1 circuit_x16"
  wants handshakes && run_group "$t" group_handshakes handshakes_identify
  wants kad && run_group "$t" group_kad "kad_put kad_get kad_find_node"
  if wants idle; then
    for n in $IDLE_COUNTS; do run_group "$t" group_idle "rss_idle_$n" "$n"; done
  fi
  rwait=
  wants reservations && run_group "$t" group_reservations "rss_reservations_$RESERVATIONS"
  wants ping && run_group "$t" group_ping "ping_idle_p50 ping_idle_p99 ping_loaded_p50 ping_loaded_p99"
done

# Raw one-hop QUIC (no libp2p, no relay): ngtcp2's example server and client.
rwait=
if wants baseline && [[ -x bench/baseline/ngtcp2.sh ]]; then
  for s in 1 16; do
    log "baseline: ngtcp2 $s stream(s)"
    line=$(bench/baseline/ngtcp2.sh --streams "$s" --megabytes "$CIRCUIT_MB" \
      --workdir "$workdir/ngtcp2-$s" 2>"$workdir/ngtcp2-$s.err" | grep '^mode=ngtcp2' | tail -n 1) || true
    if [[ -n $(kv "$line" mib_per_s) ]]; then
      record "circuit_x$s" MiB/s higher ngtcp2 "$(kv "$line" mib_per_s)" "" "" "one hop; no relay"
    else
      record "circuit_x$s" MiB/s higher ngtcp2 n/a "" "" "$(tail -n 2 "$workdir/ngtcp2-$s.err" | tr '\n' ' ')"
    fi
  done
fi
elapsed=$(($(date +%s) - start_time))

# ---- Table -----------------------------------------------------------------------------------
ratio() {  # ours other better → > 1 means ours is better
  awk -v o="$1" -v x="$2" -v b="$3" 'BEGIN {
    if (o == "n/a" || x == "n/a" || o == "" || x == "" || o + 0 == 0 || x + 0 == 0) { print "n/a"; exit }
    printf "%.2f", (b == "higher") ? o / x : x / o }'
}
{
  echo "# ratio columns: > 1 means ours is better (throughput/rates: ours/theirs; RSS and latency,"
  echo "# where lower is better: theirs/ours). ngtcp2 = raw one-hop QUIC, no libp2p, no relay."
  printf '%s|%s|%s|%s|%s|%s|%s|%s\n' workload unit ours rust js ngtcp2 ours/rust ours/js
  for w in "${workloads[@]}"; do
    o=${value[$w|ours]:-n/a} r=${value[$w|rust]:-n/a} j=${value[$w|js]:-n/a} n=${value[$w|ngtcp2]:--}
    printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$w" "${unit_of[$w]}" "$o" "$r" "$j" "$n" \
      "$(ratio "$o" "$r" "${better_of[$w]}")" "$(ratio "$o" "$j" "${better_of[$w]}")"
  done
} >"$workdir/table"
echo
grep '^#' "$workdir/table"
grep -v '^#' "$workdir/table" | column -t -s '|' -o ' | '
echo
echo "full run: ${elapsed}s; wrote $CSV (per row: load generator and relay CPU use, and the"
echo "fraction of wall time the relay waited for a CPU held by other processes)"

# ---- Chart -----------------------------------------------------------------------------------
if command -v gnuplot >/dev/null; then
  dat=$workdir/chart
  for w in "${workloads[@]}"; do
    case $w in circuit_* | rss_*) ;; *) continue ;; esac
    printf '%s %s %s %s %s\n' "$w" "${value[$w|ours]:-n/a}" "${value[$w|rust]:-n/a}" \
      "${value[$w|js]:-n/a}" "${value[$w|ngtcp2]:-n/a}" | sed 's#n/a#?#g'
  done >"$dat"
  grep '^circuit_' "$dat" >"$dat.tp" || true
  grep '^rss_' "$dat" >"$dat.rss" || true
  if gnuplot -e "tp='$dat.tp'; rss='$dat.rss'; out='$PNG'" bench/chart.gp 2>"$workdir/gnuplot.err"; then
    echo "wrote $PNG"
  else
    echo "chart failed: $(head -c 300 "$workdir/gnuplot.err")" >&2
  fi
fi
