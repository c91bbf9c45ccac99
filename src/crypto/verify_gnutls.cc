// Ed25519, ECDSA and RSA through GnuTLS abstract public keys.
#include <algorithm>
#include <limits>

#include "crypto/gnutls_handles.h"
#include "crypto/key_validation.h"

namespace privstack::crypto::detail {

namespace {

// GnuTLS takes non-const datum pointers for input it does not modify.
gnutls_datum_t datum(ByteView bytes) {
  return {const_cast<unsigned char*>(bytes.data()), static_cast<unsigned int>(bytes.size())};
}

Result<UniquePubkey> import_spki(KeyType type, ByteView der) {
  // Every SPKI we accept is far below this (8192-bit RSA is ~1.1 KiB); it also keeps the size
  // cast to GnuTLS's unsigned int safe.
  if (der.empty() || der.size() > 4096) return make_error("SPKI size {} out of range", der.size());
  auto key = make_pubkey();
  if (!key) return make_error("gnutls_pubkey_init failed");
  const gnutls_datum_t in = datum(der);
  if (int rc = gnutls_pubkey_import(key.get(), &in, GNUTLS_X509_FMT_DER); rc < 0) {
    return make_error("{} key is not a DER SubjectPublicKeyInfo: {}", key_type_name(type),
                      gnutls_strerror(rc));
  }
  unsigned int bits = 0;
  const int algorithm = gnutls_pubkey_get_pk_algorithm(key.get(), &bits);
  if (type == KeyType::rsa) {
    // Plain rsaEncryption only: libp2p RSA keys are PKIX rsaEncryption, never RSA-PSS SPKIs.
    if (algorithm != GNUTLS_PK_RSA) return make_error("RSA key has a non-RSA SPKI");
    if (bits < kMinRsaBits || bits > kMaxRsaBits) {
      return make_error("RSA key of {} bits outside {}..{}", bits, kMinRsaBits, kMaxRsaBits);
    }
  } else {
    if (algorithm != GNUTLS_PK_ECDSA) return make_error("ECDSA key has a non-EC SPKI");
    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    if (gnutls_pubkey_export_ecc_raw2(key.get(), &curve, nullptr, nullptr, 0) < 0) {
      return make_error("cannot read the ECDSA key's curve");
    }
    // go accepts the three NIST curves (x509.ParsePKIXPublicKey); rust only P-256.
    if (curve != GNUTLS_ECC_CURVE_SECP256R1 && curve != GNUTLS_ECC_CURVE_SECP384R1 &&
        curve != GNUTLS_ECC_CURVE_SECP521R1) {
      return make_error("ECDSA key on unsupported curve {}", static_cast<int>(curve));
    }
  }
  return key;
}

}  // namespace

Result<void> validate_spki(KeyType type, ByteView der) {
  auto key = import_spki(type, der);
  if (!key) return key.error();
  // libtasn1 tolerates some non-canonical encodings; peers hash the exact Data bytes into their
  // peer id, so only bytes that re-encode identically are one key with one peer id.
  GnutlsDatum reencoded;
  if (gnutls_pubkey_export2(key->get(), GNUTLS_X509_FMT_DER, reencoded.out()) < 0) {
    return make_error("cannot re-encode {} key", key_type_name(type));
  }
  const ByteView canonical(reencoded.data(), reencoded.size());
  if (!std::equal(der.begin(), der.end(), canonical.begin(), canonical.end())) {
    return make_error("{} key is not canonical DER", key_type_name(type));
  }
  return {};
}

bool verify_ed25519(ByteView key, ByteView message, ByteView signature) {
  if (key.size() != kEd25519KeySize || signature.size() != kEd25519SignatureSize) return false;
  if (message.size() > std::numeric_limits<unsigned int>::max()) return false;
  auto pubkey = make_pubkey();
  if (!pubkey) return false;
  const gnutls_datum_t x = datum(key);
  if (gnutls_pubkey_import_ecc_raw(pubkey.get(), GNUTLS_ECC_CURVE_ED25519, &x, nullptr) < 0) {
    return false;
  }
  const gnutls_datum_t data = datum(message);
  const gnutls_datum_t sig = datum(signature);
  return gnutls_pubkey_verify_data2(pubkey.get(), GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig) >= 0;
}

bool verify_spki(KeyType type, ByteView der, ByteView message, ByteView signature) {
  if (message.size() > std::numeric_limits<unsigned int>::max()) return false;
  gnutls_sign_algorithm_t algorithm = GNUTLS_SIGN_UNKNOWN;
  if (type == KeyType::rsa) {
    // PKCS#1 v1.5 signatures are exactly the modulus size; kMaxRsaBits bounds them.
    if (signature.empty() || signature.size() > kMaxRsaBits / 8) return false;
    algorithm = GNUTLS_SIGN_RSA_SHA256;
  } else {
    if (signature.empty() || signature.size() > kMaxDerEcdsaSignatureSize) return false;
    // The curve-agnostic ECDSA-with-SHA-256: libp2p hashes with SHA-256 whatever the curve.
    algorithm = GNUTLS_SIGN_ECDSA_SHA256;
  }
  auto key = import_spki(type, der);
  if (!key) return false;
  const gnutls_datum_t data = datum(message);
  const gnutls_datum_t sig = datum(signature);
  return gnutls_pubkey_verify_data2(key->get(), algorithm, 0, &data, &sig) >= 0;
}

}  // namespace privstack::crypto::detail
