// Unsigned varints (multiformats/varint) and the length-prefix framing built on them
// (protocol/length_prefixed): the whole-buffer reader, the byte-at-a-time frame length parser and
// the read_frame coroutine over an in-memory stream must agree with each other and round-trip.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "multiformats/varint.h"
#include "protocol/length_prefixed.h"

namespace mf = privstack::multiformats;
namespace proto = privstack::protocol;
using privstack::Bytes;
using privstack::ByteView;
using privstack::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  // First byte: the frame limit, 0..255 scaled up so both "over the limit" and "fits" happen.
  const std::size_t max_len = std::size_t{in.byte()} * 16;
  const ByteView bytes = in.rest();

  // Whole-buffer reader: a decoded value re-encodes to exactly the bytes it consumed (minimality).
  auto read = mf::read_uvarint(bytes);
  if (read.status == mf::VarintStatus::ok) {
    PRIVSTACK_FUZZ_CHECK(read.length >= 1 && read.length <= mf::kMaxVarintBytes);
    PRIVSTACK_FUZZ_CHECK(read.value <= mf::kMaxVarintValue);
    Bytes again = mf::encode_uvarint(read.value);
    PRIVSTACK_FUZZ_CHECK(again.size() == read.length);
    PRIVSTACK_FUZZ_CHECK(std::equal(again.begin(), again.end(), bytes.begin()));
    PRIVSTACK_FUZZ_CHECK(mf::uvarint_size(read.value) == read.length);
  }
  ByteView cursor = bytes;
  auto consumed = mf::consume_uvarint(cursor);
  PRIVSTACK_FUZZ_CHECK(consumed.ok() == (read.status == mf::VarintStatus::ok));
  if (consumed.ok()) PRIVSTACK_FUZZ_CHECK(*consumed == read.value);

  // Byte-at-a-time parser: accepts exactly the varints read_uvarint accepts that fit max_len.
  proto::FrameLengthParser parser(max_len);
  std::size_t fed = 0;
  bool done = false;
  bool failed = false;
  for (std::uint8_t b : bytes) {
    auto step = parser.feed(b);
    ++fed;
    if (!step) {
      failed = true;
      break;
    }
    if (*step == proto::FrameLengthParser::Step::done) {
      done = true;
      break;
    }
  }
  if (done) {
    PRIVSTACK_FUZZ_CHECK(read.status == mf::VarintStatus::ok && fed == read.length);
    PRIVSTACK_FUZZ_CHECK(parser.length() == read.value && parser.length() <= max_len);
  }
  if (read.status == mf::VarintStatus::ok && read.value <= max_len) PRIVSTACK_FUZZ_CHECK(done);
  (void)failed;

  // read_frame over a stream the peer closes after `bytes`: it must finish (never hang), and a
  // frame it returns is exactly the body after the prefix.
  privstack::fuzz::Pipe pipe;
  pipe.remote_sends_and_closes(bytes);
  auto frame = pipe.run(proto::read_frame(pipe.local, max_len));
  PRIVSTACK_FUZZ_CHECK(frame.has_value());
  if (frame->ok() && frame->value().has_value()) {
    const Bytes& body = *frame->value();
    PRIVSTACK_FUZZ_CHECK(done && body.size() == parser.length());
    PRIVSTACK_FUZZ_CHECK(bytes.size() >= read.length + body.size());
    PRIVSTACK_FUZZ_CHECK(std::equal(body.begin(), body.end(), bytes.begin() + read.length));
  } else if (frame->ok()) {
    PRIVSTACK_FUZZ_CHECK(bytes.empty());  // clean EOF only before the first byte
  }

  // Framing round trip.
  Bytes framed = proto::encode_frame(bytes);
  PRIVSTACK_FUZZ_CHECK(framed.size() == proto::frame_size(bytes.size()));
  auto back = mf::read_uvarint(framed);
  PRIVSTACK_FUZZ_CHECK(back.status == mf::VarintStatus::ok && back.value == bytes.size());
  return 0;
}
