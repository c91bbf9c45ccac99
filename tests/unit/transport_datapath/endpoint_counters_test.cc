// EndpointCounters' data-path fields (write passes, packets, ACK-only packets, UDP datagrams and
// syscalls): they count a real transfer, agree with each other, and stay after close() (the
// benchmarks read them per MiB; bench/perf/PROFILE.md).
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/async_test.h"
#include "transport/endpoint.h"

namespace privstack::transport {
namespace {

namespace asio = boost::asio;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

EndpointConfig loopback() {
  EndpointConfig config;
  config.listen = {udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  return config;
}

constexpr std::size_t kBytes = 512 * 1024;

// A client sends kBytes on one stream to a server that reads it all and answers with FIN.
struct Transfer {
  asio::io_context io;
  std::unique_ptr<Endpoint> server;
  std::unique_ptr<Endpoint> client;
  std::size_t received = 0;
  bool eof = false;

  explicit Transfer(EndpointConfig config = loopback()) {
    const auto server_key = crypto::Ed25519Keypair::generate();
    server = Endpoint::create(io, server_key, config).value();
    client = Endpoint::create(io, crypto::Ed25519Keypair::generate(), config).value();
    run(server_key.peer_id());
  }
  void run(const crypto::PeerId& server_id);
};

void Transfer::run(const crypto::PeerId& server_id) {
  server->set_connection_handler([&](std::shared_ptr<Connection> c) {
    c->set_stream_handler([&](std::shared_ptr<Stream> s) {
      asio::co_spawn(
          io,
          [&, s]() -> asio::awaitable<void> {
            std::vector<std::uint8_t> buffer(16 * 1024);
            for (;;) {
              auto [ec, n] = co_await s->async_read_some(asio::buffer(buffer), kTuple);
              received += n;
              if (ec) break;
            }
            eof = true;
            s->close_write();
          },
          asio::detached);
    });
  });

  test::run(io, [&]() -> asio::awaitable<void> {
    auto dialed = co_await client->dial(server->local_endpoints().front(), server_id);
    EXPECT_TRUE(dialed);
    if (!dialed) co_return;
    auto opened = co_await (*dialed)->open_stream();
    EXPECT_TRUE(opened);
    if (!opened) co_return;
    auto stream = *opened;
    const std::vector<std::uint8_t> payload(kBytes, 0x5a);
    auto [ec, n] = co_await asio::async_write(*stream, asio::buffer(payload), kTuple);
    EXPECT_FALSE(ec);
    stream->close_write();
    std::uint8_t byte = 0;
    auto [rec, rn] = co_await stream->async_read_some(asio::buffer(&byte, 1), kTuple);
    EXPECT_TRUE(rec);  // the server's FIN after it read everything
    EXPECT_EQ(rn, 0u);
  });
}

TEST(EndpointCounters, CountTheDataPath) {
  Transfer t;
  auto& server = t.server;
  auto& client = t.client;
  EXPECT_TRUE(t.eof);
  EXPECT_EQ(t.received, kBytes);

  const EndpointCounters c = client->counters();
  EXPECT_GE(c.stream_bytes_written, kBytes);
  EXPECT_GT(c.write_passes, 0u);
  // Every QUIC packet is one datagram (some passes find nothing to send: only totals compare).
  EXPECT_GE(c.packets_written, kBytes / 1500);
  EXPECT_LE(c.packets_written, c.stream_bytes_written);
  EXPECT_GE(c.udp_datagrams_sent + 16, c.packets_written);  // a few may be dropped and resent
  EXPECT_LE(c.udp_send_calls, c.udp_datagrams_sent);
  EXPECT_GT(c.udp_datagrams_received, 0u);  // the server's ACKs

  const EndpointCounters s = server->counters();
  EXPECT_GE(s.udp_datagrams_received, kBytes / 1500);
  EXPECT_GT(s.packets_without_stream_data, 0u);  // ACK-only packets
  EXPECT_LE(s.packets_without_stream_data, s.packets_written);

  // Closing folds the sockets' totals in: nothing counted goes away.
  client->close();
  const EndpointCounters after = client->counters();
  EXPECT_GE(after.udp_datagrams_sent, c.udp_datagrams_sent);
  EXPECT_GE(after.udp_send_calls, c.udp_send_calls);
  EXPECT_GE(after.udp_datagrams_received, c.udp_datagrams_received);
  server->close();
}

// Path MTU discovery lifts packets above QUIC's 1200 bytes on loopback: kBytes then fit in fewer
// packets than 1200-byte packets could carry them in. Off, they cannot (a count, not a timing).
TEST(EndpointCounters, PathMtuDiscoveryMakesBiggerPackets) {
  constexpr std::size_t kMinPackets = kBytes / 1200;
  {
    Transfer on;
    EXPECT_EQ(on.received, kBytes);
    EXPECT_LT(on.client->counters().packets_written, kMinPackets);
  }
  {
    EndpointConfig config = loopback();
    config.quic_pmtud = false;
    Transfer off(config);
    EXPECT_EQ(off.received, kBytes);
    EXPECT_GT(off.client->counters().packets_written, kMinPackets);
  }
}

}  // namespace
}  // namespace privstack::transport
