// secp256k1 through libsecp256k1 (GnuTLS has no secp256k1 curve).
#include <secp256k1.h>

#include "crypto/hash.h"
#include "crypto/key_validation.h"

namespace privstack::crypto::detail {

namespace {

// The built-in static context suffices for parsing and verification (libsecp256k1 >= 0.2); the
// self-test its documentation asks for runs once, on first use.
const secp256k1_context* context() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_selftest();
    return secp256k1_context_static;
  }();
  return ctx;
}

bool parse_key(ByteView key, secp256k1_pubkey& out) {
  // Compressed form only: that is what every implementation writes, and accepting other forms
  // would give one key several encodings and so several peer ids.
  if (key.size() != kSecp256k1KeySize || (key[0] != 0x02 && key[0] != 0x03)) return false;
  return secp256k1_ec_pubkey_parse(context(), &out, key.data(), key.size()) == 1;
}

}  // namespace

Result<void> validate_secp256k1(ByteView key) {
  secp256k1_pubkey parsed;
  if (!parse_key(key, parsed)) {
    return make_error("secp256k1 public key must be a 33-byte compressed curve point ({} bytes)",
                      key.size());
  }
  return {};
}

bool verify_secp256k1(ByteView key, ByteView message, ByteView signature) {
  if (signature.empty() || signature.size() > kMaxDerEcdsaSignatureSize) return false;
  secp256k1_pubkey pubkey;
  if (!parse_key(key, pubkey)) return false;
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_der(context(), &sig, signature.data(), signature.size()) !=
      1) {
    return false;
  }
  // libsecp256k1 accepts only low-S signatures; go and rust verifiers accept both halves, so
  // normalise first to accept what they accept.
  secp256k1_ecdsa_signature_normalize(context(), &sig, &sig);
  const Sha256Digest digest = sha256(message);
  return secp256k1_ecdsa_verify(context(), &sig, digest.data(), &pubkey) == 1;
}

}  // namespace privstack::crypto::detail
