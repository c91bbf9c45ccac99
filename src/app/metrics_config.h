// What the operator sets for metrics (--metrics-listen, --stats-interval); kept apart from the
// service so options.h stays light.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "common/result.h"

namespace privstack::app {

inline constexpr std::uint16_t kDefaultMetricsPort = 9464;  // the port Prometheus lists for it

struct MetricsConfig {
  /// Where the dedicated /metrics listener binds; nullopt: no listener (--metrics-listen off).
  /// Loopback by default, so a public relay does not publish its load.
  std::optional<boost::asio::ip::tcp::endpoint> listen =
      boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), kDefaultMetricsPort);
  /// Period of the counters log line; zero disables the periodic line (shutdown still logs).
  std::chrono::seconds stats_interval{300};
};

/// Parses --metrics-listen: "IPV4:PORT", "[IPV6]:PORT" (port 0 picks one). "off" is handled by
/// the caller. The error text names what is wrong.
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(std::string_view text);

}  // namespace privstack::app
