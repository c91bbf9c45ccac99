#include "crypto/public_key.h"

#include "crypto/key_validation.h"
#include "crypto/keys.pb.h"
#include "multiformats/varint.h"

namespace privstack::crypto {

Result<PublicKey> PublicKey::from_protobuf(ByteView encoded) {
  if (encoded.size() > kMaxProtobufSize) {
    return make_error("public key protobuf too large ({} bytes, limit {})", encoded.size(),
                      kMaxProtobufSize);
  }
  pb::PublicKey message;
  // proto2 `required` makes ParseFromArray fail when Type or Data is missing, and an unknown Type
  // value lands in the unknown-field set, which also leaves Type missing.
  if (!message.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()))) {
    return make_error("malformed public key protobuf ({} bytes)", encoded.size());
  }
  return from_type_and_data(static_cast<KeyType>(message.type()), as_bytes(message.data()));
}

Result<PublicKey> PublicKey::from_type_and_data(KeyType type, ByteView data) {
  switch (type) {
    case KeyType::ed25519:
      if (data.size() != detail::kEd25519KeySize) {
        return make_error("Ed25519 public key must be {} bytes, got {}", detail::kEd25519KeySize,
                          data.size());
      }
      break;
    case KeyType::secp256k1:
      if (auto ok = detail::validate_secp256k1(data); !ok) return ok.error();
      break;
    case KeyType::ecdsa:
    case KeyType::rsa:
      if (auto ok = detail::validate_spki(type, data); !ok) return ok.error();
      break;
    default:
      return make_error("unknown key type {}", static_cast<int>(type));
  }
  return PublicKey(type, Bytes(data.begin(), data.end()));
}

PublicKey PublicKey::ed25519(std::span<const std::uint8_t, 32> raw) {
  return PublicKey(KeyType::ed25519, Bytes(raw.begin(), raw.end()));
}

// Written by hand rather than with the generated serializer: the bytes must be exact (peer ids
// hash them), and spelling them out keeps that visible. Protobuf varints are unsigned-varints.
Bytes PublicKey::to_protobuf() const {
  Bytes out;
  out.reserve(data_.size() + 8);
  out.push_back(0x08);  // field 1 (Type), varint
  multiformats::append_uvarint(out, static_cast<std::uint64_t>(type_));
  out.push_back(0x12);  // field 2 (Data), length-delimited
  multiformats::append_uvarint(out, data_.size());
  out.insert(out.end(), data_.begin(), data_.end());
  return out;
}

bool PublicKey::verify(ByteView message, ByteView signature) const {
  switch (type_) {
    case KeyType::ed25519:
      return detail::verify_ed25519(data_, message, signature);
    case KeyType::secp256k1:
      return detail::verify_secp256k1(data_, message, signature);
    case KeyType::ecdsa:
    case KeyType::rsa:
      return detail::verify_spki(type_, data_, message, signature);
  }
  return false;
}

}  // namespace privstack::crypto
