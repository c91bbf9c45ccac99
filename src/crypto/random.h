// Cryptographically secure random bytes from GnuTLS.
#pragma once

#include <cstdint>
#include <span>

namespace privstack::crypto {

/// Fills `out` with GNUTLS_RND_RANDOM bytes (nonces, temp-file names). Aborts if the generator
/// fails: continuing with predictable bytes would be worse than stopping.
void random_bytes(std::span<std::uint8_t> out);

}  // namespace privstack::crypto
