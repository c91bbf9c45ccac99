#!/usr/bin/env bash
# Configures and builds one flavour. Usage: scripts/build.sh release|test
#   release → build/       (-O2, LTO, stripped; the binary is build/privstack-relay)
#   test    → build-test/  (Debug with AddressSanitizer + UndefinedBehaviorSanitizer, unit tests)
set -euo pipefail
cd "$(dirname "$0")/.."

flavour=${1:-release}
jobs=${PRIVSTACK_JOBS:-$(nproc)}
case "$flavour" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPRIVSTACK_BUILD_TESTS=OFF >/dev/null
    cmake --build build -j "$jobs"
    ;;
  test)
    cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPRIVSTACK_SANITIZE=ON \
      -DPRIVSTACK_BUILD_TESTS=ON >/dev/null
    cmake --build build-test -j "$jobs"
    ;;
  *)
    echo "usage: $0 release|test" >&2
    exit 2
    ;;
esac
