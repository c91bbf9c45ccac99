// The Kademlia DHT server on top of the host (`/ipfs/kad/1.0.0`, server mode): answers every
// request type through protocol::kad::RequestHandler, and keeps the routing table in step with the
// peer registry.
//
// Streams: requests are read until EOF (go reuses one stream for many), each answered with the
// same type; any malformed frame or request resets the stream with a debug log line and touches
// nothing else. At most max_inbound_streams_per_connection concurrent kad streams per connection
// (more are reset at once), and each stream has an idle deadline per request.
//
// Routing table membership (spec "peer handling", digest §7, rust's rules):
//  - a peer is a *kad peer* once its identify lists /ipfs/kad/1.0.0, or once it opened a kad
//    stream to us (it negotiated the protocol, so it speaks it);
//  - its advertised addresses are its identify listen addresses plus, for connections we dialed,
//    the dialed address. The source address of an inbound connection is recorded by the registry
//    but never advertised: it is usually an ephemeral NAT port (rust refuses it too);
//  - a connected kad peer with at least one advertisable address (not 0.0.0.0/::) is inserted (or
//    refreshed) as CONNECTED; a peer whose identify (or push) no longer lists kad, and that never
//    opened a kad stream, is removed;
//  - when its last connection closes the entry stays, marked NOT_CONNECTED. A full bucket lets a
//    new peer replace its longest-disconnected entry; if all are connected the newcomer waits
//    (not added). Entries disconnected for routing.disconnected_ttl (1 h) are swept.
//
// For kad-query: routing_table(), records(), providers() and host() are the shared state the
// client side (lookups, bootstrap, refresh, replication) works on; config().bootstrap.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/steady_timer.hpp>

#include "node/host.h"
#include "node/kad/kad_config.h"
#include "protocol/kad/provider_store.h"
#include "protocol/kad/record_store.h"
#include "protocol/kad/request_handler.h"
#include "protocol/kad/routing_table.h"

namespace privstack::node {

/// Inbound kad requests (issue 6, metrics), by request type (PUT_VALUE, FIND_NODE, ...; from
/// protocol::kad::to_string) and outcome: "ok" answered (or ADD_PROVIDER stored), "refused" the
/// handler rejected it, "error" our answer could not be written; under type "UNKNOWN",
/// "malformed" messages that did not decode and "read_error" frames that could not be read
/// (oversized, reset, idle timeout). Plain numbers on the io_context thread.
struct KadCounters {
  std::map<std::pair<std::string, std::string>, std::uint64_t> requests;  // (type, outcome)
};

class KadService : public std::enable_shared_from_this<KadService> {
 public:
  /// Registers /ipfs/kad/1.0.0 on `host` and subscribes to its peer events. Install it before
  /// identify, which advertises the host's protocols.
  static std::shared_ptr<KadService> install(const std::shared_ptr<Host>& host, KadConfig config);
  ~KadService();
  KadService(const KadService&) = delete;
  KadService& operator=(const KadService&) = delete;

  /// Stops the periodic sweep so the io_context can run out of work.
  void stop();
  /// Drops expired records and providers and stale disconnected entries now (also periodic).
  void sweep();

  protocol::kad::RoutingTable& routing_table() { return routing_; }
  protocol::kad::RecordStore& records() { return records_; }
  protocol::kad::ProviderStore& providers() { return providers_; }
  const KadConfig& config() const { return config_; }
  std::shared_ptr<Host> host() const { return host_.lock(); }

  /// Kad streams currently open to us, over all connections (for tests and metrics).
  std::size_t inbound_streams() const { return inbound_streams_total_; }
  /// Requests served so far, by type and outcome (for metrics).
  const KadCounters& counters() const { return counters_; }

 private:
  KadService(const std::shared_ptr<Host>& host, KadConfig config);
  void subscribe(Host& host);
  asio::awaitable<void> serve(StreamPtr stream, ConnectionPtr connection);
  asio::awaitable<void> serve_requests(Host& host, StreamPtr stream, crypto::PeerId peer);
  /// Re-evaluates one peer's routing-table entry from the registry (see the header comment).
  void consider(const PeerRecord& peer);
  void start_sweeper();
  std::vector<multiformats::Multiaddr> lookup_addresses(const crypto::PeerId& peer) const;
  bool is_connected(const crypto::PeerId& peer) const;

  std::weak_ptr<Host> host_;
  KadConfig config_;
  protocol::kad::RoutingTable routing_;
  protocol::kad::RecordStore records_;
  protocol::kad::ProviderStore providers_;
  protocol::kad::RequestHandler handler_;
  // Connected peers that opened a kad stream; forgotten with their last connection.
  std::unordered_set<crypto::PeerId> kad_stream_peers_;
  // Open inbound kad streams per connection id.
  std::unordered_map<std::uint64_t, std::size_t> inbound_streams_;
  std::size_t inbound_streams_total_ = 0;
  std::shared_ptr<asio::steady_timer> sweep_timer_;
  KadCounters counters_;
  bool stopped_ = false;
};

}  // namespace privstack::node
