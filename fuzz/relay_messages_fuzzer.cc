// Circuit relay v2 HopMessage / StopMessage decoders (bounded by the 4096-byte frame every
// implementation enforces). Properties: decode(encode(m)) gives m back; fit_to_frame makes any
// decoded reservation fit a frame.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.h"
#include "protocol/length_prefixed.h"
#include "protocol/relay/messages.h"

namespace relay = privstack::protocol::relay;
using privstack::fuzz::Input;

namespace {

bool same_peer(const std::optional<relay::PeerInfo>& a, const std::optional<relay::PeerInfo>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->id == b->id && a->addrs == b->addrs);
}

bool same_limit(const std::optional<relay::Limit>& a, const std::optional<relay::Limit>& b) {
  // An unlimited Limit is not written, so it reads back as absent.
  const bool a_limited = a && !a->unlimited();
  const bool b_limited = b && !b->unlimited();
  return a_limited == b_limited && (!a_limited || *a == *b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const bool stop = (in.byte() & 1) != 0;
  const auto body = in.take(relay::kMaxMessageSize);
  if (stop) {
    auto message = relay::decode_stop(body);
    if (!message) return 0;
    auto again = relay::decode_stop(relay::encode(*message));
    PRIVSTACK_FUZZ_CHECK(again.ok());
    PRIVSTACK_FUZZ_CHECK(again->type == message->type && again->status == message->status);
    PRIVSTACK_FUZZ_CHECK(same_peer(again->peer, message->peer));
    PRIVSTACK_FUZZ_CHECK(same_limit(again->limit, message->limit));
  } else {
    auto message = relay::decode_hop(body);
    if (!message) return 0;
    auto again = relay::decode_hop(relay::encode(*message));
    PRIVSTACK_FUZZ_CHECK(again.ok());
    PRIVSTACK_FUZZ_CHECK(again->type == message->type && again->status == message->status);
    PRIVSTACK_FUZZ_CHECK(same_peer(again->peer, message->peer));
    PRIVSTACK_FUZZ_CHECK(same_limit(again->limit, message->limit));
    PRIVSTACK_FUZZ_CHECK(again->reservation.has_value() == message->reservation.has_value());
    if (message->reservation) {
      PRIVSTACK_FUZZ_CHECK(again->reservation->expire == message->reservation->expire);
      PRIVSTACK_FUZZ_CHECK(again->reservation->addrs == message->reservation->addrs);
      PRIVSTACK_FUZZ_CHECK(again->reservation->voucher == message->reservation->voucher);
      auto fitted = *message;
      relay::fit_to_frame(fitted);
      // Only a message whose non-address part alone is too big may still exceed the frame.
      if (fitted.reservation->addrs.size() > 1) {
        PRIVSTACK_FUZZ_CHECK(privstack::protocol::frame_size(relay::encode(fitted).size()) <=
                             relay::kMaxMessageSize);
      }
    }
  }
  return 0;
}
