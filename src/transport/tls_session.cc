#include "transport/tls_session.h"

#include <algorithm>
#include <vector>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include <ngtcp2/ngtcp2_crypto_gnutls.h>

namespace privstack::transport {

namespace {

// What rustls (rust-libp2p, js-libp2p-quic) and quic-go offer: the three TLS 1.3 AEADs and the
// X25519/P-256/P-384 groups. Signature schemes stay at NORMAL, which includes
// ECDSA-SECP256R1-SHA256, ECDSA-SECP384R1-SHA384, Ed25519 and RSA-PSS. The compat-mode record is
// meaningless inside QUIC.
//
// The order matters: GnuTLS (by default) and rustls servers take the client's first choice, and
// Go's crypto/tls takes ChaCha20 when the client leads with it, so the order decides what every
// connection we dial encrypts with. Debian's nettle has no x86
// assembly for ChaCha20: on an AES-NI machine ChaCha20-Poly1305 costs ~6 ms/MiB against ~0.5 for
// AES-GCM (bench/perf/PROFILE.md), which made it 80% of a relay's CPU. So, like quic-go, AES-GCM
// first when the CPU has AES instructions, ChaCha20 first when it does not. (rustls and quic-go
// clients already lead with AES-GCM.)
constexpr const char* kPriorityAesFirst =
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:"
    "-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:"
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1";
constexpr const char* kPriorityChachaFirst =
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:"
    "-CIPHER-ALL:+CHACHA20-POLY1305:+AES-256-GCM:+AES-128-GCM:"
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1";

TlsPeerState& state_of(gnutls_session_t session) {
  auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
  return *static_cast<TlsPeerState*>(ref->user_data);
}

bool alpn_is_libp2p(gnutls_session_t session) {
  gnutls_datum_t selected{nullptr, 0};
  if (gnutls_alpn_get_selected_protocol(session, &selected) != 0) return false;
  return as_chars(ByteView(selected.data, selected.size)) == kLibp2pAlpn;
}

// Runs right after the peer's Certificate message; non-zero aborts the handshake with an alert.
int verify_peer(gnutls_session_t session) {
  auto& state = state_of(session);
  // The client checks ALPN here: EncryptedExtensions precede the server's Certificate.
  if (!alpn_is_libp2p(session)) {
    state.failure = "ALPN libp2p not negotiated";
    return -1;
  }
  unsigned int count = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
  if (certs == nullptr || count == 0) {
    state.failure = "peer sent no certificate";
    return -1;
  }
  std::vector<ByteView> chain;
  chain.reserve(count);
  for (unsigned int i = 0; i < count; ++i)
    chain.emplace_back(certs[i].data, certs[i].size);
  auto identity = verify_certificate_chain(chain);
  if (!identity) {
    state.failure = identity.error().message;
    return -1;
  }
  if (state.expected_peer && identity->peer_id != *state.expected_peer) {
    state.failure = fmt::format("peer id mismatch: expected {}, got {}", *state.expected_peer,
                                identity->peer_id);
    return -1;
  }
  state.verified_peer = std::move(*identity);
  return 0;
}

// Server: refuse a ClientHello that did not select "libp2p" (GNUTLS_ALPN_MANDATORY alone lets a
// ClientHello without any ALPN extension through).
int check_client_hello(gnutls_session_t session, unsigned int, unsigned int, unsigned int,
                       const gnutls_datum_t*) {
  if (alpn_is_libp2p(session)) return 0;
  state_of(session).failure = "client did not offer ALPN libp2p";
  return GNUTLS_E_NO_APPLICATION_PROTOCOL;
}

}  // namespace

TlsPeerState::TlsPeerState() {
  conn_ref.user_data = this;
  conn_ref.get_conn = [](ngtcp2_crypto_conn_ref* ref) {
    return static_cast<TlsPeerState*>(ref->user_data)->conn;
  };
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(const crypto::Ed25519Keypair& host_key) {
  auto certificate = LocalCertificate::generate(host_key);
  if (!certificate) return certificate.error();
  return create(std::move(*certificate));
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(LocalCertificate certificate) {
  auto context = std::make_shared<TlsContext>();
  context->certificate_ = std::move(certificate);

  gnutls_certificate_credentials_t raw_credentials = nullptr;
  if (int rv = gnutls_certificate_allocate_credentials(&raw_credentials); rv < 0) {
    return make_error("credentials: {}", gnutls_strerror(rv));
  }
  context->credentials_.reset(raw_credentials);
  gnutls_x509_crt_t crt = context->certificate_.crt();
  if (int rv =
          gnutls_certificate_set_x509_key(raw_credentials, &crt, 1, context->certificate_.key());
      rv < 0) {
    return make_error("set certificate: {}", gnutls_strerror(rv));
  }

  for (auto [text, slot] :
       {std::pair{cpu_has_aes() ? kPriorityAesFirst : kPriorityChachaFirst, &context->priority_},
        std::pair{kPriorityChachaFirst, &context->chacha_first_}}) {
    gnutls_priority_t raw_priority = nullptr;
    if (int rv = gnutls_priority_init2(&raw_priority, text, nullptr, 0); rv < 0) {
      return make_error("priority string: {}", gnutls_strerror(rv));
    }
    slot->reset(raw_priority);
  }
  return context;
}

bool cpu_has_aes() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
#elif defined(__aarch64__)
  return (getauxval(AT_HWCAP) & HWCAP_AES) != 0 && (getauxval(AT_HWCAP) & HWCAP_PMULL) != 0;
#else
  return false;
#endif
}

Result<SessionPtr> create_tls_session(const TlsContext& context, TlsSide side, TlsPeerState& state,
                                      bool machine_cipher_order) {
  // No tickets: a resumed TLS 1.3 session carries no certificate, so the peer would be anonymous.
  // No early data for the same reason. EndOfEarlyData does not exist in QUIC.
  const unsigned int flags = (side == TlsSide::server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
                             GNUTLS_NO_TICKETS | GNUTLS_NO_END_OF_EARLY_DATA;
  gnutls_session_t raw = nullptr;
  if (int rv = gnutls_init(&raw, flags); rv < 0) {
    return make_error("gnutls_init: {}", gnutls_strerror(rv));
  }
  SessionPtr session(raw);

  const gnutls_priority_t priority =
      machine_cipher_order ? context.priority() : context.chacha_first_priority();
  if (int rv = gnutls_priority_set(raw, priority); rv < 0) {
    return make_error("priority: {}", gnutls_strerror(rv));
  }
  const int configured = side == TlsSide::server
                             ? ngtcp2_crypto_gnutls_configure_server_session(raw)
                             : ngtcp2_crypto_gnutls_configure_client_session(raw);
  if (configured != 0) return make_error("ngtcp2_crypto_gnutls_configure_session failed");
  gnutls_session_set_ptr(raw, &state.conn_ref);
  if (int rv = gnutls_credentials_set(raw, GNUTLS_CRD_CERTIFICATE, context.credentials()); rv < 0) {
    return make_error("credentials: {}", gnutls_strerror(rv));
  }

  gnutls_datum_t alpn{reinterpret_cast<unsigned char*>(const_cast<char*>(kLibp2pAlpn.data())),
                      static_cast<unsigned int>(kLibp2pAlpn.size())};
  if (side == TlsSide::server) {
    if (int rv = gnutls_alpn_set_protocols(raw, &alpn, 1,
                                           GNUTLS_ALPN_MANDATORY | GNUTLS_ALPN_SERVER_PRECEDENCE);
        rv < 0) {
      return make_error("ALPN: {}", gnutls_strerror(rv));
    }
    gnutls_handshake_set_hook_function(raw, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_POST,
                                       check_client_hello);
    // libp2p servers must authenticate the client; an empty Certificate fails the handshake.
    gnutls_certificate_server_set_request(raw, GNUTLS_CERT_REQUIRE);
    // We trust no CA, so advertise none.
    gnutls_certificate_send_x509_rdn_sequence(raw, 1);
  } else {
    if (int rv = gnutls_alpn_set_protocols(raw, &alpn, 1, GNUTLS_ALPN_MANDATORY); rv < 0) {
      return make_error("ALPN: {}", gnutls_strerror(rv));
    }
    // Deliberately no gnutls_server_name_set: libp2p clients must not send SNI.
  }
  gnutls_session_set_verify_function(raw, verify_peer);
  return session;
}

}  // namespace privstack::transport
