// Our QUIC dialer against our QUIC listener on loopback: handshake, identities, streams, flow
// control, resets and closes.
#include <array>
#include <numeric>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

#include "support/stream_io.h"
#include "test_support.h"

namespace privstack::transport {
namespace {

using namespace test;
using namespace boost::asio::experimental::awaitable_operators;
using boost::system::error_code;

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

using privstack::test::echo_stream;
// Reads until EOF (or another error, which is returned), as bytes.
constexpr auto read_all = privstack::test::read_all<Bytes>;

Bytes pattern(std::size_t n) {
  Bytes data(n);
  for (std::size_t i = 0; i < n; ++i)
    data[i] = static_cast<std::uint8_t>((i * 131 + i / 977) & 0xff);
  return data;
}

class QuicTest : public ::testing::Test {
 protected:
  QuicTest() { maybe_enable_debug_log(); }

  std::unique_ptr<Endpoint> make(const crypto::Ed25519Keypair& key, EndpointConfig config) {
    auto endpoint = Endpoint::create(io, key, std::move(config));
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    return endpoint ? std::move(*endpoint) : nullptr;
  }

  // A server that echoes every stream, and queues its connections.
  void start_echo_server(EndpointConfig config = loopback_config()) {
    server = make(server_key, std::move(config));
    server->set_connection_handler([this](std::shared_ptr<Connection> c) {
      c->set_stream_handler([this](std::shared_ptr<Stream> s) {
        asio::co_spawn(io, echo_stream(std::move(s)), asio::detached);
      });
      server_connections.push(std::move(c));
    });
  }

  // A server that reads every stream to its end and queues how it ended (and, with `closed`,
  // the reason each connection closed).
  void start_reading_server(AsyncQueue<error_code>& read_results,
                            AsyncQueue<std::string>* closed = nullptr) {
    server = make(server_key, loopback_config());
    server->set_connection_handler([this, &read_results, closed](std::shared_ptr<Connection> c) {
      if (closed) c->on_closed([closed](const std::string& reason) { closed->push(reason); });
      c->set_stream_handler([this, &read_results](std::shared_ptr<Stream> s) {
        asio::co_spawn(
            io,
            [&read_results, s]() -> asio::awaitable<void> {
              auto [ec, data] = co_await read_all(s);
              read_results.push(ec);
            },
            asio::detached);
      });
      server_connections.push(c);
    });
  }

  udp::endpoint server_address() const { return server->local_endpoints().front(); }

  // The client dials the server (expecting its peer id); null after a test failure.
  asio::awaitable<std::shared_ptr<Connection>> dial_server() {
    auto conn = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(conn) << (conn ? "" : conn.error().message);
    co_return conn ? *conn : nullptr;
  }

  // A new stream on `conn`; null after a test failure.
  static asio::awaitable<std::shared_ptr<Stream>> open_on(const std::shared_ptr<Connection>& conn) {
    auto stream = co_await conn->open_stream();
    EXPECT_TRUE(stream) << (stream ? "" : stream.error().message);
    co_return stream ? *stream : nullptr;
  }

  asio::io_context io;
  crypto::Ed25519Keypair server_key = crypto::Ed25519Keypair::generate();
  crypto::Ed25519Keypair client_key = crypto::Ed25519Keypair::generate();
  std::unique_ptr<Endpoint> server;
  std::unique_ptr<Endpoint> client;
  AsyncQueue<std::shared_ptr<Connection>> server_connections{io};
};

void check_handshake(QuicTest& t, asio::io_context& io, std::unique_ptr<Endpoint>& client,
                     const udp::endpoint& server, const crypto::Ed25519Keypair& server_key,
                     const crypto::Ed25519Keypair& client_key,
                     AsyncQueue<std::shared_ptr<Connection>>& accepted) {
  (void)t;
  run(io, [&]() -> asio::awaitable<void> {
    auto dialed = co_await client->dial(server, server_key.peer_id());
    EXPECT_TRUE(dialed) << dialed.error().message;
    if (!dialed) co_return;
    auto conn = *dialed;
    EXPECT_EQ(conn->remote_peer(), server_key.peer_id());
    EXPECT_EQ(conn->remote_public_key(), server_key.public_key());
    EXPECT_EQ(conn->direction(), Direction::outbound);
    EXPECT_EQ(conn->remote_endpoint(), server);
    auto inbound = co_await accepted.pop();
    EXPECT_TRUE(inbound.has_value());
    if (!inbound) co_return;
    EXPECT_EQ((*inbound)->remote_peer(), client_key.peer_id());
    EXPECT_EQ((*inbound)->direction(), Direction::inbound);
    EXPECT_EQ((*inbound)->remote_endpoint(), conn->local_endpoint());
    EXPECT_NE(conn->id(), (*inbound)->id());
  });
}

TEST_F(QuicTest, HandshakeOverIpv4) {
  start_echo_server();
  client = make(client_key, loopback_config());
  check_handshake(*this, io, client, server_address(), server_key, client_key, server_connections);
}

TEST_F(QuicTest, HandshakeOverIpv6) {
  start_echo_server(loopback_config(true));
  client = make(client_key, loopback_config(true));
  check_handshake(*this, io, client, server_address(), server_key, client_key, server_connections);
}

TEST_F(QuicTest, DualStackListenersBindTheSamePort) {
  EndpointConfig config;
  config.listen = {udp::endpoint(udp::v4(), 0)};
  auto first = make(server_key, config);
  ASSERT_TRUE(first);
  const auto port = first->local_endpoints().front().port();
  first.reset();
  config.listen = {udp::endpoint(udp::v4(), port), udp::endpoint(udp::v6(), port)};
  auto both = Endpoint::create(io, server_key, config);
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ((*both)->local_endpoints().size(), 2u);
}

TEST_F(QuicTest, DialWithoutExpectedPeerIdLearnsIt) {
  start_echo_server();
  client = make(client_key, {});  // default: ephemeral sockets for dialing
  run(io, [&]() -> asio::awaitable<void> {
    auto dialed = co_await client->dial(server_address());
    EXPECT_TRUE(dialed) << dialed.error().message;
    if (dialed) {
      EXPECT_EQ((*dialed)->remote_peer(), server_key.peer_id());
    }
  });
}

TEST_F(QuicTest, DialWithWrongExpectedPeerIdFails) {
  start_echo_server();
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    const auto someone_else = crypto::Ed25519Keypair::generate().peer_id();
    auto dialed = co_await client->dial(server_address(), someone_else);
    EXPECT_FALSE(dialed);
    if (!dialed) {
      EXPECT_NE(dialed.error().message.find("mismatch"), std::string::npos)
          << dialed.error().message;
    }
    // The server never hands out a connection whose handshake failed.
    auto inbound = co_await server_connections.pop(200ms);
    EXPECT_FALSE(inbound.has_value());
  });
}

TEST_F(QuicTest, FinAndEofSemantics) {
  start_echo_server();
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto opened = co_await conn->open_stream();
    EXPECT_TRUE(opened) << opened.error().message;
    if (!opened) co_return;
    auto stream = *opened;
    const std::string hello = "hello over quic";
    co_await asio::async_write(*stream, asio::buffer(hello), asio::use_awaitable);
    stream->close_write();
    // Writing after close_write fails.
    auto [wec, wn] = co_await stream->async_write_some(asio::buffer(hello), tuple_awaitable);
    EXPECT_EQ(wec, asio::error::broken_pipe);
    auto [ec, data] = co_await read_all(stream);
    EXPECT_EQ(ec, asio::error::eof);
    EXPECT_EQ(as_chars(data), hello);
    // EOF is sticky.
    std::array<std::uint8_t, 8> more{};
    auto [ec2, n2] = co_await stream->async_read_some(asio::buffer(more), tuple_awaitable);
    EXPECT_EQ(ec2, asio::error::eof);
    EXPECT_EQ(n2, 0u);
  });
}

TEST_F(QuicTest, EchoOneMebibyteWithBackpressure) {
  // Small windows and buffers so that flow control, not memory, bounds what is in flight.
  auto small = [](EndpointConfig config) {
    config.stream_receive_window = 64 * 1024;
    config.connection_receive_window = 128 * 1024;
    config.stream_send_buffer = 32 * 1024;
    return config;
  };
  start_echo_server(small(loopback_config()));
  client = make(client_key, small(loopback_config()));
  const Bytes payload = pattern(1024 * 1024);
  std::size_t written = 0;
  std::size_t read = 0;
  std::size_t max_in_flight = 0;
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto opened = co_await conn->open_stream();
    EXPECT_TRUE(opened);
    if (!opened) co_return;
    auto stream = *opened;

    auto writer = [&]() -> asio::awaitable<void> {
      while (written < payload.size()) {
        const std::size_t chunk = std::min<std::size_t>(7001, payload.size() - written);
        auto n = co_await stream->async_write_some(asio::buffer(payload.data() + written, chunk),
                                                   asio::use_awaitable);
        written += n;
        max_in_flight = std::max(max_in_flight, written - read);
      }
      stream->close_write();
    };
    Bytes received;
    auto reader = [&]() -> asio::awaitable<void> {
      std::array<std::uint8_t, 4096> buffer{};
      for (;;) {
        auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), tuple_awaitable);
        received.insert(received.end(), buffer.begin(),
                        buffer.begin() + static_cast<std::ptrdiff_t>(n));
        read += n;
        if (ec) {
          EXPECT_EQ(ec, asio::error::eof);
          break;
        }
        // The reader is slower than the writer: it pauses every 64 KiB.
        if (read % (64 * 1024) < n) co_await sleep_for(2ms);
      }
    };
    co_await (writer() && reader());
    EXPECT_EQ(received.size(), payload.size());
    EXPECT_TRUE(received == payload);
  });
  // Both directions' windows and send buffers plus the echo buffer: roughly 210 KiB. The writer can
  // never run further ahead than that, however slow the reader.
  EXPECT_LT(max_in_flight, 400u * 1024u);
  RecordProperty("max_in_flight", static_cast<int>(max_in_flight));
  EXPECT_GT(max_in_flight, 0u);
}

TEST_F(QuicTest, ResetPropagatesToThePeer) {
  AsyncQueue<error_code> server_read_results(io);
  start_reading_server(server_read_results);
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto stream = co_await open_on(conn);
    if (!stream) co_return;
    co_await asio::async_write(*stream, asio::buffer(std::string("partial")), asio::use_awaitable);
    stream->reset(7);
    auto result = co_await server_read_results.pop();
    EXPECT_TRUE(result.has_value());
    if (result) {
      EXPECT_EQ(*result, asio::error::connection_reset);
    }
    // Our own side sees the reset too.
    std::array<std::uint8_t, 8> buffer{};
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), tuple_awaitable);
    EXPECT_TRUE(ec);
  });
}

// async_wait_peer_abort (used by the relay's circuit pipe to notice a dead side it is not
// reading): RESET_STREAM and connection loss before FIN complete it; a FIN does not, so a stream
// whose data is complete keeps waiting through the connection loss until we reset it ourselves.
TEST_F(QuicTest, PeerAbortWaitSeesResetAndConnectionLossButNotFin) {
  server = make(server_key, loopback_config());
  AsyncQueue<std::shared_ptr<Stream>> server_streams(io);
  AsyncQueue<std::string> server_closed(io);
  server->set_connection_handler([&](std::shared_ptr<Connection> c) {
    c->on_closed([&](const std::string& reason) { server_closed.push(reason); });
    c->set_stream_handler([&](std::shared_ptr<Stream> s) { server_streams.push(std::move(s)); });
    server_connections.push(c);
  });
  client = make(client_key, loopback_config());
  AsyncQueue<error_code> reset_wait(io);
  AsyncQueue<error_code> fin_wait(io);
  AsyncQueue<error_code> loss_wait(io);
  auto wait_into = [&](std::shared_ptr<Stream> s, AsyncQueue<error_code>& results) {
    s->async_wait_peer_abort([&results](error_code ec) { results.push(ec); });
  };
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    std::array<std::uint8_t, 1> byte{};
    const std::string payload = "x";  // a named local: no temporaries inside co_await (GCC 12)

    // RESET_STREAM from the peer.
    auto reset_stream = co_await conn->open_stream();
    EXPECT_TRUE(reset_stream);
    if (!reset_stream) co_return;
    co_await asio::async_write(**reset_stream, asio::buffer(payload), tuple_awaitable);
    auto reset_peer = co_await server_streams.pop();
    EXPECT_TRUE(reset_peer.has_value());
    if (!reset_peer) co_return;
    co_await asio::async_read(**reset_peer, asio::buffer(byte), tuple_awaitable);
    wait_into(*reset_peer, reset_wait);
    (*reset_stream)->reset(7);
    auto reset_result = co_await reset_wait.pop();
    EXPECT_TRUE(reset_result.has_value());
    if (reset_result) {
      EXPECT_FALSE(*reset_result) << reset_result->message();
    }

    // A stream finished with FIN, and one still open, then the connection goes away.
    auto fin_stream = co_await conn->open_stream();
    EXPECT_TRUE(fin_stream);
    if (!fin_stream) co_return;
    co_await asio::async_write(**fin_stream, asio::buffer(payload), tuple_awaitable);
    (*fin_stream)->close_write();
    auto fin_peer = co_await server_streams.pop();
    EXPECT_TRUE(fin_peer.has_value());
    if (!fin_peer) co_return;
    auto [fin_ec, fin_data] = co_await read_all(*fin_peer);
    EXPECT_EQ(fin_ec, asio::error::eof);
    wait_into(*fin_peer, fin_wait);

    auto open_stream = co_await conn->open_stream();
    EXPECT_TRUE(open_stream);
    if (!open_stream) co_return;
    co_await asio::async_write(**open_stream, asio::buffer(payload), tuple_awaitable);
    auto open_peer = co_await server_streams.pop();
    EXPECT_TRUE(open_peer.has_value());
    if (!open_peer) co_return;
    co_await asio::async_read(**open_peer, asio::buffer(byte), tuple_awaitable);
    wait_into(*open_peer, loss_wait);

    conn->close(0, "bye");
    auto loss_result = co_await loss_wait.pop();
    EXPECT_TRUE(loss_result.has_value());
    if (loss_result) {
      EXPECT_FALSE(*loss_result) << loss_result->message();
    }
    // The server saw the close (its handler runs after the streams were told), so a wait that
    // the loss would complete has completed by now: only our reset ends the FIN stream's wait.
    auto reason = co_await server_closed.pop();
    EXPECT_TRUE(reason.has_value());
    (*fin_peer)->reset();
    auto fin_result = co_await fin_wait.pop();
    EXPECT_TRUE(fin_result.has_value());
    if (fin_result) {
      EXPECT_EQ(*fin_result, asio::error::operation_aborted);
    }
  });
}

TEST_F(QuicTest, ManyStreamsBeyondTheConcurrencyLimit) {
  EndpointConfig config = loopback_config();
  config.max_streams_bidi = 16;  // force waiting for stream credit
  start_echo_server(config);
  client = make(client_key, loopback_config());
  int completed = 0;
  constexpr int kStreams = 100;
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto one = [&](int i) -> asio::awaitable<void> {
      auto stream = co_await conn->open_stream();
      EXPECT_TRUE(stream) << stream.error().message;
      if (!stream) co_return;
      const std::string message = "stream " + std::to_string(i);
      co_await asio::async_write(**stream, asio::buffer(message), asio::use_awaitable);
      (*stream)->close_write();
      auto [ec, data] = co_await read_all(*stream);
      EXPECT_EQ(ec, asio::error::eof);
      EXPECT_EQ(as_chars(data), message);
      ++completed;
    };
    auto remaining = std::make_shared<int>(kStreams);
    AsyncQueue<int> done(io);
    for (int i = 0; i < kStreams; ++i) {
      asio::co_spawn(io, one(i), [&done](std::exception_ptr) { done.push(1); });
    }
    for (int i = 0; i < kStreams; ++i) {
      auto d = co_await done.pop();
      EXPECT_TRUE(d.has_value());
      if (!d) break;
    }
  });
  EXPECT_EQ(completed, kStreams);
}

TEST_F(QuicTest, ConnectionCloseIsSeenByThePeer) {
  AsyncQueue<std::string> server_closed(io);
  AsyncQueue<error_code> server_read_results(io);
  start_reading_server(server_read_results, &server_closed);
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto stream = co_await open_on(conn);
    if (!stream) co_return;
    co_await asio::async_write(*stream, asio::buffer(std::string("x")), asio::use_awaitable);
    auto inbound = co_await server_connections.pop();
    EXPECT_TRUE(inbound.has_value());
    // Let the server's stream handler start reading before we close.
    co_await sleep_for(20ms);
    AsyncQueue<std::string> client_closed(io);
    conn->on_closed([&](const std::string& reason) { client_closed.push(reason); });
    conn->close(42, "goodbye");
    EXPECT_FALSE(conn->is_open());
    auto reason = co_await server_closed.pop();
    EXPECT_TRUE(reason.has_value());
    if (reason) {
      EXPECT_NE(reason->find("application error 0x2a"), std::string::npos) << *reason;
      EXPECT_NE(reason->find("goodbye"), std::string::npos) << *reason;
    }
    auto read_result = co_await server_read_results.pop();
    EXPECT_TRUE(read_result.has_value());
    if (read_result) {
      EXPECT_EQ(*read_result, asio::error::connection_reset);
    }
    auto local_reason = co_await client_closed.pop();
    EXPECT_TRUE(local_reason.has_value());
    // Operations on a closed connection fail cleanly.
    auto late = co_await conn->open_stream();
    EXPECT_FALSE(late);
    auto [ec, n] =
        co_await stream->async_write_some(asio::buffer(std::string("y")), tuple_awaitable);
    EXPECT_EQ(ec, asio::error::connection_reset);
  });
}

TEST_F(QuicTest, EndpointCloseFailsPendingOperations) {
  start_echo_server();
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto stream = co_await open_on(conn);
    if (!stream) co_return;
    std::array<std::uint8_t, 8> buffer{};
    auto pending = [&]() -> asio::awaitable<error_code> {
      auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), tuple_awaitable);
      co_return ec;
    };
    auto closer = [&]() -> asio::awaitable<void> {
      co_await sleep_for(20ms);
      client->close();
    };
    const error_code ec = co_await (pending() && closer());
    EXPECT_EQ(ec, asio::error::connection_reset);
    EXPECT_FALSE(conn->is_open());
    client.reset();  // the endpoint goes away while we still hold connection and stream
    auto [ec2, n2] = co_await stream->async_read_some(asio::buffer(buffer), tuple_awaitable);
    EXPECT_EQ(ec2, asio::error::connection_reset);
  });
}

TEST_F(QuicTest, ReadCanBeCancelled) {
  start_echo_server();
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto stream = co_await open_on(conn);
    if (!stream) co_return;
    std::array<std::uint8_t, 8> buffer{};
    asio::steady_timer timer(io, 20ms);
    auto result = co_await (stream->async_read_some(asio::buffer(buffer), tuple_awaitable) ||
                            timer.async_wait(asio::use_awaitable));
    EXPECT_EQ(result.index(), 1u);  // the timer won, the read was cancelled
    // The stream still works afterwards.
    co_await asio::async_write(*stream, asio::buffer(std::string("ok")), asio::use_awaitable);
    stream->close_write();
    auto [ec, data] = co_await read_all(stream);
    EXPECT_EQ(as_chars(data), "ok");
  });
}

TEST_F(QuicTest, DroppingAStreamHandleFinishesTheStream) {
  // A server that ignores every stream it is given (as one would for an unknown protocol).
  server = make(server_key, loopback_config());
  server->set_connection_handler([this](std::shared_ptr<Connection> c) {
    c->set_stream_handler([](std::shared_ptr<Stream>) {});
    server_connections.push(std::move(c));
  });
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    auto stream = co_await open_on(conn);
    if (!stream) co_return;
    co_await asio::async_write(*stream, asio::buffer(std::string("anyone?")), asio::use_awaitable);
    // The dropped handle sent FIN (we read EOF) and STOP_SENDING (our writes start failing).
    auto [ec, data] = co_await read_all(stream);
    EXPECT_EQ(ec, asio::error::eof);
    EXPECT_TRUE(data.empty());
    error_code write_error;
    for (int i = 0; i < 100 && !write_error; ++i) {
      auto [wec, n] =
          co_await stream->async_write_some(asio::buffer(std::string("more")), tuple_awaitable);
      write_error = wec;
      if (!wec) co_await sleep_for(5ms);
    }
    EXPECT_EQ(write_error, asio::error::connection_reset);
    // The connection itself is unaffected.
    auto again = co_await conn->open_stream();
    EXPECT_TRUE(again);
    EXPECT_TRUE(conn->is_open());
  });
}

TEST_F(QuicTest, OnClosedAfterCloseStillRuns) {
  start_echo_server();
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    conn->close();
    AsyncQueue<std::string> closed(io);
    conn->on_closed([&](const std::string& reason) { closed.push(reason); });
    auto reason = co_await closed.pop(5s);
    EXPECT_TRUE(reason.has_value());
  });
}

TEST_F(QuicTest, RetryIsTransparentToTheClient) {
  EndpointConfig config = loopback_config();
  config.retry_threshold = 0;  // every new connection must come back with a Retry token
  start_echo_server(config);
  client = make(client_key, loopback_config());
  check_handshake(*this, io, client, server_address(), server_key, client_key, server_connections);
}

TEST_F(QuicTest, ConnectionLimitRefusesNewcomers) {
  EndpointConfig config = loopback_config();
  config.max_connections = 1;
  start_echo_server(config);
  client = make(client_key, loopback_config());
  auto second_key = crypto::Ed25519Keypair::generate();
  auto second = make(second_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto first = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(first);
    auto refused = co_await second->dial(server_address(), server_key.peer_id());
    EXPECT_FALSE(refused);
  });
}

TEST_F(QuicTest, IdleConnectionsTimeOut) {
  EndpointConfig config = loopback_config();
  config.max_idle_timeout = 300ms;
  config.keep_alive_interval = 0ms;
  start_echo_server(config);
  client = make(client_key, config);
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    AsyncQueue<std::string> closed(io);
    conn->on_closed([&](const std::string& reason) { closed.push(reason); });
    auto reason = co_await closed.pop(10s);
    EXPECT_TRUE(reason.has_value());
    if (reason) {
      EXPECT_NE(reason->find("idle"), std::string::npos) << *reason;
    }
    EXPECT_EQ(client->connection_count(), 0u);
  });
}

TEST_F(QuicTest, KeepAliveHoldsAnIdleConnectionOpen) {
  EndpointConfig config = loopback_config();
  config.max_idle_timeout = 400ms;
  config.keep_alive_interval = 100ms;
  start_echo_server(config);
  client = make(client_key, config);
  run(io, [&]() -> asio::awaitable<void> {
    auto conn = co_await dial_server();
    if (!conn) co_return;
    co_await sleep_for(1500ms);
    EXPECT_TRUE(conn->is_open()) << conn->close_reason();
  });
}

}  // namespace
}  // namespace privstack::transport
