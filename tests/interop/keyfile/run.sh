#!/bin/sh
# Interop check of the identity key file: js-libp2p writes an Ed25519 key, our loader reads it, and
# both must derive the same peer id; the file must be left byte-for-byte unchanged.
# Usage: run.sh <keyfile_interop_check binary> <work dir>
# Exit 77 (CTest SKIP_RETURN_CODE) when the npm packages cannot be installed (offline).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
checker=$1
work=$2

# Install into the build tree, not next to the sources.
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/write-key.mjs" "$work/"
if [ ! -d "$work/node_modules/@libp2p/crypto" ] || [ ! -d "$work/node_modules/@libp2p/peer-id" ]; then
  if ! (cd "$work" && npm ci --no-audit --no-fund >npm-ci.log 2>&1); then
    echo "SKIP: npm ci failed (see $work/npm-ci.log)"
    exit 77
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
key="$tmp/identity.key"

expected=$(node "$work/write-key.mjs" "$key")
before=$(sha256sum <"$key")
actual=$("$checker" "$key")
after=$(sha256sum <"$key")

echo "js-libp2p peer id: $expected"
echo "privstack peer id: $actual"
if [ "$before" != "$after" ]; then
  echo "FAIL: loading modified the key file"
  exit 1
fi
if [ "$expected" != "$actual" ]; then
  echo "FAIL: peer ids differ"
  exit 1
fi
echo "OK"
