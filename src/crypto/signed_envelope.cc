#include "crypto/signed_envelope.h"

#include <string>

#include "crypto/envelope.pb.h"
#include "multiformats/varint.h"

namespace privstack::crypto {

namespace {

void append_length_prefixed(Bytes& out, ByteView field) {
  multiformats::append_uvarint(out, field.size());
  out.insert(out.end(), field.begin(), field.end());
}

std::string as_string(ByteView bytes) {
  return std::string(as_chars(bytes));
}

}  // namespace

Bytes envelope_signing_bytes(std::string_view domain, ByteView payload_type, ByteView payload) {
  Bytes out;
  out.reserve(domain.size() + payload_type.size() + payload.size() +
              3 * multiformats::kMaxVarintBytes);
  append_length_prefixed(out, as_bytes(domain));
  append_length_prefixed(out, payload_type);
  append_length_prefixed(out, payload);
  return out;
}

Result<SignedEnvelope> SignedEnvelope::decode(ByteView bytes) {
  if (bytes.size() > kMaxEnvelopeSize) {
    return make_error("signed envelope too large ({} bytes, limit {})", bytes.size(),
                      kMaxEnvelopeSize);
  }
  pb::Envelope message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return make_error("malformed signed envelope ({} bytes)", bytes.size());
  }
  if (!message.has_public_key()) return make_error("signed envelope without a public key");
  if (!message.has_signature()) return make_error("signed envelope without a signature");
  auto key = PublicKey::from_protobuf(as_bytes(message.public_key()));
  if (!key) return make_error("signed envelope public key: {}", key.error().message);
  return SignedEnvelope{std::move(*key), to_bytes(message.payload_type()),
                        to_bytes(message.payload()), to_bytes(message.signature())};
}

bool SignedEnvelope::verify(std::string_view domain) const {
  return public_key.verify(envelope_signing_bytes(domain, payload_type, payload), signature);
}

Bytes seal(const Ed25519Keypair& keypair, std::string_view domain, ByteView payload_type,
           ByteView payload) {
  pb::Envelope message;
  message.set_public_key(as_string(keypair.public_key().to_protobuf()));
  message.set_payload_type(as_string(payload_type));
  message.set_payload(as_string(payload));
  message.set_signature(
      as_string(keypair.sign(envelope_signing_bytes(domain, payload_type, payload))));
  const std::string encoded = message.SerializeAsString();
  return to_bytes(encoded);
}

Result<OpenedEnvelope> open(ByteView bytes, std::string_view expected_domain) {
  auto envelope = SignedEnvelope::decode(bytes);
  if (!envelope) return envelope.error();
  if (!envelope->verify(expected_domain)) {
    return make_error("signed envelope signature invalid for domain '{}'", expected_domain);
  }
  PeerId peer_id = PeerId::from_public_key(envelope->public_key);
  return OpenedEnvelope{std::move(envelope->public_key), std::move(peer_id),
                        std::move(envelope->payload_type), std::move(envelope->payload)};
}

}  // namespace privstack::crypto
