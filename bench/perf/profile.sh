#!/usr/bin/env bash
# Profiles the relay thread of bench/circuit_throughput with perf and prints its top symbols and
# the share per library. Release builds link with -s, so this first re-links the benchmark without
# stripping (same objects, same flags otherwise) as circuit_throughput.sym.
#
#   bench/perf/profile.sh BUILD_DIR [VARIANT] [MEGABYTES] [CIRCUITS]
#   e.g. bench/perf/profile.sh build-p1 off 192 16
#
# Configure BUILD_DIR with -DCMAKE_BUILD_TYPE=Release -DPRIVSTACK_BUILD_BENCH=ON
# -DCMAKE_CXX_FLAGS="-fno-omit-frame-pointer -g". The relay's thread is named "relay".
set -euo pipefail
build=${1:?build dir}
variant=${2:-all}
megabytes=${3:-192}
circuits=${4:-16}
out=${PERF_OUT:-/tmp/privstack-perf}
mkdir -p "$out"

ninja -C "$build" circuit_throughput >/dev/null
link=$(cd "$build" && ninja -t commands bench/circuit_throughput | tail -1)
link=${link// -s / }
link=${link/-o bench\/circuit_throughput /-o bench/circuit_throughput.sym }
(cd "$build" && sh -c "$link")

data="$out/$variant.data"
perf record -F 4000 -g -o "$data" -- "$build/bench/circuit_throughput.sym" \
  --megabytes "$megabytes" --circuits "$circuits" --variants "$variant" | grep mode=circuit
echo "--- top symbols (relay thread)"
perf report -i "$data" --comm relay --no-children --sort dso,sym --stdio -g none \
  --percentage relative 2>/dev/null | grep '%' | head -15 | cut -c1-140
echo "--- per library (relay thread)"
perf report -i "$data" --comm relay --no-children --sort dso,sym --stdio -g none \
  --percentage relative 2>/dev/null | grep '%' |
  awk '{gsub("%","",$1); s[$2]+=$1} END {for (k in s) printf "%6.1f%%  %s\n", s[k], k}' |
  sort -rn | head -8
