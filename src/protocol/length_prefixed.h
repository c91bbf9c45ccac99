// Length-prefixed framing, `uvarint(len) ‖ body`, shared by multistream-select, identify and the
// protobuf protocols built later (kad, relay).
//
// The reader takes the varint one byte at a time and then exactly `len` bytes, so it never
// consumes anything past the frame. That is what makes go's lazy multistream select safe: the
// application data that follows a proposal in the same write stays in the stream for the
// protocol handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "common/result.h"
#include "multiformats/varint.h"
#include "protocol/stream_io.h"

namespace privstack::protocol {

/// Appends `uvarint(body.size()) ‖ body` to `out`.
void append_frame(Bytes& out, ByteView body);
/// Returns `uvarint(body.size()) ‖ body`.
Bytes encode_frame(ByteView body);
/// Size of the encoded frame for a body of `body_size` bytes.
std::size_t frame_size(std::size_t body_size);

/// Incremental parser for the length prefix, fed one byte at a time by the async reader (and
/// directly by tests). Rejects, before any body is allocated: a length above `max_len`, a
/// non-minimal varint, and a varint longer than the 9-byte multiformats limit.
class FrameLengthParser {
 public:
  explicit FrameLengthParser(std::size_t max_len) : max_len_(max_len) {}

  enum class Step { need_more, done };
  /// Feeds the next byte. After `done`, length() is the body length; no more bytes may be fed.
  Result<Step> feed(std::uint8_t byte);
  std::size_t length() const { return length_; }
  /// True before the first byte: an EOF now is a clean end of stream, not a truncated frame.
  bool at_start() const { return used_ == 0; }

 private:
  std::size_t max_len_;
  std::uint8_t bytes_[multiformats::kMaxVarintBytes] = {};
  std::size_t used_ = 0;
  std::size_t length_ = 0;
};

/// Reads one frame of at most `max_len` body bytes. Returns std::nullopt on a clean EOF (the
/// stream ended before the first byte of a frame); EOF inside a frame is an error.
template <AsyncStream S>
asio::awaitable<Result<std::optional<Bytes>>> read_frame(S& s, std::size_t max_len) {
  FrameLengthParser parser(max_len);
  for (;;) {
    std::uint8_t byte = 0;
    auto got = co_await read_exact(s, std::span<std::uint8_t>(&byte, 1), "read frame length");
    if (!got) co_return got.error();
    if (*got == ReadExact::eof) {
      if (parser.at_start()) co_return std::optional<Bytes>{};
      co_return make_error("stream ended inside a frame length");
    }
    auto step = parser.feed(byte);
    if (!step) co_return step.error();
    if (*step == FrameLengthParser::Step::done) break;
  }
  Bytes body(parser.length());
  auto got = co_await read_exact(s, std::span<std::uint8_t>(body), "read frame body");
  if (!got) co_return got.error();
  if (*got == ReadExact::eof && !body.empty()) {
    co_return make_error("stream ended before a {}-byte frame body", body.size());
  }
  co_return std::optional<Bytes>{std::move(body)};
}

/// Writes one frame (length prefix and body in a single write). The frame is encoded right away,
/// so `body` need not outlive the call.
template <AsyncStream S>
asio::awaitable<Result<void>> write_frame(S& s, ByteView body) {
  return write_owned(s, encode_frame(body), "write frame");
}

}  // namespace privstack::protocol
