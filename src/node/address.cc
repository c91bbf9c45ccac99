#include "node/address.h"

namespace privstack::node {

namespace mf = multiformats;

mf::Multiaddr quic_multiaddr(const boost::asio::ip::udp::endpoint& endpoint) {
  const auto address = endpoint.address();
  mf::Multiaddr result;
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    result = result.with(mf::Protocol::ip4, Bytes(bytes.begin(), bytes.end()));
  } else {
    const auto bytes = address.to_v6().to_bytes();
    result = result.with(mf::Protocol::ip6, Bytes(bytes.begin(), bytes.end()));
  }
  return result.with_port(mf::Protocol::udp, endpoint.port()).with(mf::Protocol::quic_v1);
}

std::optional<boost::asio::ip::udp::endpoint> quic_endpoint(const mf::Multiaddr& address) {
  const auto components = address.components();
  if (components.size() < 3 || components.size() > 4) return std::nullopt;
  const auto& ip = components[0];
  const auto& udp = components[1];
  if (udp.protocol != mf::Protocol::udp || components[2].protocol != mf::Protocol::quic_v1) {
    return std::nullopt;
  }
  if (components.size() == 4 && components[3].protocol != mf::Protocol::p2p) return std::nullopt;
  auto port = udp.port();
  if (!port) return std::nullopt;
  if (ip.protocol == mf::Protocol::ip4 && ip.value.size() == 4) {
    boost::asio::ip::address_v4::bytes_type bytes{};
    std::copy(ip.value.begin(), ip.value.end(), bytes.begin());
    return boost::asio::ip::udp::endpoint(boost::asio::ip::address_v4(bytes), *port);
  }
  if (ip.protocol == mf::Protocol::ip6 && ip.value.size() == 16) {
    boost::asio::ip::address_v6::bytes_type bytes{};
    std::copy(ip.value.begin(), ip.value.end(), bytes.begin());
    return boost::asio::ip::udp::endpoint(boost::asio::ip::address_v6(bytes), *port);
  }
  return std::nullopt;
}

}  // namespace privstack::node
