#!/usr/bin/env bash
# Builds the interop peers. Idempotent: skips what is already built and up to date.
#
#   tests/interop/setup.sh            # js, rust and go
#   tests/interop/setup.sh js go      # only some of them
#   INTEROP_FORCE=1 tests/interop/setup.sh   # rebuild even if up to date
#
# js:   npm ci in js/ (npm install if there is no package-lock.json)
# rust: cargo build --release --locked in rust/ (into rust/target/), niced, -j ${INTEROP_JOBS:-2}
# go:   go build -o bin/dial ./cmd/dial in go/
# go-kad: go build -o bin/kad_client ./cmd/kad_client in go-kad/ (own module: go-libp2p-kad-dht)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JOBS="${INTEROP_JOBS:-2}"
FORCE="${INTEROP_FORCE:-0}"

say() { printf '[interop setup] %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { say "ERROR: '$1' not found (needed for $2)"; exit 1; }; }

# stale OUTPUT INPUT...: true if OUTPUT is missing or any INPUT file is newer than it.
stale() {
  local out="$1"; shift
  [[ "$FORCE" == 1 || ! -e "$out" ]] && return 0
  [[ -n "$(find "$@" -newer "$out" -type f -print -quit 2>/dev/null)" ]]
}

timed() {
  local start=$SECONDS rc=0
  "$@" || rc=$?
  if ((rc == 0)); then say "  done in $((SECONDS - start)) s"; else say "  failed (exit $rc) after $((SECONDS - start)) s"; fi
  return $rc
}

setup_js() {
  need node "the js peer"; need npm "the js peer"
  cd "$HERE/js"
  # npm ci writes node_modules/.package-lock.json; it is the stamp of the last install.
  if [[ -f package-lock.json ]]; then
    if stale node_modules/.package-lock.json package.json package-lock.json; then
      say "js: npm ci"
      local log; log="$(mktemp)"
      if ! timed npm ci --no-audit --no-fund --loglevel=error 2>"$log"; then
        grep -E 'npm error (code|Missing|`npm ci`)' "$log" | head -n 12 >&2 || true
        # The lock lists only the platform package of @chainsafe/libp2p-quic that the registry
        # served when it was made (the other platforms' optional packages answered 404), and
        # npm ci rejects such a lock as "out of sync". npm install --no-save installs the same
        # locked versions and leaves package-lock.json untouched.
        say "js: npm ci refused the lock; falling back to npm install --no-save (lock unchanged)"
        timed npm install --no-audit --no-fund --no-save --loglevel=error
      fi
      rm -f "$log"
    else
      say "js: node_modules up to date (skip)"
    fi
  else
    say "js: no package-lock.json: npm install"
    timed npm install --no-audit --no-fund --loglevel=error
  fi
  [[ -d node_modules/@chainsafe/libp2p-quic ]] || { say "ERROR: @chainsafe/libp2p-quic missing"; exit 1; }
  # The QUIC transport is a native (napi) module shipped per platform as an optional dependency.
  node --input-type=module -e "import './polyfill.mjs'; await import('@chainsafe/libp2p-quic')" \
    || { say "ERROR: @chainsafe/libp2p-quic does not load on this platform"; exit 1; }
}

setup_rust() {
  need cargo "the rust peer"
  cd "$HERE/rust"
  # The stamp is touched after a successful build (cargo only relinks the binaries that changed).
  local stamp=target/release/.interop-built
  if [[ ! -x target/release/dial || ! -x target/release/mock-relay || ! -x target/release/relay_peer \
      || ! -x target/release/kad_client || ! -x target/release/autonat_client ]] \
      || stale "$stamp" Cargo.toml Cargo.lock src; then
    say "rust: cargo build --release --locked -j $JOBS (niced)"
    timed nice -n 10 cargo build --release --locked -j "$JOBS" --target-dir "$HERE/rust/target"
    touch "$stamp"
  else
    say "rust: target/release/dial up to date (skip)"
  fi
}

setup_go() {
  need go "the go peer"
  cd "$HERE/go"
  if stale bin/dial go.mod go.sum cmd; then
    say "go: go build -o bin/dial ./cmd/dial"
    mkdir -p bin
    timed nice -n 10 env GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -o bin/dial ./cmd/dial
  else
    say "go: bin/dial up to date (skip)"
  fi
  # Circuit relay v2 client for tests/interop/relay/.
  if stale bin/relay_peer go.mod go.sum cmd; then
    say "go: go build -o bin/relay_peer ./cmd/relay_peer"
    mkdir -p bin
    timed nice -n 10 env GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -o bin/relay_peer ./cmd/relay_peer
  else
    say "go: bin/relay_peer up to date (skip)"
  fi
}

# go-kad/: the go-libp2p-kad-dht client for tests/interop/kad/ (its own module: kad-dht's deps).
setup_go_kad() {
  need go "the go kad peer"
  cd "$HERE/go-kad"
  if stale bin/kad_client go.mod go.sum cmd; then
    say "go-kad: go build -o bin/kad_client ./cmd/kad_client"
    mkdir -p bin
    timed nice -n 10 env GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -o bin/kad_client ./cmd/kad_client
  else
    say "go-kad: bin/kad_client up to date (skip)"
  fi
}

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(js rust go go-kad)
for t in "${targets[@]}"; do
  case "$t" in
    js) (setup_js) ;;
    rust) (setup_rust) ;;
    go) (setup_go) ;;
    go-kad) (setup_go_kad) ;;
    *) say "unknown target '$t' (expected js, rust, go, go-kad)"; exit 2 ;;
  esac
done
say "peers ready: ${targets[*]}"
