#include "multiformats/varint.h"

#include <algorithm>

namespace privstack::multiformats {

void append_uvarint(Bytes& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

Bytes encode_uvarint(std::uint64_t value) {
  Bytes out;
  out.reserve(uvarint_size(value));
  append_uvarint(out, value);
  return out;
}

std::size_t uvarint_size(std::uint64_t value) {
  std::size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

VarintRead read_uvarint(ByteView in, std::size_t max_bytes) {
  const std::size_t limit = std::min(max_bytes, kMaxVarintBytes);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i >= limit) return {0, 0, VarintStatus::overflow};
    const std::uint8_t byte = in[i];
    // 9 groups of 7 bits fill at most bit 62, so this shift never loses bits.
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      // A zero final group adds nothing: the same value has a shorter encoding.
      if (byte == 0 && i > 0) return {0, 0, VarintStatus::non_minimal};
      return {value, i + 1, VarintStatus::ok};
    }
  }
  // Ran out of input while the continuation bit was set. If the bound was already reached the
  // varint can never complete, which is an overflow rather than a reason to wait.
  if (in.size() >= limit) return {0, 0, VarintStatus::overflow};
  return {0, 0, VarintStatus::incomplete};
}

Result<std::uint64_t> consume_uvarint(ByteView& in) {
  const VarintRead read = read_uvarint(in);
  switch (read.status) {
    case VarintStatus::ok:
      in = in.subspan(read.length);
      return read.value;
    case VarintStatus::incomplete:
      return make_error("truncated varint");
    case VarintStatus::overflow:
      return make_error("varint longer than {} bytes", kMaxVarintBytes);
    case VarintStatus::non_minimal:
      return make_error("non-minimal varint");
  }
  return make_error("invalid varint");
}

}  // namespace privstack::multiformats
