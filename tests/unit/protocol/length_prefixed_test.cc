#include "protocol/length_prefixed.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace privstack::protocol {
namespace {

using test::Pipe;
using test::run;
using test::spawn;

TEST(LengthPrefixed, EncodesVarintLengthThenBody) {
  EXPECT_EQ(to_hex(encode_frame(as_bytes("abc"))), "03616263");
  EXPECT_EQ(to_hex(encode_frame({})), "00");
  Bytes body(300, 0x11);
  Bytes frame = encode_frame(body);
  ASSERT_EQ(frame.size(), 302u);
  EXPECT_EQ(frame[0], 0xac);  // 300 = 0b10_0101100 -> ac 02
  EXPECT_EQ(frame[1], 0x02);
  EXPECT_EQ(frame_size(300), 302u);
  EXPECT_EQ(frame_size(127), 128u);
  EXPECT_EQ(frame_size(128), 130u);
}

Result<std::size_t> parse_length(ByteView bytes, std::size_t max_len) {
  FrameLengthParser parser(max_len);
  for (auto b : bytes) {
    auto step = parser.feed(b);
    if (!step) return step.error();
    if (*step == FrameLengthParser::Step::done) return parser.length();
  }
  return make_error("incomplete");
}

TEST(LengthPrefixed, ParserAcceptsMinimalVarints) {
  EXPECT_EQ(*parse_length(from_hex("00"), 10), 0u);
  EXPECT_EQ(*parse_length(from_hex("0a"), 10), 10u);
  EXPECT_EQ(*parse_length(from_hex("ac02"), 300), 300u);
  EXPECT_EQ(*parse_length(from_hex("8040"), 8192), 8192u);
}

TEST(LengthPrefixed, ParserRejectsBadLengths) {
  EXPECT_FALSE(parse_length(from_hex("0b"), 10).ok());       // 11 > 10
  EXPECT_FALSE(parse_length(from_hex("8000"), 10).ok());     // non-minimal 0
  EXPECT_FALSE(parse_length(from_hex("ff7f"), 16382).ok());  // 16383 > 16382
  EXPECT_EQ(*parse_length(from_hex("ff7f"), 16383), 16383u);
  // Ten continuation bytes: overflow, reported without waiting for a 10th byte.
  EXPECT_FALSE(parse_length(from_hex("ffffffffffffffffffff"), SIZE_MAX).ok());
  // A length that would need more varint bytes than max_len does is rejected early.
  FrameLengthParser parser(1000);  // fits in 2 varint bytes
  ASSERT_TRUE(parser.feed(0xff).ok());
  EXPECT_FALSE(parser.feed(0xff).ok());
  EXPECT_FALSE(FrameLengthParser(100).feed(0x80).ok());  // 100 fits in 1 byte
}

TEST(LengthPrefixed, ReadsExactlyOneFrameAndLeavesTheRest) {
  Pipe pipe;
  pipe.remote_writes(test::concat({encode_frame(as_bytes("first")), as_bytes("trailing")}));
  auto frame = spawn(pipe.ioc, read_frame(pipe.local, 100));
  run(pipe.ioc);
  ASSERT_TRUE(frame->has_value());
  ASSERT_TRUE((*frame)->ok()) << (*frame)->error().message;
  ASSERT_TRUE((***frame).has_value());
  EXPECT_EQ(as_chars(****frame), "first");
  EXPECT_EQ(as_chars(pipe.local_unread()), "trailing");
}

TEST(LengthPrefixed, ReadsEmptyFrame) {
  Pipe pipe;
  pipe.remote_writes(from_hex("00"));
  pipe.remote.close();
  auto frame = spawn(pipe.ioc, read_frame(pipe.local, 100));
  run(pipe.ioc);
  ASSERT_TRUE(frame->has_value() && (*frame)->ok());
  ASSERT_TRUE((***frame).has_value());
  EXPECT_TRUE((****frame).empty());
}

TEST(LengthPrefixed, CleanEofIsDistinct) {
  Pipe pipe;
  pipe.remote.close();
  auto frame = spawn(pipe.ioc, read_frame(pipe.local, 100));
  run(pipe.ioc);
  ASSERT_TRUE(frame->has_value());
  ASSERT_TRUE((*frame)->ok());
  EXPECT_FALSE((***frame).has_value());
}

TEST(LengthPrefixed, EofInsideFrameIsAnError) {
  for (const char* hex : {"ac", "05616263"}) {
    Pipe pipe;
    pipe.remote_writes(from_hex(hex));
    pipe.remote.close();
    auto frame = spawn(pipe.ioc, read_frame(pipe.local, 1000));
    run(pipe.ioc);
    ASSERT_TRUE(frame->has_value()) << hex;
    EXPECT_FALSE((*frame)->ok()) << hex;
  }
}

TEST(LengthPrefixed, OversizeLengthFailsBeforeReadingTheBody) {
  Pipe pipe;
  // Claims 2 MiB; only the 3 length bytes may be consumed.
  pipe.remote_writes(test::concat({from_hex("80808001"), as_bytes("rest")}));
  auto frame = spawn(pipe.ioc, read_frame(pipe.local, 4096));
  run(pipe.ioc);
  ASSERT_TRUE(frame->has_value());
  ASSERT_FALSE((*frame)->ok());
  EXPECT_NE((*frame)->error().message.find("limit"), std::string::npos);
}

TEST(LengthPrefixed, WriteFrameWritesPrefixAndBody) {
  Pipe pipe;
  auto done = spawn(pipe.ioc, write_frame(pipe.local, as_bytes("hi")));
  run(pipe.ioc);
  ASSERT_TRUE(done->has_value() && (*done)->ok());
  EXPECT_EQ(to_hex(pipe.remote_received()), "026869");
}

}  // namespace
}  // namespace privstack::protocol
