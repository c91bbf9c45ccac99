#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ and runs each one for a bounded
# time, starting from a temporary copy of its seed corpus (the checked-in corpus is never written)
# plus its regression inputs. Exits non-zero if any target crashes, leaks, times out, runs out of
# memory or fails a property check; prints a summary table either way.
#
#   FUZZ_SECONDS=20      seconds per target (libFuzzer -max_total_time)
#   FUZZ_TARGETS="a b"   only these targets (names as in fuzz/CMakeLists.txt, without _fuzzer)
#   FUZZ_JOBS=1          targets run at the same time
#   FUZZ_BUILD_DIR       build directory (default build-fuzz)
#   FUZZ_CRASH_DIR       where crash/leak/timeout inputs go (default /tmp/fuzz-crashes)
#   FUZZ_KEEP_CORPUS=1   keep the grown corpora (their paths are printed)
#   PRIVSTACK_JOBS       build parallelism (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-20}
build=${FUZZ_BUILD_DIR:-build-fuzz}
crash_dir=${FUZZ_CRASH_DIR:-/tmp/fuzz-crashes}
jobs=${FUZZ_JOBS:-1}
build_jobs=${PRIVSTACK_JOBS:-$(nproc)}

# Debug keeps asserts; -O1 keeps the fuzzers fast enough. -Werror stays off: clang warns about
# things GCC (the project's compiler) does not, and the fuzz build is not where those get fixed.
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DPRIVSTACK_SANITIZE=ON \
  -DPRIVSTACK_WERROR=OFF -DPRIVSTACK_BUILD_TESTS=OFF -DPRIVSTACK_FUZZ=ON >/dev/null

declare -A max_len
all_targets=()
while IFS=$'\t' read -r name len; do
  [[ -n "$name" ]] || continue
  max_len[$name]=$len
  all_targets+=("$name")
done <"$build/fuzz/targets.tsv"
targets=(${FUZZ_TARGETS:-${all_targets[@]}})
for t in "${targets[@]}"; do
  [[ -n "${max_len[$t]:-}" ]] || { echo "unknown fuzz target: $t (have: ${all_targets[*]})" >&2; exit 2; }
done

ninja -C "$build" -j "$build_jobs" "${targets[@]/%/_fuzzer}"

work=$(mktemp -d /tmp/privstack-fuzz.XXXXXX)
if [[ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]]; then trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$crash_dir"

run_one() {
  local t=$1
  local corpus=$work/corpus/$t
  mkdir -p "$corpus" "$crash_dir/$t"
  if [[ -d fuzz/corpus/$t ]]; then cp -r "fuzz/corpus/$t/." "$corpus/"; fi
  local extra=()
  if [[ -d fuzz/regressions/$t ]]; then extra+=("fuzz/regressions/$t"); fi
  local status=0
  # -timeout: one input taking 25 s is a hang. rss limit: a parser that allocates without bound.
  "$build/fuzz/${t}_fuzzer" -max_total_time="$seconds" -max_len="${max_len[$t]}" -timeout=25 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$crash_dir/$t/" \
    "$corpus" "${extra[@]}" >"$work/$t.log" 2>&1 || status=$?
  echo "$status" >"$work/$t.status"
}

i=0
for t in "${targets[@]}"; do
  run_one "$t" &
  i=$((i + 1))
  if ((i % jobs == 0)); then wait; fi
done
wait

failed=0
printf '\n%-16s %-7s %12s %10s %9s %8s %7s\n' target result execs exec/s new_units rss_mb corpus
for t in "${targets[@]}"; do
  log=$work/$t.log
  status=$(cat "$work/$t.status")
  stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  result=ok
  if [[ "$status" != 0 ]]; then
    result=FAIL
    failed=1
  fi
  printf '%-16s %-7s %12s %10s %9s %8s %7s\n' "$t" "$result" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "$(stat new_units_added)" "$(stat peak_rss_mb)" \
    "$(find "$work/corpus/$t" -type f | wc -l)"
done
if ((failed)); then
  echo
  for t in "${targets[@]}"; do
    [[ "$(cat "$work/$t.status")" == 0 ]] && continue
    echo "==== $t (exit $(cat "$work/$t.status")), last lines of its log; inputs in $crash_dir/$t/"
    grep -E "ERROR|SUMMARY|property failed|Test unit written|==[0-9]+==" "$work/$t.log" | cut -c1-300 | head -20 || true
  done
  exit 1
fi
if [[ "${FUZZ_KEEP_CORPUS:-0}" == 1 ]]; then echo "grown corpora: $work/corpus"; fi
