#include "node/interface_addresses.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace privstack::node {

namespace {

using boost::asio::ip::address;
using boost::asio::ip::address_v4;
using boost::asio::ip::address_v6;

std::vector<address> interface_addresses() {
  std::vector<address> result;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return result;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0) continue;
    if (entry->ifa_addr->sa_family == AF_INET) {
      sockaddr_in in{};
      std::memcpy(&in, entry->ifa_addr, sizeof in);
      result.emplace_back(address_v4(ntohl(in.sin_addr.s_addr)));
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      sockaddr_in6 in6{};
      std::memcpy(&in6, entry->ifa_addr, sizeof in6);
      address_v6::bytes_type bytes{};
      std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
      address_v6 v6(bytes);
      if (v6.is_link_local()) continue;
      result.emplace_back(v6);
    }
  }
  freeifaddrs(list);
  return result;
}

}  // namespace

std::vector<boost::asio::ip::udp::endpoint> expand_wildcards(
    const std::vector<boost::asio::ip::udp::endpoint>& bound) {
  std::vector<boost::asio::ip::udp::endpoint> result;
  std::vector<address> interfaces;
  bool interfaces_read = false;
  for (const auto& endpoint : bound) {
    if (!endpoint.address().is_unspecified()) {
      result.push_back(endpoint);
      continue;
    }
    if (!interfaces_read) {
      interfaces = interface_addresses();
      interfaces_read = true;
    }
    for (const auto& ip : interfaces) {
      if (ip.is_v4() == endpoint.address().is_v4()) result.emplace_back(ip, endpoint.port());
    }
  }
  std::sort(result.begin(), result.end());
  result.erase(std::unique(result.begin(), result.end()), result.end());
  // Public addresses first: consumers that must trim a list (identify's 4 KiB frame) drop the end.
  std::stable_partition(result.begin(), result.end(),
                        [](const auto& endpoint) { return !endpoint.address().is_loopback(); });
  return result;
}

}  // namespace privstack::node
