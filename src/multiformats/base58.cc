#include "multiformats/base58.h"

#include "multiformats/basex.h"

namespace privstack::multiformats {

namespace {
constexpr detail::BaseXAlphabet kBase58Btc{
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", false};
}  // namespace

std::string base58btc_encode(ByteView in) {
  return detail::basex_encode(in, kBase58Btc);
}

Result<Bytes> base58btc_decode(std::string_view text) {
  return detail::basex_decode(text, kBase58Btc, "base58btc");
}

}  // namespace privstack::multiformats
