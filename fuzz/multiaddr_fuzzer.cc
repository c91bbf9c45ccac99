// Multiaddr binary and text parsers. Property: whatever parses has a canonical form that parses
// back to the same address (decode → encode → decode equal), in both directions.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "multiformats/multiaddr.h"

namespace mf = privstack::multiformats;
using privstack::as_chars;
using privstack::fuzz::Input;

namespace {

void check_round_trips(const mf::Multiaddr& addr) {
  // Binary → Multiaddr → binary.
  auto from_bytes = mf::Multiaddr::from_bytes(addr.bytes());
  PRIVSTACK_FUZZ_CHECK(from_bytes.ok() && *from_bytes == addr);
  // Text → Multiaddr → same bytes.
  const std::string text = addr.to_string();
  // Every address accepted as bytes must print text that parses back to it (regression:
  // fuzz/regressions/multiaddr/binary_whose_text_exceeds_text_limit, 400 x /ipcidr/255).
  auto from_text = mf::Multiaddr::parse(text);
  if (!from_text) __builtin_printf("text that does not parse back: %.300s\n", text.c_str());
  PRIVSTACK_FUZZ_CHECK(from_text.ok() && *from_text == addr);
  PRIVSTACK_FUZZ_CHECK(from_text->to_string() == text);
  // Components rebuild the address.
  auto components = addr.components();
  auto rebuilt = mf::Multiaddr::from_components(components);
  PRIVSTACK_FUZZ_CHECK(rebuilt.ok() && *rebuilt == addr);
  for (const auto& c : components)
    (void)c.to_string();
  (void)addr.peer_id_bytes();
  (void)addr.decapsulate_p2p();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const bool text_mode = (in.byte() & 1) != 0;
  const auto rest = in.rest();
  if (text_mode) {
    auto addr = mf::Multiaddr::parse(as_chars(rest));
    if (addr) check_round_trips(*addr);
  } else {
    auto addr = mf::Multiaddr::from_bytes(rest);
    if (addr) {
      // The binary form is canonical: what parsed is exactly what we store.
      PRIVSTACK_FUZZ_CHECK(addr->bytes().size() == rest.size());
      check_round_trips(*addr);
    }
  }
  return 0;
}
