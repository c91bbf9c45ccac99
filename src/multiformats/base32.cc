#include "multiformats/base32.h"

namespace privstack::multiformats {

namespace {

std::string encode_with(ByteView in, const char* alphabet) {
  std::string out;
  out.reserve((in.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (auto byte : in) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(alphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

int value_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(ByteView in) {
  return encode_with(in, "abcdefghijklmnopqrstuvwxyz234567");
}

std::string base32_encode_upper(ByteView in) {
  return encode_with(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}

Result<Bytes> base32_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int value = value_of(text[i]);
    if (value < 0) return make_error("invalid base32 character at offset {}", i);
    buffer = ((buffer << 5) | static_cast<std::uint32_t>(value)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
  }
  // Leftover bits are the encoder's zero padding of the last byte; 5 or more left over means a
  // whole character carried no data, which no encoder produces.
  if (bits >= 5) return make_error("invalid base32 length {}", text.size());
  if ((buffer & ((1u << bits) - 1)) != 0) return make_error("non-zero trailing base32 bits");
  return out;
}

}  // namespace privstack::multiformats
