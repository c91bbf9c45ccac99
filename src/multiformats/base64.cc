#include "multiformats/base64.h"

namespace privstack::multiformats {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int value_of(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string base64url_encode(ByteView in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (auto byte : in) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

Result<Bytes> base64url_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const int value = value_of(text[i]);
    if (value < 0) return make_error("invalid base64url character at offset {}", i);
    buffer = ((buffer << 6) | static_cast<std::uint32_t>(value)) & 0x3fff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
    }
  }
  // As in base32: leftover bits must be the encoder's zero fill, and a whole spare character
  // (6 bits) is never produced.
  if (bits >= 6) return make_error("invalid base64url length {}", text.size());
  if ((buffer & ((1u << bits) - 1)) != 0) return make_error("non-zero trailing base64url bits");
  return out;
}

}  // namespace privstack::multiformats
