#include "multiformats/basex.h"

#include <vector>

namespace privstack::multiformats::detail {

namespace {

char fold(char c, bool case_insensitive) {
  if (case_insensitive && c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

// Digit value of `c`, or -1. Linear search: alphabets are at most 58 characters and this keeps
// the table-free code obviously correct for any alphabet.
int digit_value(char c, const BaseXAlphabet& alphabet) {
  const char folded = fold(c, alphabet.case_insensitive);
  const auto pos = alphabet.digits.find(folded);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace

std::string basex_encode(ByteView in, const BaseXAlphabet& alphabet) {
  const std::uint32_t radix = static_cast<std::uint32_t>(alphabet.digits.size());
  std::size_t zeros = 0;
  while (zeros < in.size() && in[zeros] == 0)
    ++zeros;

  // Little-endian digits in `radix`; each input byte multiplies the number by 256.
  std::vector<std::uint8_t> digits;
  digits.reserve((in.size() - zeros) * 138 / 100 + 1);
  for (std::size_t i = zeros; i < in.size(); ++i) {
    std::uint32_t carry = in[i];
    for (auto& d : digits) {
      carry += static_cast<std::uint32_t>(d) << 8;
      d = static_cast<std::uint8_t>(carry % radix);
      carry /= radix;
    }
    while (carry > 0) {
      digits.push_back(static_cast<std::uint8_t>(carry % radix));
      carry /= radix;
    }
  }

  std::string out(zeros, alphabet.digits[0]);
  out.reserve(zeros + digits.size());
  for (auto it = digits.rbegin(); it != digits.rend(); ++it)
    out.push_back(alphabet.digits[*it]);
  return out;
}

Result<Bytes> basex_decode(std::string_view text, const BaseXAlphabet& alphabet,
                           std::string_view name) {
  if (text.size() > kMaxBaseXDecodeChars) {
    return make_error("{} input too long ({} > {} chars)", name, text.size(), kMaxBaseXDecodeChars);
  }
  const std::uint32_t radix = static_cast<std::uint32_t>(alphabet.digits.size());
  const char zero_char = alphabet.digits[0];
  std::size_t zeros = 0;
  while (zeros < text.size() && fold(text[zeros], alphabet.case_insensitive) == zero_char)
    ++zeros;

  // Little-endian bytes; each character multiplies the number by `radix`.
  Bytes bytes;
  bytes.reserve((text.size() - zeros) * 733 / 1000 + 1);
  for (std::size_t i = zeros; i < text.size(); ++i) {
    const int value = digit_value(text[i], alphabet);
    if (value < 0) return make_error("invalid {} character at offset {}", name, i);
    std::uint32_t carry = static_cast<std::uint32_t>(value);
    for (auto& b : bytes) {
      carry += static_cast<std::uint32_t>(b) * radix;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push_back(static_cast<std::uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }

  Bytes out(zeros, 0);
  out.insert(out.end(), bytes.rbegin(), bytes.rend());
  return out;
}

}  // namespace privstack::multiformats::detail
