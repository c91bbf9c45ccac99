// Identify receive path: the frames a peer sent (split from the input as uvarint-prefixed
// messages, as on the wire) are merged and decoded for the fixed peer fixed_peer(0); then a second
// group of frames is decoded as an identify push and merged into the first. Properties: whatever
// decodes respects the limits and belongs to the expected peer.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "protocol/identify.h"

namespace identify = privstack::protocol::identify;
using privstack::Bytes;
using privstack::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  // First byte: how many of the frames belong to the identify response; the rest are a push.
  const std::size_t first_count = in.byte() % 12;
  const identify::ReceiveLimits limits{};
  std::vector<Bytes> first;
  std::vector<Bytes> push;
  while (auto message = in.message()) {
    // Frames longer than the limit never reach decode_identify (read_frame refuses them).
    if (message->size() > limits.max_message) continue;
    auto& group = first.size() < first_count ? first : push;
    if (group.size() == limits.max_messages) break;
    group.emplace_back(message->begin(), message->end());
  }
  const auto expected = privstack::fuzz::fixed_peer(0);
  auto known = identify::decode_identify(first, expected, limits);
  if (known) {
    if (known->public_key) PRIVSTACK_FUZZ_CHECK(expected.matches(*known->public_key));
    if (known->peer_id) PRIVSTACK_FUZZ_CHECK(*known->peer_id == expected);
    for (const auto& p : known->protocols) {
      PRIVSTACK_FUZZ_CHECK(p.size() <= limits.max_protocol_length);
      (void)known->supports(p);
    }
  }
  auto pushed = identify::decode_identify(push, expected, limits);
  if (known && pushed) {
    identify::apply_push(*known, *pushed);
    if (known->peer_id) PRIVSTACK_FUZZ_CHECK(*known->peer_id == expected);
  }
  return 0;
}
