// Which addresses the server dials back (rust-libp2p as_server.rs filter_valid_addrs, QUIC only):
// the IP is always the observed one, relayed/foreign-peer/non-QUIC addresses are dropped, the
// count is capped, and non-global observed IPs are refused unless the policy lifts that.
#include "protocol/autonat/dial_back_addresses.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"

namespace privstack::protocol::autonat {
namespace {

namespace mf = multiformats;
namespace ip = boost::asio::ip;

mf::Multiaddr addr(const std::string& text) {
  auto parsed = mf::Multiaddr::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

struct Fixture {
  crypto::PeerId peer = crypto::Ed25519Keypair::generate().peer_id();
  crypto::PeerId other = crypto::Ed25519Keypair::generate().peer_id();
  std::string p2p() const { return "/p2p/" + peer.to_string(); }
};

TEST(AutonatAddresses, ObservedIpReplacesTheDemandedOne) {
  Fixture f;
  const std::vector<mf::Multiaddr> demanded{
      addr("/ip4/192.168.1.5/udp/4001/quic-v1"),        // private: becomes observed
      addr("/ip4/8.8.4.4/udp/4002/quic-v1" + f.p2p()),  // third party: observed too
      addr("/ip6/2001:4860::1/udp/4003/quic-v1"),       // family is replaced as well
  };
  auto out = dial_back_addresses(f.peer, demanded, ip::make_address("1.2.3.4"), {});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, (std::vector<mf::Multiaddr>{addr("/ip4/1.2.3.4/udp/4001/quic-v1" + f.p2p()),
                                              addr("/ip4/1.2.3.4/udp/4002/quic-v1" + f.p2p()),
                                              addr("/ip4/1.2.3.4/udp/4003/quic-v1" + f.p2p())}));
}

TEST(AutonatAddresses, DropsRelayedForeignPeerAndNonQuic) {
  Fixture f;
  const std::vector<mf::Multiaddr> demanded{
      addr("/ip4/1.2.3.4/udp/1/quic-v1/p2p/" + f.other.to_string()),  // another peer
      addr("/ip4/5.6.7.8/udp/2/quic-v1/p2p/" + f.other.to_string() + "/p2p-circuit" + f.p2p()),
      addr("/ip4/1.2.3.4/tcp/3"),                       // not QUIC
      addr("/ip4/1.2.3.4/udp/4/quic"),                  // draft QUIC
      addr("/ip4/1.2.3.4/udp/5/quic-v1/webtransport"),  // not plain QUIC
      addr("/dns4/example.com/udp/6/quic-v1"),          // no IP to replace
      addr("/ip4/1.2.3.4/udp/0/quic-v1"),               // port 0
      addr("/ip4/1.2.3.4/udp/7/quic-v1"),               // the one that stays
      addr("/ip4/9.9.9.9/udp/7/quic-v1"),               // duplicate after replacing
  };
  auto out = dial_back_addresses(f.peer, demanded, ip::make_address("1.2.3.4"), {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, (std::vector<mf::Multiaddr>{addr("/ip4/1.2.3.4/udp/7/quic-v1" + f.p2p())}));
}

TEST(AutonatAddresses, CapsTheCountInClientOrder) {
  Fixture f;
  std::vector<mf::Multiaddr> demanded;
  for (int port = 1000; port < 1040; ++port)
    demanded.push_back(addr("/ip4/1.2.3.4/udp/" + std::to_string(port) + "/quic-v1"));
  auto out = dial_back_addresses(f.peer, demanded, ip::make_address("1.2.3.4"), {});
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 16U);
  EXPECT_EQ(out->front(), addr("/ip4/1.2.3.4/udp/1000/quic-v1" + f.p2p()));
  auto two = dial_back_addresses(f.peer, demanded, ip::make_address("1.2.3.4"),
                                 {.max_addresses = 2, .only_global_ips = true});
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2U);
}

TEST(AutonatAddresses, NonGlobalObservedIpIsRefusedUnlessLifted) {
  Fixture f;
  const std::vector<mf::Multiaddr> demanded{addr("/ip4/127.0.0.1/udp/4001/quic-v1")};
  for (const char* observed : {"127.0.0.1", "10.1.2.3", "192.168.0.1", "100.64.0.1", "::1",
                               "fe80::1", "fd00::1", "::ffff:192.168.0.1"}) {
    EXPECT_FALSE(dial_back_addresses(f.peer, demanded, ip::make_address(observed), {}).ok())
        << observed;
  }
  auto lifted = dial_back_addresses(f.peer, demanded, ip::make_address("::ffff:127.0.0.1"),
                                    {.max_addresses = 16, .only_global_ips = false});
  ASSERT_TRUE(lifted.ok());
  EXPECT_EQ(*lifted,
            (std::vector<mf::Multiaddr>{addr("/ip4/127.0.0.1/udp/4001/quic-v1" + f.p2p())}));
}

TEST(AutonatAddresses, GlobalIpClassification) {
  for (const char* global : {"1.1.1.1", "8.8.8.8", "172.32.0.1", "2001:4860::8888", "2a00::1"})
    EXPECT_TRUE(is_global_ip(ip::make_address(global))) << global;
  for (const char* local :
       {"0.0.0.0", "127.0.0.1", "169.254.1.1", "172.16.0.1", "192.0.2.1", "198.18.0.1", "224.0.0.1",
        "255.255.255.255", "::", "::1", "ff02::1", "2001:db8::1", "fc00::1"})
    EXPECT_FALSE(is_global_ip(ip::make_address(local))) << local;
}

}  // namespace
}  // namespace privstack::protocol::autonat
