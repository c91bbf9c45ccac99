// RAII owners for the GnuTLS handles this layer uses, so every early return releases them.
#pragma once

#include <memory>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

namespace privstack::crypto {

struct PubkeyDeleter {
  void operator()(gnutls_pubkey_t key) const { gnutls_pubkey_deinit(key); }
};
struct PrivkeyDeleter {
  void operator()(gnutls_privkey_t key) const { gnutls_privkey_deinit(key); }
};

/// gnutls_pubkey_t and gnutls_privkey_t are pointers to opaque structs; unique_ptr holds the
/// struct.
using UniquePubkey = std::unique_ptr<gnutls_pubkey_st, PubkeyDeleter>;
using UniquePrivkey = std::unique_ptr<gnutls_privkey_st, PrivkeyDeleter>;

/// A fresh, empty handle, or nullptr if GnuTLS cannot allocate one.
inline UniquePubkey make_pubkey() {
  gnutls_pubkey_t key = nullptr;
  if (gnutls_pubkey_init(&key) < 0) return nullptr;
  return UniquePubkey(key);
}
inline UniquePrivkey make_privkey() {
  gnutls_privkey_t key = nullptr;
  if (gnutls_privkey_init(&key) < 0) return nullptr;
  return UniquePrivkey(key);
}

/// Owns the buffer of a gnutls_datum_t that GnuTLS allocated (exports, signatures).
class GnutlsDatum {
 public:
  GnutlsDatum() = default;
  GnutlsDatum(const GnutlsDatum&) = delete;
  GnutlsDatum& operator=(const GnutlsDatum&) = delete;
  // The parentheses call the function pointer, not the gnutls_free() macro (it has a C cast).
  ~GnutlsDatum() { (gnutls_free)(datum_.data); }

  gnutls_datum_t* out() { return &datum_; }
  const unsigned char* data() const { return datum_.data; }
  unsigned int size() const { return datum_.size; }

 private:
  gnutls_datum_t datum_{nullptr, 0};
};

}  // namespace privstack::crypto
