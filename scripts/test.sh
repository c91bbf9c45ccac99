#!/usr/bin/env bash
# Quick start 2/2: install every dependency, build with ASan+UBSan and run every test: unit tests,
# the relay end to end, interop against real js-libp2p, rust-libp2p and go-libp2p peers, the
# deployment checks, and then every libFuzzer target for a bounded time (FUZZ_SECONDS, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/check-format.sh
scripts/build.sh test
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd build-test && ctest --output-on-failure --timeout 600 -j "${PRIVSTACK_TEST_JOBS:-2}")
FUZZ_SECONDS=${FUZZ_SECONDS:-10} scripts/fuzz.sh
