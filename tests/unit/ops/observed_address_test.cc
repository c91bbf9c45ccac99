#include "node/observed_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/ed25519.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
using boost::asio::ip::make_address;

mf::Multiaddr addr(const std::string& text) {
  auto parsed = mf::Multiaddr::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed ? *parsed : mf::Multiaddr{};
}

crypto::PeerId new_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

TEST(ObservedAddress, GroupsByIpv4Slash16AndIpv6Slash32) {
  EXPECT_EQ(ip_group(make_address("198.51.100.7")), ip_group(make_address("198.51.7.200")));
  EXPECT_NE(ip_group(make_address("198.51.100.7")), ip_group(make_address("198.52.100.7")));
  EXPECT_EQ(ip_group(make_address("2001:db8:1::1")), ip_group(make_address("2001:db8:ffff::2")));
  EXPECT_NE(ip_group(make_address("2001:db8::1")), ip_group(make_address("2001:db9::1")));
  EXPECT_EQ(ip_group(make_address("::ffff:198.51.100.7")), ip_group(make_address("198.51.1.1")));
}

TEST(ObservedAddress, ThreeIndependentPeersAgree) {
  ObservedAddressTracker tracker;
  const auto seen = addr("/ip4/203.0.113.7/udp/4001/quic-v1");
  EXPECT_FALSE(tracker.report(new_peer(), make_address("198.51.100.1"), seen));
  EXPECT_FALSE(tracker.report(new_peer(), make_address("192.0.2.1"), seen));
  auto learned = tracker.report(new_peer(), make_address("2001:db8::1"), seen);
  ASSERT_TRUE(learned);
  EXPECT_EQ(*learned, seen);
  // Reported once; later agreement does not repeat it.
  EXPECT_FALSE(tracker.report(new_peer(), make_address("100.64.0.1"), seen));
  EXPECT_EQ(tracker.confirmed(), std::vector<mf::Multiaddr>{seen});
}

TEST(ObservedAddress, OnePeerOrOneNetworkCannotVoteAlone) {
  ObservedAddressTracker tracker;
  const auto seen = addr("/ip4/203.0.113.7/udp/4001/quic-v1");
  const auto peer = new_peer();
  // The same peer from three networks.
  EXPECT_FALSE(tracker.report(peer, make_address("198.51.100.1"), seen));
  EXPECT_FALSE(tracker.report(peer, make_address("192.0.2.1"), seen));
  EXPECT_FALSE(tracker.report(peer, make_address("100.64.0.1"), seen));
  // Many peers from one /16.
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(
        tracker.report(new_peer(), make_address("198.51.0." + std::to_string(i + 2)), seen));
  }
  EXPECT_TRUE(tracker.confirmed().empty());
  // Two more groups with new peers make three.
  EXPECT_FALSE(tracker.report(new_peer(), make_address("192.0.2.9"), seen));
  EXPECT_TRUE(tracker.report(new_peer(), make_address("100.64.0.9"), seen));
}

TEST(ObservedAddress, DifferentPortsAreDifferentAddresses) {
  ObservedAddressTracker tracker;
  EXPECT_FALSE(tracker.report(new_peer(), make_address("198.51.100.1"),
                              addr("/ip4/203.0.113.7/udp/4001/quic-v1")));
  EXPECT_FALSE(tracker.report(new_peer(), make_address("192.0.2.1"),
                              addr("/ip4/203.0.113.7/udp/5001/quic-v1")));
  EXPECT_FALSE(tracker.report(new_peer(), make_address("100.64.0.1"),
                              addr("/ip4/203.0.113.7/udp/6001/quic-v1")));
  EXPECT_TRUE(tracker.confirmed().empty());
}

TEST(ObservedAddress, NormalisesAndIgnoresWhatIsNotQuic) {
  ObservedAddressTracker tracker;
  const auto self = new_peer();
  const auto with_id = addr("/ip4/203.0.113.7/udp/4001/quic-v1/p2p/" + self.to_base58());
  EXPECT_FALSE(tracker.report(new_peer(), make_address("198.51.100.1"), with_id));
  EXPECT_FALSE(tracker.report(new_peer(), make_address("192.0.2.1"),
                              addr("/ip4/203.0.113.7/udp/4001/quic-v1")));
  EXPECT_FALSE(
      tracker.report(new_peer(), make_address("100.64.0.1"), addr("/ip4/203.0.113.7/tcp/4001")));
  EXPECT_FALSE(tracker.report(new_peer(), make_address("100.65.0.1"),
                              addr("/ip4/0.0.0.0/udp/4001/quic-v1")));
  auto learned = tracker.report(new_peer(), make_address("100.66.0.1"), with_id);
  ASSERT_TRUE(learned);
  EXPECT_EQ(learned->to_string(), "/ip4/203.0.113.7/udp/4001/quic-v1");
}

TEST(ObservedAddress, BoundedCandidates) {
  ObservedAddressTracker tracker(ObservedAddressConfig{.min_agreeing = 2, .max_candidates = 4});
  // Junk fills the table; a real address still gets in and reaches agreement.
  for (int i = 0; i < 100; ++i) {
    (void)tracker.report(new_peer(), make_address("198.51.100.1"),
                         addr("/ip4/192.0.2." + std::to_string(i) + "/udp/1/quic-v1"));
  }
  const auto seen = addr("/ip4/203.0.113.7/udp/4001/quic-v1");
  EXPECT_FALSE(tracker.report(new_peer(), make_address("10.1.0.1"), seen));
  EXPECT_TRUE(tracker.report(new_peer(), make_address("10.2.0.1"), seen));
}

}  // namespace
}  // namespace privstack::node
