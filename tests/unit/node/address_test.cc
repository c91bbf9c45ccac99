#include "node/address.h"

#include <gtest/gtest.h>

#include "node/interface_addresses.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
using boost::asio::ip::make_address;
using boost::asio::ip::udp;

TEST(Address, EndpointToQuicMultiaddr) {
  EXPECT_EQ(quic_multiaddr(udp::endpoint(make_address("127.0.0.1"), 4001)).to_string(),
            "/ip4/127.0.0.1/udp/4001/quic-v1");
  EXPECT_EQ(quic_multiaddr(udp::endpoint(make_address("::1"), 4001)).to_string(),
            "/ip6/::1/udp/4001/quic-v1");
  EXPECT_EQ(quic_multiaddr(udp::endpoint(make_address("0.0.0.0"), 9)).to_string(),
            "/ip4/0.0.0.0/udp/9/quic-v1");
}

TEST(Address, QuicMultiaddrToEndpoint) {
  auto ep = quic_endpoint(*mf::Multiaddr::parse(
      "/ip4/10.0.0.1/udp/4001/quic-v1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"));
  ASSERT_TRUE(ep);
  EXPECT_EQ(*ep, udp::endpoint(make_address("10.0.0.1"), 4001));
  auto v6 = quic_endpoint(*mf::Multiaddr::parse("/ip6/2001:db8::1/udp/1/quic-v1"));
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6, udp::endpoint(make_address("2001:db8::1"), 1));
}

TEST(Address, RejectsWhatIsNotDirectQuic) {
  for (auto text :
       {"/ip4/1.2.3.4/tcp/4001", "/ip4/1.2.3.4/udp/4001/quic", "/dns4/example.com/udp/4001/quic-v1",
        "/ip4/1.2.3.4/udp/4001", "/ip4/1.2.3.4/udp/4001/quic-v1/webtransport",
        "/ip4/1.2.3.4/udp/4001/quic-v1/p2p/"
        "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA/p2p-circuit"}) {
    auto address = mf::Multiaddr::parse(text);
    ASSERT_TRUE(address) << text;
    EXPECT_FALSE(quic_endpoint(*address)) << text;
  }
}

TEST(InterfaceAddresses, ConcreteEndpointsPassThroughAndWildcardsExpand) {
  auto loopback = udp::endpoint(make_address("127.0.0.1"), 4001);
  EXPECT_EQ(expand_wildcards({loopback}), std::vector<udp::endpoint>{loopback});
  auto expanded = expand_wildcards({udp::endpoint(make_address("0.0.0.0"), 4001)});
  // Every machine has an IPv4 loopback interface; it must be listed, last, with the port.
  ASSERT_FALSE(expanded.empty());
  EXPECT_EQ(expanded.back(), loopback);
  for (const auto& endpoint : expanded) {
    EXPECT_TRUE(endpoint.address().is_v4());
    EXPECT_FALSE(endpoint.address().is_unspecified());
    EXPECT_EQ(endpoint.port(), 4001);
  }
}

}  // namespace
}  // namespace privstack::node
