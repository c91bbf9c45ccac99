#include "app/host_config.h"

#include <chrono>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

namespace privstack::app {

node::HostConfig make_host_config(const Options& options) {
  node::HostConfig config;
  config.listen = {
      boost::asio::ip::udp::endpoint(boost::asio::ip::address_v4::any(), options.port),
      boost::asio::ip::udp::endpoint(boost::asio::ip::address_v6::any(), options.port)};
  config.transport.max_connections = options.max_connections;
  config.transport.max_connections_per_ip = options.max_connections_per_ip;
  config.transport.max_pending_handshakes = options.max_pending_handshakes;
  config.transport.max_streams_bidi = options.max_streams_per_connection;
  config.transport.retry_threshold = options.retry_threshold;
  config.transport.handshake_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.handshake_timeout);
  config.negotiation_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.negotiation_timeout);
  return config;
}

}  // namespace privstack::app
