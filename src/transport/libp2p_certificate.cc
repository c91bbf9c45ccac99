#include "transport/libp2p_certificate.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "crypto/random.h"
#include "transport/der.h"

namespace privstack::transport {

namespace {

using std::chrono::sys_seconds;

// DER content of OID 1.3.6.1.4.1.53594.1.1.
constexpr std::array<std::uint8_t, 10> kLibp2pOidContent = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                            0x83, 0xa2, 0x5a, 0x01, 0x01};

// Critical extensions we understand well enough not to reject (RFC 5280 id-ce 2.5.29.x): key usage
// (15), subject alt name (17), basic constraints (19), extended key usage (37). Rust peers send
// none of them; other stacks might, and treating them as "unknown" would refuse harmless
// certificates.
bool is_known_extension(ByteView oid) {
  if (oid.size() != 3 || oid[0] != 0x55 || oid[1] != 0x1d) return false;
  return oid[2] == 15 || oid[2] == 17 || oid[2] == 19 || oid[2] == 37;
}

bool equal(ByteView a, ByteView b) {
  return std::ranges::equal(a, b);
}

gnutls_datum_t datum(ByteView v) {
  return {const_cast<unsigned char*>(v.data()), static_cast<unsigned int>(v.size())};
}

int digits(std::string_view s, std::size_t pos, std::size_t n) {
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// X.509 times (RFC 5280 4.1.2.5): UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ, always
// UTC with seconds. Seconds precision, because valid certificates carry years like 1 and 9999 that
// a nanosecond system_clock cannot represent.
Result<sys_seconds> parse_time(const der::Element& e) {
  const auto text = as_chars(e.content);
  int year;
  std::size_t pos;
  if (e.tag == der::kUtcTime && text.size() == 13) {
    const int yy = digits(text, 0, 2);
    if (yy < 0) return make_error("bad UTCTime");
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    pos = 2;
  } else if (e.tag == der::kGeneralizedTime && text.size() == 15) {
    year = digits(text, 0, 4);
    if (year < 0) return make_error("bad GeneralizedTime");
    pos = 4;
  } else {
    return make_error("unsupported time encoding");
  }
  if (text.back() != 'Z') return make_error("time not in UTC");
  const int month = digits(text, pos, 2);
  const int day = digits(text, pos + 2, 2);
  const int hour = digits(text, pos + 4, 2);
  const int minute = digits(text, pos + 6, 2);
  const int second = digits(text, pos + 8, 2);
  if (month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 60) {
    return make_error("bad time fields");
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return make_error("bad date");
  return sys_seconds{std::chrono::sys_days{ymd}} + std::chrono::hours{hour} +
         std::chrono::minutes{minute} + std::chrono::seconds{second};
}

// The parts of a certificate the libp2p checks need, located by walking its DER.
struct ParsedCertificate {
  ByteView tbs_raw;        // what the self-signature covers
  ByteView signature_alg;  // outer signatureAlgorithm AlgorithmIdentifier, tag and all
  ByteView tbs_alg;        // TBSCertificate.signature; RFC 5280 4.1.1.2: must equal the outer one
  ByteView signature_oid;  // content of the outer algorithm's OID
  bool has_algorithm_parameters = false;  // the outer AlgorithmIdentifier carries parameters
  ByteView spki_raw;   // SubjectPublicKeyInfo exactly as sent; the host key signed these bytes
  ByteView signature;  // signatureValue without the unused-bits byte
  sys_seconds not_before;
  sys_seconds not_after;
  ByteView libp2p_extension;  // extnValue content (DER SignedKey)
};

Result<ParsedCertificate> parse_certificate(ByteView der_bytes) {
  der::Reader top(der_bytes);
  auto cert = top.read(der::kSequence);
  if (!cert) return cert.error();
  if (!top.empty()) return make_error("trailing bytes after certificate");

  der::Reader certificate(cert->content);
  auto tbs = certificate.read(der::kSequence);
  if (!tbs) return tbs.error();
  auto outer_alg = certificate.read(der::kSequence);
  if (!outer_alg) return outer_alg.error();
  auto sig = certificate.read(der::kBitString);
  if (!sig) return sig.error();
  if (!certificate.empty()) return make_error("trailing fields in certificate");
  if (sig->content.empty() || sig->content[0] != 0) return make_error("bad signature bit string");

  ParsedCertificate out;
  out.tbs_raw = tbs->raw;
  out.signature = sig->content.subspan(1);
  out.signature_alg = outer_alg->raw;
  {
    der::Reader alg(outer_alg->content);
    auto oid = alg.read(der::kOid);
    if (!oid) return oid.error();
    out.signature_oid = oid->content;
    out.has_algorithm_parameters = !alg.empty();
  }

  der::Reader fields(tbs->content);
  // The libp2p extension is mandatory and RFC 5280 allows extensions only in v3 (INTEGER 2), which
  // GnuTLS's import enforces too.
  {
    auto version = fields.read(der::context(0));
    if (!version) return make_error("certificate without version: extensions need v3");
    constexpr std::array<std::uint8_t, 3> kV3 = {der::kInteger, 0x01, 0x02};
    if (!equal(version->content, kV3)) return make_error("certificate is not X.509 v3");
  }
  if (auto serial = fields.read(der::kInteger); !serial) return serial.error();
  auto tbs_alg = fields.read(der::kSequence);
  if (!tbs_alg) return tbs_alg.error();
  out.tbs_alg = tbs_alg->raw;
  if (auto issuer = fields.read(der::kSequence); !issuer) return issuer.error();
  auto validity = fields.read(der::kSequence);
  if (!validity) return validity.error();
  {
    der::Reader times(validity->content);
    auto nb = times.read();
    if (!nb) return nb.error();
    auto na = times.read();
    if (!na) return na.error();
    if (!times.empty()) return make_error("trailing fields in validity");
    auto not_before = parse_time(*nb);
    if (!not_before) return not_before.error();
    auto not_after = parse_time(*na);
    if (!not_after) return not_after.error();
    out.not_before = *not_before;
    out.not_after = *not_after;
  }
  if (auto subject = fields.read(der::kSequence); !subject) return subject.error();
  auto spki = fields.read(der::kSequence);
  if (!spki) return spki.error();
  out.spki_raw = spki->raw;

  // issuerUniqueID [1] and subjectUniqueID [2] are IMPLICIT primitive; skip them if present.
  if (fields.peek_tag() == 0x81) (void)fields.read();
  if (fields.peek_tag() == 0x82) (void)fields.read();

  bool found = false;
  if (fields.peek_tag() == der::context(3)) {
    auto wrapper = fields.read();
    if (!wrapper) return wrapper.error();
    der::Reader wrapped(wrapper->content);
    auto list = wrapped.read(der::kSequence);
    if (!list) return list.error();
    if (!wrapped.empty()) return make_error("trailing bytes after extensions");
    der::Reader extensions(list->content);
    while (!extensions.empty()) {
      auto ext = extensions.read(der::kSequence);
      if (!ext) return ext.error();
      der::Reader parts(ext->content);
      auto oid = parts.read(der::kOid);
      if (!oid) return oid.error();
      bool critical = false;
      if (parts.peek_tag() == der::kBoolean) {
        auto flag = parts.read();
        if (!flag) return flag.error();
        if (flag->content.size() != 1) return make_error("bad critical flag");
        critical = flag->content[0] != 0;
      }
      auto value = parts.read(der::kOctetString);
      if (!value) return value.error();
      if (!parts.empty()) return make_error("trailing fields in extension");

      if (equal(oid->content, kLibp2pOidContent)) {
        // rust-libp2p rejects a second copy too; which one would we believe?
        if (found) return make_error("duplicate libp2p extension");
        found = true;
        out.libp2p_extension = value->content;
      } else if (critical && !is_known_extension(oid->content)) {
        return make_error("unknown critical extension");
      }
    }
  }
  if (!fields.empty()) return make_error("trailing fields in TBSCertificate");
  if (!found) return make_error("libp2p extension missing");
  return out;
}

// Self-signature algorithms we accept: RSA (PKCS#1 v1.5 and PSS), ECDSA, EdDSA, each with a hash of
// at least 256 bits (the spec forbids MD5 and SHA-1; rustls refuses SHA-224 as well).
bool acceptable_signature_algorithm(gnutls_sign_algorithm_t algorithm) {
  switch (gnutls_sign_get_pk_algorithm(algorithm)) {
    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_EDDSA_ED448:
      return true;
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS:
    case GNUTLS_PK_ECDSA:
      break;
    default:
      return false;
  }
  switch (gnutls_sign_get_hash_algorithm(algorithm)) {
    case GNUTLS_DIG_SHA256:
    case GNUTLS_DIG_SHA384:
    case GNUTLS_DIG_SHA512:
      return true;
    default:
      return false;
  }
}

// Signature algorithms whose AlgorithmIdentifier has no parameters, so the OID alone names the
// algorithm (RFC 5758 3.2 for ECDSA, RFC 8410 3 for Ed25519): what rust (P-256/SHA-256), go and
// js peers put in their certificates. Anything else (RSA, RSA-PSS with its hash parameters,
// Ed448) takes the general path through a full GnuTLS certificate import.
gnutls_sign_algorithm_t parameterless_signature_algorithm(ByteView oid) {
  static constexpr std::array<std::uint8_t, 8> kEcdsaSha256 = {0x2a, 0x86, 0x48, 0xce,
                                                               0x3d, 0x04, 0x03, 0x02};
  static constexpr std::array<std::uint8_t, 8> kEcdsaSha384 = {0x2a, 0x86, 0x48, 0xce,
                                                               0x3d, 0x04, 0x03, 0x03};
  static constexpr std::array<std::uint8_t, 8> kEcdsaSha512 = {0x2a, 0x86, 0x48, 0xce,
                                                               0x3d, 0x04, 0x03, 0x04};
  static constexpr std::array<std::uint8_t, 3> kEd25519 = {0x2b, 0x65, 0x70};
  if (equal(oid, kEcdsaSha256)) return GNUTLS_SIGN_ECDSA_SHA256;
  if (equal(oid, kEcdsaSha384)) return GNUTLS_SIGN_ECDSA_SHA384;
  if (equal(oid, kEcdsaSha512)) return GNUTLS_SIGN_ECDSA_SHA512;
  if (equal(oid, kEd25519)) return GNUTLS_SIGN_EDDSA_ED25519;
  return GNUTLS_SIGN_UNKNOWN;
}

Result<void> verify_signature_with(gnutls_pubkey_t key, gnutls_sign_algorithm_t algorithm,
                                   const ParsedCertificate& parsed) {
  const auto tbs = datum(parsed.tbs_raw);
  const auto sig = datum(parsed.signature);
  if (int rv = gnutls_pubkey_verify_data2(key, algorithm, 0, &tbs, &sig); rv < 0) {
    return make_error("certificate self-signature: {}", gnutls_strerror(rv));
  }
  return {};
}

// The common case without a second X.509 parse: GnuTLS has already imported the whole certificate
// for the handshake (gnutls_pcert_import_x509_raw) and parse_certificate() has walked it, so only
// the SubjectPublicKeyInfo is decoded here. Returns nullopt when the certificate needs the general
// path (an algorithm with parameters, or inner and outer algorithm not byte-identical, which the
// general path judges as GnuTLS does).
std::optional<Result<void>> verify_self_signature_fast(const ParsedCertificate& parsed) {
  const auto algorithm = parameterless_signature_algorithm(parsed.signature_oid);
  if (algorithm == GNUTLS_SIGN_UNKNOWN || parsed.has_algorithm_parameters ||
      !equal(parsed.tbs_alg, parsed.signature_alg)) {
    return std::nullopt;
  }
  gnutls_pubkey_t raw_pub = nullptr;
  if (gnutls_pubkey_init(&raw_pub) < 0)
    return Result<void>(make_error("gnutls_pubkey_init failed"));
  PubkeyPtr pub(raw_pub);
  const auto spki = datum(parsed.spki_raw);
  if (int rv = gnutls_pubkey_import(pub.get(), &spki, GNUTLS_X509_FMT_DER); rv < 0) {
    return Result<void>(make_error("certificate key: {}", gnutls_strerror(rv)));
  }
  return verify_signature_with(pub.get(), algorithm, parsed);
}

Result<void> verify_self_signature(ByteView der_bytes, const ParsedCertificate& parsed) {
  if (auto fast = verify_self_signature_fast(parsed)) return std::move(*fast);
  gnutls_x509_crt_t raw_crt = nullptr;
  if (gnutls_x509_crt_init(&raw_crt) < 0) return make_error("gnutls_x509_crt_init failed");
  X509CrtPtr crt(raw_crt);
  const auto in = datum(der_bytes);
  if (int rv = gnutls_x509_crt_import(crt.get(), &in, GNUTLS_X509_FMT_DER); rv < 0) {
    return make_error("certificate import: {}", gnutls_strerror(rv));
  }
  const int algorithm = gnutls_x509_crt_get_signature_algorithm(crt.get());
  if (algorithm < 0 ||
      !acceptable_signature_algorithm(static_cast<gnutls_sign_algorithm_t>(algorithm))) {
    return make_error("unacceptable certificate signature algorithm");
  }
  gnutls_pubkey_t raw_pub = nullptr;
  if (gnutls_pubkey_init(&raw_pub) < 0) return make_error("gnutls_pubkey_init failed");
  PubkeyPtr pub(raw_pub);
  if (int rv = gnutls_pubkey_import_x509(pub.get(), crt.get(), 0); rv < 0) {
    return make_error("certificate key: {}", gnutls_strerror(rv));
  }
  return verify_signature_with(pub.get(), static_cast<gnutls_sign_algorithm_t>(algorithm), parsed);
}

}  // namespace

Bytes encode_signed_key(const SignedKey& key) {
  Bytes body;
  der::append_tlv(body, der::kOctetString, key.public_key);
  der::append_tlv(body, der::kOctetString, key.signature);
  Bytes out;
  der::append_tlv(out, der::kSequence, body);
  return out;
}

Result<SignedKey> decode_signed_key(ByteView der_bytes) {
  der::Reader top(der_bytes);
  auto seq = top.read(der::kSequence);
  if (!seq) return seq.error();
  if (!top.empty()) return make_error("trailing bytes after SignedKey");
  der::Reader fields(seq->content);
  auto public_key = fields.read(der::kOctetString);
  if (!public_key) return public_key.error();
  auto signature = fields.read(der::kOctetString);
  if (!signature) return signature.error();
  if (!fields.empty()) return make_error("trailing fields in SignedKey");
  return SignedKey{Bytes(public_key->content.begin(), public_key->content.end()),
                   Bytes(signature->content.begin(), signature->content.end())};
}

Bytes libp2p_signature_message(ByteView spki_der) {
  Bytes message = to_bytes(kLibp2pSignaturePrefix);
  message.insert(message.end(), spki_der.begin(), spki_der.end());
  return message;
}

Result<CertificateKey> CertificateKey::generate_p256() {
  gnutls_x509_privkey_t raw = nullptr;
  if (gnutls_x509_privkey_init(&raw) < 0) return make_error("gnutls_x509_privkey_init failed");
  CertificateKey out;
  out.key_.reset(raw);
  if (int rv = gnutls_x509_privkey_generate2(
          raw, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, nullptr, 0);
      rv < 0) {
    return make_error("P-256 key generation: {}", gnutls_strerror(rv));
  }
  return out;
}

Result<Bytes> CertificateKey::spki_der() const {
  gnutls_privkey_t raw_priv = nullptr;
  if (gnutls_privkey_init(&raw_priv) < 0) return make_error("gnutls_privkey_init failed");
  PrivkeyPtr priv(raw_priv);
  if (int rv = gnutls_privkey_import_x509(priv.get(), key_.get(), 0); rv < 0) {
    return make_error("privkey import: {}", gnutls_strerror(rv));
  }
  gnutls_pubkey_t raw_pub = nullptr;
  if (gnutls_pubkey_init(&raw_pub) < 0) return make_error("gnutls_pubkey_init failed");
  PubkeyPtr pub(raw_pub);
  if (int rv = gnutls_pubkey_import_privkey(pub.get(), priv.get(), 0, 0); rv < 0) {
    return make_error("pubkey from privkey: {}", gnutls_strerror(rv));
  }
  GnutlsDatum out;
  if (int rv = gnutls_pubkey_export2(pub.get(), GNUTLS_X509_FMT_DER, &out.datum); rv < 0) {
    return make_error("SPKI export: {}", gnutls_strerror(rv));
  }
  return Bytes(out.datum.data, out.datum.data + out.datum.size);
}

Result<LocalCertificate> LocalCertificate::generate(const crypto::Ed25519Keypair& host_key) {
  auto key = CertificateKey::generate_p256();
  if (!key) return key.error();
  auto spki = key->spki_der();
  if (!spki) return spki.error();
  const SignedKey signed_key{host_key.public_key().to_protobuf(),
                             host_key.sign(libp2p_signature_message(*spki))};
  CertificateParams params;
  params.libp2p_extension = encode_signed_key(signed_key);
  params.not_before = std::chrono::system_clock::now() - std::chrono::hours{1};
  return build(std::move(*key), params);
}

Result<LocalCertificate> LocalCertificate::build(CertificateKey key,
                                                 const CertificateParams& params) {
  gnutls_x509_crt_t raw = nullptr;
  if (gnutls_x509_crt_init(&raw) < 0) return make_error("gnutls_x509_crt_init failed");
  LocalCertificate out;
  out.crt_.reset(raw);
  out.key_ = std::move(key);

  // Positive, non-zero-leading 8-byte serial (like go's "random below 2^62").
  std::array<std::uint8_t, 8> serial{};
  crypto::random_bytes(serial);
  serial[0] = static_cast<std::uint8_t>((serial[0] & 0x3f) | 0x01);

  const auto to_time_t = [](std::chrono::system_clock::time_point t) {
    return std::chrono::system_clock::to_time_t(t);
  };
  // (time_t)-1 asks GnuTLS for 99991231235959Z, RFC 5280's "no well-defined expiration".
  const time_t not_after =
      params.not_after ? to_time_t(*params.not_after) : static_cast<time_t>(-1);

  int rv = gnutls_x509_crt_set_version(raw, 3);
  if (rv >= 0) rv = gnutls_x509_crt_set_serial(raw, serial.data(), serial.size());
  if (rv >= 0) rv = gnutls_x509_crt_set_activation_time(raw, to_time_t(params.not_before));
  if (rv >= 0) rv = gnutls_x509_crt_set_expiration_time(raw, not_after);
  if (rv >= 0) rv = gnutls_x509_crt_set_key(raw, out.key_.native());
  if (rv >= 0 && params.libp2p_extension) {
    rv = gnutls_x509_crt_set_extension_by_oid(
        raw, std::string(kLibp2pExtensionOid).c_str(), params.libp2p_extension->data(),
        params.libp2p_extension->size(), params.extension_critical ? 1 : 0);
  }
  for (const auto& extra : params.extra_extensions) {
    if (rv < 0) break;
    rv = gnutls_x509_crt_set_extension_by_oid(raw, extra.oid.c_str(), extra.der.data(),
                                              extra.der.size(), extra.critical ? 1 : 0);
  }
  if (rv >= 0) rv = gnutls_x509_crt_sign2(raw, raw, out.key_.native(), GNUTLS_DIG_SHA256, 0);
  if (rv < 0) return make_error("certificate build: {}", gnutls_strerror(rv));

  GnutlsDatum der_out;
  if (rv = gnutls_x509_crt_export2(raw, GNUTLS_X509_FMT_DER, &der_out.datum); rv < 0) {
    return make_error("certificate export: {}", gnutls_strerror(rv));
  }
  out.der_.assign(der_out.datum.data, der_out.datum.data + der_out.datum.size);
  return out;
}

Result<PeerIdentity> verify_certificate(ByteView der_bytes,
                                        std::chrono::system_clock::time_point now) {
  auto parsed = parse_certificate(der_bytes);
  if (!parsed) return parsed.error();

  const auto now_s = std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (now_s < parsed->not_before) return make_error("certificate not yet valid");
  if (now_s > parsed->not_after) return make_error("certificate expired");

  if (auto self = verify_self_signature(der_bytes, *parsed); !self) return self.error();

  auto signed_key = decode_signed_key(parsed->libp2p_extension);
  if (!signed_key) return make_error("libp2p extension: {}", signed_key.error().message);
  auto public_key = crypto::PublicKey::from_protobuf(signed_key->public_key);
  if (!public_key) return make_error("libp2p extension key: {}", public_key.error().message);
  if (!public_key->verify(libp2p_signature_message(parsed->spki_raw), signed_key->signature)) {
    return make_error("libp2p extension signature does not verify");
  }
  auto peer_id = crypto::PeerId::from_public_key(*public_key);
  return PeerIdentity{std::move(*public_key), std::move(peer_id)};
}

Result<PeerIdentity> verify_certificate_chain(const std::vector<ByteView>& chain,
                                              std::chrono::system_clock::time_point now) {
  if (chain.size() != 1)
    return make_error("expected exactly one certificate, got {}", chain.size());
  return verify_certificate(chain.front(), now);
}

}  // namespace privstack::transport
