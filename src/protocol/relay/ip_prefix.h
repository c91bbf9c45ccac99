// IP grouping for the relay's per-IP limits and its allow-list. One "IP" is an IPv4 /32 or an
// IPv6 /56 (a typical end-site delegation, so one home or VPS counts once however many of its
// addresses it uses); IPv4-mapped IPv6 addresses count as IPv4.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "common/result.h"

namespace privstack::protocol::relay {

inline constexpr unsigned kIpv6GroupBits = 56;

/// The grouping key of an address: "4:" + 4 bytes, or "6:" + the first 7 bytes.
std::string ip_group_key(const boost::asio::ip::address& address);

/// An address block, e.g. 10.0.0.0/8 or 2001:db8::/32; a bare address is a /32 or /128.
class Cidr {
 public:
  static Result<Cidr> parse(std::string_view text);
  bool contains(const boost::asio::ip::address& address) const;
  std::string to_string() const;

 private:
  boost::asio::ip::address network_;
  unsigned prefix_ = 0;
};

}  // namespace privstack::protocol::relay
