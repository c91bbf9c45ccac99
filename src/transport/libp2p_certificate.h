// libp2p TLS certificates (libp2p specs tls/tls.md): a self-signed X.509 certificate whose key is
// unrelated to the host key, carrying the host public key and a host-key signature over the
// certificate key in extension 1.3.6.1.4.1.53594.1.1.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "crypto/public_key.h"
#include "transport/gnutls_ptr.h"

namespace privstack::transport {

inline constexpr std::string_view kLibp2pExtensionOid = "1.3.6.1.4.1.53594.1.1";
inline constexpr std::string_view kLibp2pSignaturePrefix = "libp2p-tls-handshake:";

/// SignedKey ::= SEQUENCE { publicKey OCTET STRING, signature OCTET STRING }
struct SignedKey {
  Bytes public_key;  // protobuf PublicKey of the host key
  Bytes signature;   // host-key signature over kLibp2pSignaturePrefix ‖ DER SPKI of the cert key
};
Bytes encode_signed_key(const SignedKey& key);
/// Strict: exactly one SEQUENCE of two OCTET STRINGs, nothing trailing.
Result<SignedKey> decode_signed_key(ByteView der);

/// The message the host key signs: prefix ‖ DER SubjectPublicKeyInfo of the certificate key.
Bytes libp2p_signature_message(ByteView spki_der);

/// A fresh ECDSA P-256 key for a certificate.
class CertificateKey {
 public:
  static Result<CertificateKey> generate_p256();
  /// DER SubjectPublicKeyInfo, the bytes the host key signs.
  Result<Bytes> spki_der() const;
  gnutls_x509_privkey_t native() const { return key_.get(); }

 private:
  X509PrivkeyPtr key_;
};

/// Everything about a certificate that tests need to vary; generate() fills in the normal values.
struct CertificateParams {
  std::optional<Bytes> libp2p_extension;  // DER SignedKey; nullopt leaves the extension out
  bool extension_critical = true;         // rust marks it critical, go does not
  struct Extra {
    std::string oid;
    Bytes der;
    bool critical = false;
  };
  std::vector<Extra> extra_extensions;
  std::chrono::system_clock::time_point not_before;
  std::optional<std::chrono::system_clock::time_point> not_after;  // nullopt: 99991231235959Z
};

/// Our certificate and its key, as GnuTLS objects ready to go into credentials.
class LocalCertificate {
 public:
  /// The normal libp2p certificate for `host_key`: fresh P-256 key, ecdsa-with-SHA256, critical
  /// extension, random positive serial, valid from one hour ago with no expiry.
  static Result<LocalCertificate> generate(const crypto::Ed25519Keypair& host_key);
  /// Builds and self-signs a certificate over `key` (used by generate() and by tests).
  static Result<LocalCertificate> build(CertificateKey key, const CertificateParams& params);

  const Bytes& der() const { return der_; }
  gnutls_x509_crt_t crt() const { return crt_.get(); }
  gnutls_x509_privkey_t key() const { return key_.native(); }

 private:
  CertificateKey key_;
  X509CrtPtr crt_;
  Bytes der_;
};

/// The identity a verified peer certificate proves.
struct PeerIdentity {
  crypto::PublicKey public_key;
  crypto::PeerId peer_id;
};

/// Verifies one certificate by the libp2p rules: currently valid, self-signature correct with an
/// acceptable algorithm, exactly one libp2p extension, no unknown critical extension, host-key
/// signature correct. Never uses trust-chain verification (the certificate is self-signed).
/// ECDSA and Ed25519 self-signatures are checked from our own DER walk plus the SPKI alone, since
/// in a handshake GnuTLS has already imported (and sanity-checked) the whole certificate; other
/// algorithms go through a full GnuTLS certificate import.
Result<PeerIdentity> verify_certificate(
    ByteView der, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
/// The same for a TLS certificate chain, which must hold exactly one certificate.
Result<PeerIdentity> verify_certificate_chain(
    const std::vector<ByteView>& chain,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace privstack::transport
