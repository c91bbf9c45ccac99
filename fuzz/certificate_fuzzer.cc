// The libp2p TLS certificate path: the DER reader, the SignedKey extension decoder and full
// certificate verification (GnuTLS import, self-signature, extension rules, host-key signature)
// on arbitrary DER. Seeds are real certificates from rust, go and our own generator.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "transport/der.h"
#include "transport/libp2p_certificate.h"

namespace der = privstack::transport::der;
namespace transport = privstack::transport;
using privstack::ByteView;
using privstack::fuzz::Input;

namespace {

/// Walks every element, descending into constructed ones; depth-bounded like any real reader.
void walk(ByteView input, int depth) {
  der::Reader reader(input);
  while (!reader.empty()) {
    auto element = reader.read();
    if (!element) return;
    PRIVSTACK_FUZZ_CHECK(element->raw.size() >= element->content.size() + 2);
    PRIVSTACK_FUZZ_CHECK(element->raw.data() >= input.data() &&
                         element->raw.data() + element->raw.size() <= input.data() + input.size());
    if ((element->tag & 0x20) != 0 && depth < 16) walk(element->content, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t mode = in.byte() % 3;
  const ByteView rest = in.rest();
  switch (mode) {
    case 0:
      walk(rest, 0);
      break;
    case 1: {
      auto key = transport::decode_signed_key(rest);
      if (key) {
        // Strict DER: the only accepted encoding is ours.
        auto again = transport::encode_signed_key(*key);
        PRIVSTACK_FUZZ_CHECK(again.size() == rest.size() &&
                             std::equal(again.begin(), again.end(), rest.begin()));
      }
      break;
    }
    default: {
      // A fixed "now" (2026-01-01) keeps runs reproducible; seeds are valid then.
      const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
      auto identity = transport::verify_certificate(rest, now);
      if (identity) PRIVSTACK_FUZZ_CHECK(identity->peer_id.matches(identity->public_key));
      std::vector<ByteView> chain{rest};
      auto from_chain = transport::verify_certificate_chain(chain, now);
      PRIVSTACK_FUZZ_CHECK(from_chain.ok() == identity.ok());
      break;
    }
  }
  return 0;
}
