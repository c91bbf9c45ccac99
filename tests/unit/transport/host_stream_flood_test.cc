// Streams that never finish multistream negotiation, at the Host: a peer opens far more streams
// than --max-streams-per-connection allows and sends one byte on each. QUIC stream credit keeps at
// most the cap open at once, the Host's negotiation timeout resets each one (returning its
// credit), every attempt is eventually reaped, and another peer is served meanwhile.
#include <algorithm>
#include <array>
#include <cstdio>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/write.hpp>

#include "flood_support.h"
#include "node/address.h"
#include "node/host.h"
#include "node/identify_service.h"
#include "protocol/ping.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
using namespace transport::test;
using boost::asio::ip::udp;

HostConfig host_at(const char* ip) {
  HostConfig config;
  config.listen = {udp::endpoint(asio::ip::make_address(ip), 0)};
  return config;
}

TEST(HostStreamFloodTest, StreamsThatNeverNegotiateAreBoundedAndReaped) {
  maybe_enable_debug_log();
  constexpr std::uint64_t kMaxStreams = 8;
  constexpr int kAttempts = 64;
  asio::io_context io;
  HostConfig config = host_at("127.0.0.1");
  config.transport.max_streams_bidi = kMaxStreams;
  config.negotiation_timeout = std::chrono::milliseconds(300);
  auto server = Host::create(io, crypto::Ed25519Keypair::generate(), config);
  ASSERT_TRUE(server.ok()) << server.error().message;
  install_ping(**server);
  auto flooder = Host::create(io, crypto::Ed25519Keypair::generate(), host_at("127.0.0.1"));
  auto neighbour = Host::create(io, crypto::Ed25519Keypair::generate(), host_at("127.0.0.2"));
  ASSERT_TRUE(flooder.ok());
  ASSERT_TRUE(neighbour.ok());
  const auto address = quic_multiaddr((*server)->bound_endpoints().at(0))
                           .with(mf::Protocol::p2p, (*server)->peer_id().bytes());
  const long rss_before = rss_kb();

  int open_now = 0;
  int peak = 0;
  int reaped = 0;
  int failed = 0;
  run(
      io,
      [&]() -> asio::awaitable<void> {
        auto connection = co_await (*flooder)->dial(address);
        EXPECT_TRUE(connection.ok()) << (connection.ok() ? "" : connection.error().message);
        if (!connection) co_return;
        for (int i = 0; i < kAttempts; ++i) {
          asio::co_spawn(
              io,
              [&, c = *connection]() -> asio::awaitable<void> {
                constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
                auto stream = co_await c->open_stream();
                if (!stream) {
                  ++failed;
                  co_return;
                }
                peak = std::max(peak, ++open_now);
                // One byte of a multistream header's length prefix, and never the rest.
                static const std::uint8_t kPartial[] = {0x13};
                auto [wec, written] =
                    co_await asio::async_write(**stream, asio::buffer(kPartial), tuple);
                (void)wec;
                (void)written;
                std::array<std::uint8_t, 64> buffer{};
                for (;;) {
                  auto [ec, n] = co_await (*stream)->async_read_some(asio::buffer(buffer), tuple);
                  if (ec) break;
                }
                --open_now;
                ++reaped;
              },
              asio::detached);
        }
        // Meanwhile another peer gets a full ping round trip.
        auto other = co_await (*neighbour)->dial(address);
        EXPECT_TRUE(other.ok()) << (other.ok() ? "" : other.error().message);
        if (other) {
          auto stream = co_await (*neighbour)->new_stream(*other, "/ipfs/ping/1.0.0");
          EXPECT_TRUE(stream.ok()) << (stream.ok() ? "" : stream.error().message);
          if (stream) {
            auto rtt = co_await protocol::ping::ping(**stream);
            EXPECT_TRUE(rtt.ok()) << (rtt.ok() ? "" : rtt.error().message);
          }
        }
        const bool all_reaped =
            co_await wait_until([&] { return reaped + failed == kAttempts; }, 60s);
        EXPECT_TRUE(all_reaped) << "reaped=" << reaped << " failed=" << failed;
        std::printf(
            "[flood] host streams: attempts=%d reaped_by_negotiation_timeout=%d failed=%d "
            "peak_open=%d (cap %llu) neighbour_served=%d rss_kb before=%ld after=%ld\n",
            kAttempts, reaped, failed, peak, static_cast<unsigned long long>(kMaxStreams),
            other ? 1 : 0, rss_before, rss_kb());
        EXPECT_EQ(reaped, kAttempts);
        EXPECT_LE(peak, static_cast<int>(kMaxStreams));
        EXPECT_GE(peak, 1);
      },
      std::chrono::seconds(120));
  (*flooder)->close();
  (*neighbour)->close();
  (*server)->close();
  io.run_for(std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace privstack::node
