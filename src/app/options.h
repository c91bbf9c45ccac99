// Everything the operator can set on the command line, with the Rust original's defaults.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "app/logging.h"
#include "app/metrics_config.h"
#include "multiformats/multiaddr.h"
#include "node/autonat/autonat_config.h"
#include "node/kad/kad_config.h"
#include "node/kad/kad_dht_config.h"
#include "protocol/relay/resource_manager.h"

namespace privstack::app {

struct Options {
  std::uint16_t port = 4001;       // UDP port for QUIC
  std::uint16_t http_port = 4002;  // TCP port for the HTTP identity API
  // HTTP connection caps (--http-max-connections, --http-max-connections-per-ip; 0 = no cap): one
  // slowloris host must not lock others out of the identity and health endpoints.
  std::size_t http_max_connections = 256;
  std::size_t http_max_connections_per_ip = 16;
  std::filesystem::path identity = "relay-identity.key";
  bool verbose = false;
  // QUIC transport limits (issue 8; README "Connection limits" has the arithmetic): connections
  // in any state, per IPv4 address or IPv6 /64, and inbound handshakes in progress (0 = no limit
  // for these three); concurrent streams a peer may open on one connection (>= 1).
  std::size_t max_connections = 8192;
  std::size_t max_connections_per_ip = 256;
  std::size_t max_pending_handshakes = 1024;
  std::uint64_t max_streams_per_connection = 256;
  // QUIC/libp2p timeouts that were hard-coded: inbound handshakes in progress before new clients
  // must first answer a Retry (--retry-threshold; 0 = always Retry), the QUIC handshake deadline
  // (--handshake-timeout) and the multistream-select deadline of a new stream
  // (--negotiation-timeout). Defaults are the previous constants (rust-libp2p's, README).
  std::size_t retry_threshold = 128;
  std::chrono::seconds handshake_timeout{5};
  std::chrono::seconds negotiation_timeout{10};
  // Circuit relay v2 limits (--relay-*), rust-libp2p's defaults; 0 disables a numeric limit.
  protocol::relay::RelayPolicy relay;
  // Kademlia server limits (--kad-*) with rust-libp2p MemoryStore defaults, and the bootstrap
  // peers (--bootstrap, each with /p2p/) that kad-query dials.
  node::KadConfig kad;
  // Client side of the DHT (kad-query): query timeout, refresh and replication intervals.
  node::KadDhtConfig kad_dht;
  // Operations (issue 6): addresses clients can dial (--announce, then --external-ip, validated;
  // empty = advertise the interface addresses, as the original), shutdown bound, log format.
  std::vector<multiformats::Multiaddr> announce;
  std::chrono::seconds shutdown_timeout{5};
  LogFormat log_format = LogFormat::text;
  // Metrics (issue 6): the /metrics listener (--metrics-listen; default loopback only, "off" =
  // none) and the stats log period (--stats-interval); --metrics-on-http-port also serves
  // /metrics on the public HTTP port.
  MetricsConfig metrics;
  bool metrics_on_http_port = false;
  // AutoNAT v1 server (issue 6): on unless --no-autonat, with rust-libp2p's server limits
  // (--autonat-*); only clients observed at a global IP unless --autonat-allow-private.
  bool autonat = true;
  node::AutonatConfig autonat_config;
};

}  // namespace privstack::app
