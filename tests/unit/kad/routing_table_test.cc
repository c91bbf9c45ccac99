// The routing table: bucket placement, K per bucket, the full-bucket policy (a disconnected entry
// makes room, connected ones do not), address filtering, closest() ordering and eviction.
#include "protocol/kad/routing_table.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "test_util.h"

namespace privstack::protocol::kad {
namespace {

using test::addr;
using test::quic;
using test::random_peer;

// Fresh peers that fall into `bucket` of `table` (bucket 255 takes half of all ids).
std::vector<crypto::PeerId> peers_in_bucket(const RoutingTable& table, std::size_t bucket,
                                            std::size_t count) {
  std::vector<crypto::PeerId> out;
  while (out.size() < count) {
    auto peer = random_peer();
    if (bucket_index(table.local_key().distance(KadKey::from_peer(peer))) == bucket)
      out.push_back(peer);
  }
  return out;
}

TEST(RoutingTable, InsertsPeersWithAddressesIntoTheirBucket) {
  RoutingTable table(random_peer());
  const auto now = Clock::now();
  auto peer = random_peer();
  EXPECT_EQ(table.upsert(peer, {quic(1)}, true, now), UpsertOutcome::inserted);
  EXPECT_EQ(table.size(), 1U);
  const auto* entry = table.find(peer);
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->connected);
  auto index = bucket_index(table.local_key().distance(KadKey::from_peer(peer)));
  ASSERT_TRUE(index);
  EXPECT_EQ(table.bucket(*index).size(), 1U);
  EXPECT_EQ(table.non_empty_buckets(), std::vector<std::size_t>{*index});
  EXPECT_EQ(table.upsert(peer, {quic(2)}, false, now), UpsertOutcome::updated);
  EXPECT_EQ(table.find(peer)->addresses, std::vector{quic(2)});
  EXPECT_FALSE(table.find(peer)->connected);
}

TEST(RoutingTable, RefusesSelfAndPeersWithoutAdvertisableAddresses) {
  auto local = random_peer();
  RoutingTable table(local);
  const auto now = Clock::now();
  EXPECT_EQ(table.upsert(local, {quic(1)}, true, now), UpsertOutcome::self);
  EXPECT_EQ(table.upsert(random_peer(), {}, true, now), UpsertOutcome::no_addresses);
  EXPECT_EQ(table.upsert(random_peer(),
                         {addr("/ip4/0.0.0.0/udp/4001/quic-v1"), addr("/ip6/::/udp/4001/quic-v1")},
                         true, now),
            UpsertOutcome::no_addresses);
  EXPECT_EQ(table.size(), 0U);
}

TEST(RoutingTable, FiltersDeduplicatesAndCapsAddresses) {
  RoutingTable table(random_peer(), RoutingTableConfig{.max_addresses = 2});
  auto peer = random_peer();
  table.upsert(peer,
               {addr("/ip4/0.0.0.0/udp/1/quic-v1"), quic(1), quic(1),
                addr("/ip4/127.0.0.1/udp/5/quic-v1"), quic(3)},
               true, Clock::now());
  EXPECT_EQ(table.find(peer)->addresses,
            (std::vector{quic(1), addr("/ip4/127.0.0.1/udp/5/quic-v1")}));
}

TEST(RoutingTable, AFullBucketOfConnectedPeersRefusesNewcomers) {
  RoutingTable table(random_peer());
  const auto now = Clock::now();
  auto peers = peers_in_bucket(table, 255, kK + 1);
  for (std::size_t i = 0; i < kK; ++i)
    EXPECT_EQ(table.upsert(peers[i], {quic(1)}, true, now), UpsertOutcome::inserted);
  EXPECT_EQ(table.upsert(peers[kK], {quic(1)}, true, now), UpsertOutcome::bucket_full);
  EXPECT_EQ(table.size(), kK);
  EXPECT_EQ(table.find(peers[kK]), nullptr);
}

TEST(RoutingTable, ALongestDisconnectedEntryMakesRoom) {
  RoutingTable table(random_peer());
  const auto t0 = Clock::now();
  auto peers = peers_in_bucket(table, 255, kK + 1);
  for (std::size_t i = 0; i < kK; ++i)
    table.upsert(peers[i], {quic(1)}, true, t0);
  table.set_connected(peers[3], false, t0 + std::chrono::seconds(1));
  table.set_connected(peers[7], false, t0 + std::chrono::seconds(2));
  EXPECT_EQ(table.upsert(peers[kK], {quic(1)}, true, t0 + std::chrono::seconds(3)),
            UpsertOutcome::replaced_disconnected);
  EXPECT_EQ(table.size(), kK);
  EXPECT_EQ(table.find(peers[3]), nullptr);  // disconnected first, replaced first
  EXPECT_NE(table.find(peers[7]), nullptr);
  EXPECT_NE(table.find(peers[kK]), nullptr);
}

TEST(RoutingTable, EvictsOnlyStaleDisconnectedEntries) {
  RoutingTable table(random_peer(),
                     RoutingTableConfig{.disconnected_ttl = std::chrono::seconds(60)});
  const auto t0 = Clock::now();
  auto a = random_peer();
  auto b = random_peer();
  auto c = random_peer();
  table.upsert(a, {quic(1)}, true, t0);
  table.upsert(b, {quic(2)}, false, t0);
  table.upsert(c, {quic(3)}, false, t0 + std::chrono::seconds(50));
  EXPECT_EQ(table.evict_disconnected(t0 + std::chrono::seconds(61)), 1U);
  EXPECT_NE(table.find(a), nullptr);
  EXPECT_EQ(table.find(b), nullptr);
  EXPECT_NE(table.find(c), nullptr);
  EXPECT_EQ(table.size(), 2U);
}

TEST(RoutingTable, ClosestIsSortedByXorDistanceAndExcludes) {
  RoutingTable table(random_peer());
  const auto now = Clock::now();
  std::vector<crypto::PeerId> peers;
  for (int i = 0; i < 50; ++i) {
    peers.push_back(random_peer());
    table.upsert(peers.back(), {quic(i % 200 + 1)}, true, now);
  }
  const auto target = KadKey::from_bytes(as_bytes("some record key"));
  auto closest = table.closest(target, kK, &peers[0]);
  ASSERT_EQ(closest.size(), std::min<std::size_t>(kK, table.size() - 1));
  for (std::size_t i = 1; i < closest.size(); ++i)
    EXPECT_LT(closest[i - 1].key.distance(target), closest[i].key.distance(target));
  for (const auto& e : closest)
    EXPECT_NE(e.peer, peers[0]);
  // Nothing left out is closer than the farthest returned.
  const auto farthest = closest.back().key.distance(target);
  std::size_t closer = 0;
  table.for_each([&](const RoutingEntry& e) {
    if (e.peer != peers[0] && e.key.distance(target) < farthest) ++closer;
  });
  EXPECT_EQ(closer, closest.size() - 1);
  // A known target comes first.
  auto exact = table.closest(KadKey::from_peer(peers[5]), 3);
  ASSERT_FALSE(exact.empty());
  EXPECT_EQ(exact[0].peer, peers[5]);
}

TEST(RoutingTable, CountsPeersCloserThanUs) {
  RoutingTable table(random_peer());
  const auto now = Clock::now();
  for (int i = 0; i < 40; ++i)
    table.upsert(random_peer(), {quic(1)}, true, now);
  const auto target = KadKey::from_bytes(as_bytes("x"));
  const auto local = table.local_key().distance(target);
  std::size_t expected = 0;
  table.for_each([&](const RoutingEntry& e) { expected += e.key.distance(target) < local; });
  EXPECT_EQ(table.count_closer_than_local(target), expected);
}

}  // namespace
}  // namespace privstack::protocol::kad
