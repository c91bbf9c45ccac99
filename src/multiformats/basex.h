// Big-number radix conversion shared by the "base-x" encodings (base58btc, base36), where the
// whole input is one big-endian number and each leading zero byte is written as the alphabet's
// first character. Internal to the multiformats layer.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats::detail {

/// Decoding is quadratic in the input length, so text longer than this is refused outright; that
/// keeps hostile input (say a megabyte-long "peer id") from costing more than a few milliseconds.
inline constexpr std::size_t kMaxBaseXDecodeChars = 4096;

struct BaseXAlphabet {
  std::string_view digits;  // digits.size() is the radix
  bool case_insensitive;    // decode folds A-Z to a-z first (base36)
};

std::string basex_encode(ByteView in, const BaseXAlphabet& alphabet);
Result<Bytes> basex_decode(std::string_view text, const BaseXAlphabet& alphabet,
                           std::string_view name);

}  // namespace privstack::multiformats::detail
