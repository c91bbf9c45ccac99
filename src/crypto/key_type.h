// The libp2p key types, numbered as the KeyType enum of libp2p/specs peer-ids/peer-ids.md.
#pragma once

#include <cstdint>
#include <string_view>

namespace privstack::crypto {

enum class KeyType { rsa = 0, ed25519 = 1, secp256k1 = 2, ecdsa = 3 };

/// "RSA", "Ed25519", "Secp256k1", "ECDSA" (the protobuf enum names), for log lines.
std::string_view key_type_name(KeyType type);

}  // namespace privstack::crypto
