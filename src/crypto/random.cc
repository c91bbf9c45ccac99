#include "crypto/random.h"

#include <cstdio>
#include <cstdlib>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

namespace privstack::crypto {

void random_bytes(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, out.data(), out.size()) < 0) {
    std::fputs("privstack: gnutls_rnd failed\n", stderr);
    std::abort();
  }
}

}  // namespace privstack::crypto
