// Everything the operator can set on the command line, with the Rust original's defaults.
#pragma once

#include <cstdint>
#include <filesystem>

#include "node/kad/kad_config.h"
#include "node/kad/kad_dht_config.h"
#include "protocol/relay/resource_manager.h"

namespace privstack::app {

struct Options {
  std::uint16_t port = 4001;       // UDP port for QUIC
  std::uint16_t http_port = 4002;  // TCP port for the HTTP identity API
  std::filesystem::path identity = "relay-identity.key";
  bool verbose = false;
  // Circuit relay v2 limits (--relay-*), rust-libp2p's defaults; 0 disables a numeric limit.
  protocol::relay::RelayPolicy relay;
  // Kademlia server limits (--kad-*) with rust-libp2p MemoryStore defaults, and the bootstrap
  // peers (--bootstrap, each with /p2p/) that kad-query dials.
  node::KadConfig kad;
  // Client side of the DHT (kad-query): query timeout, refresh and replication intervals.
  node::KadDhtConfig kad_dht;
};

}  // namespace privstack::app
