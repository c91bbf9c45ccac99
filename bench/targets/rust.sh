#!/usr/bin/env bash
# Benchmark target "rust": the Rust-original-equivalent relay, tests/interop/rust/src/bin/mock-relay.rs
# (rust-libp2p 0.56 from crates.io, versions pinned by tests/interop/rust/Cargo.lock: relay::Behaviour
# + kad::Behaviour<MemoryStore> in server mode + identify + ping, QUIC v1 via libp2p-quic/quinn).
#
#   rust.sh build
#   rust.sh run --port P --http-port H --workdir D [--unlimited]
#
# build: cargo build --release --bin mock-relay into build-bench-cargo/ (its own CARGO_TARGET_DIR, so
#   the interop tests' opt-level-1 binary in tests/interop/rust/target is untouched), with the Rust
#   original's release profile (spec: LTO, one codegen unit, panic=abort, stripped) and opt-level 3
#   set through CARGO_PROFILE_RELEASE_* so Cargo.toml keeps its fast-to-build test profile.
#
# run: execs mock-relay (the caller's $! is the relay), QUIC v1 on 127.0.0.1:P and [::1]:P, HTTP
#   identity on 127.0.0.1:H, a fresh identity in D, log in D/relay.log; mock-relay itself writes
#   D/peer_id (tmp + rename) once every listener is up.
#   - ping: rust-libp2p's default 15 s interval (mock-relay's 100 ms default is an interop-test
#     workaround; at 10k idle connections it would be most of the relay's work). The original has
#     no ping behaviour at all; the protocol is kept so that ping workloads can run.
#   - without --unlimited: rust-libp2p's relay limits (128 reservations, 4 per peer, 16 circuits,
#     4 per peer, 2 min and 128 KiB per circuit, reservation/circuit rate limiters), MemoryStore
#     caps (1024 records, 65 KiB values) and a 60 s swarm idle-connection timeout (mock-relay's;
#     rust-libp2p 0.56's default, which the original presumably keeps, is 10 s). Idle load
#     generator connections still stay open here: the relay's outbound ping every 15 s opens a
#     stream, which resets the idle timer (measured: 300 connections held 70 s, all open). The
#     original (no ping, 10 s) would close an idle connection after about 10 s.
#   - --unlimited: relay counts effectively unbounded, circuit duration u32::MAX s, circuit bytes
#     u64::MAX, rate limiters removed, MemoryStore caps lifted, idle-connection timeout u32::MAX s
#     (an idle connection, i.e. one with no open stream, is otherwise closed by the swarm after
#     the timeout, which would close the footprint workload's idle connections).
#   Runtime: tokio current_thread (one thread, as mock-relay always was); the harness pins the
#   relay to one CPU anyway.
#   Limits that stay (rust-libp2p has no knob for them): 256 concurrent bidi streams per QUIC
#   connection (libp2p-quic default), 32 inbound kad streams per connection (libp2p-kad
#   MAX_NUM_STREAMS), 128 negotiating inbound streams per connection (swarm default), QUIC
#   receive windows 10 MB per stream / 15 MB per connection (libp2p-quic defaults), 16 KiB kad
#   message size. There are no connection-count, per-IP or connection-rate limits in rust-libp2p
#   unless a connection_limits behaviour is added (the original has none).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
source "$root/bench/targets/lib.sh"
crate=$root/tests/interop/rust
target_dir=$root/build-bench-cargo
relay=$target_dir/release/mock-relay

cmd=${1:-}
shift || true
case "$cmd" in
  build)
    command -v cargo >/dev/null || { echo "cargo not found (rustup toolchain needed)" >&2; exit 1; }
    cd "$crate"
    CARGO_TARGET_DIR=$target_dir \
      CARGO_PROFILE_RELEASE_OPT_LEVEL=3 \
      CARGO_PROFILE_RELEASE_LTO=true \
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
      CARGO_PROFILE_RELEASE_PANIC=abort \
      CARGO_PROFILE_RELEASE_STRIP=symbols \
      CARGO_PROFILE_RELEASE_DEBUG=false \
      CARGO_PROFILE_RELEASE_INCREMENTAL=false \
      nice -n 19 cargo build --release --locked --bin mock-relay -j "${PRIVSTACK_JOBS:-2}"
    exit 0
    ;;
  run) ;;
  *)
    target_usage
    exit 2
    ;;
esac

[[ -x $relay ]] || { echo "$relay missing: run $0 build" >&2; exit 1; }
target_parse_run_args "$@"

args=(--port "$port" --http-port "$http_port" --identity "$workdir/relay.key"
  --ping-interval-ms 15000 --peer-id-file "$workdir/peer_id")
[[ $unlimited == 1 ]] && args+=(--unlimited)
# mock-relay logs every relay event to stderr: a file, like the other targets.
exec "$relay" "${args[@]}" >"$workdir/relay.log" 2>&1
