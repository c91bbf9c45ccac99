#include "app/banner.h"

#include <gtest/gtest.h>

namespace privstack::app {
namespace {

TEST(Banner, HasThePeerIdLineToolingParses) {
  const std::string id = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
  const std::string banner = format_banner(id, 4001, 4002);
  EXPECT_NE(banner.find("\n  PeerId:    " + id + "\n"), std::string::npos);
  EXPECT_NE(banner.find("\n  P2P Port:  4001\n"), std::string::npos);
  EXPECT_NE(banner.find("\n  HTTP Port: 4002\n"), std::string::npos);
  EXPECT_NE(banner.find("  /ip4/YOUR_PUBLIC_IP/udp/4001/quic-v1/p2p/" + id + "\n"),
            std::string::npos);
  EXPECT_EQ(
      banner.rfind("\n========================================\n  PrivStack Relay Running\n", 0),
      0U);
}

}  // namespace
}  // namespace privstack::app
