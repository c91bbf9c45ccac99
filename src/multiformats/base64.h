// RFC 4648 §5 base64url without padding: the multibase 'u' form, which go, rust and js all use to
// print /certhash values.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats {

std::string base64url_encode(ByteView in);
/// Rejects padding, '+' and '/', impossible lengths and non-zero unused trailing bits.
Result<Bytes> base64url_decode(std::string_view text);

}  // namespace privstack::multiformats
