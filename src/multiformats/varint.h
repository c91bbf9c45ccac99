// Unsigned varint as specified by multiformats/unsigned-varint: 7 bits per byte, least significant
// group first, at most 9 bytes (63 bits), and only the minimal encoding is valid.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats {

inline constexpr std::size_t kMaxVarintBytes = 9;
/// Largest value the spec allows (63 bits); larger values need a 10th byte that readers reject.
inline constexpr std::uint64_t kMaxVarintValue = (std::uint64_t{1} << 63) - 1;

/// Appends the minimal encoding of `value`. Values above kMaxVarintValue are still written (10
/// bytes) but no conforming reader accepts them, so callers must not produce them.
void append_uvarint(Bytes& out, std::uint64_t value);
Bytes encode_uvarint(std::uint64_t value);
/// Number of bytes append_uvarint writes for `value`.
std::size_t uvarint_size(std::uint64_t value);

enum class VarintStatus {
  ok,
  incomplete,   // every available byte had the continuation bit: more input may complete it
  overflow,     // longer than max_bytes (or the 9-byte spec limit)
  non_minimal,  // a trailing 0x00 group, e.g. `80 00` for 0
};

struct VarintRead {
  std::uint64_t value = 0;
  std::size_t length = 0;  // bytes consumed; 0 unless status == ok
  VarintStatus status = VarintStatus::incomplete;
};

/// Reads one varint from the front of `in`, looking at no more than `max_bytes` bytes (clamped to
/// kMaxVarintBytes). `incomplete` lets stream framing wait for more data instead of failing.
VarintRead read_uvarint(ByteView in, std::size_t max_bytes = kMaxVarintBytes);

/// Reads a varint from the front of `in` and advances `in` past it. For parsing whole buffers,
/// where running out of bytes is an error ("truncated varint"), not a reason to wait.
Result<std::uint64_t> consume_uvarint(ByteView& in);

}  // namespace privstack::multiformats
