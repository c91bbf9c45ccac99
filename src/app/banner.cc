#include "app/banner.h"

#include <fmt/format.h>

namespace privstack::app {

std::string format_banner(std::string_view peer_id, std::uint16_t port, std::uint16_t http_port) {
  constexpr std::string_view kRule = "========================================";
  return fmt::format(
      "\n{0}\n"
      "  PrivStack Relay Running\n"
      "{0}\n"
      "  PeerId:    {1}\n"
      "  P2P Port:  {2}\n"
      "  HTTP Port: {3}\n"
      "\n  Bootstrap address:\n"
      "  /ip4/YOUR_PUBLIC_IP/udp/{2}/quic-v1/p2p/{1}\n"
      "{0}\n\n",
      kRule, peer_id, port, http_port);
}

}  // namespace privstack::app
