// A peer opening far more streams than allowed, each with one byte that is never followed by the
// rest of a multistream header: QUIC stream credit caps it at max_streams_bidi concurrent streams,
// the server holds no more than that, credit comes back only as streams close, and another
// connection on the same listener is served meanwhile.
#include <cstdio>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/write.hpp>

#include "flood_support.h"

namespace privstack::transport {
namespace {

using namespace test;

TEST(StreamFloodTest, StreamsPerConnectionAreCappedAndOthersAreServed) {
  maybe_enable_debug_log();
  constexpr std::uint64_t kMaxStreams = 8;
  constexpr int kAttempts = 200;
  asio::io_context io;
  auto server_key = crypto::Ed25519Keypair::generate();
  EndpointConfig config = config_at("127.0.0.1");
  config.max_streams_bidi = kMaxStreams;
  auto server = Endpoint::create(io, server_key, config);
  ASSERT_TRUE(server);
  // The server application keeps the flooder's streams without reading (as a handler waiting for
  // a multistream header that never completes) and echoes the well-behaved peer's.
  std::vector<std::shared_ptr<Stream>> held;
  auto flooder_key = crypto::Ed25519Keypair::generate();
  (*server)->set_connection_handler([&](std::shared_ptr<Connection> c) {
    const bool from_flooder = c->remote_peer() == flooder_key.peer_id();
    c->set_stream_handler([&, from_flooder](std::shared_ptr<Stream> s) {
      if (from_flooder) {
        held.push_back(std::move(s));
      } else {
        asio::co_spawn(io, echo_stream(std::move(s)), asio::detached);
      }
    });
  });
  auto flooder = Endpoint::create(io, flooder_key, config_at("127.0.0.1"));
  auto neighbour = Endpoint::create(io, crypto::Ed25519Keypair::generate(), config_at("127.0.0.2"));
  ASSERT_TRUE(flooder);
  ASSERT_TRUE(neighbour);
  const udp::endpoint address = (*server)->local_endpoints().front();
  const long rss_before = rss_kb();

  int opened = 0;
  int failed = 0;
  run(io, [&]() -> asio::awaitable<void> {
    auto connection = co_await (*flooder)->dial(address, server_key.peer_id());
    EXPECT_TRUE(connection) << connection.error().message;
    if (!connection) co_return;
    std::vector<std::shared_ptr<Stream>> client_streams;
    for (int i = 0; i < kAttempts; ++i) {
      asio::co_spawn(
          io,
          [&, c = *connection]() -> asio::awaitable<void> {
            auto stream = co_await c->open_stream();
            if (!stream) {
              ++failed;
              co_return;
            }
            ++opened;
            client_streams.push_back(*stream);
            // The first byte of "/multistream/1.0.0\n"'s length prefix, and nothing more.
            static const std::uint8_t kPartial[] = {0x13};
            auto [ec, n] = co_await asio::async_write(**stream, asio::buffer(kPartial),
                                                      asio::as_tuple(asio::use_awaitable));
            (void)ec;
            (void)n;
          },
          asio::detached);
    }
    {
      const bool ok = co_await wait_until([&] { return held.size() == kMaxStreams; });
      EXPECT_TRUE(ok) << "held=" << held.size();
    }
    // Give extra streams every chance to show up (they cannot: no credit). Not a timing assertion:
    // the counts below must hold however long we wait.
    co_await sleep_for(300ms);
    EXPECT_EQ(held.size(), kMaxStreams);
    EXPECT_EQ(opened, static_cast<int>(kMaxStreams));

    // Another connection on the same listener is served.
    auto other = co_await (*neighbour)->dial(address, server_key.peer_id());
    EXPECT_TRUE(other) << other.error().message;
    if (other) {
      const bool served = co_await echo_roundtrip(*other, "not starved");
      EXPECT_TRUE(served);
    }
    std::printf(
        "[flood] streams: attempts=%d opened=%d server_held=%zu (cap %llu) "
        "other_connection_served=%d rss_kb before=%ld after=%ld\n",
        kAttempts, opened, held.size(), static_cast<unsigned long long>(kMaxStreams), other ? 1 : 0,
        rss_before, rss_kb());

    // The server gives up on the held streams (as the negotiation timeout does): credit returns,
    // and the flooder can again open only up to the cap.
    for (auto& stream : held)
      stream->reset();
    held.clear();
    {
      const bool ok = co_await wait_until([&] { return held.size() == kMaxStreams; });
      EXPECT_TRUE(ok) << "held=" << held.size();
    }
    co_await sleep_for(300ms);
    EXPECT_EQ(held.size(), kMaxStreams);
    EXPECT_EQ(opened, static_cast<int>(2 * kMaxStreams));
    std::printf("[flood] streams after reset: opened=%d server_held=%zu\n", opened, held.size());
    (*connection)->close(0, "done");
    {
      const bool ok = co_await wait_until([&] { return failed + opened == kAttempts; });
      EXPECT_TRUE(ok) << "opened=" << opened << " failed=" << failed;
    }
    client_streams.clear();
  });
  held.clear();
  (*server)->close();
}

}  // namespace
}  // namespace privstack::transport
