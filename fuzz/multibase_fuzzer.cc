// Text encodings and content ids: multibase (base16/32/36/58/64url), base58btc, multihash and CID,
// binary and text. Property: decoded values re-encode to something that decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "multiformats/base58.h"
#include "multiformats/cid.h"
#include "multiformats/multibase.h"
#include "multiformats/multihash.h"

namespace mf = privstack::multiformats;
using privstack::as_chars;
using privstack::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t mode = in.byte() % 4;
  const auto rest = in.rest();
  const std::string_view text = as_chars(rest);
  switch (mode) {
    case 0: {
      auto decoded = mf::multibase_decode_detailed(text);
      if (decoded) {
        auto again = mf::multibase_decode(mf::multibase_encode(decoded->base, decoded->data));
        PRIVSTACK_FUZZ_CHECK(again.ok() && *again == decoded->data);
      }
      break;
    }
    case 1: {
      auto decoded = mf::base58btc_decode(text);
      if (decoded) {
        // base58 is canonical except for nothing: the encoding of the bytes is the input.
        PRIVSTACK_FUZZ_CHECK(mf::base58btc_encode(*decoded) == text);
      }
      break;
    }
    case 2: {
      auto hash = mf::Multihash::decode(rest);
      if (hash) {
        auto again = mf::Multihash::decode(hash->encode());
        PRIVSTACK_FUZZ_CHECK(again.ok() && *again == *hash);
      }
      auto cid = mf::Cid::decode(rest);
      if (cid) {
        auto again = mf::Cid::decode(cid->encode());
        PRIVSTACK_FUZZ_CHECK(again.ok() && *again == *cid);
        auto reparsed = mf::Cid::parse(cid->to_string());
        PRIVSTACK_FUZZ_CHECK(reparsed.ok() && *reparsed == *cid);
      }
      break;
    }
    default: {
      auto cid = mf::Cid::parse(text);
      if (cid) {
        auto reparsed = mf::Cid::parse(cid->to_string());
        PRIVSTACK_FUZZ_CHECK(reparsed.ok() && *reparsed == *cid);
        auto decoded = mf::Cid::decode(cid->encode());
        PRIVSTACK_FUZZ_CHECK(decoded.ok() && *decoded == *cid);
      }
      break;
    }
  }
  return 0;
}
