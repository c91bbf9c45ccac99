// RFC 4648 base32 (not base32hex), lower case, without padding: the multibase 'b' alphabet used
// for CIDv1 text (peer ids as `bafz...`) and certhash values.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats {

std::string base32_encode(ByteView in);
/// Same alphabet in upper case (multibase 'B').
std::string base32_encode_upper(ByteView in);
/// Case-insensitive. Rejects padding ('='), characters outside the alphabet, impossible lengths
/// (1, 3 or 6 characters past a multiple of 8) and non-zero unused trailing bits, so every byte
/// string has exactly one accepted spelling per case.
Result<Bytes> base32_decode(std::string_view text);

}  // namespace privstack::multiformats
