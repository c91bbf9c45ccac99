// Multibase: a one-character prefix naming the encoding of the text that follows.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats {

/// The value of each enumerator is its prefix character.
enum class Multibase : char {
  base16 = 'f',
  base16_upper = 'F',
  base32 = 'b',
  base32_upper = 'B',
  base36 = 'k',
  base36_upper = 'K',
  base58btc = 'z',
  base64url = 'u',
};

struct MultibaseDecoded {
  Multibase base;
  Bytes data;
};

/// Prefix character followed by the encoded bytes.
std::string multibase_encode(Multibase base, ByteView in);
/// Decodes any of the encodings above; an empty string or an unknown prefix is an error.
Result<Bytes> multibase_decode(std::string_view text);
/// Same, also reporting which encoding was used.
Result<MultibaseDecoded> multibase_decode_detailed(std::string_view text);

}  // namespace privstack::multiformats
