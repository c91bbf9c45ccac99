// Byte buffer vocabulary shared by every layer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace privstack {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline Bytes to_bytes(std::string_view s) {
  auto v = as_bytes(s);
  return {v.begin(), v.end()};
}

/// Lower-case hex, for logs and test vectors.
std::string to_hex(ByteView b);
/// Parses hex (either case, no separators); returns an empty vector on odd length or a bad digit.
Bytes from_hex(std::string_view hex);

}  // namespace privstack
