#!/usr/bin/env bash
# Builds the Debian package: a Release build (LTO, stripped) with prefix /usr, then CPack DEB.
# Usage: scripts/package.sh [build dir]   (default: build-package; or $PRIVSTACK_PACKAGE_BUILD_DIR)
# Prints the path of the .deb as its last line of stdout. Needs dpkg-dev (dpkg-shlibdeps) and file.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-${PRIVSTACK_PACKAGE_BUILD_DIR:-build-package}}
jobs=${PRIVSTACK_JOBS:-$(nproc)}

for tool in dpkg-shlibdeps dpkg-deb file; do
  command -v "$tool" >/dev/null || {
    echo "package.sh: '$tool' is missing (apt-get install dpkg-dev file)" >&2
    exit 1
  }
done

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPRIVSTACK_BUILD_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr >&2
cmake --build "$build_dir" -j "$jobs" --target privstack-relay >&2
rm -f "$build_dir"/privstack-relay_*.deb
(cd "$build_dir" && cpack -G DEB >&2)

debs=("$build_dir"/privstack-relay_*.deb)
[[ -f "${debs[0]}" ]] || {
  echo "package.sh: cpack produced no .deb in $build_dir" >&2
  exit 1
}
realpath "${debs[0]}"
