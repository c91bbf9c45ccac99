// GnuTLS sessions for libp2p-over-QUIC: TLS 1.3 only, ALPN "libp2p" mandatory, both sides present
// and verify a libp2p certificate (never trust-chain verification), no SNI, no tickets, no 0-RTT.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <ngtcp2/ngtcp2_crypto.h>

#include "common/result.h"
#include "crypto/ed25519.h"
#include "transport/gnutls_ptr.h"
#include "transport/libp2p_certificate.h"

namespace privstack::transport {

inline constexpr std::string_view kLibp2pAlpn = "libp2p";

/// Credentials and priorities shared by every session of an endpoint. One certificate per
/// endpoint, reused for all connections, as rust and go do.
class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> create(const crypto::Ed25519Keypair& host_key);
  /// With a given certificate (tests use it to present malformed ones).
  static Result<std::shared_ptr<TlsContext>> create(LocalCertificate certificate);

  gnutls_certificate_credentials_t credentials() const { return credentials_.get(); }
  /// The cipher order for this machine: AES-GCM first when the CPU has AES instructions.
  gnutls_priority_t priority() const { return priority_.get(); }
  /// ChaCha20-Poly1305 first regardless of the CPU (the order before the AES preference; kept as
  /// the benchmark's baseline, EndpointConfig::tls_prefer_aes_gcm = false).
  gnutls_priority_t chacha_first_priority() const { return chacha_first_.get(); }
  const LocalCertificate& certificate() const { return certificate_; }

 private:
  LocalCertificate certificate_;
  CredentialsPtr credentials_;
  PriorityPtr priority_;
  PriorityPtr chacha_first_;
};

/// True when the CPU has AES (and carry-less multiply) instructions, i.e. AES-GCM is the faster
/// AEAD by an order of magnitude.
bool cpu_has_aes();

/// Per-connection TLS state the GnuTLS callbacks reach through the session pointer. ngtcp2's GnuTLS
/// glue requires the session pointer to be an ngtcp2_crypto_conn_ref, so `conn_ref.user_data`
/// points back at this object and `conn` is filled in once the ngtcp2 connection exists.
struct TlsPeerState {
  TlsPeerState();
  TlsPeerState(const TlsPeerState&) = delete;
  TlsPeerState& operator=(const TlsPeerState&) = delete;

  ngtcp2_crypto_conn_ref conn_ref{};
  ngtcp2_conn* conn = nullptr;
  std::optional<crypto::PeerId> expected_peer;  // client side: the peer id we dialled, if known
  std::optional<PeerIdentity> verified_peer;    // set by the verify callback on success
  std::string failure;                          // why verification failed, for the log
};

enum class TlsSide { server, client };

/// A configured session whose pointer is `state.conn_ref`; `state` must outlive it.
/// `machine_cipher_order` false: offer ChaCha20-Poly1305 first even on AES hardware.
Result<SessionPtr> create_tls_session(const TlsContext& context, TlsSide side, TlsPeerState& state,
                                      bool machine_cipher_order = true);

}  // namespace privstack::transport
