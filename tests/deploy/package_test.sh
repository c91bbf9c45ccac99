#!/usr/bin/env bash
# Builds the .deb (scripts/package.sh: Release build, CPack), checks its contents and control data
# and — as root on Debian — installs it with dpkg, verifies the installed unit, checks the user and
# the binary, then purges it. Not root: the install half is skipped (exit 77 after the checks).
# Usage: package_test.sh <source dir> <package build dir>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/check.sh"

src=${1:?usage: $0 <source dir> <package build dir>}
build=${2:?usage: $0 <source dir> <package build dir>}
for tool in dpkg-deb dpkg-shlibdeps file; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (apt-get install dpkg-dev file)"; exit 77; }
done

echo "# building the package in $build (Release, LTO: a few minutes)"
deb=$("$src/scripts/package.sh" "$build" 2>"$build.package.log" | tail -n1)
status=$?
[[ $status -eq 0 && -f "$deb" ]] || tail -n 40 "$build.package.log"
rm -f "$build.package.log"
[[ $status -eq 0 && -f "$deb" ]]; check "scripts/package.sh builds a .deb ($deb)"
[[ -f "$deb" ]] || { finish; exit 1; }
echo "# $(basename "$deb"): $(stat -c %s "$deb") bytes"

contents=$(dpkg-deb -c "$deb")
info=$(dpkg-deb -I "$deb")
echo "$contents"
echo "$info"
has_file() { grep -Eq " \.$1\$" <<<"$contents"; }
for path in /usr/bin/privstack-relay /lib/systemd/system/privstack-relay.service \
  /usr/lib/sysusers.d/privstack-relay.conf /etc/default/privstack-relay \
  /usr/share/doc/privstack-relay/README.md; do
  has_file "$path"; check "package contains $path"
done
grep -Eq '^-rwxr-xr-x root/root .* \./usr/bin/privstack-relay$' <<<"$contents"
check "binary is root-owned, mode 0755"
! grep -q '/var/lib/privstack' <<<"$contents"; check "package ships no state directory or key"
grep -q '^ Package: privstack-relay$' <<<"$info"; check "control: Package privstack-relay"
version=$(sed -n 's/^project(privstack-relay VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
grep -q "^ Version: $version\$" <<<"$info"; check "control: Version $version (the project's)"
grep -Eq '^ Depends: .*libgnutls30.*' <<<"$info"; check "control: Depends computed by dpkg-shlibdeps (libgnutls30)"
grep -Eq '^ Depends: .*libngtcp2' <<<"$info"; check "control: Depends lists libngtcp2"
for script in postinst prerm postrm conffiles; do
  grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$script" <<<"$info"; check "control member $script"
done
dpkg-deb -I "$deb" conffiles | grep -qx '/etc/default/privstack-relay'
check "conffiles: /etc/default/privstack-relay"

# --- install, verify, purge: root on Debian only ---
if [[ $(id -u) -ne 0 ]] || ! command -v dpkg >/dev/null || [[ ! -r /etc/debian_version ]]; then
  finish || exit 1
  echo "SKIP: dpkg -i part needs root on Debian"
  exit 77
fi
if dpkg-query -W -f='${Status}' privstack-relay 2>/dev/null | grep -q 'installed' ||
  [[ -e /usr/bin/privstack-relay || -e /lib/systemd/system/privstack-relay.service ]]; then
  finish || exit 1
  echo "SKIP: privstack-relay is already installed on this machine; not touching it"
  exit 77
fi

user_existed=false
getent passwd privstack >/dev/null && user_existed=true
state_existed=false
[[ -e /var/lib/privstack-relay ]] && state_existed=true
cleanup() {
  dpkg --purge privstack-relay >/dev/null 2>&1
  if ! $user_existed && getent passwd privstack >/dev/null; then
    userdel privstack 2>/dev/null
    getent group privstack >/dev/null && groupdel privstack 2>/dev/null
  fi
  $state_existed || rm -rf /var/lib/privstack-relay
}
trap cleanup EXIT

out=$(dpkg -i "$deb" 2>&1)
check "dpkg -i installs the package" test $? -eq 0
echo "$out"
dpkg-query -W -f='${Status}\n' privstack-relay | grep -q '^install ok installed$'
check "dpkg reports privstack-relay installed"
getent passwd privstack >/dev/null; check "user privstack exists"
getent group privstack >/dev/null; check "group privstack exists"
shell=$(getent passwd privstack | cut -d: -f7)
[[ "$shell" == */nologin || "$shell" == /bin/false ]]; check "user privstack has no login shell ($shell)"
version_out=$(timeout 20 /usr/bin/privstack-relay --version 2>&1)
check "/usr/bin/privstack-relay --version runs ($version_out)" test $? -eq 0
grep -q "$version" <<<"$version_out"; check "--version prints $version"
verify_out=$(systemd-analyze verify --man=no /lib/systemd/system/privstack-relay.service 2>&1)
check "systemd-analyze verify /lib/systemd/system/privstack-relay.service" test $? -eq 0
[[ -n "$verify_out" ]] && echo "$verify_out"
! grep -q 'privstack-relay.service' <<<"$verify_out"; check "verify: no warning about the unit"

# The key directory is never touched by the package: create it as systemd would, then purge.
install -d -m 0700 -o privstack -g privstack /var/lib/privstack-relay
echo test-key >/var/lib/privstack-relay/relay-identity.key
out=$(dpkg --purge privstack-relay 2>&1)
check "dpkg --purge removes the package" test $? -eq 0
echo "$out"
[[ ! -e /usr/bin/privstack-relay && ! -e /lib/systemd/system/privstack-relay.service ]]
check "purge removed the binary and the unit"
[[ ! -e /etc/default/privstack-relay ]]; check "purge removed /etc/default/privstack-relay"
[[ -f /var/lib/privstack-relay/relay-identity.key ]]; check "purge kept the identity key"

finish
