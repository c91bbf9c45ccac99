// Small helpers shared by the crypto tests.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"

namespace privstack::crypto::testing {

/// Hex to bytes; an empty result for bad hex would hide typos, so callers compare sizes.
inline Bytes hex(std::string_view text) {
  return from_hex(text);
}

inline Bytes text(std::string_view s) {
  return to_bytes(s);
}

/// A copy of `bytes` with one bit flipped at `index`.
inline Bytes flip_bit(Bytes bytes, std::size_t index, std::uint8_t mask = 0x01) {
  bytes.at(index) ^= mask;
  return bytes;
}

}  // namespace privstack::crypto::testing
