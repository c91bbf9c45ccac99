#include "protocol/autonat/dial_back_addresses.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>

namespace privstack::protocol::autonat {

namespace {

namespace mf = multiformats;
namespace ip = boost::asio::ip;

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

bool in_v4(std::uint32_t value, std::uint32_t network, unsigned bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (value & mask) == (network & mask);
}

bool is_global_v4(const ip::address_v4& address) {
  const std::uint32_t v = address.to_uint();
  struct Block {
    std::uint32_t network;
    unsigned bits;
  };
  // IANA special-purpose registry blocks that are not globally reachable.
  static constexpr std::array<Block, 14> kNotGlobal{{
      {0x00000000, 8},   // 0.0.0.0/8 "this network"
      {0x0A000000, 8},   // 10/8 private
      {0x64400000, 10},  // 100.64/10 shared (CGNAT)
      {0x7F000000, 8},   // 127/8 loopback
      {0xA9FE0000, 16},  // 169.254/16 link-local
      {0xAC100000, 12},  // 172.16/12 private
      {0xC0000000, 24},  // 192.0.0/24 protocol assignments
      {0xC0000200, 24},  // 192.0.2/24 TEST-NET-1
      {0xC0A80000, 16},  // 192.168/16 private
      {0xC6120000, 15},  // 198.18/15 benchmarking
      {0xC6336400, 24},  // 198.51.100/24 TEST-NET-2
      {0xCB007100, 24},  // 203.0.113/24 TEST-NET-3
      {0xE0000000, 4},   // 224/4 multicast
      {0xF0000000, 4},   // 240/4 reserved, broadcast included
  }};
  return std::none_of(kNotGlobal.begin(), kNotGlobal.end(),
                      [v](const Block& b) { return in_v4(v, b.network, b.bits); });
}

bool is_global_v6(const ip::address_v6& address) {
  const auto b = address.to_bytes();
  if (address.is_unspecified() || address.is_loopback() || address.is_multicast()) return false;
  if ((b[0] & 0xFE) == 0xFC) return false;                  // fc00::/7 unique local
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return false;  // 2001:db8::/32
  if (b[0] == 0x01 && b[1] == 0x00 &&
      std::all_of(b.begin() + 2, b.begin() + 8, [](auto x) { return x == 0; })) {
    return false;  // 100::/64 discard-only
  }
  return true;
}

// The port of /ipX/_/udp/N/quic-v1[/p2p/<id>] when the address has exactly that shape and any
// /p2p/ names `peer`; 0 otherwise (port 0 is not dialable either).
std::uint16_t quic_port_for(const mf::Multiaddr& address, const crypto::PeerId& peer) {
  const auto parts = address.components();
  if (parts.size() != 3 && parts.size() != 4) return 0;
  if (parts[0].protocol != mf::Protocol::ip4 && parts[0].protocol != mf::Protocol::ip6) return 0;
  if (parts[1].protocol != mf::Protocol::udp || parts[2].protocol != mf::Protocol::quic_v1) {
    return 0;
  }
  if (parts.size() == 4 &&
      (parts[3].protocol != mf::Protocol::p2p || parts[3].value != peer.bytes())) {
    return 0;
  }
  return parts[1].port().value_or(0);
}

mf::Multiaddr with_ip(const ip::address& address) {
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return mf::Multiaddr().with(mf::Protocol::ip4, Bytes(bytes.begin(), bytes.end()));
  }
  const auto bytes = address.to_v6().to_bytes();
  return mf::Multiaddr().with(mf::Protocol::ip6, Bytes(bytes.begin(), bytes.end()));
}

}  // namespace

bool is_global_ip(const ip::address& address) {
  const auto plain = unmapped(address);
  return plain.is_v4() ? is_global_v4(plain.to_v4()) : is_global_v6(plain.to_v6());
}

Result<std::vector<mf::Multiaddr>> dial_back_addresses(const crypto::PeerId& peer,
                                                       const std::vector<mf::Multiaddr>& demanded,
                                                       const ip::address& observed,
                                                       const AddressPolicy& policy) {
  const auto observed_ip = unmapped(observed);
  if (observed_ip.is_unspecified() || observed_ip.is_multicast()) {
    return make_error("refusing to dial peer with blocked observed address");
  }
  if (policy.only_global_ips && !is_global_ip(observed_ip)) {
    return make_error("refusing to dial peer with blocked observed address");
  }
  const auto base = with_ip(observed_ip);
  std::vector<mf::Multiaddr> out;
  std::set<std::uint16_t> seen_ports;  // the IP is always the observed one: the port decides
  for (const auto& address : demanded) {
    if (policy.max_addresses != 0 && out.size() >= policy.max_addresses) break;
    const std::uint16_t port = quic_port_for(address, peer);
    if (port == 0 || !seen_ports.insert(port).second) continue;
    out.push_back(base.with_port(mf::Protocol::udp, port)
                      .with(mf::Protocol::quic_v1)
                      .with(mf::Protocol::p2p, peer.bytes()));
  }
  return out;
}

}  // namespace privstack::protocol::autonat
