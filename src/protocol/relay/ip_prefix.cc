#include "protocol/relay/ip_prefix.h"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace privstack::protocol::relay {

namespace {

namespace ip = boost::asio::ip;

ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

template <std::size_t N>
bool prefix_equal(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                  unsigned bits) {
  for (std::size_t i = 0; i < N && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<unsigned char>(0xFFu << (8 - take));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

}  // namespace

std::string ip_group_key(const ip::address& raw) {
  const auto address = unmapped(raw);
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return "4:" + std::string(bytes.begin(), bytes.end());
  }
  const auto bytes = address.to_v6().to_bytes();
  return "6:" + std::string(bytes.begin(), bytes.begin() + kIpv6GroupBits / 8);
}

Result<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string host(text.substr(0, slash));
  boost::system::error_code ec;
  const auto address = ip::make_address(host, ec);
  if (ec) return make_error("'{}' is not an IP address or CIDR block", text);
  Cidr cidr;
  cidr.network_ = unmapped(address);
  const unsigned max_bits = cidr.network_.is_v4() ? 32 : 128;
  cidr.prefix_ = max_bits;
  if (slash != std::string_view::npos) {
    const auto bits = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, err] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (err != std::errc() || end != bits.data() + bits.size() || bits.empty() ||
        value > max_bits) {
      return make_error("'{}' has an invalid prefix length", text);
    }
    cidr.prefix_ = value;
  }
  return cidr;
}

bool Cidr::contains(const ip::address& raw) const {
  const auto address = unmapped(raw);
  if (address.is_v4() != network_.is_v4()) return false;
  if (address.is_v4()) {
    return prefix_equal(address.to_v4().to_bytes(), network_.to_v4().to_bytes(), prefix_);
  }
  return prefix_equal(address.to_v6().to_bytes(), network_.to_v6().to_bytes(), prefix_);
}

std::string Cidr::to_string() const {
  return fmt::format("{}/{}", network_.to_string(), prefix_);
}

}  // namespace privstack::protocol::relay
