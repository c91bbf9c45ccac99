#include "protocol/ping.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace privstack::protocol::ping {
namespace {

using test::Pipe;
using test::run;
using test::spawn;

Bytes pattern(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return out;
}

TEST(PingRespond, EchoesChunksUntilEof) {
  Pipe pipe;
  Bytes pings = pattern(3 * kPingSize);
  pipe.remote_writes(pings);
  pipe.remote.close();
  auto stats = spawn(pipe.ioc, respond(pipe.local));
  run(pipe.ioc);
  ASSERT_TRUE(stats->has_value());
  ASSERT_TRUE((*stats)->ok()) << (*stats)->error().message;
  EXPECT_EQ((***stats).pings, 3u);
  EXPECT_FALSE((***stats).partial_chunk);
  EXPECT_EQ(pipe.remote_received(), pings);
  // The responder closed its side: the remote now reads EOF.
  std::uint8_t byte = 0;
  boost::system::error_code ec;
  pipe.remote.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST(PingRespond, EchoesEachPingAsItArrives) {
  Pipe pipe;
  auto stats = spawn(pipe.ioc, respond(pipe.local));
  Bytes first = pattern(kPingSize);
  pipe.remote_writes(ByteView(first).first(10));  // split across writes
  run(pipe.ioc);
  EXPECT_TRUE(pipe.remote_received().empty());
  pipe.remote_writes(ByteView(first).subspan(10));
  run(pipe.ioc);
  EXPECT_EQ(pipe.remote_received(), first);
  EXPECT_FALSE(stats->has_value());  // still serving the stream
  pipe.remote.close();
  run(pipe.ioc);
  ASSERT_TRUE(stats->has_value() && (*stats)->ok());
  EXPECT_EQ((***stats).pings, 1u);
}

TEST(PingRespond, PartialChunkAtEofIsDropped) {
  Pipe pipe;
  Bytes data = pattern(kPingSize + 5);
  pipe.remote_writes(data);
  pipe.remote.close();
  auto stats = spawn(pipe.ioc, respond(pipe.local));
  run(pipe.ioc);
  ASSERT_TRUE(stats->has_value() && (*stats)->ok());
  EXPECT_EQ((***stats).pings, 1u);
  EXPECT_TRUE((***stats).partial_chunk);
  EXPECT_EQ(pipe.remote_received(), Bytes(data.begin(), data.begin() + kPingSize));
}

TEST(PingRespond, StopsAtMaxPings) {
  Pipe pipe;
  pipe.remote_writes(pattern(5 * kPingSize));
  auto stats = spawn(pipe.ioc, respond(pipe.local, ResponderLimits{.max_pings = 2}));
  run(pipe.ioc);
  ASSERT_TRUE(stats->has_value() && (*stats)->ok());
  EXPECT_EQ((***stats).pings, 2u);
  EXPECT_TRUE((***stats).limit_reached);
  EXPECT_EQ(pipe.remote_received().size(), 2 * kPingSize);
}

TEST(PingDial, MeasuresRoundTripAgainstResponder) {
  Pipe pipe;
  auto served = spawn(pipe.ioc, respond(pipe.remote));
  auto first = spawn(pipe.ioc, ping(pipe.local));
  run(pipe.ioc);
  ASSERT_TRUE(first->has_value());
  ASSERT_TRUE((*first)->ok()) << (*first)->error().message;
  EXPECT_GE((***first).count(), 0);
  // The same stream carries the next ping, as rust does.
  auto second = spawn(pipe.ioc, ping(pipe.local));
  run(pipe.ioc);
  ASSERT_TRUE(second->has_value() && (*second)->ok());
  close_write(pipe.local);
  run(pipe.ioc);
  ASSERT_TRUE(served->has_value() && (*served)->ok());
  EXPECT_EQ((***served).pings, 2u);
}

TEST(PingDial, WrongEchoIsAnError) {
  Pipe pipe;
  auto result = spawn(pipe.ioc, ping(pipe.local));
  run(pipe.ioc);
  Bytes sent = pipe.remote_received();
  ASSERT_EQ(sent.size(), kPingSize);
  sent[0] ^= 0xff;
  pipe.remote_writes(sent);
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value());
  EXPECT_FALSE((*result)->ok());
}

TEST(PingDial, EofBeforeEchoIsAnError) {
  Pipe pipe;
  auto result = spawn(pipe.ioc, ping(pipe.local));
  run(pipe.ioc);
  pipe.remote_writes(pattern(7));
  pipe.remote.close();
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value());
  EXPECT_FALSE((*result)->ok());
}

TEST(PingDial, PayloadsAreRandom) {
  EXPECT_NE(make_payload(), make_payload());
}

}  // namespace
}  // namespace privstack::protocol::ping
