#include "multiformats/multibase.h"

#include "multiformats/base32.h"
#include "multiformats/base58.h"
#include "multiformats/base64.h"
#include "multiformats/basex.h"

namespace privstack::multiformats {

namespace {

// base36 is only reachable through multibase ('k'), e.g. go's /p2p/k51... peer ids, so it lives
// here rather than in its own public header.
constexpr detail::BaseXAlphabet kBase36{"0123456789abcdefghijklmnopqrstuvwxyz", true};

std::string base36_upper(ByteView in) {
  std::string out = detail::basex_encode(in, kBase36);
  for (auto& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string base16_encode(ByteView in, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(in.size() * 2);
  for (auto b : in) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Own decoder rather than common's from_hex, which cannot tell "" from an error.
Result<Bytes> base16_decode(std::string_view text) {
  if (text.size() % 2 != 0) return make_error("odd base16 length {}", text.size());
  Bytes out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return make_error("invalid base16 character near offset {}", i);
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

}  // namespace

std::string multibase_encode(Multibase base, ByteView in) {
  std::string body;
  switch (base) {
    case Multibase::base16:
      body = base16_encode(in, false);
      break;
    case Multibase::base16_upper:
      body = base16_encode(in, true);
      break;
    case Multibase::base32:
      body = base32_encode(in);
      break;
    case Multibase::base32_upper:
      body = base32_encode_upper(in);
      break;
    case Multibase::base36:
      body = detail::basex_encode(in, kBase36);
      break;
    case Multibase::base36_upper:
      body = base36_upper(in);
      break;
    case Multibase::base58btc:
      body = base58btc_encode(in);
      break;
    case Multibase::base64url:
      body = base64url_encode(in);
      break;
  }
  std::string out;
  out.reserve(body.size() + 1);
  out.push_back(static_cast<char>(base));
  out += body;
  return out;
}

Result<MultibaseDecoded> multibase_decode_detailed(std::string_view text) {
  if (text.empty()) return make_error("empty multibase string");
  const std::string_view body = text.substr(1);
  Result<Bytes> data = make_error("unknown multibase prefix");
  Multibase base{};
  switch (text.front()) {
    case 'f':
    case 'F':
      base = static_cast<Multibase>(text.front());
      data = base16_decode(body);
      break;
    case 'b':
    case 'B':
      base = static_cast<Multibase>(text.front());
      data = base32_decode(body);
      break;
    case 'k':
    case 'K':
      base = static_cast<Multibase>(text.front());
      data = detail::basex_decode(body, kBase36, "base36");
      break;
    case 'z':
      base = Multibase::base58btc;
      data = base58btc_decode(body);
      break;
    case 'u':
      base = Multibase::base64url;
      data = base64url_decode(body);
      break;
    default:
      return make_error("unknown multibase prefix 0x{:02x}",
                        static_cast<unsigned>(static_cast<unsigned char>(text.front())));
  }
  if (!data) return data.error();
  return MultibaseDecoded{base, std::move(data).value()};
}

Result<Bytes> multibase_decode(std::string_view text) {
  auto decoded = multibase_decode_detailed(text);
  if (!decoded) return decoded.error();
  return std::move(decoded->data);
}

}  // namespace privstack::multiformats
