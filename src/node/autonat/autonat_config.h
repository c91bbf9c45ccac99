// Settings of the AutoNAT v1 server (autonat_service.h); apart from the service so that the app's
// options can hold them without pulling in the host. Defaults are rust-libp2p's server defaults.
#pragma once

#include <chrono>

#include "protocol/autonat/client_throttle.h"
#include "protocol/autonat/dial_back_addresses.h"

namespace privstack::node {

struct AutonatConfig {
  protocol::autonat::AddressPolicy addresses;
  protocol::autonat::ThrottleLimits throttle;
  /// Time a peer has to send its DIAL, and we have to deliver the answer.
  std::chrono::milliseconds request_timeout{10'000};
  /// Dial-back budget: no further address is tried after this (rust's request timeout is 30 s;
  /// this plus one handshake timeout stays well under it).
  std::chrono::milliseconds dial_timeout{15'000};
  /// A successful dial-back connection is closed this long after it was established.
  std::chrono::milliseconds close_after{2'000};
  /// Dial back from a socket of our own on an ephemeral port (rust: `allocate_new_port`): a client
  /// behind a port-restricted NAT already lets our listening port in, and would be told it is
  /// public. false: dial from the host's listening socket (Host::dial).
  bool dial_from_new_port = true;
  /// QUIC handshake timeout of each dial-back from that socket (the host's default is also 5 s).
  std::chrono::milliseconds handshake_timeout{5'000};
};

}  // namespace privstack::node
