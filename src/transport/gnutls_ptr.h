// RAII owners for the GnuTLS handles this layer uses, so every early return releases them.
#pragma once

#include <memory>
#include <type_traits>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

namespace privstack::transport {

template <typename Handle, void (*Free)(Handle)>
struct GnutlsDeleter {
  void operator()(Handle h) const { Free(h); }
};

template <typename Handle, void (*Free)(Handle)>
using GnutlsPtr = std::unique_ptr<std::remove_pointer_t<Handle>, GnutlsDeleter<Handle, Free>>;

using X509CrtPtr = GnutlsPtr<gnutls_x509_crt_t, gnutls_x509_crt_deinit>;
using X509PrivkeyPtr = GnutlsPtr<gnutls_x509_privkey_t, gnutls_x509_privkey_deinit>;
using PubkeyPtr = GnutlsPtr<gnutls_pubkey_t, gnutls_pubkey_deinit>;
using PrivkeyPtr = GnutlsPtr<gnutls_privkey_t, gnutls_privkey_deinit>;
using CredentialsPtr =
    GnutlsPtr<gnutls_certificate_credentials_t, gnutls_certificate_free_credentials>;
using PriorityPtr = GnutlsPtr<gnutls_priority_t, gnutls_priority_deinit>;
using SessionPtr = GnutlsPtr<gnutls_session_t, gnutls_deinit>;

/// A datum GnuTLS allocated (export2 and friends); freed with gnutls_free.
struct GnutlsDatum {
  gnutls_datum_t datum{nullptr, 0};
  GnutlsDatum() = default;
  GnutlsDatum(const GnutlsDatum&) = delete;
  GnutlsDatum& operator=(const GnutlsDatum&) = delete;
  ~GnutlsDatum() { gnutls_free(datum.data); }
};

}  // namespace privstack::transport
