// base58btc (the Bitcoin alphabet): the legacy text form of peer ids and CIDv0.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats {

/// Each leading zero byte becomes a '1'.
std::string base58btc_encode(ByteView in);
/// Rejects characters outside the alphabet (0, O, I, l, whitespace, ...) and input longer than
/// 4096 characters (decoding is quadratic).
Result<Bytes> base58btc_decode(std::string_view text);

}  // namespace privstack::multiformats
