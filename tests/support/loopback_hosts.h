// libp2p hosts on loopback for the node-level tests (relay, kad, autonat): create one bound to a
// chosen loopback IP (127.0.0.0/8 is all loopback, so 127.0.0.2 is another source IP), name it as
// a dialable multiaddr, and dial it. Failures are test failures (EXPECT) plus a null result, so a
// test stops at its first missing piece instead of crashing.
#pragma once

#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/udp.hpp>

#include "crypto/ed25519.h"
#include "multiformats/multiaddr.h"
#include "node/address.h"
#include "node/host.h"
#include "transport/endpoint_config.h"

namespace privstack::test {

/// A host listening on `ip`, port 0, with `transport` and `keypair` (fresh when not given).
inline std::shared_ptr<node::Host> loopback_host(
    boost::asio::io_context& io, const char* ip = "127.0.0.1",
    transport::EndpointConfig transport = {},
    std::optional<crypto::Ed25519Keypair> keypair = std::nullopt) {
  node::HostConfig config;
  config.transport = std::move(transport);
  config.listen = {boost::asio::ip::udp::endpoint(boost::asio::ip::make_address(ip), 0)};
  auto host = node::Host::create(io, keypair.value_or(crypto::Ed25519Keypair::generate()), config);
  EXPECT_TRUE(host.ok()) << (host.ok() ? "" : host.error().message);
  return host.ok() ? *host : nullptr;
}

/// /ip4/<ip>/udp/<port>/quic-v1/p2p/<id> of the host's first listener: what clients dial.
inline multiformats::Multiaddr dial_address(const node::Host& host) {
  return node::quic_multiaddr(host.bound_endpoints().at(0))
      .with(multiformats::Protocol::p2p, host.peer_id().bytes());
}

/// `client` dials `server`; the connection, or null after a test failure.
inline boost::asio::awaitable<node::ConnectionPtr> dial_ok(node::Host& client,
                                                           const node::Host& server) {
  const multiformats::Multiaddr address = dial_address(server);
  auto connection = co_await client.dial(address);
  EXPECT_TRUE(connection.ok()) << (connection.ok() ? "" : connection.error().message);
  co_return connection.ok() ? *connection : nullptr;
}

}  // namespace privstack::test
