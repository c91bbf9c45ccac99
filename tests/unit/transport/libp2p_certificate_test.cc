#include "transport/libp2p_certificate.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

namespace privstack::transport {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

Bytes fixture(const std::string& name) {
  std::ifstream in(std::string(PRIVSTACK_TRANSPORT_FIXTURES) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

crypto::PeerId peer(std::string_view text) {
  auto id = crypto::PeerId::parse(text);
  EXPECT_TRUE(id) << text;
  return *id;
}

// A day inside the validity of rust's openssl-generated test assets (2021-12-15 .. 2022-01-14).
system_clock::time_point december_2021() {
  return std::chrono::sys_days{std::chrono::year{2021} / 12 / 20};
}

TEST(SignedKey, RoundTripsWithLongFields) {
  SignedKey key{Bytes(300, 0x11), Bytes(64, 0x22)};
  auto der = encode_signed_key(key);
  auto back = decode_signed_key(der);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->public_key, key.public_key);
  EXPECT_EQ(back->signature, key.signature);
}

TEST(SignedKey, RejectsTrailingBytesAndExtraFields) {
  auto der = encode_signed_key({Bytes(4, 1), Bytes(4, 2)});
  auto trailing = der;
  trailing.push_back(0);
  EXPECT_FALSE(decode_signed_key(trailing));
  // A third OCTET STRING inside the SEQUENCE.
  Bytes body = {0x04, 0x01, 0x01, 0x04, 0x01, 0x02, 0x04, 0x01, 0x03};
  Bytes three = {0x30, static_cast<std::uint8_t>(body.size())};
  three.insert(three.end(), body.begin(), body.end());
  EXPECT_FALSE(decode_signed_key(three));
  EXPECT_FALSE(decode_signed_key({}));
}

TEST(RustVectors, ValidCertificatesYieldTheExpectedPeerIds) {
  struct Case {
    const char* file;
    const char* peer;
  };
  for (const auto& c :
       {Case{"rust_ed25519_valid.der", "12D3KooWJRSrypvnpHgc6ZAgyCni4KcSmbV7uGRaMw5LgMKT18fq"},
        Case{"rust_ecdsa_valid.der", "QmZcrvr3r4S3QvwFdae3c2EWTfo792Y14UpzCZurhmiWeX"},
        Case{"rust_secp256k1_valid.der",
             "16Uiu2HAm2dSCBFxuge46aEt7U1oejtYuBUZXxASHqmcfVmk4gsbx"}}) {
    auto identity = verify_certificate(fixture(c.file));
    ASSERT_TRUE(identity) << c.file << ": " << identity.error().message;
    EXPECT_EQ(identity->peer_id, peer(c.peer)) << c.file;
  }
}

TEST(RustVectors, WrongHostSignatureIsRejected) {
  auto result = verify_certificate(fixture("rust_ed25519_bad_signature.der"));
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("signature"), std::string::npos) << result.error().message;
}

TEST(RustVectors, RsaPssCertificateVerifies) {
  auto identity = verify_certificate(fixture("rsa_pss_sha384.der"));
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->public_key.type(), crypto::KeyType::ed25519);
}

TEST(RustVectors, OpensslAssetsAreRejected) {
  // Their extension was not signed for the certificate key; they are also expired today.
  for (const char* file : {"ed25519.der", "nistp256_sha256.der", "nistp384_sha384.der",
                           "nistp384_sha256.der", "pkcs1_sha256.der"}) {
    const auto der = fixture(file);
    EXPECT_FALSE(verify_certificate(der)) << file;
    auto in_validity = verify_certificate(der, december_2021());
    EXPECT_FALSE(in_validity) << file;
  }
}

TEST(RustVectors, TruncatedAndCorruptedCopiesNeverVerify) {
  const auto der = fixture("rust_ed25519_valid.der");
  for (std::size_t n = 0; n < der.size(); ++n) {
    EXPECT_FALSE(verify_certificate(ByteView(der).first(n))) << n;
  }
  for (std::size_t i = 0; i < der.size(); ++i) {
    auto copy = der;
    copy[i] ^= 0x01;
    // Flipping a bit may still leave a parseable certificate, but never a verifying one.
    EXPECT_FALSE(verify_certificate(copy)) << i;
  }
}

TEST(Generated, OurCertificateRoundTrips) {
  const auto host = crypto::Ed25519Keypair::generate();
  auto cert = LocalCertificate::generate(host);
  ASSERT_TRUE(cert) << cert.error().message;
  auto identity = verify_certificate(cert->der());
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->peer_id, host.peer_id());
  EXPECT_EQ(identity->public_key, host.public_key());
  // One hour of clock skew either way is tolerated at the start; never expires.
  EXPECT_TRUE(verify_certificate(cert->der(), system_clock::now() - 50min));
  EXPECT_TRUE(verify_certificate(cert->der(), system_clock::now() + 24h * 365 * 200));
  EXPECT_FALSE(verify_certificate(cert->der(), system_clock::now() - 2h));
}

TEST(Generated, ChainMustHoldExactlyOneCertificate) {
  const auto host = crypto::Ed25519Keypair::generate();
  auto cert = LocalCertificate::generate(host);
  ASSERT_TRUE(cert);
  EXPECT_TRUE(verify_certificate_chain({cert->der()}));
  EXPECT_FALSE(verify_certificate_chain({cert->der(), cert->der()}));
  EXPECT_FALSE(verify_certificate_chain({}));
}

// Builds a certificate whose parameters the test controls, signed properly by `host` unless the
// callback changes the extension.
struct Built {
  crypto::Ed25519Keypair host = crypto::Ed25519Keypair::generate();
  CertificateParams params;
  Bytes spki;
};

Result<LocalCertificate> build(Built& b, const std::function<void(Built&)>& tweak) {
  auto key = CertificateKey::generate_p256();
  if (!key) return key.error();
  auto spki = key->spki_der();
  if (!spki) return spki.error();
  b.spki = *spki;
  b.params.not_before = system_clock::now() - 1h;
  b.params.libp2p_extension = encode_signed_key(
      {b.host.public_key().to_protobuf(), b.host.sign(libp2p_signature_message(b.spki))});
  tweak(b);
  return LocalCertificate::build(std::move(*key), b.params);
}

TEST(Generated, NonCriticalExtensionIsAccepted) {
  Built b;
  auto cert = build(b, [](Built& x) { x.params.extension_critical = false; });
  ASSERT_TRUE(cert);
  auto identity = verify_certificate(cert->der());
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_EQ(identity->peer_id, b.host.peer_id());
}

TEST(Generated, MissingExtensionIsRejected) {
  Built b;
  auto cert = build(b, [](Built& x) { x.params.libp2p_extension.reset(); });
  ASSERT_TRUE(cert);
  EXPECT_FALSE(verify_certificate(cert->der()));
}

TEST(Generated, ExtensionSignedOverAnotherKeyIsRejected) {
  Built b;
  auto cert = build(b, [](Built& x) {
    auto other = CertificateKey::generate_p256();
    auto other_spki = other->spki_der();
    x.params.libp2p_extension = encode_signed_key(
        {x.host.public_key().to_protobuf(), x.host.sign(libp2p_signature_message(*other_spki))});
  });
  ASSERT_TRUE(cert);
  EXPECT_FALSE(verify_certificate(cert->der()));
}

TEST(Generated, ExtensionClaimingAnotherHostKeyIsRejected) {
  Built b;
  auto cert = build(b, [](Built& x) {
    const auto impostor = crypto::Ed25519Keypair::generate();
    x.params.libp2p_extension = encode_signed_key(
        {impostor.public_key().to_protobuf(), x.host.sign(libp2p_signature_message(x.spki))});
  });
  ASSERT_TRUE(cert);
  EXPECT_FALSE(verify_certificate(cert->der()));
}

TEST(Generated, GarbageExtensionIsRejected) {
  Built b;
  auto cert = build(b, [](Built& x) { x.params.libp2p_extension = Bytes{0x30, 0x00}; });
  ASSERT_TRUE(cert);
  EXPECT_FALSE(verify_certificate(cert->der()));
}

TEST(Generated, UnknownCriticalExtensionIsRejectedNonCriticalIgnored) {
  {
    Built b;
    auto cert = build(b, [](Built& x) {
      x.params.extra_extensions.push_back({"1.3.6.1.4.1.99999.1", Bytes{0x05, 0x00}, true});
    });
    ASSERT_TRUE(cert);
    EXPECT_FALSE(verify_certificate(cert->der()));
  }
  {
    Built b;
    auto cert = build(b, [](Built& x) {
      x.params.extra_extensions.push_back({"1.3.6.1.4.1.99999.1", Bytes{0x05, 0x00}, false});
    });
    ASSERT_TRUE(cert);
    EXPECT_TRUE(verify_certificate(cert->der()));
  }
}

TEST(Generated, ValidityWindowIsEnforced) {
  {
    Built b;
    auto cert = build(b, [](Built& x) {
      x.params.not_before = system_clock::now() - 48h;
      x.params.not_after = system_clock::now() - 24h;
    });
    ASSERT_TRUE(cert);
    EXPECT_FALSE(verify_certificate(cert->der()));
  }
  {
    Built b;
    auto cert = build(b, [](Built& x) { x.params.not_before = system_clock::now() + 24h; });
    ASSERT_TRUE(cert);
    EXPECT_FALSE(verify_certificate(cert->der()));
  }
}

// The self-signature check (libp2p tls.md: abort "if the certificate's self-signature is not
// valid") runs on a P-256 certificate without re-importing the whole certificate; it must reject
// exactly what the general GnuTLS path rejects.
TEST(Generated, BadSelfSignatureIsRejected) {
  const auto host = crypto::Ed25519Keypair::generate();
  auto cert = LocalCertificate::generate(host);
  ASSERT_TRUE(cert);
  auto der = cert->der();
  // The certificate ends with the ECDSA signature's s INTEGER: changing its last byte keeps the
  // DER well-formed but the signature wrong.
  der.back() ^= 0x01;
  auto result = verify_certificate(der);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("self-signature"), std::string::npos)
      << result.error().message;
}

TEST(RustVectors, BadSelfSignatureIsRejectedOnTheGeneralPath) {
  // RSA-PSS carries hash parameters, so it is verified through a full GnuTLS certificate import.
  auto der = fixture("rsa_pss_sha384.der");
  der.back() ^= 0x01;
  EXPECT_FALSE(verify_certificate(der));
}

// Finds every occurrence of `needle` in `haystack`.
std::vector<std::size_t> find_all(const Bytes& haystack, const Bytes& needle) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (std::equal(needle.begin(), needle.end(), haystack.begin() + static_cast<long>(i)))
      at.push_back(i);
  }
  return at;
}

TEST(Generated, SignatureAlgorithmMismatchIsRejected) {
  const auto host = crypto::Ed25519Keypair::generate();
  auto cert = LocalCertificate::generate(host);
  ASSERT_TRUE(cert);
  // AlgorithmIdentifier ecdsa-with-SHA256: once in the TBSCertificate, once outside it.
  const Bytes ecdsa_sha256 = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                              0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
  const auto at = find_all(cert->der(), ecdsa_sha256);
  ASSERT_EQ(at.size(), 2u);
  for (std::size_t which : at) {
    auto der = cert->der();
    der[which + ecdsa_sha256.size() - 1] = 0x03;  // ecdsa-with-SHA384
    EXPECT_FALSE(verify_certificate(der)) << which;
  }
}

TEST(Generated, NonV3CertificateIsRejected) {
  const auto host = crypto::Ed25519Keypair::generate();
  auto cert = LocalCertificate::generate(host);
  ASSERT_TRUE(cert);
  const Bytes version_v3 = {0xa0, 0x03, 0x02, 0x01, 0x02};
  const auto at = find_all(cert->der(), version_v3);
  ASSERT_FALSE(at.empty());
  auto der = cert->der();
  der[at.front() + version_v3.size() - 1] = 0x00;  // v1
  auto result = verify_certificate(der);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("v3"), std::string::npos) << result.error().message;
}

}  // namespace
}  // namespace privstack::transport
