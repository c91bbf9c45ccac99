#!/usr/bin/env bash
# The systemd unit as `cmake --install` installs it passes `systemd-analyze verify` (with its
# ExecStart binary resolvable: the staged copy), carries the hardening the deployment promises, and
# the sysusers.d file parses. Usage: unit_verify_test.sh <configured build dir with privstack-relay>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"

build=${1:?usage: $0 <build dir>}
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed (apt-get install systemd)"; exit 77; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# DESTDIR keeps every path (absolute ones included) inside the staging root.
DESTDIR=$root cmake --install "$build" >"$root.install.log" 2>&1
check "cmake --install into a staging root" test $? -eq 0
cat "$root.install.log"; rm -f "$root.install.log"

unit=$(find "$root" -name privstack-relay.service -type f | head -n1)
sysusers=$(find "$root" -path '*sysusers.d/privstack-relay.conf' -type f | head -n1)
defaults=$(find "$root" -path '*default/privstack-relay' -type f | head -n1)
[[ -n "$unit" ]]; check "unit installed (${unit#"$root"})"
[[ -n "$sysusers" ]]; check "sysusers.d file installed (${sysusers#"$root"})"
[[ -n "$defaults" ]]; check "/etc/default file installed (${defaults#"$root"})"
[[ -n "$unit" ]] || { finish; exit 1; }

exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[[ -x "$root$exec_path" ]]; check "ExecStart binary $exec_path is installed and executable"

# Verify a copy whose ExecStart points into the staging root: verify checks the binary exists.
mkdir -p "$root/verify"
sed "s#^ExecStart=$exec_path#ExecStart=$root$exec_path#" "$unit" >"$root/verify/privstack-relay.service"
output=$(cd "$root/verify" && systemd-analyze verify --man=no ./privstack-relay.service 2>&1)
status=$?
[[ -n "$output" ]] && echo "$output"
[[ $status -eq 0 ]]; check "systemd-analyze verify exits 0"
# verify reports unknown keys and bad values as warnings with exit 0; the unit must have none.
# (Lines about other units, e.g. the host's own, are not ours.)
! grep -q 'privstack-relay.service' <<<"$output"; check "systemd-analyze verify: no warning about the unit"

# The hardening the deployment promises; a lost line here is a regression.
for directive in 'Type=notify' 'WatchdogSec=' 'Restart=always' 'RestartSec=5' 'User=privstack' \
  'StateDirectory=privstack-relay' 'StateDirectoryMode=0700' 'NoNewPrivileges=yes' \
  'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
  'CapabilityBoundingSet=$' 'AmbientCapabilities=$' \
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK' 'SystemCallFilter=@system-service' \
  'MemoryDenyWriteExecute=yes' 'LockPersonality=yes' 'RestrictRealtime=yes' 'RestrictNamespaces=yes' \
  'ProtectKernelTunables=yes' 'ProtectKernelModules=yes' 'ProtectKernelLogs=yes' \
  'ProtectControlGroups=yes' 'LimitNOFILE=65536' 'EnvironmentFile=-/etc/default/privstack-relay' \
  'ExecStart=[^ ]*/privstack-relay --identity /var/lib/privstack-relay/relay-identity.key \$RELAY_ARGS$'; do
  grep -q "^$directive" "$unit"; check "unit has $directive"
done

# systemd's own exposure score of the sandbox (lower is better; informational, not asserted).
if score=$(cd "$root/verify" && systemd-analyze security --offline=yes ./privstack-relay.service 2>/dev/null |
  grep -o 'Overall exposure level.*'); then
  echo "# systemd-analyze security: $score"
fi

if [[ -n "$sysusers" ]] && command -v systemd-sysusers >/dev/null; then
  mkdir -p "$root/sysroot/etc"
  out=$(systemd-sysusers --root="$root/sysroot" --dry-run "$sysusers" 2>&1)
  check "systemd-sysusers accepts the sysusers.d file" test $? -eq 0
  echo "$out"
  grep -q "privstack" <<<"$out"; check "sysusers.d creates user privstack"
fi

finish
