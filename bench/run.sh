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
# CPU budget: for the rate groups (circuits, handshakes, kad) every relay runs in a cgroup capped
# at RELAY_CPUS of a CPU (cgroup v2 cpu.max or v1 cpu.cfs_quota_us, whichever is mounted and
# writable; created here, removed on exit). With one core each, our single-threaded load
# generator does about as much QUIC work as the relay (it terminates both ends of every circuit)
# and was the limit; at half a core for the relay it has about 2x headroom, so the rates measure
# the relays. Every rate row gets a verdict (bound=relay|loadgen|unclear) from the load
# generator's and the relay's CPU use over the same window; see bench/README.md.
# Footprint (idle, reservations), latency (ping) and the ngtcp2 baseline run without a budget.
#
# Knobs (environment):
#   TARGETS="ours rust js"  which relays        QUICK=1       ~5-minute variant
#   BENCH_GROUPS="circuits handshakes kad idle reservations ping baseline"  which workload groups
#   SKIP_BUILD=1            reuse the binaries  BENCH_PORT    first UDP port (47901)
#   RELAY_CPUS=0.5          relay CPU budget for the rate groups (0 = none: one whole core)
#   RELAY_CPU_PERIOD_US=10000  the budget's accounting period
#   BENCH_STRICT=1          exit 3 when a rate row was not relay-bound (default: loud warning)
#   CIRCUIT_SECONDS (timed window per circuit case; 0 = fixed payload CIRCUIT_MB instead),
#   CIRCUIT_MB (also the ngtcp2 baseline's payload), HS_SECONDS, KAD_SECONDS, KAD_CONCURRENCY,
#   IDLE_COUNTS, RESERVATIONS, PING_SAMPLES, PING_LOADED_SAMPLES, READY_TIMEOUT
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=${TARGETS:-ours rust js}
BENCH_GROUPS=${BENCH_GROUPS:-circuits handshakes kad idle reservations ping baseline}
wants() { [[ " $BENCH_GROUPS " == *" $1 "* ]]; }
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then
  d_circuit_s=2 d_circuit_mb=256 d_hs=3 d_kad=2 d_idle="1000 5000" d_res=1000 d_ping=500 d_ping_loaded=200
else
  d_circuit_s=5 d_circuit_mb=1024 d_hs=8 d_kad=5 d_idle="1000 5000 10000" d_res=1000 d_ping=2000 d_ping_loaded=500
fi
# Circuits are measured over a timed window (after a 0.5 s warm-up) rather than a fixed payload,
# so every relay is measured for as long, fast or slow: 128 MiB took 0.2-0.6 s, too short to be
# stable. The ngtcp2 baseline has no timed mode and fetches CIRCUIT_MB (about a second).
CIRCUIT_SECONDS=${CIRCUIT_SECONDS:-$d_circuit_s}
CIRCUIT_MB=${CIRCUIT_MB:-$d_circuit_mb}
RELAY_CPUS=${RELAY_CPUS:-0.5}
# 10 ms, not the kernel's 100 ms default: a relay over its budget is stopped for the rest of the
# period, i.e. up to (1 - RELAY_CPUS) x period. 5 ms stays below QUIC's probe timeout (at least
# max_ack_delay, 25 ms, on loopback), so peers see a slower relay rather than lost packets and
# spurious retransmissions; 50 ms stalls would measure congestion control's reaction to them.
# Shorter periods cost more throttling timer work and fall below the 4 ms scheduler tick
# (CONFIG_HZ=250) at which a busy task's runtime is charged.
RELAY_CPU_PERIOD_US=${RELAY_CPU_PERIOD_US:-10000}
BENCH_STRICT=${BENCH_STRICT:-0}
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
# shellcheck source=targets/lib.sh
source bench/targets/lib.sh  # wait_for_peer_id
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

# ---- Relay CPU budget (cgroup) -----------------------------------------------------------------
# budget_dir: the cgroup the rate groups' relays run in ("" = none); budget_kind: v2 | v1;
# budget_why: why there is none, for the log and the CSV notes.
budget_dir= budget_kind= budget_why=
budget_setup() {
  if [[ $RELAY_CPUS == 0 ]]; then
    budget_why="RELAY_CPUS=0"
    return 0
  fi
  local quota mnt dir
  quota=$(awk -v c="$RELAY_CPUS" -v p="$RELAY_CPU_PERIOD_US" 'BEGIN { printf "%d", c * p }')
  if ((quota < 1000)); then  # the kernel's minimum quota is 1 ms
    budget_why="RELAY_CPUS x RELAY_CPU_PERIOD_US below 1 ms"
    return 0
  fi
  # cgroup v2: cpu must be among the root's controllers and enabled for its children.
  mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
  if [[ -n $mnt ]] && grep -qw cpu "$mnt/cgroup.controllers" 2>/dev/null; then
    grep -qw cpu "$mnt/cgroup.subtree_control" 2>/dev/null ||
      echo +cpu >"$mnt/cgroup.subtree_control" 2>/dev/null || true
    dir=$mnt/privstack-bench-$$
    if mkdir "$dir" 2>/dev/null; then
      if echo "$quota $RELAY_CPU_PERIOD_US" >"$dir/cpu.max" 2>/dev/null &&
        (echo "$BASHPID" >"$dir/cgroup.procs") 2>/dev/null; then
        budget_dir=$dir budget_kind=v2
        return 0
      fi
      rmdir "$dir" 2>/dev/null || true
    fi
  fi
  # cgroup v1: a hierarchy with the cpu controller (often mounted together with cpuacct).
  mnt=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ { print $2; exit }' /proc/self/mounts)
  if [[ -n $mnt ]]; then
    dir=$mnt/privstack-bench-$$
    if mkdir "$dir" 2>/dev/null; then
      if echo "$RELAY_CPU_PERIOD_US" >"$dir/cpu.cfs_period_us" 2>/dev/null &&
        echo "$quota" >"$dir/cpu.cfs_quota_us" 2>/dev/null &&
        (echo "$BASHPID" >"$dir/cgroup.procs") 2>/dev/null; then
        budget_dir=$dir budget_kind=v1
        return 0
      fi
      rmdir "$dir" 2>/dev/null || true
    fi
  fi
  budget_why="no writable cgroup cpu controller (v2 cpu.max or v1 cpu.cfs_quota_us; needs root)"
}
budget_cleanup() {
  [[ -n $budget_dir && -d $budget_dir ]] || return 0
  local pid
  # Only what this script started can be in it (a relay's leftover helper at most).
  for pid in $(cat "$budget_dir/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do rmdir "$budget_dir" 2>/dev/null && break; sleep 0.1; done
  [[ -d $budget_dir ]] && log "could not remove cgroup $budget_dir"
  budget_dir=
}
# One counter of the cgroup's cpu.stat (nr_periods, nr_throttled), 0 when there is none.
budget_stat() {
  [[ -n $budget_dir && -r $budget_dir/cpu.stat ]] || { echo 0; return 0; }
  awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$budget_dir/cpu.stat"
}

cleanup() {
  stop_relay
  budget_cleanup
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# CSV, long form: one row per (workload, target). relay_cpu_budget is the CPUs the relay was
# allowed (1 = unbudgeted, one pinned core); relay_budget_util = relay_cpu_util / budget;
# relay_throttled = fraction of the budget's periods in which the relay was stopped for having
# used it up; bound = the verdict (see verdict()).
echo "workload,unit,better,target,value,loadgen_cpu_util,relay_cpu_util,relay_runqueue_wait,relay_cpu_budget,relay_budget_util,relay_throttled,bound,note" >"$CSV"
declare -A value=() loadgen_of=() relay_of=() budget_of=() budget_util_of=() throttled_of=() bound_of=() wait_of=()
declare -a workloads=()
declare -A unit_of=() better_of=()
row_budget=1    # the current group's relay budget in CPUs (set by run_group; 1 = one pinned core)
row_budgeted=0  # 1 when the current group's relay runs in the budget cgroup
budget_note=    # "; unbudgeted: why" for rate rows that wanted a budget and got none
rthrottled=
# The verdict of one row: relay when the relay was at its budget (used >= 90 % of it, or was
# throttled in at least half of the budget's periods) while the load generator used < 80 % of its
# core; loadgen when the load generator was >= 80 % and the relay not at its budget; unclear when
# both or neither were at their limit (round-trip bound, or other processes took the CPUs). The
# throttle count is the kernel's own word that the budget ran out; CPU use alone falls short of
# 90 % on a loaded machine when others' processes delay the relay within its periods.
verdict() {  # loadgen_util relay_budget_util [throttled fraction]
  awk -v l="$1" -v r="$2" -v th="${3:-}" 'BEGIN {
    if (l == "" || r == "") { print "-"; exit }
    at = (r >= 0.90) || (th != "" && th >= 0.50)
    if (at && l < 0.80) print "relay"; else if (l >= 0.80 && !at) print "loadgen"; else print "unclear" }'
}
record() {  # workload unit better(higher|lower) target value loadgen_util relay_util note
  local w=$1 u=$2 b=$3 t=$4 v=$5 lu=$6 ru=$7 note=${8//,/;} bu= bound=- budget=
  [[ -n ${unit_of[$w]:-} ]] || workloads+=("$w")
  unit_of[$w]=$u
  better_of[$w]=$b
  value[$w|$t]=$v
  if [[ $v != n/a && -n $ru ]]; then
    budget=$row_budget
    bu=$(awk -v r="$ru" -v b="$budget" 'BEGIN { printf "%.2f", r / b }')
    bound=$(verdict "$lu" "$bu" "${rthrottled:-}")
  fi
  loadgen_of[$w|$t]=$lu relay_of[$w|$t]=$ru budget_of[$w|$t]=$budget budget_util_of[$w|$t]=$bu
  throttled_of[$w|$t]=${rthrottled:-} bound_of[$w|$t]=$bound wait_of[$w|$t]=${rwait:-}
  echo "$w,$u,$b,$t,$v,$lu,$ru,${rwait:-},$budget,$bu,${rthrottled:-},$bound,${note//$'\n'/ }" >>"$CSV"
}
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2; exit}'; }
err_of() { sed -n 's/.*\(last_error\|error\)="\([^"]*\)".*/\2/p' <<<"$1" | head -n 1; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$relay_pid/status" 2>/dev/null || echo 0; }
relay_cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$relay_pid/stat" 2>/dev/null || echo 0; }
# Seconds the relay's threads spent runnable but waiting for a CPU (schedstat field 2): on a
# shared machine this says how much of the wall time others' processes took from the relay.
# Under a budget this includes the time it was throttled.
relay_wait_s() { cat /proc/"$relay_pid"/task/*/schedstat 2>/dev/null | awk '{s += $2} END {printf "%.3f", s / 1e9}'; }
now_s() { date +%s.%N; }
util() { awk -v c1="$1" -v c0="$2" -v t1="$3" -v t0="$4" 'BEGIN { printf "%.2f", (c1 - c0) / (t1 - t0) }'; }
load() { taskset -c 1 "$BIN/$1" "${@:2}"; }

# Starts target $1 fresh on CPU 0, inside the budget cgroup when $2 is 1 and there is one; sets
# relay_pid, peer, target_addr. Fails if not ready in 60 s.
start_relay() {
  local t=$1 budgeted=${2:-0} dir cg=
  port=$((port + 2))
  dir=$workdir/$t-$port
  mkdir -p "$dir"
  [[ $budgeted == 1 && -n $budget_dir ]] && cg=$budget_dir/cgroup.procs
  # The subshell joins the cgroup first, so the relay it execs (and any thread or child the
  # relay starts) is accounted there from its first instruction.
  (
    [[ -z $cg ]] || echo "$BASHPID" >"$cg"
    exec taskset -c 0 bench/targets/"$t".sh run --port "$port" --http-port "$((port + 1))" \
      --workdir "$dir" --unlimited
  ) >"$dir/target.out" 2>&1 &
  relay_pid=$!
  target_addr=127.0.0.1:$port
  if ! peer=$(wait_for_peer_id "$dir" "$relay_pid" 60); then
    peer=
    start_error="did not start: $(tail -n 2 "$dir/target.out" "$dir/relay.log" 2>/dev/null | tr '\n' ' ' | cut -c1-200)"
    stop_relay
    return 1
  fi
  sleep 0.5  # settle before any baseline
}

# Runs a load generator command while measuring the relay's CPU; output in $out, relay util in
# $rutil (the load generator's own measurement over its timed window when it printed one, else
# over the whole command), throttled fraction of the budget's periods in $rthrottled.
measured() {
  local c0 w0 t0 t1 p0 n0
  c0=$(relay_cpu_s)
  w0=$(relay_wait_s)
  p0=$(budget_stat nr_periods) n0=$(budget_stat nr_throttled)
  t0=$(now_s)
  out=$(load "$@" --relay-pid "$relay_pid" 2>&1 | grep -E '^(mode|ready)=?' | tail -n 1) || true
  t1=$(now_s)
  rutil=$(kv "$out" relay_cpu_util)
  [[ -n $rutil ]] || rutil=$(util "$(relay_cpu_s)" "$c0" "$t1" "$t0")
  rwait=$(util "$(relay_wait_s)" "$w0" "$t1" "$t0")
  rthrottled=
  if [[ $row_budgeted == 1 ]]; then
    rthrottled=$(awk -v p="$(($(budget_stat nr_periods) - p0))" -v n="$(($(budget_stat nr_throttled) - n0))" \
      'BEGIN { printf "%.2f", (p > 0) ? n / p : 0 }')
  fi
}

# ---- Workload groups -------------------------------------------------------------------------
group_circuits() {
  local t=$1 k
  local size=(--seconds "$CIRCUIT_SECONDS") what="${CIRCUIT_SECONDS} s window"
  if [[ $CIRCUIT_SECONDS == 0 ]]; then
    size=(--megabytes "$CIRCUIT_MB") what="payload ${CIRCUIT_MB} MiB"
  fi
  for k in 1 16; do
    measured relay_bench circuits --target "$target_addr" --peer "$peer" --circuits "$k" "${size[@]}"
    if [[ $(kv "$out" ok) == 1 ]]; then
      record "circuit_x$k" MiB/s higher "$t" "$(kv "$out" mib_per_s)" "$(kv "$out" loadgen_cpu_util)" \
        "$rutil" "$what; $(kv "$out" payload_mib) MiB in $(kv "$out" seconds) s$budget_note"
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
      "$rutil" "32 concurrent; ok=$(kv "$out" ok) failed=$(kv "$out" failed) $(err_of "$out")$budget_note"
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
        "$KAD_CONCURRENCY clients$budget_note"
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

# The rate groups run their relay under the CPU budget; footprint and latency groups do not:
# RSS does not depend on CPU, and a throttled relay's stalls (up to (1 - RELAY_CPUS) x period)
# would land in the ping percentiles (a relay echoing pings back to back, or forwarding a bulk
# transfer beside them, can exceed half a core), measuring the cgroup instead of the relay.
budgeted_group() { case $1 in group_circuits | group_handshakes | group_kad) return 0 ;; *) return 1 ;; esac; }

# Runs one group on a fresh relay; on a start failure every workload of the group gets n/a.
run_group() {  # target, group function, workloads it would record (for n/a), extra args
  local t=$1 fn=$2 names=$3 budgeted=0
  rwait= rthrottled= row_budget=1 row_budgeted=0 budget_note=
  shift 3
  if budgeted_group "$fn"; then
    if [[ -n $budget_dir ]]; then
      budgeted=1 row_budgeted=1 row_budget=$RELAY_CPUS
    else
      budget_note="; unbudgeted: $budget_why"
    fi
  fi
  log "$t: $fn $* (relay CPU budget: $([[ $budgeted == 1 ]] && echo "$RELAY_CPUS" || echo none))"
  if ! start_relay "$t" "$budgeted"; then
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
if ! [[ $RELAY_CPUS =~ ^[0-9]*\.?[0-9]+$ ]] || awk -v c="$RELAY_CPUS" 'BEGIN { exit !(c > 1) }'; then
  echo "RELAY_CPUS must be 0 (no budget) or a fraction of one CPU up to 1 (the relay is pinned to CPU 0)" >&2
  exit 2
fi
budget_setup
if [[ -n $budget_dir ]]; then
  log "relay CPU budget: $RELAY_CPUS CPU (cgroup $budget_kind $budget_dir, quota per ${RELAY_CPU_PERIOD_US} us period) for circuits, handshakes, kad; none for idle, reservations, ping, baseline"
elif [[ $RELAY_CPUS == 0 ]]; then
  log "relay CPU budget: none (RELAY_CPUS=0): every relay has all of CPU 0"
else
  log "WARNING: relay CPU budget of $RELAY_CPUS CPU unavailable: $budget_why. Running UNBUDGETED: the load generator may be the limit (see the bound column)"
fi
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

# Raw one-hop QUIC (no libp2p, no relay): ngtcp2's example server and client, unbudgeted (the
# transport's ceiling on this machine).
rwait= rthrottled= row_budget=1 row_budgeted=0
if wants baseline && [[ -x bench/baseline/ngtcp2.sh ]]; then
  for s in 1 16; do
    log "baseline: ngtcp2 $s stream(s)"
    line=$(bench/baseline/ngtcp2.sh --streams "$s" --megabytes "$CIRCUIT_MB" \
      --workdir "$workdir/ngtcp2-$s" 2>"$workdir/ngtcp2-$s.err" | grep '^mode=ngtcp2' | tail -n 1) || true
    if [[ -n $(kv "$line" mib_per_s) ]]; then
      record "circuit_x$s" MiB/s higher ngtcp2 "$(kv "$line" mib_per_s)" "" "" \
        "one hop; no relay; unbudgeted; payload ${CIRCUIT_MB} MiB"
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

# Who was the limit, per measured row: the load generator's CPU use of its core, the relay's of
# its budget, how often the budget throttled it, and the verdict.
is_rate() { case $1 in circuit_* | handshakes_* | kad_*) return 0 ;; *) return 1 ;; esac; }
{
  printf '%s|%s|%s|%s|%s|%s|%s|%s\n' workload target value loadgen_util relay_util/budget throttled \
    relay_runqueue_wait bound
  for w in "${workloads[@]}"; do
    for t in $TARGETS; do
      [[ -n ${bound_of[$w|$t]:-} && ${bound_of[$w|$t]} != - ]] || continue
      printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$w" "$t" "${value[$w|$t]}" "${loadgen_of[$w|$t]}" \
        "${relay_of[$w|$t]}/${budget_of[$w|$t]} = ${budget_util_of[$w|$t]}" \
        "${throttled_of[$w|$t]:--}" "${wait_of[$w|$t]:--}" \
        "bound=${bound_of[$w|$t]}$(is_rate "$w" || echo ' (latency row)')"
    done
  done
} >"$workdir/bounds"
echo
echo "# who was the limit: relay = relay at its CPU budget (>= 90 % used, or throttled in >= half"
echo "# of the periods) and load generator < 80 % of its core; loadgen = the reverse;"
echo "# unclear = both or neither (neither, with a high"
echo "# relay_runqueue_wait: other processes took the CPUs). Budget: $([[ -n $budget_dir ]] &&
  echo "$RELAY_CPUS CPU for circuits, handshakes, kad ($budget_kind, ${RELAY_CPU_PERIOD_US} us period)" ||
  echo "none ($budget_why)"); 1 = one unbudgeted core."
column -t -s '|' -o ' | ' "$workdir/bounds"

# Relay CPU per unit of work (relay CPU seconds over the window / work done in it = relay util /
# rate): what each relay costs, whichever side limited the rate. > 1 in the ratio columns means
# ours costs less.
{
  printf '%s|%s|%s|%s|%s|%s|%s\n' workload unit ours rust js rust/ours js/ours
  for w in "${workloads[@]}"; do
    is_rate "$w" || continue
    case $w in circuit_*) u="relay ms per MiB" f=1000 ;; handshakes_*) u="relay us per handshake" f=1000000 ;; *) u="relay us per request" f=1000000 ;; esac
    declare -A cost=()
    for t in ours rust js; do
      cost[$t]=$(awk -v r="${relay_of[$w|$t]:-}" -v v="${value[$w|$t]:-n/a}" -v f="$f" 'BEGIN {
        if (r == "" || v == "n/a" || v + 0 == 0) { print "n/a"; exit } printf "%.2f", r / v * f }')
    done
    printf '%s|%s|%s|%s|%s|%s|%s\n' "$w" "$u" "${cost[ours]}" "${cost[rust]}" "${cost[js]}" \
      "$(ratio "${cost[rust]}" "${cost[ours]}" higher)" "$(ratio "${cost[js]}" "${cost[ours]}" higher)"
  done
} >"$workdir/costs"
echo
echo "# relay CPU per unit of work (relay CPU / work in the same window); ratio > 1: ours costs less"
column -t -s '|' -o ' | ' "$workdir/costs"

echo
echo "full run: ${elapsed}s; wrote $CSV (per row: load generator and relay CPU use, the relay's"
echo "budget and throttling, the verdict, and the fraction of wall time the relay waited for a CPU)"

# A rate row the relay did not limit does not compare relays: say so loudly (and fail with
# BENCH_STRICT=1). Not an error by default: the other rows and the CSV stay valid, and on a
# shared machine a row can tip over for reasons that have nothing to do with the code.
not_relay_bound=()
for w in "${workloads[@]}"; do
  is_rate "$w" || continue
  for t in $TARGETS; do
    b=${bound_of[$w|$t]:-}
    [[ -n $b && $b != - && $b != relay ]] && not_relay_bound+=("$w/$t=$b")
  done
done
if ((${#not_relay_bound[@]} > 0)); then
  {
    echo
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
    echo "!! WARNING: ${#not_relay_bound[@]} rate row(s) were NOT limited by the relay: ${not_relay_bound[*]}"
    echo "!! (loadgen: the load generator saturated its core; unclear: both or neither did). Those"
    echo "!! rates do not compare the relays; read the relay-CPU-per-unit table for them, or rerun"
    echo "!! with a smaller RELAY_CPUS on a quieter machine."
    echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  } >&2
fi

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
  tp_title="Circuit throughput, MiB/s (higher is better; relay at $([[ -n $budget_dir ]] && echo "$RELAY_CPUS CPU" || echo "1 core"))"
  if [[ ! -s $dat.tp || ! -s $dat.rss ]]; then
    echo "no chart: it needs both circuit and RSS rows (BENCH_GROUPS with circuits and idle)"
  elif gnuplot -e "tp='$dat.tp'; rss='$dat.rss'; out='$PNG'; tp_title='$tp_title'" bench/chart.gp \
    2>"$workdir/gnuplot.err"; then
    echo "wrote $PNG"
  else
    echo "chart failed: $(head -c 300 "$workdir/gnuplot.err")" >&2
  fi
fi
if ((${#not_relay_bound[@]} > 0)) && [[ $BENCH_STRICT == 1 ]]; then exit 3; fi
