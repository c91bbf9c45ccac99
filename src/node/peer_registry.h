// Who is connected, over which addresses, and what they told us in identify. Pure bookkeeping: the
// host feeds it transport events, and the protocols that need peers (kad, relay) subscribe to its
// events instead of to the transport, the way rust-libp2p behaviours see swarm events.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/distinct_counter.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::node {

struct ConnectionRecord {
  std::uint64_t id = 0;
  multiformats::Multiaddr remote_address;  // e.g. /ip4/1.2.3.4/udp/5678/quic-v1
  bool inbound = true;
  std::chrono::steady_clock::time_point since{};
};

struct PeerRecord {
  explicit PeerRecord(crypto::PeerId peer) : id(std::move(peer)) {}

  crypto::PeerId id;
  std::vector<ConnectionRecord> connections;
  // From identify (empty until it arrives). Listen addresses are what the peer says it is
  // reachable at; the connection address of an inbound peer is usually an ephemeral port.
  bool identified = false;
  std::vector<multiformats::Multiaddr> listen_addresses;
  std::vector<std::string> protocols;
  std::string agent_version;
  std::string protocol_version;

  bool supports(std::string_view protocol) const;
};

struct IdentifyUpdate {
  std::vector<multiformats::Multiaddr> listen_addresses;
  std::vector<std::string> protocols;
  std::string agent_version;
  std::string protocol_version;
};

class PeerRegistry {
 public:
  using ConnectionEvent = std::function<void(const PeerRecord&, const ConnectionRecord&)>;
  using PeerEvent = std::function<void(const PeerRecord&)>;

  /// Subscriptions, called synchronously in registration order.
  void on_connected(ConnectionEvent handler) { connected_.push_back(std::move(handler)); }
  void on_identified(PeerEvent handler) { identified_.push_back(std::move(handler)); }
  void on_disconnected(ConnectionEvent handler) { disconnected_.push_back(std::move(handler)); }

  void add_connection(const crypto::PeerId& peer, ConnectionRecord connection);
  /// Removes the connection; the peer is forgotten when its last connection goes.
  void remove_connection(const crypto::PeerId& peer, std::uint64_t connection_id);
  /// Replaces the identify view of a connected peer (ignored for unknown peers).
  void update_identify(const crypto::PeerId& peer, IdentifyUpdate update);

  const PeerRecord* find(const crypto::PeerId& peer) const;
  std::size_t connected_peers() const { return peers_.size(); }
  std::size_t open_connections() const { return open_connections_; }
  /// Distinct peers that have ever connected (the spec's `peers_served`): exact up to 65,536
  /// peers, a HyperLogLog estimate (±1 %) beyond, so its memory stays bounded (16 KiB).
  std::uint64_t peers_served() const { return served_.count(); }

  template <typename Visitor>
  void for_each(Visitor&& visit) const {
    for (const auto& [id, record] : peers_)
      visit(record);
  }

 private:
  std::unordered_map<crypto::PeerId, PeerRecord> peers_;
  // 64-bit digests of peer ids; it lives as long as the process, so it must not grow with every
  // fresh identity a peer mints (see DistinctCounter). A collision only undercounts by one.
  DistinctCounter served_;
  std::size_t open_connections_ = 0;
  std::vector<ConnectionEvent> connected_;
  std::vector<PeerEvent> identified_;
  std::vector<ConnectionEvent> disconnected_;
};

}  // namespace privstack::node
