#include "node/peer_registry.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;

crypto::PeerId random_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

ConnectionRecord connection(std::uint64_t id,
                            std::string_view address = "/ip4/1.2.3.4/udp/5/quic-v1") {
  ConnectionRecord record;
  record.id = id;
  record.remote_address = *mf::Multiaddr::parse(address);
  return record;
}

TEST(PeerRegistry, TracksConnectionsAndForgetsPeersWithNone) {
  PeerRegistry registry;
  auto peer = random_peer();
  registry.add_connection(peer, connection(1));
  registry.add_connection(peer, connection(2));
  ASSERT_NE(registry.find(peer), nullptr);
  EXPECT_EQ(registry.find(peer)->connections.size(), 2U);
  EXPECT_EQ(registry.open_connections(), 2U);
  EXPECT_EQ(registry.connected_peers(), 1U);

  registry.remove_connection(peer, 1);
  EXPECT_EQ(registry.open_connections(), 1U);
  ASSERT_NE(registry.find(peer), nullptr);
  registry.remove_connection(peer, 2);
  EXPECT_EQ(registry.find(peer), nullptr);
  EXPECT_EQ(registry.open_connections(), 0U);
  // Unknown ids and peers are ignored.
  registry.remove_connection(peer, 2);
  registry.remove_connection(random_peer(), 7);
  EXPECT_EQ(registry.open_connections(), 0U);
}

TEST(PeerRegistry, PeersServedCountsDistinctPeersForever) {
  PeerRegistry registry;
  auto a = random_peer();
  auto b = random_peer();
  registry.add_connection(a, connection(1));
  registry.remove_connection(a, 1);
  registry.add_connection(a, connection(2));
  registry.add_connection(b, connection(3));
  EXPECT_EQ(registry.peers_served(), 2U);
}

TEST(PeerRegistry, IdentifyIsStoredAndAnnounced) {
  PeerRegistry registry;
  auto peer = random_peer();
  int identified = 0;
  registry.on_identified([&](const PeerRecord& record) {
    ++identified;
    EXPECT_TRUE(record.supports("/ipfs/kad/1.0.0"));
    EXPECT_FALSE(record.supports("/ipfs/kad/2.0.0"));
  });
  registry.update_identify(peer, {});  // unknown peer: ignored
  EXPECT_EQ(identified, 0);

  registry.add_connection(peer, connection(1));
  IdentifyUpdate update;
  update.listen_addresses = {*mf::Multiaddr::parse("/ip4/5.6.7.8/udp/4001/quic-v1")};
  update.protocols = {"/ipfs/id/1.0.0", "/ipfs/kad/1.0.0"};
  update.agent_version = "rust-libp2p/0.56";
  registry.update_identify(peer, update);
  EXPECT_EQ(identified, 1);
  const PeerRecord* record = registry.find(peer);
  ASSERT_NE(record, nullptr);
  EXPECT_TRUE(record->identified);
  EXPECT_EQ(record->listen_addresses.size(), 1U);
  EXPECT_EQ(record->agent_version, "rust-libp2p/0.56");
}

TEST(PeerRegistry, EventsCarryTheConnection) {
  PeerRegistry registry;
  auto peer = random_peer();
  std::vector<std::string> events;
  registry.on_connected([&](const PeerRecord& p, const ConnectionRecord& c) {
    EXPECT_EQ(p.id, peer);
    events.push_back("connected " + std::to_string(c.id));
  });
  registry.on_disconnected([&](const PeerRecord& p, const ConnectionRecord& c) {
    EXPECT_EQ(p.id, peer);
    events.push_back("disconnected " + std::to_string(c.id) + " left " +
                     std::to_string(p.connections.size()));
  });
  registry.add_connection(peer, connection(4));
  registry.add_connection(peer, connection(5));
  registry.remove_connection(peer, 4);
  registry.remove_connection(peer, 5);
  EXPECT_EQ(events, (std::vector<std::string>{"connected 4", "connected 5", "disconnected 4 left 1",
                                              "disconnected 5 left 0"}));
}

}  // namespace
}  // namespace privstack::node
