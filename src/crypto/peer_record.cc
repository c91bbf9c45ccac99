#include "crypto/peer_record.h"

#include <algorithm>
#include <string>

#include "crypto/peer_record.pb.h"
#include "crypto/signed_envelope.h"

namespace privstack::crypto {

namespace {

bool equals(ByteView a, ByteView b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

Bytes encode_peer_record(const PeerId& peer_id, std::uint64_t seq,
                         std::span<const multiformats::Multiaddr> addresses) {
  pb::PeerRecord message;
  message.set_peer_id(std::string(as_chars(peer_id.bytes())));
  message.set_seq(seq);
  for (const auto& address : addresses) {
    message.add_addresses()->set_multiaddr(std::string(as_chars(address.bytes())));
  }
  return to_bytes(message.SerializeAsString());
}

Bytes make_peer_record(const Ed25519Keypair& keypair, std::uint64_t seq,
                       std::span<const multiformats::Multiaddr> addresses) {
  return seal(keypair, kPeerRecordDomain, kPeerRecordPayloadType,
              encode_peer_record(keypair.peer_id(), seq, addresses));
}

Result<SignedPeerRecord> open_peer_record(ByteView bytes) {
  auto envelope = SignedEnvelope::decode(bytes);
  if (!envelope) return envelope.error();

  // The payload type says which domain the signer used; each pairing is checked as a whole.
  PeerRecordFormat format = PeerRecordFormat::standard;
  std::string_view domain;
  if (equals(envelope->payload_type, kPeerRecordPayloadType)) {
    domain = kPeerRecordDomain;
  } else if (equals(envelope->payload_type, as_bytes(kLegacyPeerRecordPayloadType))) {
    format = PeerRecordFormat::rust_legacy;
    domain = kLegacyPeerRecordDomain;
  } else {
    return make_error("signed envelope is not a peer record (payload type {})",
                      to_hex(envelope->payload_type));
  }
  if (!envelope->verify(domain)) {
    return make_error("peer record signature invalid for domain '{}'", domain);
  }

  pb::PeerRecord message;
  const ByteView payload = envelope->payload;
  if (!message.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return make_error("malformed peer record payload ({} bytes)", payload.size());
  }
  auto peer_id = PeerId::from_bytes(as_bytes(message.peer_id()));
  if (!peer_id) return make_error("peer record peer id: {}", peer_id.error().message);
  if (!peer_id->matches(envelope->public_key)) {
    return make_error("peer record for {} is signed by another key ({})", *peer_id,
                      PeerId::from_public_key(envelope->public_key));
  }

  PeerRecord record{std::move(*peer_id), message.seq(), {}};
  record.addresses.reserve(static_cast<std::size_t>(message.addresses_size()));
  for (const auto& info : message.addresses()) {
    auto address = multiformats::Multiaddr::from_bytes(as_bytes(info.multiaddr()));
    if (address) record.addresses.push_back(std::move(*address));
  }
  return SignedPeerRecord{std::move(record), std::move(envelope->public_key), format};
}

}  // namespace privstack::crypto
