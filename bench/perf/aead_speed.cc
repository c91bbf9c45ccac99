// How fast this machine's GnuTLS seals QUIC-sized packets with each TLS 1.3 AEAD: the check
// behind the cipher order in src/transport/tls_session.cc (bench/perf/PROFILE.md). Not part of
// the CMake build; run by hand:
//
//   g++ -O2 -std=c++20 bench/perf/aead_speed.cc -o /tmp/aead_speed -lgnutls && /tmp/aead_speed
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

int main() {
  using Clock = std::chrono::steady_clock;
  const std::pair<const char*, gnutls_cipher_algorithm_t> ciphers[] = {
      {"chacha20-poly1305", GNUTLS_CIPHER_CHACHA20_POLY1305},
      {"aes-128-gcm", GNUTLS_CIPHER_AES_128_GCM},
      {"aes-256-gcm", GNUTLS_CIPHER_AES_256_GCM}};
  for (const auto& [name, cipher] : ciphers) {
    unsigned char key_bytes[32] = {1};
    gnutls_datum_t key{key_bytes, static_cast<unsigned>(gnutls_cipher_get_key_size(cipher))};
    gnutls_aead_cipher_hd_t handle = nullptr;
    if (gnutls_aead_cipher_init(&handle, cipher, &key) < 0) continue;
    std::vector<unsigned char> packet(1200, 7);  // a full QUIC packet's payload
    std::vector<unsigned char> sealed(packet.size() + 16);
    unsigned char nonce[12] = {0};
    std::size_t bytes = 0;
    const auto start = Clock::now();
    while (Clock::now() - start < std::chrono::milliseconds(700)) {
      for (int i = 0; i < 100; ++i) {
        ++nonce[0];
        std::size_t sealed_size = sealed.size();
        gnutls_aead_cipher_encrypt(handle, nonce, sizeof(nonce), packet.data(), 20, 16,
                                   packet.data(), packet.size(), sealed.data(), &sealed_size);
        bytes += packet.size();
      }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double mib_per_s = static_cast<double>(bytes) / seconds / 1048576.0;
    std::printf("%s: %.0f MiB/s = %.2f ms/MiB\n", name, mib_per_s, 1000.0 / mib_per_s);
    gnutls_aead_cipher_deinit(handle);
  }
}
