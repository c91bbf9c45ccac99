// Opening a circuit through the relay under test, as the relay tests and relay flood tests do it
// many times: the target holds a reservation, the source sends CONNECT for it.
#pragma once

#include <utility>

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>

#include "node/host.h"
#include "node/relay/relay_client.h"

namespace privstack::test {

/// Both relay connections and the CONNECT answer; reply.stream is null after a test failure.
struct Circuit {
  node::ConnectionPtr target_connection;
  node::ConnectionPtr source_connection;
  node::relay_client::ConnectReply reply;
};

/// `source` sends CONNECT for `target` over `source_connection`; expects OK with a stream. When
/// either connection is missing (the dial already failed the test) it sends nothing.
inline boost::asio::awaitable<Circuit> connect_circuit(node::Host& source, const node::Host& target,
                                                       node::ConnectionPtr target_connection,
                                                       node::ConnectionPtr source_connection) {
  Circuit circuit;
  circuit.target_connection = std::move(target_connection);
  circuit.source_connection = std::move(source_connection);
  if (!circuit.target_connection || !circuit.source_connection) co_return circuit;
  auto reply =
      co_await node::relay_client::connect(source, circuit.source_connection, target.peer_id());
  EXPECT_TRUE(reply.ok() && reply->stream);
  if (reply && reply->stream) circuit.reply = *reply;
  co_return circuit;
}

}  // namespace privstack::test
