#include "crypto/voucher.h"

#include <algorithm>
#include <string>

#include "crypto/peer_record.pb.h"
#include "crypto/signed_envelope.h"

namespace privstack::crypto {

Bytes make_voucher(const Ed25519Keypair& relay_key, const PeerId& peer,
                   std::uint64_t expiration_unix_seconds) {
  pb::ReservationVoucher message;
  message.set_relay(std::string(as_chars(relay_key.peer_id().bytes())));
  message.set_peer(std::string(as_chars(peer.bytes())));
  message.set_expiration(expiration_unix_seconds);
  return seal(relay_key, kVoucherDomain, kVoucherPayloadType,
              to_bytes(message.SerializeAsString()));
}

Result<Voucher> open_voucher(ByteView bytes) {
  auto envelope = open(bytes, kVoucherDomain);
  if (!envelope) return envelope.error();
  if (!std::equal(envelope->payload_type.begin(), envelope->payload_type.end(),
                  kVoucherPayloadType.begin(), kVoucherPayloadType.end())) {
    return make_error("voucher envelope has payload type {}", to_hex(envelope->payload_type));
  }
  pb::ReservationVoucher message;
  const ByteView payload = envelope->payload;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return make_error("malformed voucher payload ({} bytes)", payload.size());
  }
  if (!message.has_relay() || !message.has_peer() || !message.has_expiration()) {
    return make_error("voucher lacks relay, peer or expiration");
  }
  auto relay = PeerId::from_bytes(as_bytes(message.relay()));
  if (!relay) return make_error("voucher relay id: {}", relay.error().message);
  auto peer = PeerId::from_bytes(as_bytes(message.peer()));
  if (!peer) return make_error("voucher peer id: {}", peer.error().message);
  if (*relay != envelope->peer_id) {
    return make_error("voucher for relay {} is signed by {}", *relay, envelope->peer_id);
  }
  return Voucher{std::move(*relay), std::move(*peer), message.expiration()};
}

}  // namespace privstack::crypto
