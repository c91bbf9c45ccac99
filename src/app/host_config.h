// The libp2p host's configuration from the operator's options: listen addresses, the QUIC limits
// and timeouts. A function of its own so a unit test can check that every flag reaches the
// transport (EndpointConfig) and the host (HostConfig) without binding a socket.
#pragma once

#include "app/options.h"
#include "node/host.h"

namespace privstack::app {

/// QUIC on both wildcards at options.port (the v6 socket is v6-only so both bind one port), with
/// the connection limits and timeouts of the command line.
node::HostConfig make_host_config(const Options& options);

}  // namespace privstack::app
