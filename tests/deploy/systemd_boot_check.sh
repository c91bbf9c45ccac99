#!/usr/bin/env bash
# Manual check (not in ctest: it downloads Debian, ~2 min, and needs root): the .deb on a fresh
# Debian 12 root file system, under a real systemd as PID 1 in private pid/mount/net namespaces
# (so it works inside a container without systemd; the relay only sees a loopback network).
# Checks: install does not start the relay; enable --now gets READY (Type=notify) with the full
# sandbox; key 0600 in a 0700 StateDirectory owned by privstack; the HTTP API answers; kill -9 is
# restarted; a stopped (hung) relay is killed by the watchdog and restarted; an upgrade restarts it
# with the same peer id; purge stops it and keeps the key.
# Usage: sudo tests/deploy/systemd_boot_check.sh <privstack-relay_*.deb>   (needs mmdebstrap)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"

deb=$(realpath "${1:?usage: $0 <privstack-relay .deb>}")
[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
command -v mmdebstrap >/dev/null || { echo "SKIP: apt-get install mmdebstrap"; exit 77; }

# PRIVSTACK_BOOT_ROOT=<dir>: build the root there once and keep it (faster reruns).
keep=false
if [[ -n "${PRIVSTACK_BOOT_ROOT:-}" ]]; then
  root=$PRIVSTACK_BOOT_ROOT
  keep=true
  mkdir -p "$root"
else
  root=$(mktemp -d /tmp/privstack-boot.XXXXXX)
fi
ns_pid=
cleanup() {
  [[ -n "$ns_pid" ]] && kill -KILL "$ns_pid" 2>/dev/null
  sleep 1
  umount "$root/proc" 2>/dev/null
  $keep || rm -rf "$root"
}
trap cleanup EXIT
trap "exit 1" INT TERM

if [[ ! -x "$root/lib/systemd/systemd" ]]; then
echo "# building a fresh bookworm root in $root"
mmdebstrap --variant=apt --include=systemd,curl,ca-certificates,procps bookworm "$root" \
  "deb http://deb.debian.org/debian bookworm main" \
  "deb http://deb.debian.org/debian bookworm-backports main" >"$root.log" 2>&1
check "mmdebstrap bookworm (+ backports)" test $? -eq 0 || { tail -5 "$root.log"; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
fi
cp "$deb" "$root/root/relay.deb"
mount -t proc proc "$root/proc"
# mmdebstrap leaves no package lists behind: update first, as on any fresh machine.
out=$(chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y /root/relay.deb' 2>&1)
check "apt-get install ./relay.deb resolves its Depends on a fresh machine" test $? -eq 0 ||
  { echo "$out" | tail -20; exit 1; }
chroot "$root" systemd-analyze verify /lib/systemd/system/privstack-relay.service
check "systemd-analyze verify on the fresh machine"
umount "$root/proc"

# systemd wants / to be a mount point: bind the root on itself and pivot into it.
cat >"$root/boot.sh" <<'INNER'
#!/bin/sh
set -e
mount --make-rprivate /
mount --bind "$1" "$1"
mount -t proc proc "$1/proc"
cd "$1"
mkdir -p old-root
pivot_root . old-root
exec chroot . sh -c 'umount -l /old-root; exec /lib/systemd/systemd --system --log-target=console'
INNER
chmod 755 "$root/boot.sh"
unshare --pid --fork --mount --net --uts --ipc --kill-child "$root/boot.sh" "$root" >/dev/null 2>&1 &
ns_pid=$!
in_ns() { timeout 60 nsenter -t "$init_pid" -a -r -w "$@"; }
init_pid=
for _ in $(seq 1 100); do
  init_pid=$(pgrep -P "$ns_pid" | head -n1) # unshare's child, exec'd into systemd
  # is-system-running exits non-zero until the boot is complete: test its output, not its status.
  [[ -n "$init_pid" && $(in_ns systemctl is-system-running 2>/dev/null) =~ starting|running|degraded ]] && break
  sleep 0.3
done
[[ $(in_ns systemctl is-system-running 2>/dev/null) =~ starting|running|degraded ]]
check "systemd boots as PID 1 in the namespaces" || exit 1

state() { in_ns systemctl show -p "$1" --value privstack-relay; }
wait_active() {
  for _ in $(seq 1 200); do [[ $(state ActiveState) == active && -n $(in_ns pidof privstack-relay) ]] && return 0; sleep 0.2; done
  return 1
}
[[ $(state ActiveState) == inactive ]]; check "install did not start the relay"
in_ns systemctl enable --now privstack-relay >/dev/null 2>&1
wait_active; check "enable --now: active (Type=notify READY received)" || exit 1
echo "# status: $(state StatusText)"
in_ns stat -c '%U %a' /var/lib/privstack-relay | grep -qx 'privstack 700'; check "state dir privstack 0700"
in_ns stat -c '%U %a' /var/lib/privstack-relay/relay-identity.key | grep -qx 'privstack 600'
check "key privstack 0600"
peer=$(in_ns curl -s localhost:4002/api/v1/identity | sed -n 's/.*"peer_id":"\([^"]*\)".*/\1/p')
[[ -n "$peer" ]]; check "HTTP API answers ($peer)"
relay=$(in_ns pidof privstack-relay)
in_ns grep -q '^NoNewPrivs:.1' "/proc/$relay/status"; check "NoNewPrivileges in force"
in_ns grep -q '^CapEff:.0000000000000000' "/proc/$relay/status"; check "no effective capabilities"
in_ns grep -q '^Seccomp:.2' "/proc/$relay/status"; check "seccomp filter in force"

in_ns kill -KILL "$relay"
sleep 6
wait_active && [[ $(in_ns pidof privstack-relay) != "$relay" ]]; check "kill -9: restarted (Restart=always)"
relay=$(in_ns pidof privstack-relay)
in_ns kill -STOP "$relay"
echo "# SIGSTOP the relay; the watchdog (WatchdogSec=30) must kill and restart it"
for _ in $(seq 1 60); do [[ $(in_ns pidof privstack-relay) != "$relay" ]] && break; sleep 1; done
wait_active && [[ $(in_ns pidof privstack-relay) != "$relay" ]]; check "hung relay killed by the watchdog and restarted"

relay=$(in_ns pidof privstack-relay)
in_ns dpkg -i /root/relay.deb >/dev/null 2>&1; check "dpkg -i over the installed package (upgrade)"
wait_active && [[ $(in_ns pidof privstack-relay) != "$relay" ]]; check "upgrade restarted the running relay"
again=$(in_ns curl -s localhost:4002/api/v1/identity | sed -n 's/.*"peer_id":"\([^"]*\)".*/\1/p')
[[ "$again" == "$peer" ]]; check "same peer id after the upgrade"
in_ns env DEBIAN_FRONTEND=noninteractive apt-get purge -y privstack-relay >/dev/null 2>&1
check "apt-get purge"
[[ $(state ActiveState) != active ]]; check "purge stopped the relay"
in_ns test -f /var/lib/privstack-relay/relay-identity.key; check "purge kept the key"

finish
