#include "crypto/ed25519.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "crypto/gnutls_handles.h"
#include "crypto/keys.pb.h"

namespace privstack::crypto {

namespace {

// RFC 8410 OneAsymmetricKey for Ed25519, without the 32 seed bytes that follow it.
constexpr std::array<std::uint8_t, 16> kPkcs8Prefix = {
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
constexpr std::size_t kMaxPrivateKeyProtobuf = 4096;

[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "privstack: Ed25519: %s\n", what);
  std::abort();
}

// Overwrites secret bytes in a way the compiler may not elide.
void wipe(void* data, std::size_t size) {
  if (size != 0) gnutls_memset(data, 0, size);
}

// Reads the public key GnuTLS holds for `key` (EdDSA keys export only x).
bool export_public(gnutls_privkey_t key, std::array<std::uint8_t, 32>& out) {
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  GnutlsDatum x;
  if (gnutls_privkey_export_ecc_raw2(key, &curve, x.out(), nullptr, nullptr, 0) < 0) return false;
  if (curve != GNUTLS_ECC_CURVE_ED25519 || x.size() != out.size()) return false;
  std::copy_n(x.data(), out.size(), out.begin());
  return true;
}

}  // namespace

struct Ed25519Keypair::Signer {
  UniquePrivkey key;
};

Ed25519Keypair::Ed25519Keypair(const std::array<std::uint8_t, kSeedSize>& seed,
                               const std::array<std::uint8_t, kPublicKeySize>& public_key,
                               std::shared_ptr<const Signer> signer)
    : seed_(seed), public_(public_key), signer_(std::move(signer)) {}

Ed25519Keypair::~Ed25519Keypair() {
  wipe(seed_.data(), seed_.size());
}

Ed25519Keypair Ed25519Keypair::generate() {
  auto key = make_privkey();
  if (!key) fatal("gnutls_privkey_init failed");
  if (gnutls_privkey_generate2(key.get(), GNUTLS_PK_EDDSA_ED25519,
                               GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0, nullptr, 0) < 0) {
    fatal("key generation failed");
  }
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  GnutlsDatum x;
  GnutlsDatum k;
  if (gnutls_privkey_export_ecc_raw2(key.get(), &curve, x.out(), nullptr, k.out(), 0) < 0 ||
      curve != GNUTLS_ECC_CURVE_ED25519 || x.size() != kPublicKeySize || k.size() != kSeedSize) {
    wipe(k.out()->data, k.size());
    fatal("cannot export the generated key");
  }
  std::array<std::uint8_t, kSeedSize> seed{};
  std::array<std::uint8_t, kPublicKeySize> public_key{};
  std::copy_n(k.data(), kSeedSize, seed.begin());
  std::copy_n(x.data(), kPublicKeySize, public_key.begin());
  wipe(k.out()->data, k.size());
  Ed25519Keypair keypair(seed, public_key, std::make_shared<const Signer>(Signer{std::move(key)}));
  wipe(seed.data(), seed.size());
  return keypair;
}

Result<Ed25519Keypair> Ed25519Keypair::from_seed(ByteView seed) {
  if (seed.size() != kSeedSize) {
    return make_error("Ed25519 seed must be {} bytes, got {}", kSeedSize, seed.size());
  }
  // gnutls_privkey_import_ecc_raw stores the public key it is given without checking it against
  // the seed (and crashes without one), so derive it by importing PKCS#8, which computes it.
  std::array<std::uint8_t, kPkcs8Prefix.size() + kSeedSize> der{};
  std::copy(kPkcs8Prefix.begin(), kPkcs8Prefix.end(), der.begin());
  std::copy(seed.begin(), seed.end(), der.begin() + kPkcs8Prefix.size());
  auto key = make_privkey();
  if (!key) return make_error("gnutls_privkey_init failed");
  const gnutls_datum_t in{der.data(), static_cast<unsigned int>(der.size())};
  const int rc = gnutls_privkey_import_x509_raw(key.get(), &in, GNUTLS_X509_FMT_DER, nullptr, 0);
  wipe(der.data(), der.size());
  if (rc < 0) return make_error("cannot import Ed25519 seed: {}", gnutls_strerror(rc));

  std::array<std::uint8_t, kPublicKeySize> public_key{};
  if (!export_public(key.get(), public_key)) return make_error("cannot derive Ed25519 public key");
  std::array<std::uint8_t, kSeedSize> seed_copy{};
  std::copy(seed.begin(), seed.end(), seed_copy.begin());
  Ed25519Keypair keypair(seed_copy, public_key,
                         std::make_shared<const Signer>(Signer{std::move(key)}));
  wipe(seed_copy.data(), seed_copy.size());
  return keypair;
}

Result<Ed25519Keypair> Ed25519Keypair::from_protobuf(ByteView encoded) {
  if (encoded.size() > kMaxPrivateKeyProtobuf) {
    return make_error("private key protobuf too large ({} bytes)", encoded.size());
  }
  pb::PrivateKey message;
  const bool parsed = message.ParseFromArray(encoded.data(), static_cast<int>(encoded.size()));
  // The message holds the seed; wipe its copy whatever happens next.
  struct WipeOnExit {
    std::string* data;
    ~WipeOnExit() { wipe(data->data(), data->size()); }
  } wipe_on_exit{message.mutable_data()};
  if (!parsed) return make_error("malformed private key protobuf ({} bytes)", encoded.size());
  if (message.type() != pb::Ed25519) {
    return make_error("private key is {}, not Ed25519",
                      key_type_name(static_cast<KeyType>(message.type())));
  }
  const ByteView data = as_bytes(message.data());
  if (data.size() != kSeedSize + kPublicKeySize) {
    return make_error("Ed25519 private key data must be {} bytes (seed and public key), got {}",
                      kSeedSize + kPublicKeySize, data.size());
  }
  auto keypair = from_seed(data.first(kSeedSize));
  if (!keypair) return keypair.error();
  const ByteView stored_public = data.subspan(kSeedSize);
  if (!std::equal(stored_public.begin(), stored_public.end(), keypair->public_.begin(),
                  keypair->public_.end())) {
    return make_error("Ed25519 private key: public half does not match the seed");
  }
  return keypair;
}

Bytes Ed25519Keypair::sign(ByteView message) const {
  if (message.size() > std::numeric_limits<unsigned int>::max()) fatal("message too large");
  const gnutls_datum_t data{const_cast<unsigned char*>(message.data()),
                            static_cast<unsigned int>(message.size())};
  GnutlsDatum signature;
  if (gnutls_privkey_sign_data2(signer_->key.get(), GNUTLS_SIGN_EDDSA_ED25519, 0, &data,
                                signature.out()) < 0 ||
      signature.size() != kSignatureSize) {
    // Only a broken GnuTLS gets here; a relay that cannot sign cannot prove its identity.
    fatal("signing failed");
  }
  return Bytes(signature.data(), signature.data() + signature.size());
}

PublicKey Ed25519Keypair::public_key() const {
  return PublicKey::ed25519(public_);
}

PeerId Ed25519Keypair::peer_id() const {
  return PeerId::from_public_key(public_key());
}

Bytes Ed25519Keypair::to_protobuf() const {
  Bytes out{0x08, 0x01, 0x12, 0x40};
  out.reserve(kProtobufSize);
  out.insert(out.end(), seed_.begin(), seed_.end());
  out.insert(out.end(), public_.begin(), public_.end());
  return out;
}

}  // namespace privstack::crypto
