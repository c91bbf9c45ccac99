#include "crypto/hash.h"

#include <cstdio>
#include <cstdlib>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

namespace privstack::crypto {

Sha256Digest sha256(ByteView data) {
  Sha256Digest digest{};
  // gnutls_hash_fast only fails when SHA-256 is unavailable (a broken or FIPS-misconfigured
  // library); every peer id would then be wrong, so stop instead of returning garbage.
  if (gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), digest.data()) < 0) {
    std::fputs("privstack: gnutls_hash_fast(SHA-256) failed\n", stderr);
    std::abort();
  }
  return digest;
}

}  // namespace privstack::crypto
