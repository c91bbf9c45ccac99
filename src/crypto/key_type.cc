#include "crypto/key_type.h"

namespace privstack::crypto {

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::rsa:
      return "RSA";
    case KeyType::ed25519:
      return "Ed25519";
    case KeyType::secp256k1:
      return "Secp256k1";
    case KeyType::ecdsa:
      return "ECDSA";
  }
  return "unknown";
}

}  // namespace privstack::crypto
