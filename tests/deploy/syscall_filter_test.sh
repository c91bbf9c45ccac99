#!/usr/bin/env bash
# The unit's seccomp filter fits the relay: every system call the relay makes while starting,
# serving the HTTP API and /metrics, and shutting down is in SystemCallFilter=@system-service and
# not in the ~@privileged it removes; and every socket family it opens is in
# RestrictAddressFamilies=. Measured with strace, without systemd (which a container may lack).
# (The ASan+UBSan build's runtime calls fit too: 53 calls, none outside.)
# Usage: syscall_filter_test.sh <privstack-relay binary> <unit file>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"

relay=${1:?usage: $0 <privstack-relay binary> <unit file>}
unit=${2:?usage: $0 <privstack-relay binary> <unit file>}
for tool in strace systemd-analyze curl ss; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done

work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n "$pid" ]]; then
    pkill -KILL -P "$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    ss -Hlntu "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}
quic_port=$(free_port)
http_port=$(free_port)
metrics_port=$(free_port)

strace -f -qq -o /dev/null true 2>/dev/null || { echo "SKIP: strace cannot trace here (ptrace denied)"; exit 77; }

ASAN_OPTIONS=detect_leaks=0 strace -f -qq -o "$work/trace" "$relay" --identity "$work/key" \
  --port "$quic_port" --http-port "$http_port" --metrics-listen "127.0.0.1:$metrics_port" \
  >"$work/stdout" 2>"$work/stderr" &
pid=$!
# Bounded wait for the HTTP API (fails on hang, never asserts a time).
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$http_port/api/v1/identity" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$http_port/api/v1/identity" >/dev/null
check "relay serves its HTTP API under strace"
curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null; check "relay serves /metrics under strace"
# Signal the relay itself: strace does not forward a SIGTERM sent to it.
relay_pid=$(pgrep -P "$pid" | head -n1)
[[ -n "$relay_pid" ]]; check "found the traced relay process"
kill -TERM "${relay_pid:-$pid}"
for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid" ${relay_pid:+"$relay_pid"} 2>/dev/null
  false
fi
check "relay exits on SIGTERM (bounded wait)"
wait "$pid"
check "relay exits 0 on SIGTERM" test $? -eq 0
pid=

# Names of the calls made ("123 name(args" lines; resumed calls were counted when they started).
sed -n 's/^[0-9]\+ \+\([a-z_0-9]\+\)(.*/\1/p' "$work/trace" | sort -u >"$work/used"
echo "# $(wc -l <"$work/used") distinct system calls: $(tr '\n' ' ' <"$work/used")"

# The sets, expanded recursively from systemd's own tables.
expand() {
  systemd-analyze syscall-filter "$1" | sed -e 's/^ *//' -e '/^#/d' -e '/^$/d' | tail -n +2 |
    while read -r name; do
      if [[ $name == @* ]]; then expand "$name"; else echo "$name"; fi
    done
}
allowed=$(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$unit")
denied=$(sed -n 's/^SystemCallFilter=~\(.*\)/\1/p' "$unit")
for set in $allowed; do expand "$set"; done | sort -u >"$work/allowed"
for set in $denied; do expand "$set"; done | sort -u >"$work/denied"
outside=$(comm -23 "$work/used" "$work/allowed" | tr '\n' ' ')
removed=$(comm -12 "$work/used" "$work/denied" | tr '\n' ' ')
[[ -z "${outside// /}" ]]; check "every call is in SystemCallFilter=$allowed (outside: ${outside:-none})"
[[ -z "${removed// /}" ]]; check "no call is in SystemCallFilter=~$denied (found: ${removed:-none})"

families=$(sed -n 's/^RestrictAddressFamilies=//p' "$unit")
opened=$(grep -o 'socket(AF_[A-Z0-9]*' "$work/trace" | sed 's/socket(//' | sort -u | tr '\n' ' ')
echo "# socket families opened: $opened"
for family in $opened; do
  [[ " $families " == *" $family "* ]]; check "$family is in RestrictAddressFamilies="
done

finish
