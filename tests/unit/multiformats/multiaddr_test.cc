// Vectors: rust-multiaddr tests/lib.rs (construct_success / construct_fail: text <-> hex),
// go-multiaddr multiaddr_test.go (TestStringToBytes, TestConstructFails, TestRoundTrip, TestZone,
// TestInvalidP2PAddrBytes/String, TestDecapsulate), js-multiaddr test/index.spec.ts (variants,
// normalize).
#include "multiformats/multiaddr.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "multiformats/base58.h"
#include "multiformats/varint.h"

namespace privstack::multiformats {
namespace {

constexpr const char* kPeerQm = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
constexpr const char* kPeerQmHex =
    "1220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b";
constexpr const char* kPeerEd = "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV";

std::string lower(std::string s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Multiaddr must_parse(std::string_view text) {
  auto addr = Multiaddr::parse(text);
  EXPECT_TRUE(addr.ok()) << text << ": " << (addr.ok() ? "" : addr.error().message);
  return addr.ok() ? *addr : Multiaddr{};
}

// Text and binary forms of the same address, checked in both directions.
void expect_vector(std::string_view text, std::string_view hex) {
  auto parsed = Multiaddr::parse(text);
  ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
  EXPECT_EQ(to_hex(parsed->bytes()), lower(std::string(hex))) << text;
  auto decoded = Multiaddr::from_bytes(from_hex(hex));
  ASSERT_TRUE(decoded.ok()) << hex << ": " << decoded.error().message;
  EXPECT_EQ(decoded->to_string(), text) << hex;
  EXPECT_EQ(*decoded, *parsed);
}

TEST(MfMultiaddr, RustConstructSuccessVectors) {
  const struct {
    const char* text;
    const char* hex;
  } vectors[] = {
      {"/ip4/1.2.3.4", "0401020304"},
      {"/ip4/0.0.0.0", "0400000000"},
      {"/ip6/::1", "2900000000000000000000000000000001"},
      {"/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21", "29260100094F819700803ECA6566E80C21"},
      {"/ip6/fe80::9700:803e:ca65:66e8:c21/ip6zone/wlan0",
       "29FE80000000009700803ECA6566E80C212A05776C616E30"},
      {"/udp/0", "91020000"},
      {"/tcp/0", "060000"},
      {"/sctp/0", "84010000"},
      {"/udp/1234", "910204D2"},
      {"/tcp/1234", "0604D2"},
      {"/sctp/1234", "840104D2"},
      {"/udp/65535", "9102FFFF"},
      {"/tcp/65535", "06FFFF"},
      {"/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "A503221220D52EBB89D85B02A284948203A62FF28389C57C9F42BEEC4EC20DB76A68911C0B"},
      {"/udp/1234/sctp/1234", "910204D2840104D2"},
      {"/udp/1234/udt", "910204D2AD02"},
      {"/udp/1234/utp", "910204D2AE02"},
      {"/tcp/1234/http", "0604D2E003"},
      {"/tcp/1234/tls/http", "0604D2C003E003"},
      {"/tcp/1234/http/http-path/user", "0604D2E003E1030475736572"},
      {"/tcp/1234/http/http-path/api%2Fv0%2Flogin", "0604D2E003E1030C6170692F76302F6C6F67696E"},
      {"/tcp/1234/http/http-path/a%2520space", "0604D2E003E10309612532307370616365"},
      {"/tcp/1234/https", "0604D2BB03"},
      {"/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
       "A503221220D52EBB89D85B02A284948203A62FF28389C57C9F42BEEC4EC20DB76A68911C0B0604D2"},
      {"/ip4/127.0.0.1/udp/1234", "047F000001910204D2"},
      {"/ip4/127.0.0.1/udp/0", "047F00000191020000"},
      {"/ip4/127.0.0.1/tcp/1234", "047F0000010604D2"},
      {"/ip4/127.0.0.1/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "047F000001A503221220D52EBB89D85B02A284948203A62FF28389C57C9F42BEEC4EC20DB76A68911C0B"},
      {"/ip4/127.0.0.1/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC/tcp/1234",
       "047F000001A503221220D52EBB89D85B02A284948203A62FF28389C57C9F42BEEC4EC20DB76A68911C0B0604D"
       "2"},
      {"/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/ws/p2p/"
       "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "29200108A07AC542013AC986FFFE317095061F40DD03A503221220D52EBB89D85B02A284948203A62FF28389C57"
       "C"
       "9F42BEEC4EC20DB76A68911C0B"},
      {"/p2p-webrtc-star/ip4/127.0.0.1/tcp/9090/ws/p2p/"
       "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "9302047F000001062382DD03A503221220D52EBB89D85B02A284948203A62FF28389C57C9F42BEEC4EC20DB76A6"
       "89"
       "11C0B"},
      {"/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/tcp/8000/wss/p2p/"
       "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "29200108A07AC542013AC986FFFE317095061F40DE03A503221220D52EBB89D85B02A284948203A62FF28389C57"
       "C"
       "9F42BEEC4EC20DB76A68911C0B"},
      {"/ip4/127.0.0.1/tcp/9090/p2p-circuit/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "047F000001062382A202A503221220D52EBB89D85B02A284948203A62FF28389C57C9F42BEEC4EC20DB76A68911"
       "C"
       "0B"},
      {"/dnsaddr/sjc-1.bootstrap.libp2p.io",
       "3819736A632D312E626F6F7473747261702E6C69627032702E696F"},
      {"/dnsaddr/sjc-1.bootstrap.libp2p.io/tcp/1234/p2p/"
       "QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN",
       "3819736A632D312E626F6F7473747261702E6C69627032702E696F0604D2A50322122006B3608AA000274049EB2"
       "8AD"
       "8E793A26FF6FAB281A7D3BD77CD18EB745DFAABB"},
      {"/ip4/127.0.0.1/tcp/127/ws", "047F00000106007FDD03"},
      {"/ip4/127.0.0.1/tcp/127/tls", "047F00000106007FC003"},
      {"/ip4/127.0.0.1/tcp/127/tls/ws", "047F00000106007FC003DD03"},
      {"/ip4/127.0.0.1/tcp/127/noise", "047F00000106007FC603"},
      {"/ip4/127.0.0.1/udp/1234/webrtc-direct", "047F000001910204D29802"},
      {"/ip4/127.0.0.1/udp/1234/webrtc-direct/certhash/"
       "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
       "047F000001910204D29802D203221220C3AB8FF13720E8AD9047DD39466B3C8974E592C2FA383D4A3960714CAEF"
       "0C4"
       "F2"},
      {"/ip4/127.0.0.1/udp/1234/quic/webtransport", "047F000001910204D2CC03D103"},
      {"/ip4/127.0.0.1/udp/1234/webtransport/certhash/"
       "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
       "047F000001910204D2D103D203221220C3AB8FF13720E8AD9047DD39466B3C8974E592C2FA383D4A3960714CAEF"
       "0C4"
       "F2"},
  };
  for (const auto& v : vectors)
    expect_vector(v.text, v.hex);
}

TEST(MfMultiaddr, GoStringToBytesVectors) {
  expect_vector("/ip4/127.0.0.1/udp/1234", "047f000001910204d2");
  expect_vector("/ip4/127.0.0.1/tcp/4321", "047f0000010610e1");
  expect_vector("/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321",
                "047f000001910204d2047f0000010610e1");
  // TestZone
  expect_vector("/ip6zone/eth0/ip6/::1", "2a04657468302900000000000000000000000000000001");
}

TEST(MfMultiaddr, QuicV1WithPeerId) {
  // quic-v1 is code 461 (wire-compat.md §0; go-multiaddr protocols.go), varint cd 03.
  EXPECT_EQ(to_hex(encode_uvarint(461)), "cd03");
  const std::string text = std::string("/ip4/1.2.3.4/udp/4001/quic-v1/p2p/") + kPeerEd;
  const Multiaddr addr = must_parse(text);
  EXPECT_EQ(addr.to_string(), text);
  const Bytes peer = *base58btc_decode(kPeerEd);
  Bytes expected = from_hex("040102030491020fa1cd03a503");
  expected.push_back(static_cast<std::uint8_t>(peer.size()));
  expected.insert(expected.end(), peer.begin(), peer.end());
  EXPECT_EQ(to_hex(addr.bytes()), to_hex(expected));

  const auto parts = addr.components();
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].protocol, Protocol::ip4);
  EXPECT_EQ(parts[0].value_string(), "1.2.3.4");
  EXPECT_EQ(parts[1].protocol, Protocol::udp);
  EXPECT_EQ(parts[1].port(), std::optional<std::uint16_t>(4001));
  EXPECT_EQ(parts[2].protocol, Protocol::quic_v1);
  EXPECT_EQ(parts[2].name(), "quic-v1");
  EXPECT_TRUE(parts[2].value.empty());
  EXPECT_EQ(parts[2].value_string(), "");
  EXPECT_FALSE(parts[2].port().has_value());
  EXPECT_EQ(parts[3].protocol, Protocol::p2p);
  EXPECT_EQ(parts[3].value_string(), kPeerEd);
  EXPECT_EQ(parts[3].to_string(), std::string("/p2p/") + kPeerEd);
  EXPECT_EQ(addr.peer_id_bytes(), peer);
  EXPECT_EQ(addr.decapsulate_p2p().to_string(), "/ip4/1.2.3.4/udp/4001/quic-v1");
}

TEST(MfMultiaddr, PeerIdTextForms) {
  // go-multiaddr's list of valid /p2p/ and /ipfs/ values: CIDv1 (base32, base36) and base58.
  const Bytes qm = from_hex(kPeerQmHex);
  for (const char* text : {"/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
                           "/ipfs/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
                           "/p2p/bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm",
                           "/p2p/k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7",
                           "/ipfs/k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7"}) {
    const Multiaddr addr = must_parse(text);
    EXPECT_EQ(addr.peer_id_bytes(), qm) << text;
    EXPECT_EQ(addr.to_string(), std::string("/p2p/") + kPeerQm) << text;
  }
  for (const char* text :
       {"/p2p/12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV",
        "/p2p/k51qzi5uqu5dhb6l8spkdx7yxafegfkee5by8h7lmjh2ehc2sgg34z7c15vzqs",
        "/p2p/bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u"}) {
    EXPECT_EQ(must_parse(text).to_string(), std::string("/p2p/") + kPeerEd) << text;
  }
}

// Found by fuzzing: the longest text a binary address within kMaxMultiaddrBytes can print must
// still parse (400 x /ipcidr/255 is 800 bytes and 4400 characters).
TEST(MfMultiaddr, LongestTextOfAnAcceptedBinaryParsesBack) {
  Bytes bytes;
  for (int i = 0; i < 400; ++i) {
    bytes.push_back(0x2b);  // ipcidr
    bytes.push_back(0xff);
  }
  auto addr = Multiaddr::from_bytes(bytes);
  ASSERT_TRUE(addr.ok()) << addr.error().message;
  const std::string text = addr->to_string();
  EXPECT_GT(text.size(), 4096U);
  auto back = Multiaddr::parse(text);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, *addr);
}

TEST(MfMultiaddr, GoRoundTrip) {
  for (const char* text : {
           "/ip6/::ffff:127.0.0.1/tcp/111",
           "/ip4/127.0.0.1/tcp/123",
           "/ip4/127.0.0.1/tcp/123/tls",
           "/ip4/127.0.0.1/udp/123",
           "/ip4/127.0.0.1/udp/123/ip6/::",
           ("/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/"
            "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g"),
           "/p2p/QmbHVEEepCi7rn7VL7Exxpd2Ci9NNB6ifvqwhsrbRMgQFP",
           "/http-path/tmp%2Fbar",
       }) {
    const Multiaddr addr = must_parse(text);
    EXPECT_EQ(addr.to_string(), text);
    auto back = Multiaddr::from_bytes(addr.bytes());
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(back->to_string(), text);
  }
}

TEST(MfMultiaddr, JsVariantsRoundTrip) {
  const std::string js_peer = "12D3KooWBdmLJjhpgJ9KZgLM3f894ff9xyBfPvPjFNn7MKJpyrC2";
  const std::string qm = kPeerQm;
  for (const std::string& text : {
           "/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic-v1/p2p/" + qm,
           std::string("/ip6/2001:8a0:7ac5:4201:3ac9:86ff:fe31:7095/udp/4001/quic-v1/webtransport"),
           "/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/"
           "uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/certhash/"
           "uEiAfbgiymPP2_nX7Dgir8B4QkksjHp2lVuJZz0F79Be9JA/p2p/" +
               js_peer,
           std::string("/ip6zone/x/ip6/fe80::1/udp/1234/quic"),
           std::string("/ip4/127.0.0.1/tcp/9090/tls/sni/example.com/ws"),
           "/p2p-circuit/p2p/" + qm,
           "/p2p/" + qm + "/p2p-circuit",
           std::string("/ip4/127.0.0.1/tcp/9090/http/p2p-webrtc-direct"),
           std::string("/ip4/127.0.0.1/tcp/9090/ws/p2p-websocket-star"),
       }) {
    EXPECT_EQ(must_parse(text).to_string(), text);
  }
}

TEST(MfMultiaddr, JsIp6Normalisation) {
  const struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"/ip6/0001:08a0:00c5:4201:3ac9:86ff:fe31:0709", "/ip6/1:8a0:c5:4201:3ac9:86ff:fe31:709"},
      {"/ip6/0000:0000:0000:0000:0000:0000:0000:0001", "/ip6/::1"},
      {"/ip6/::00:0:000:0:001", "/ip6/::1"},
      {"/ip6/::101.45.75.219/tcp/9090", "/ip6/::652d:4bdb/tcp/9090"},
      {"/ip6/::1.45.5.219/tcp/9090", "/ip6/::12d:5db/tcp/9090"},
      {"/ip6/0:00:0000:0002:0000:059c:0a24:0801/tcp/64142", "/ip6/::2:0:59c:a24:801/tcp/64142"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(must_parse(c.in).to_string(), c.out) << c.in;
}

TEST(MfMultiaddr, Rfc5952Formatting) {
  // RFC 5952 §4: a single zero group is not compressed, the longest run is, the first of equal
  // runs wins, hex is lower case.
  EXPECT_EQ(must_parse("/ip6/2001:db8:0:1:1:1:1:1").to_string(), "/ip6/2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(must_parse("/ip6/2001:0:0:1:0:0:0:1").to_string(), "/ip6/2001:0:0:1::1");
  EXPECT_EQ(must_parse("/ip6/2001:db8:0:0:1:0:0:1").to_string(), "/ip6/2001:db8::1:0:0:1");
  EXPECT_EQ(must_parse("/ip6/2001:DB8::ABCD").to_string(), "/ip6/2001:db8::abcd");
  EXPECT_EQ(must_parse("/ip6/::").to_string(), "/ip6/::");
  EXPECT_EQ(must_parse("/ip6/1::").to_string(), "/ip6/1::");
}

TEST(MfMultiaddr, CerthashAcceptsAnyMultibase) {
  // go-multiaddr's valid list: base32 (an md5 multihash) and base58btc certhash values.
  const Multiaddr addr = must_parse(
      "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmpy/"
      "certhash/zQmbWTwYGcmdyK9CYfNBcfs9nhZs17a6FQ4Y8oea278xx41");
  const auto parts = addr.components();
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_EQ(to_hex(parts[4].value), "d501103858f62230ac3c915f300c664312c63f");
  // zQmbWTw... is the same sha2-256 multihash rust-multiaddr spells uEiDDq4...
  EXPECT_EQ(parts[5].value_string(), "uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g");
}

TEST(MfMultiaddr, ToleratesOneTrailingSlash) {
  EXPECT_EQ(must_parse("/ip4/127.0.0.1/tcp/1234/"), must_parse("/ip4/127.0.0.1/tcp/1234"));
}

TEST(MfMultiaddr, ConstructFails) {
  // go TestConstructFails and rust construct_fail (protocols we do not implement, such as onion,
  // garlic, unix and memory, fail here as unknown), go TestInvalidP2PAddrString, rust
  // unknown_protocol_string.
  for (const char* bad : {
           "/ip4",
           "/ip4/::1",
           "/ip4/fdpsofodsajfdoisa",
           "/ip6",
           "/ip6zone",
           "/ip6zone/",
           "/ip6zone//ip6/fe80::1",
           "/ip6/fe80::9700:803e:ca65:66e8:c21/ip6zone",
           "/udp",
           "/tcp",
           "/sctp",
           "/udp/65536",
           "/tcp/65536",
           "/quic/65536",
           "/quic-v1/65536",
           "/onion/timaq4ygg2iegci7:80",
           "/udp/1234/sctp",
           "/udp/1234/udt/1234",
           "/udp/1234/utp/1234",
           "/ip4/127.0.0.1/udp/jfodsajfidosajfoidsa",
           "/ip4/127.0.0.1/udp",
           "/ip4/127.0.0.1/tcp/jfodsajfidosajfoidsa",
           "/ip4/127.0.0.1/tcp",
           "/ip4/127.0.0.1/quic/1234",
           "/ip4/127.0.0.1/quic-v1/1234",
           "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash",
           "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmp",
           "/ip4/127.0.0.1/ipfs",
           "/ip4/127.0.0.1/ipfs/tcp",
           "/ip4/127.0.0.1/p2p",
           "/ip4/127.0.0.1/p2p/tcp",
           "/unix",
           "/ip4/1.2.3.4/tcp/-1",
           "/ip4/127.0.0.1/tcp/9090/http/p2p-webcrt-direct",
           "/p2p-circuit/50",
           "/tcp/1234/http/http-path/a/b",
           "/",
           "",
           "/p2p/QmxoHT6iViN5xAjoz1VZ553cL31U9F94ht3QvWR1FrEbZY",  // sha256 digest length 33
           "/p2p/k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl-",
           "/p2p/?unknownmultibase",
           "/p2p/k2jmtxwoe2phm1hbqp0e7nufqf6umvuu2e9qd7ana7h411a0haqj6i2z",  // dag-pb codec
           "/unknown/1.2.3.4",
       }) {
    EXPECT_FALSE(Multiaddr::parse(bad).ok()) << bad;
  }
}

TEST(MfMultiaddr, MoreMalformedText) {
  for (const char* bad : {
           "ip4/1.2.3.4",             // no leading slash
           "//ip4/1.2.3.4",           // empty protocol name
           "/ip4/1.2.3.4//tcp/1",     // empty segment in the middle
           "/ip4/1.2.3.4//",          // two trailing slashes
           "/ip4/01.2.3.4",           // leading zero (octal in some parsers)
           "/ip4/1.2.3",              // short
           "/ip4/1.2.3.4.5",          // long
           "/ip4/256.2.3.4",          // out of range
           "/ip6/fe80::1%eth0",       // zones belong in /ip6zone
           "/ip6/1:2:3:4:5:6:7:8:9",  // too many groups
           "/ip6/::1::2",             // two "::"
           "/tcp/+80",
           "/tcp/ 80",
           "/tcp/0x50",
           "/tcp/99999999999999999999999",
           "/ipcidr/256",
           "/p2p/1",   // base58 of one zero byte: not a multihash
           "/p2p/Qm",  // too short
           "/p2p/QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNK0",              // '0' is not base58
           "/p2p/bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4b",  // truncated
           "/http-path/%",
           "/http-path/%2",
           "/http-path/%zz",
           "/certhash/uEiDDq4",  // not a whole multihash
           "/certhash/xyz",      // unknown multibase
           "/dns/",
           "/dns4",
           "/sni",
       }) {
    EXPECT_FALSE(Multiaddr::parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(Multiaddr::parse("/dns/" + std::string(256, 'a')).ok());
  EXPECT_TRUE(Multiaddr::parse("/dns/" + std::string(255, 'a')).ok());
  EXPECT_FALSE(Multiaddr::parse(std::string(kMaxMultiaddrTextLength + 1, '/')).ok());
}

TEST(MfMultiaddr, MalformedBinary) {
  const std::string p2p =
      "a503221220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b";
  const struct {
    std::string hex;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"01020304", "rust from_bytes_fail: unknown code 1"},
      {"a503221221c05877cbae039d70a5e600ea02c6f9f2942439285c9e344e26f8d280c850fad6",
       "go TestInvalidP2PAddrBytes: multihash length disagrees"},
      {"04", "ip4 without value"},
      {"047f0000", "ip4 value truncated"},
      {"047f00000106", "tcp without port"},
      {"047f0000010604", "tcp port truncated"},
      {"047f00000191", "truncated varint code inside the address"},
      {"047f000001ffffffffffffffffff01", "code varint over 9 bytes"},
      {"047f0000018000", "non-minimal code varint"},
      {"8400", "non-minimal encoding of code 4"},
      {"a503", "p2p without length"},
      {"a50322", "p2p length without bytes"},
      {p2p.substr(0, p2p.size() - 2), "p2p value truncated"},
      {"a503811220", "p2p length 2305 exceeds bound"},
      {"a5038101" + std::string(258, '0'), "p2p length 129 exceeds bound"},
      {"a50380", "p2p length varint truncated"},
      {"a5038000", "non-minimal p2p length"},
      {"a50304110200aa", "p2p multihash code sha1 is not allowed"},
      {"3800", "empty dnsaddr"},
      {"38012f", "dnsaddr containing '/'"},
      {"388002" + std::string(512, '6'), "dnsaddr of 256 bytes"},
      {"2a00", "empty ip6zone"},
      {"d20300", "empty certhash"},
      {"d203021201", "certhash not a whole multihash"},
      {"e10300", "empty http-path"},
      {"0604d2ff", "trailing garbage (truncated varint)"},
      {"0604d200", "trailing unknown code 0"},
      {"cd0300", "quic-v1 followed by code 0"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(Multiaddr::from_bytes(from_hex(c.hex)).ok()) << c.why << " [" << c.hex << "]";
  }
  EXPECT_FALSE(Multiaddr::from_bytes(Bytes(kMaxMultiaddrBytes + 1, 0xcd)).ok());

  // Boundary cases that are valid.
  EXPECT_TRUE(Multiaddr::from_bytes(from_hex("38ff01" + std::string(510, '6'))).ok());
  EXPECT_TRUE(Multiaddr::from_bytes(from_hex("cd03")).ok());
}

TEST(MfMultiaddr, DecapsulateAndEncapsulate) {
  // go TestEncapsulate / TestDecapsulate semantics for the operations we offer.
  const Multiaddr m = must_parse("/ip4/127.0.0.1/udp/1234");
  const Multiaddr b = m.encapsulate(must_parse("/udp/5678"));
  EXPECT_EQ(b.to_string(), "/ip4/127.0.0.1/udp/1234/udp/5678");
  EXPECT_EQ(b.decapsulate(Protocol::udp).to_string(), "/ip4/127.0.0.1/udp/1234");
  EXPECT_TRUE(b.decapsulate(Protocol::ip4).empty());
  EXPECT_EQ(b.decapsulate(Protocol::tcp), b);
  EXPECT_EQ(must_parse("/dnsaddr/wss.com/tcp/4001/wss").decapsulate(Protocol::wss).to_string(),
            "/dnsaddr/wss.com/tcp/4001");

  const std::string relay = std::string("/ip4/1.2.3.4/udp/4001/quic-v1/p2p/") + kPeerEd;
  const Multiaddr circuit = must_parse(relay + "/p2p-circuit/p2p/" + kPeerQm);
  EXPECT_EQ(circuit.peer_id_bytes(), from_hex(kPeerQmHex));
  EXPECT_EQ(circuit.decapsulate(Protocol::p2p_circuit).to_string(), relay);
  EXPECT_EQ(circuit.decapsulate_p2p().to_string(), relay + "/p2p-circuit");
  // Only a trailing /p2p is dropped.
  EXPECT_EQ(circuit.decapsulate_p2p().decapsulate_p2p(), circuit.decapsulate_p2p());
  EXPECT_TRUE(circuit.contains(Protocol::p2p_circuit));
  EXPECT_FALSE(circuit.contains(Protocol::tcp));
  EXPECT_EQ(circuit.value_for(Protocol::p2p), *base58btc_decode(kPeerEd));
  EXPECT_FALSE(must_parse("/ip4/1.2.3.4").peer_id_bytes().has_value());
}

TEST(MfMultiaddr, BuildWithComponents) {
  const Multiaddr addr = Multiaddr()
                             .with(Protocol::ip4, Bytes{127, 0, 0, 1})
                             .with_port(Protocol::udp, 4001)
                             .with(Protocol::quic_v1)
                             .with(Protocol::p2p, *base58btc_decode(kPeerEd));
  EXPECT_EQ(addr.to_string(), std::string("/ip4/127.0.0.1/udp/4001/quic-v1/p2p/") + kPeerEd);
  const auto parts = addr.components();
  auto rebuilt = Multiaddr::from_components(parts);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(*rebuilt, addr);

  EXPECT_FALSE(Multiaddr().try_with(Protocol::ip4, Bytes{1, 2, 3}).ok());
  EXPECT_FALSE(Multiaddr().try_with(Protocol::quic_v1, Bytes{1}).ok());
  EXPECT_FALSE(Multiaddr().try_with(Protocol::p2p, Bytes{0x12, 0x01, 0x00}).ok());
  EXPECT_FALSE(Multiaddr().try_with(static_cast<Protocol>(9999), Bytes{}).ok());
  const Component bad{Protocol::ip6, Bytes{1}};
  EXPECT_FALSE(Multiaddr::from_components(std::span(&bad, 1)).ok());
  EXPECT_EQ(bad.value_string(), "0x01");  // never reads past a wrong-sized value
  const Component unknown{static_cast<Protocol>(9999), Bytes{0xab}};
  EXPECT_EQ(unknown.to_string(), "/9999/0xab");
}

TEST(MfMultiaddr, EmptyAndOrdering) {
  const Multiaddr empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.to_string(), "/");
  EXPECT_TRUE(empty.components().empty());
  EXPECT_FALSE(empty.peer_id_bytes().has_value());
  EXPECT_EQ(empty.decapsulate_p2p(), empty);
  EXPECT_EQ(empty.encapsulate(must_parse("/tcp/1")), must_parse("/tcp/1"));

  const Multiaddr a = must_parse("/ip4/1.2.3.4/tcp/1");
  const Multiaddr b = must_parse("/ip4/1.2.3.4/tcp/2");
  EXPECT_LT(a, b);
  EXPECT_NE(a, b);
  const std::unordered_set<Multiaddr> set{a, b, must_parse("/ip4/1.2.3.4/tcp/1")};
  EXPECT_EQ(set.size(), 2u);
}

TEST(MfMultiaddr, ProtocolTable) {
  EXPECT_EQ(protocol_name(Protocol::quic_v1), "quic-v1");
  EXPECT_EQ(protocol_name(Protocol::p2p_circuit), "p2p-circuit");
  EXPECT_EQ(protocol_name(static_cast<Protocol>(12345)), "");
  ASSERT_NE(find_protocol("ipfs"), nullptr);
  EXPECT_EQ(find_protocol("ipfs")->protocol, Protocol::p2p);
  ASSERT_NE(find_protocol(std::uint64_t{461}), nullptr);
  EXPECT_EQ(find_protocol(std::uint64_t{461})->name, "quic-v1");
  EXPECT_EQ(find_protocol(std::uint64_t{0}), nullptr);
  EXPECT_EQ(find_protocol("QUIC"), nullptr);
}

}  // namespace
}  // namespace privstack::multiformats
