// Every knob of the Kademlia service, with rust-libp2p's defaults where rust has one. The app fills
// it from the command line (--kad-*, --bootstrap); 0 means "no limit" for the store limits.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "multiformats/multiaddr.h"
#include "protocol/kad/message.h"
#include "protocol/kad/provider_store.h"
#include "protocol/kad/record_store.h"
#include "protocol/kad/request_handler.h"
#include "protocol/kad/routing_table.h"

namespace privstack::node {

struct KadConfig {
  protocol::kad::RoutingTableConfig routing;
  protocol::kad::RecordStoreLimits records;
  protocol::kad::ProviderStoreLimits providers;
  protocol::kad::RequestHandlerConfig requests;
  protocol::kad::DecodeLimits decode;

  /// Largest request frame body we read. rust sends at most 16 KiB, go up to 4 MiB; this admits a
  /// PUT_VALUE carrying a value of rust's max_value_bytes (65 KiB) plus its key and envelope.
  std::size_t max_message_bytes = 80 * 1024;
  /// Every answer is fitted under rust's 16 KiB frame limit (see encode_fitting).
  std::size_t max_response_frame = protocol::kad::kRustMaxFrame;
  /// Addresses sent per peer in closerPeers / providerPeers.
  std::size_t max_addrs_per_peer_sent = 8;
  /// Concurrent inbound kad streams per connection (rust: 32); more are reset. 0 = no limit.
  std::size_t max_inbound_streams_per_connection = 32;
  /// A stream with no complete request (or whose answer cannot be written) for this long is reset
  /// (go resets an idle inbound stream after 1 min).
  std::chrono::milliseconds stream_idle_timeout{60'000};
  /// How often expired records/providers and stale disconnected routing entries are dropped.
  std::chrono::milliseconds sweep_interval{60'000};

  /// Peers to join the DHT through (`--bootstrap`, each with /p2p/); used by kad-query's
  /// bootstrap, not by the server.
  std::vector<multiformats::Multiaddr> bootstrap;
};

}  // namespace privstack::node
