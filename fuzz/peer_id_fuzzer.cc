// Public key protobufs (`PublicKey { Type, Data }`, all four key types) and peer ids in binary
// (multihash) and text (base58 / CIDv1) form. Property: parsed values re-encode canonically and
// parse back equal; a key's peer id matches it.
#include <cstddef>
#include <cstdint>

#include "crypto/peer_id.h"
#include "crypto/public_key.h"
#include "fuzz/fuzz_util.h"

namespace crypto = privstack::crypto;
using privstack::as_chars;
using privstack::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t mode = in.byte() % 3;
  const auto rest = in.rest();
  switch (mode) {
    case 0: {
      auto key = crypto::PublicKey::from_protobuf(rest);
      if (key) {
        auto again = crypto::PublicKey::from_protobuf(key->to_protobuf());
        PRIVSTACK_FUZZ_CHECK(again.ok() && *again == *key);
        auto id = crypto::PeerId::from_public_key(*key);
        PRIVSTACK_FUZZ_CHECK(id.matches(*key));
        auto id_again = crypto::PeerId::from_bytes(id.bytes());
        PRIVSTACK_FUZZ_CHECK(id_again.ok() && *id_again == id);
        // A signature check on junk must simply fail or pass, never crash.
        (void)key->verify(rest, rest);
      }
      break;
    }
    case 1: {
      auto id = crypto::PeerId::from_bytes(rest);
      if (id) {
        auto text = crypto::PeerId::parse(id->to_base58());
        PRIVSTACK_FUZZ_CHECK(text.ok() && *text == *id);
        auto cid = crypto::PeerId::parse(id->to_cid());
        PRIVSTACK_FUZZ_CHECK(cid.ok() && *cid == *id);
        if (auto key = id->inline_public_key()) PRIVSTACK_FUZZ_CHECK(id->matches(*key));
      }
      break;
    }
    default: {
      auto id = crypto::PeerId::parse(as_chars(rest));
      if (id) {
        auto again = crypto::PeerId::from_bytes(id->bytes());
        PRIVSTACK_FUZZ_CHECK(again.ok() && *again == *id);
        auto text = crypto::PeerId::parse(id->to_base58());
        PRIVSTACK_FUZZ_CHECK(text.ok() && *text == *id);
      }
      break;
    }
  }
  return 0;
}
