// Randomized round-trip and garbage-input checks with a fixed seed, so failures reproduce. They
// complement the published vectors: every parser must either fail cleanly or produce a value
// whose canonical form parses back to the same bytes (run under ASan/UBSan in CI).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "multiformats/base32.h"
#include "multiformats/base58.h"
#include "multiformats/base64.h"
#include "multiformats/cid.h"
#include "multiformats/multiaddr.h"
#include "multiformats/multibase.h"
#include "multiformats/multihash.h"
#include "multiformats/varint.h"

namespace privstack::multiformats {
namespace {

class MfRandomized : public ::testing::Test {
 protected:
  std::mt19937_64 rng{0x5eed'cafe'f00d'0001ull};

  std::size_t below(std::size_t n) {
    return static_cast<std::size_t>(std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng));
  }
  std::uint8_t byte() { return static_cast<std::uint8_t>(below(256)); }
  Bytes bytes(std::size_t max_len) {
    Bytes out(below(max_len + 1));
    for (auto& b : out)
      b = byte();
    // Leading zeros exercise the base-x zero handling.
    if (!out.empty() && below(4) == 0) out[0] = 0;
    return out;
  }

  // A random valid component appended to `addr`.
  Multiaddr add_component(const Multiaddr& addr) {
    switch (below(12)) {
      case 0:
        return addr.with(Protocol::ip4, Bytes{byte(), byte(), byte(), byte()});
      case 1: {
        Bytes v(16);
        for (auto& b : v)
          b = below(3) == 0 ? byte() : 0;  // zero runs exercise "::"
        return addr.with(Protocol::ip6, v);
      }
      case 2:
        return addr.with_port(Protocol::tcp, static_cast<std::uint16_t>(below(65536)));
      case 3:
        return addr.with_port(Protocol::udp, static_cast<std::uint16_t>(below(65536)));
      case 4:
        return addr.with(below(2) ? Protocol::quic_v1 : Protocol::p2p_circuit);
      case 5: {
        Bytes name(1 + below(40));
        for (auto& c : name)
          c = static_cast<std::uint8_t>("abcxyz019.-_%"[below(13)]);
        const Protocol p[] = {Protocol::dns,     Protocol::dns4,    Protocol::dns6,
                              Protocol::dnsaddr, Protocol::ip6zone, Protocol::sni};
        return addr.with(p[below(6)], name);
      }
      case 6: {
        Bytes key(36);
        for (auto& b : key)
          b = byte();
        return addr.with(Protocol::p2p, Multihash{multicodec::identity, key}.encode());
      }
      case 7: {
        Bytes digest(32);
        for (auto& b : digest)
          b = byte();
        const Protocol p = below(2) ? Protocol::p2p : Protocol::certhash;
        return addr.with(p, Multihash{multicodec::sha2_256, digest}.encode());
      }
      case 8: {
        Bytes path = bytes(20);
        if (path.empty()) path.push_back('/');
        return addr.with(Protocol::http_path, path);
      }
      case 9:
        return addr.with(below(2) ? Protocol::webtransport : Protocol::webrtc_direct);
      case 10:
        return addr.with(below(2) ? Protocol::ws : Protocol::tls);
      default:
        return addr.with(Protocol::ipcidr, Bytes{byte()});
    }
  }

  Multiaddr random_multiaddr() {
    Multiaddr addr;
    const std::size_t n = 1 + below(6);
    for (std::size_t i = 0; i < n; ++i)
      addr = add_component(addr);
    return addr;
  }

  // If `bytes` parse, their text must parse back to the very same bytes.
  void check_bytes_canonical(const Bytes& in) {
    auto addr = Multiaddr::from_bytes(in);
    if (!addr) return;
    EXPECT_EQ(addr->bytes(), in);
    auto again = Multiaddr::parse(addr->to_string());
    ASSERT_TRUE(again.ok()) << addr->to_string() << ": " << again.error().message;
    EXPECT_EQ(again->bytes(), in) << addr->to_string();
  }
};

TEST_F(MfRandomized, VarintRoundTripAndGarbage) {
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t value = rng() >> (1 + below(63));  // at most 63 bits, any magnitude
    const Bytes encoded = encode_uvarint(value);
    const VarintRead read = read_uvarint(encoded);
    ASSERT_EQ(read.status, VarintStatus::ok);
    EXPECT_EQ(read.value, value);
    EXPECT_EQ(read.length, encoded.size());
  }
  for (int i = 0; i < 20000; ++i) {
    const Bytes garbage = bytes(12);
    const VarintRead read = read_uvarint(garbage);
    if (read.status == VarintStatus::ok) {
      // Anything accepted is the canonical encoding of its value.
      EXPECT_EQ(encode_uvarint(read.value),
                Bytes(garbage.begin(), garbage.begin() + static_cast<std::ptrdiff_t>(read.length)));
    }
  }
}

TEST_F(MfRandomized, BaseEncodingsRoundTrip) {
  for (int i = 0; i < 3000; ++i) {
    const Bytes in = bytes(64);
    EXPECT_EQ(*base58btc_decode(base58btc_encode(in)), in);
    EXPECT_EQ(*base32_decode(base32_encode(in)), in);
    EXPECT_EQ(*base32_decode(base32_encode_upper(in)), in);
    EXPECT_EQ(*base64url_decode(base64url_encode(in)), in);
    for (Multibase base :
         {Multibase::base16, Multibase::base16_upper, Multibase::base32, Multibase::base32_upper,
          Multibase::base36, Multibase::base36_upper, Multibase::base58btc, Multibase::base64url}) {
      EXPECT_EQ(*multibase_decode(multibase_encode(base, in)), in);
    }
  }
}

TEST_F(MfRandomized, TextDecodersOnGarbage) {
  const std::string alphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ=+/-_ %\x01\x80\xff";
  for (int i = 0; i < 5000; ++i) {
    std::string s(below(40), ' ');
    for (auto& c : s)
      c = alphabet[below(alphabet.size())];
    // Whatever is accepted must re-encode to the same text (canonical, case aside).
    if (auto b = base58btc_decode(s)) {
      EXPECT_EQ(base58btc_encode(*b), s);
    }
    if (auto b = base64url_decode(s)) {
      EXPECT_EQ(base64url_encode(*b), s);
    }
    if (auto b = base32_decode(s)) {
      std::string lower = s;
      for (auto& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      EXPECT_EQ(base32_encode(*b), lower);
    }
    (void)multibase_decode(s);
    (void)Cid::parse(s);
  }
}

TEST_F(MfRandomized, BinaryDecodersOnGarbage) {
  for (int i = 0; i < 20000; ++i) {
    const Bytes in = bytes(48);
    if (auto mh = Multihash::decode(in)) {
      EXPECT_EQ(mh->encode(), in);
    }
    if (auto cid = Cid::decode(in)) {
      EXPECT_EQ(cid->encode(), in);
    }
    check_bytes_canonical(in);
  }
}

TEST_F(MfRandomized, MultiaddrRoundTrip) {
  for (int i = 0; i < 3000; ++i) {
    const Multiaddr addr = random_multiaddr();
    auto from_text = Multiaddr::parse(addr.to_string());
    ASSERT_TRUE(from_text.ok()) << addr.to_string() << ": " << from_text.error().message;
    EXPECT_EQ(*from_text, addr) << addr.to_string();
    auto from_bytes = Multiaddr::from_bytes(addr.bytes());
    ASSERT_TRUE(from_bytes.ok()) << addr.to_string();
    EXPECT_EQ(*from_bytes, addr);
    auto rebuilt = Multiaddr::from_components(addr.components());
    ASSERT_TRUE(rebuilt.ok());
    EXPECT_EQ(*rebuilt, addr);
  }
}

TEST_F(MfRandomized, MutatedMultiaddrBytes) {
  for (int i = 0; i < 5000; ++i) {
    Bytes b = random_multiaddr().bytes();
    switch (below(4)) {
      case 0:  // flip a byte
        b[below(b.size())] ^= static_cast<std::uint8_t>(1 + below(255));
        break;
      case 1:  // truncate
        b.resize(below(b.size()));
        break;
      case 2:  // trailing garbage
        b.push_back(byte());
        break;
      default:  // insert a byte
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(below(b.size() + 1)), byte());
        break;
    }
    check_bytes_canonical(b);
  }
}

TEST_F(MfRandomized, MutatedMultiaddrText) {
  const std::string alphabet = "/0123456789.:abcdefipnstuvwxzQm-%";
  for (int i = 0; i < 5000; ++i) {
    std::string s = random_multiaddr().to_string();
    const std::size_t edits = 1 + below(3);
    for (std::size_t e = 0; e < edits; ++e) {
      const char c = alphabet[below(alphabet.size())];
      switch (below(3)) {
        case 0:
          s[below(s.size())] = c;
          break;
        case 1:
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(below(s.size() + 1)), c);
          break;
        default:
          s.erase(below(s.size()), 1);
          break;
      }
      if (s.empty()) s = "/";
    }
    auto addr = Multiaddr::parse(s);
    if (!addr) continue;
    auto again = Multiaddr::parse(addr->to_string());
    ASSERT_TRUE(again.ok()) << s << " -> " << addr->to_string();
    EXPECT_EQ(*again, *addr) << s;
  }
}

}  // namespace
}  // namespace privstack::multiformats
