#include "protocol/multistream.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util.h"

namespace privstack::protocol::multistream {
namespace {

using test::concat;
using test::Pipe;
using test::run;
using test::spawn;

// Byte vectors from libp2p/specs connections/README.md and the multistream-select README.
constexpr std::string_view kHeaderHex = "132f6d756c746973747265616d2f312e302e300a";
constexpr std::string_view kNaHex = "036e610a";

Bytes msg(std::string_view text) {
  return encode_message(text);
}

const ProtocolSet kSupported = {"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0"};

// ---- codec -------------------------------------------------------------------------------------

TEST(MultistreamCodec, SpecVectors) {
  EXPECT_EQ(to_hex(encode_message(kHeader)), kHeaderHex);
  EXPECT_EQ(to_hex(encode_message(kNotAvailable)), kNaHex);
  EXPECT_EQ(to_hex(encode_message("/echo/1.0")), "0a2f6563686f2f312e300a");
  EXPECT_EQ(to_hex(encode_message(kList)), "036c730a");
}

TEST(MultistreamCodec, DecodesValidMessages) {
  EXPECT_EQ(*decode_message(as_bytes("/multistream/1.0.0\n")), "/multistream/1.0.0");
  EXPECT_EQ(*decode_message(as_bytes("na\n")), "na");
  EXPECT_EQ(*decode_message(as_bytes("/proto/ünïcode/1\n")), "/proto/ünïcode/1");
}

TEST(MultistreamCodec, RejectsMalformedMessages) {
  EXPECT_FALSE(decode_message(as_bytes("/ipfs/id/1.0.0")).ok());  // no newline
  EXPECT_FALSE(decode_message(as_bytes("")).ok());                // empty
  EXPECT_FALSE(decode_message(as_bytes("\n")).ok());              // empty text
  EXPECT_FALSE(decode_message(as_bytes("/a\n/b\n")).ok());        // embedded newline
  EXPECT_FALSE(decode_message(as_bytes("/a\r\n")).ok());          // control character
  EXPECT_FALSE(decode_message(as_bytes("/a\x7f\n")).ok());        // DEL
  EXPECT_FALSE(decode_message(from_hex("2fc30a")).ok());          // truncated UTF-8
  EXPECT_FALSE(decode_message(from_hex("2fc0af0a")).ok());        // overlong encoding
  EXPECT_FALSE(decode_message(from_hex("2feda0800a")).ok());      // surrogate
  EXPECT_FALSE(decode_message(from_hex("2ff48f0a")).ok());        // truncated 4-byte
  std::string line(1024, 'a');
  line.back() = '\n';
  EXPECT_TRUE(decode_message(as_bytes(line), 1024).ok());
  line.insert(0, "a");
  EXPECT_FALSE(decode_message(as_bytes(line), 1024).ok());  // 1025 bytes
}

TEST(MultistreamCodec, ListenerStateMachine) {
  Listener listener([](std::string_view p) { return p == "/ipfs/id/1.0.0"; }, Limits{});
  EXPECT_EQ(to_hex(listener.start()), kHeaderHex);
  EXPECT_FALSE(Listener(nullptr, Limits{}).on_message("/ipfs/id/1.0.0").ok());  // no header first

  auto step = listener.on_message("/multistream/1.0.0");
  ASSERT_TRUE(step.ok());
  EXPECT_TRUE(step->reply.empty());
  EXPECT_FALSE(step->selected);

  step = listener.on_message("/unknown/1.0.0");
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(to_hex(step->reply), kNaHex);
  EXPECT_FALSE(step->selected);

  step = listener.on_message("ls");
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(to_hex(step->reply), kNaHex);

  step = listener.on_message("/ipfs/id/1.0.0");
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->reply, msg("/ipfs/id/1.0.0"));
  EXPECT_EQ(step->selected, "/ipfs/id/1.0.0");
}

TEST(MultistreamCodec, ListenerRejectsNaFromDialer) {
  Listener listener(nullptr, Limits{});
  ASSERT_TRUE(listener.on_message(kHeader).ok());
  EXPECT_FALSE(listener.on_message("na").ok());
}

TEST(MultistreamCodec, DialerStateMachine) {
  Dialer dialer({"/a/1", "/b/1"});
  EXPECT_EQ(dialer.start(), concat({msg(kHeader), msg("/a/1")}));  // header + proposal together
  EXPECT_FALSE(Dialer({"/a/1"}).on_message("/a/1").ok());          // header must come first

  ASSERT_TRUE(dialer.on_message(kHeader).ok());
  auto step = dialer.on_message("na");
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->send, msg("/b/1"));
  EXPECT_FALSE(step->selected);
  step = dialer.on_message("/b/1");
  ASSERT_TRUE(step.ok());
  EXPECT_EQ(step->selected, "/b/1");

  Dialer refused({"/a/1"});
  ASSERT_TRUE(refused.on_message(kHeader).ok());
  EXPECT_FALSE(refused.on_message("na").ok());

  Dialer confused({"/a/1"});
  ASSERT_TRUE(confused.on_message(kHeader).ok());
  EXPECT_FALSE(confused.on_message("/other/1").ok());
}

// ---- listener transcripts ----------------------------------------------------------------------

TEST(MultistreamListen, RustStyleHeaderAndProposalInOneWrite) {
  Pipe pipe;
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/ipfs/id/1.0.0")}));
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value());
  ASSERT_TRUE((*result)->ok()) << (*result)->error().message;
  EXPECT_EQ(***result, "/ipfs/id/1.0.0");
  EXPECT_EQ(pipe.remote_received(), concat({from_hex(kHeaderHex), msg("/ipfs/id/1.0.0")}));
  EXPECT_TRUE(pipe.local_unread().empty());
}

TEST(MultistreamListen, GoLazySelectKeepsApplicationData) {
  Pipe pipe;
  Bytes app_data = from_hex("0a0b0c0d0e");  // e.g. the first kad request frame
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/ipfs/ping/1.0.0"), app_data}));
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(***result, "/ipfs/ping/1.0.0");
  EXPECT_EQ(pipe.local_unread(), app_data);
}

TEST(MultistreamListen, AnswersHeaderBeforeTheProposalArrives) {
  Pipe pipe;
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported));
  run(pipe.ioc);
  EXPECT_FALSE(result->has_value());  // still waiting for the dialer
  EXPECT_EQ(to_hex(pipe.remote_received()), kHeaderHex);
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/ipfs/id/1.0.0")}));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(pipe.remote_received(), msg("/ipfs/id/1.0.0"));
}

TEST(MultistreamListen, UnknownProtocolThenAccepted) {
  Pipe pipe;
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/ipfs/kad/1.0.0")}));
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported));
  run(pipe.ioc);
  EXPECT_FALSE(result->has_value());
  EXPECT_EQ(pipe.remote_received(), concat({from_hex(kHeaderHex), from_hex(kNaHex)}));
  pipe.remote_writes(msg("/ipfs/id/1.0.0"));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(***result, "/ipfs/id/1.0.0");
  EXPECT_EQ(pipe.remote_received(), msg("/ipfs/id/1.0.0"));
}

TEST(MultistreamListen, LsIsAnsweredWithNa) {
  Pipe pipe;
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("ls"), msg("/ipfs/id/1.0.0")}));
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(pipe.remote_received(),
            concat({from_hex(kHeaderHex), from_hex(kNaHex), msg("/ipfs/id/1.0.0")}));
}

TEST(MultistreamListen, PredicateMatcher) {
  Pipe pipe;
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/x/2.0.0")}));
  auto result =
      spawn(pipe.ioc, listen(pipe.local, [](std::string_view p) { return p.starts_with("/x/"); }));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(***result, "/x/2.0.0");
}

TEST(MultistreamListen, SetArgumentMayBeATemporary) {
  Pipe pipe;
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/tmp/1")}));
  // The awaitable outlives the set it was built from (it only runs inside run()).
  auto result = spawn(pipe.ioc, listen(pipe.local, ProtocolSet{"/tmp/1"}));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(***result, "/tmp/1");
}

Result<std::string> listen_to(ByteView dialer_bytes, bool close = true, Limits limits = {}) {
  Pipe pipe;
  pipe.remote_writes(dialer_bytes);
  if (close) pipe.remote.close();
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported, limits));
  run(pipe.ioc);
  if (!result->has_value()) return make_error("listener still waiting");
  return std::move(**result);
}

TEST(MultistreamListen, RejectsWrongHeader) {
  auto r = listen_to(concat({msg("/multistream/2.0.0"), msg("/ipfs/id/1.0.0")}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("header"), std::string::npos);
  EXPECT_FALSE(listen_to(msg("/ipfs/id/1.0.0")).ok());  // proposal without header
}

TEST(MultistreamListen, RejectsOversizeLine) {
  std::string long_id = "/" + std::string(1100, 'x');
  auto r = listen_to(concat({from_hex(kHeaderHex), msg(long_id)}), /*close=*/false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("limit"), std::string::npos);
  // A huge announced length is refused from the varint alone, without waiting for the body.
  r = listen_to(concat({from_hex(kHeaderHex), from_hex("ffffff7f")}), /*close=*/false);
  ASSERT_FALSE(r.ok());
}

TEST(MultistreamListen, RejectsLineWithoutNewline) {
  Bytes no_newline = from_hex("0e2f697066732f69642f312e302e30");  // 14 bytes "/ipfs/id/1.0.0"
  auto r = listen_to(concat({from_hex(kHeaderHex), no_newline}), /*close=*/false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("newline"), std::string::npos);
}

TEST(MultistreamListen, RejectsGarbageVarint) {
  EXPECT_FALSE(listen_to(from_hex("ffffffffffffffffffff"), false).ok());  // overflow
  EXPECT_FALSE(listen_to(from_hex("8000"), false).ok());                  // non-minimal
  EXPECT_FALSE(listen_to(from_hex("93"), true).ok());                     // EOF inside varint
  EXPECT_FALSE(listen_to(from_hex("13"), true).ok());                     // EOF inside body
  EXPECT_FALSE(listen_to({}, true).ok());                                 // EOF before anything
}

TEST(MultistreamListen, GivesUpAfterTooManyProposals) {
  Bytes dialer = from_hex(kHeaderHex);
  for (int i = 0; i < 20; ++i) {
    Bytes proposal = msg("/unknown/" + std::to_string(i));
    dialer.insert(dialer.end(), proposal.begin(), proposal.end());
  }
  Pipe pipe;
  pipe.remote_writes(dialer);
  auto result = spawn(pipe.ioc, listen(pipe.local, kSupported, Limits{.max_attempts = 16}));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value());
  ASSERT_FALSE((*result)->ok());
  // Header + exactly 16 `na` answers, then the listener stopped.
  Bytes expected = from_hex(kHeaderHex);
  for (int i = 0; i < 16; ++i) {
    Bytes na = from_hex(kNaHex);
    expected.insert(expected.end(), na.begin(), na.end());
  }
  EXPECT_EQ(pipe.remote_received(), expected);
}

// ---- dialer ------------------------------------------------------------------------------------

TEST(MultistreamSelect, SendsHeaderAndProposalInOneWrite) {
  Pipe pipe;
  auto result = spawn(pipe.ioc, select(pipe.local, "/ipfs/id/1.0.0"));
  run(pipe.ioc);
  EXPECT_FALSE(result->has_value());
  EXPECT_EQ(pipe.remote_received(), concat({from_hex(kHeaderHex), msg("/ipfs/id/1.0.0")}));
  // Listener answers header + echo, followed at once by protocol data.
  pipe.remote_writes(concat({from_hex(kHeaderHex), msg("/ipfs/id/1.0.0"), as_bytes("data")}));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value());
  ASSERT_TRUE((*result)->ok()) << (*result)->error().message;
  EXPECT_EQ(as_chars(pipe.local_unread()), "data");
}

TEST(MultistreamSelect, NaIsAnError) {
  Pipe pipe;
  pipe.remote_writes(concat({from_hex(kHeaderHex), from_hex(kNaHex)}));
  auto result = spawn(pipe.ioc, select(pipe.local, "/ipfs/id/1.0.0"));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value());
  ASSERT_FALSE((*result)->ok());
  EXPECT_NE((*result)->error().message.find("not supported"), std::string::npos);
}

TEST(MultistreamSelect, FallsBackToNextProposal) {
  Pipe pipe;
  auto result = spawn(pipe.ioc, select(pipe.local, std::vector<std::string>{"/kad/2", "/kad/1"}));
  run(pipe.ioc);
  EXPECT_EQ(pipe.remote_received(), concat({from_hex(kHeaderHex), msg("/kad/2")}));
  pipe.remote_writes(concat({from_hex(kHeaderHex), from_hex(kNaHex)}));
  run(pipe.ioc);
  EXPECT_EQ(pipe.remote_received(), msg("/kad/1"));
  pipe.remote_writes(msg("/kad/1"));
  run(pipe.ioc);
  ASSERT_TRUE(result->has_value() && (*result)->ok());
  EXPECT_EQ(***result, "/kad/1");
}

TEST(MultistreamSelect, DialerAgainstListener) {
  Pipe pipe;
  auto dialed =
      spawn(pipe.ioc, select(pipe.local, std::vector<std::string>{"/nope/1", "/ipfs/id/1.0.0"}));
  auto listened = spawn(pipe.ioc, listen(pipe.remote, kSupported));
  run(pipe.ioc);
  ASSERT_TRUE(dialed->has_value() && (*dialed)->ok());
  ASSERT_TRUE(listened->has_value() && (*listened)->ok());
  EXPECT_EQ(***dialed, "/ipfs/id/1.0.0");
  EXPECT_EQ(***listened, "/ipfs/id/1.0.0");
  EXPECT_TRUE(pipe.local_unread().empty());
  EXPECT_TRUE(pipe.remote.str().empty());
}

}  // namespace
}  // namespace privstack::protocol::multistream
