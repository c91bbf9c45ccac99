#!/usr/bin/env bash
# Raw one-hop QUIC baseline: ngtcp2's example HTTP/3 server and client (Debian packages
# ngtcp2-server / ngtcp2-client, ngtcp2 1.11 + GnuTLS, the same QUIC library as privstack-relay)
# over 127.0.0.1, no libp2p and no relay: what a single QUIC connection can carry on this machine.
#
#   ngtcp2.sh --streams N --megabytes M --workdir D [--port P]
#
# M MiB in total, split across N concurrent streams (as bench/circuit_throughput --megabytes):
# gtlsserver serves one file of M/N MiB from D/htdocs with a fresh self-signed P-256 certificate;
# gtlsclient fetches it on N streams of one connection (-n N) and exits when all streams closed.
# Server pinned to CPU 0, client to CPU 1 (when there are two CPUs and taskset exists).
# Flow-control windows: 64 MiB per connection and 16 MiB per stream, initial and auto-tuning cap
# (gtlsclient's defaults are 24M/16M without auto-tuning), far above the loopback bandwidth-delay
# product, so flow control is not the limit. Not larger: the example programs keep the default
# 208 KiB UDP socket buffers, and bigger windows only let the server burst past the client's
# receive buffer (netstat -su "receive buffer errors" rose with 1 GiB windows and throughput
# fell). NGTCP2_CONN_WINDOW / NGTCP2_STREAM_WINDOW (ngtcp2 sizes: 64M, 1G) override them.
# Congestion control is ngtcp2's default (cubic).
# One untimed fetch with --download first checks that the file arrives whole (a 404 would
# otherwise look like infinite throughput); the timed fetch discards the body.
# Prints one line:
#   mode=ngtcp2 streams=N payload_mib=M seconds=S mib_per_s=X server_cpu_seconds=C client_cpu_seconds=C
# `seconds` is the client's wall time: process start, handshake, the transfer, connection close.
# The CPU seconds are utime+stime of each process over the timed run (server: its delta).
set -euo pipefail

streams=1
megabytes=64
workdir=
port=${NGTCP2_PORT:-47950}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --streams) streams=$2; shift 2 ;;
    --megabytes) megabytes=$2; shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $workdir ]] || { echo "usage: $0 --streams N --megabytes M --workdir D [--port P]" >&2; exit 2; }
[[ $streams =~ ^[1-9][0-9]*$ && $megabytes =~ ^[1-9][0-9]*$ ]] || { echo "bad --streams/--megabytes" >&2; exit 2; }
server_bin=$(command -v gtlsserver || echo /usr/sbin/gtlsserver)
client_bin=$(command -v gtlsclient || echo /usr/bin/gtlsclient)
[[ -x $server_bin && -x $client_bin ]] || {
  echo "gtlsserver/gtlsclient missing: apt-get install -t bookworm-backports ngtcp2-server ngtcp2-client" >&2
  exit 1
}
command -v openssl >/dev/null || { echo "openssl missing" >&2; exit 1; }

pin_server=()
pin_client=()
if command -v taskset >/dev/null && [[ $(nproc) -ge 2 ]]; then
  pin_server=(taskset -c 0)
  pin_client=(taskset -c 1)
fi

mkdir -p "$workdir/htdocs" "$workdir/download"
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir/htdocs" "$workdir/download"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$workdir/key.pem" -out "$workdir/cert.pem" 2>/dev/null
per_stream=$((megabytes * 1024 * 1024 / streams))
head -c "$per_stream" /dev/zero >"$workdir/htdocs/payload"

conn_window=${NGTCP2_CONN_WINDOW:-64M}
stream_window=${NGTCP2_STREAM_WINDOW:-16M}
windows=(--max-data="$conn_window" --max-stream-data-bidi-local="$stream_window"
  --max-stream-data-bidi-remote="$stream_window" --max-window="$conn_window"
  --max-stream-window="$stream_window")
"${pin_server[@]}" "$server_bin" -q --no-quic-dump --no-http-dump -d "$workdir/htdocs" \
  "${windows[@]}" --max-streams-bidi=$((streams + 16)) --timeout=60s \
  127.0.0.1 "$port" "$workdir/key.pem" "$workdir/cert.pem" >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  ss -Hlun "sport = :$port" 2>/dev/null | grep -q . && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
  sleep 0.05
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
client() {
  timeout 300 "${pin_client[@]}" "$client_bin" -q --no-quic-dump --no-http-dump \
    --exit-on-all-streams-close "${windows[@]}" "$@" \
    127.0.0.1 "$port" "https://127.0.0.1:$port/payload"
}

# Untimed check: one stream, the body saved to disk, its size compared.
client -n 1 --download="$workdir/download" >"$workdir/check.log" 2>&1 || {
  cat "$workdir/check.log" >&2; exit 1; }
got=$(stat -c %s "$workdir/download/payload" 2>/dev/null || echo 0)
[[ $got == "$per_stream" ]] || { echo "check fetch got $got bytes, want $per_stream" >&2; exit 1; }

# Children's CPU time from bash's `times` (second line: user and system of waited-for children),
# before and after the timed client; the server's from /proc (it is still running). `times` runs
# in this shell (a command substitution would report the subshell's children).
children_cpu() {
  awk 'NR == 2 { t = 0
    for (i = 1; i <= NF; i++) { split($i, p, "m"); t += p[1] * 60 + p[2] }
    printf "%.3f", t }' "$1"
}
hz=$(getconf CLK_TCK)
server_before=$(cpu_ticks "$server_pid")
times >"$workdir/times.before"
start=$(date +%s.%N)
client -n "$streams" >"$workdir/client.log" 2>&1 || { cat "$workdir/client.log" >&2; exit 1; }
end=$(date +%s.%N)
times >"$workdir/times.after"
server_after=$(cpu_ticks "$server_pid")
client_cpu=$(awk -v a="$(children_cpu "$workdir/times.before")" \
  -v b="$(children_cpu "$workdir/times.after")" 'BEGIN { printf "%.3f", b - a }')

awk -v s="$streams" -v m="$megabytes" -v t0="$start" -v t1="$end" -v b="$per_stream" \
  -v sc="$((server_after - server_before))" -v hz="$hz" -v cc="$client_cpu" 'BEGIN {
  secs = t1 - t0; mib = s * b / 1048576
  printf "mode=ngtcp2 streams=%d payload_mib=%.2f seconds=%.3f mib_per_s=%.1f server_cpu_seconds=%.3f client_cpu_seconds=%s\n",
    s, mib, secs, mib / secs, sc / hz, cc
}'
