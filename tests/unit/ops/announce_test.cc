#include "app/announce.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/ed25519.h"

namespace privstack::app {
namespace {

namespace mf = multiformats;

mf::Multiaddr addr(const std::string& text) {
  auto parsed = mf::Multiaddr::parse(text);
  EXPECT_TRUE(parsed) << text;
  return parsed ? *parsed : mf::Multiaddr{};
}

TEST(Announce, AcceptsQuicAddressesByIpAndName) {
  for (const char* good :
       {"/ip4/203.0.113.7/udp/4001/quic-v1", "/ip6/2001:db8::7/udp/4001/quic-v1",
        "/dns4/relay.example.com/udp/4001/quic-v1", "/dns6/relay.example.com/udp/443/quic-v1",
        "/dns/relay.example.com/udp/4001/quic-v1"}) {
    auto parsed = parse_announce(good);
    ASSERT_TRUE(parsed) << good << ": " << parsed.error().message;
    EXPECT_EQ(parsed->to_string(), good);
  }
}

TEST(Announce, AcceptsATrailingPeerId) {
  const auto self = crypto::Ed25519Keypair::generate().peer_id();
  const std::string text = "/ip4/203.0.113.7/udp/4001/quic-v1/p2p/" + self.to_base58();
  auto parsed = parse_announce(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(check_announce_owner({*parsed}, self));
}

TEST(Announce, RefusesAnotherPeersId) {
  const auto self = crypto::Ed25519Keypair::generate().peer_id();
  const auto other = crypto::Ed25519Keypair::generate().peer_id();
  auto parsed = parse_announce("/ip4/203.0.113.7/udp/4001/quic-v1/p2p/" + other.to_base58());
  ASSERT_TRUE(parsed);
  auto owned = check_announce_owner({*parsed}, self);
  ASSERT_FALSE(owned);
  EXPECT_NE(owned.error().message.find(self.to_base58()), std::string::npos);
}

TEST(Announce, RefusesWhatNobodyCanDial) {
  for (const char* bad :
       {"", "not a multiaddr", "/ip4/203.0.113.7/tcp/4001", "/ip4/203.0.113.7/udp/4001",
        "/ip4/203.0.113.7/udp/4001/quic", "/ip4/0.0.0.0/udp/4001/quic-v1",
        "/ip6/::/udp/4001/quic-v1", "/ip4/203.0.113.7/udp/0/quic-v1",
        "/ip4/203.0.113.7/udp/4001/quic-v1/webtransport",
        "/ip4/203.0.113.7/udp/4001/quic-v1/p2p-circuit", "/udp/4001/quic-v1",
        "/ip4/203.0.113.7/udp/70000/quic-v1"}) {
    EXPECT_FALSE(parse_announce(bad)) << bad;
  }
}

TEST(Announce, ExternalIpBuildsTheQuicAddressOnOurPort) {
  auto v4 = external_ip_address("203.0.113.7", 4101);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->to_string(), "/ip4/203.0.113.7/udp/4101/quic-v1");
  auto v6 = external_ip_address("2001:db8::7", 4101);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "/ip6/2001:db8::7/udp/4101/quic-v1");
  for (const char* bad : {"", "relay.example.com", "0.0.0.0", "::", "1.2.3", "1.2.3.4/24"}) {
    EXPECT_FALSE(external_ip_address(bad, 4001)) << bad;
  }
}

TEST(Announce, ListenAddressesDropPeerIdsAndDuplicates) {
  const auto self = crypto::Ed25519Keypair::generate().peer_id();
  const std::vector<mf::Multiaddr> announced = {
      addr("/ip4/203.0.113.7/udp/4001/quic-v1/p2p/" + self.to_base58()),
      addr("/dns4/relay.example.com/udp/4001/quic-v1"), addr("/ip4/203.0.113.7/udp/4001/quic-v1")};
  const auto listen = announced_listen_addresses(announced);
  ASSERT_EQ(listen.size(), 2u);
  EXPECT_EQ(listen[0].to_string(), "/ip4/203.0.113.7/udp/4001/quic-v1");
  EXPECT_EQ(listen[1].to_string(), "/dns4/relay.example.com/udp/4001/quic-v1");
}

TEST(Announce, HttpShowsTheOriginalsWildcardsWhenNothingIsAnnounced) {
  EXPECT_EQ(
      http_identity_addresses({}, 4001),
      (std::vector<std::string>{"/ip4/0.0.0.0/udp/4001/quic-v1", "/ip6/::/udp/4001/quic-v1"}));
  EXPECT_EQ(http_identity_addresses({addr("/ip4/203.0.113.7/udp/4001/quic-v1")}, 4001),
            (std::vector<std::string>{"/ip4/203.0.113.7/udp/4001/quic-v1"}));
}

}  // namespace
}  // namespace privstack::app
