# Install rules for the service files and the Debian package (CPack DEB). scripts/package.sh builds
# the .deb: Release, CMAKE_INSTALL_PREFIX=/usr, then `cpack -G DEB`.
#
# With the Debian prefix /usr, system files go where Debian 12 packages put them: the unit in
# /lib/systemd/system, the sysusers.d file in /usr/lib/sysusers.d, the defaults in /etc/default.
# Those are absolute paths, so install into a staging root with DESTDIR (as the tests do):
#   DESTDIR=/tmp/root cmake --install build
# With any other prefix (/usr/local by default) everything stays under the prefix.
include(GNUInstallDirs)

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(privstack_unit_default /lib/systemd/system)
  set(privstack_sysusers_default /usr/lib/sysusers.d)
  set(privstack_default_default /etc/default)
else()
  set(privstack_unit_default lib/systemd/system)
  set(privstack_sysusers_default lib/sysusers.d)
  set(privstack_default_default ${CMAKE_INSTALL_SYSCONFDIR}/default)
endif()
set(PRIVSTACK_SYSTEMD_UNIT_DIR ${privstack_unit_default} CACHE STRING "Install directory of the systemd unit")
set(PRIVSTACK_SYSUSERS_DIR ${privstack_sysusers_default} CACHE STRING "Install directory of the sysusers.d file")
set(PRIVSTACK_DEFAULTS_DIR ${privstack_default_default} CACHE STRING "Install directory of the /etc/default file")

# The unit in deploy/ names the Debian path /usr/bin/privstack-relay; another prefix gets its own.
file(READ ${PROJECT_SOURCE_DIR}/deploy/privstack-relay.service privstack_unit)
string(REPLACE "/usr/bin/privstack-relay" "${CMAKE_INSTALL_FULL_BINDIR}/privstack-relay" privstack_unit
               "${privstack_unit}")
file(GENERATE OUTPUT ${PROJECT_BINARY_DIR}/deploy/privstack-relay.service CONTENT "${privstack_unit}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/privstack-relay.service)

install(FILES ${PROJECT_BINARY_DIR}/deploy/privstack-relay.service DESTINATION ${PRIVSTACK_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/deploy/privstack-relay.sysusers DESTINATION ${PRIVSTACK_SYSUSERS_DIR}
        RENAME privstack-relay.conf)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/privstack-relay.default DESTINATION ${PRIVSTACK_DEFAULTS_DIR}
        RENAME privstack-relay)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The metrics engineer's Grafana dashboard, for operators to import (when it is in the tree).
if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/grafana-dashboard.json)
  install(FILES ${PROJECT_SOURCE_DIR}/deploy/grafana-dashboard.json DESTINATION ${CMAKE_INSTALL_DOCDIR})
endif()

# --- CPack: one .deb, privstack-relay_<version>_<arch>.deb ---
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME privstack-relay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "PrivStack maintainers <relay@privstack.invalid>" CACHE STRING "Debian Maintainer field")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "libp2p relay and Kademlia DHT bootstrap node for PrivStack")
# The summary is the Description's first line; CPack indents these body lines itself.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A stateless libp2p node over QUIC v1: circuit relay v2 and Kademlia\n\
(/ipfs/kad/1.0.0), wire-compatible with rust-libp2p, go-libp2p and\n\
js-libp2p, with a small HTTP identity API. Runs as the systemd service\n\
privstack-relay under the system user privstack.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Dependencies come from the binary's shared libraries (dpkg-shlibdeps, from dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Maintainer scripts: user creation, daemon-reload, restart on upgrade; /etc/default is a conffile.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only what the install rules above and in src/app name; no source package.
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
