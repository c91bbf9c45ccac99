#!/usr/bin/env bash
# Benchmark target "ours": the release privstack-relay (build/privstack-relay).
# Written by B1 (bench harness) to the B1/B2 target contract because it was needed first;
# B2 owns this file from now on (bench/targets/ is B2's).
#
#   ours.sh build
#   ours.sh run --port P --http-port H --workdir D [--unlimited]
#
# `run` execs the relay (so the caller's $! is the relay), QUIC v1 on 0.0.0.0:P, a fresh identity
# in D, log in D/relay.log, and writes the base58 peer id to D/peer_id (tmp + mv) once the relay
# printed its banner, which it does only after every listener is up.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=lib.sh
source "$root/bench/targets/lib.sh"
# PRIVSTACK_RELAY_BIN overrides the binary (e.g. another engineer's release build dir).
relay=${PRIVSTACK_RELAY_BIN:-$root/build/privstack-relay}

cmd=${1:-}
shift || true
case "$cmd" in
  build)
    PRIVSTACK_JOBS=${PRIVSTACK_JOBS:-2} nice -n 19 "$root/scripts/build.sh" release
    exit 0
    ;;
  run) ;;
  *)
    target_usage
    exit 2
    ;;
esac

target_parse_run_args "$@"

# Metrics off: its fixed loopback port would collide between back-to-back runs.
args=(--port "$port" --http-port "$http_port" --identity "$workdir/relay.key" --metrics-listen off)
if [[ $unlimited == 1 ]]; then
  help=$("$relay" --help)
  # Transport caps (H1's flags, present only once they landed).
  for flag in --max-connections --max-connections-per-ip --max-pending-handshakes; do
    grep -q -- "$flag " <<<"$help" && args+=("$flag" 0)
  done
  # Every relay and kad limit that takes a count or BURST/SECONDS: 0 means no limit.
  for flag in $(grep -oE -- '--(relay-max|relay-circuit|relay-reservation-rate|kad-max)-[a-z-]+' <<<"$help" | sort -u); do
    args+=("$flag" 0)
  done
fi

log=$workdir/relay.log
: >"$log"
# Watcher: the banner's "PeerId:" line appears once every listener is up. After the exec below,
# $$ is the relay itself, so the watcher gives up when it dies.
(
  for _ in $(seq 600); do
    id=$(awk '/^  PeerId:/ {print $2; exit}' "$log" 2>/dev/null || true)
    if [[ -n $id ]]; then
      echo "$id" >"$workdir/peer_id.tmp" && mv "$workdir/peer_id.tmp" "$workdir/peer_id"
      exit 0
    fi
    kill -0 $$ 2>/dev/null || exit 1
    sleep 0.1
  done
) &
exec "$relay" "${args[@]}" >>"$log" 2>&1
