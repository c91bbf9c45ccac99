#include "protocol/identify.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "crypto/peer_record.h"
#include "crypto/signed_envelope.h"
#include "test_util.h"

namespace privstack::protocol::identify {
namespace {

using multiformats::Multiaddr;
using test::concat;
using test::Pipe;
using test::run;
using test::spawn;

// RFC 8032 §7.1 test 1: a fixed key makes the encoded bytes reproducible.
constexpr std::string_view kSeedHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPublicHex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

crypto::Ed25519Keypair fixed_key() {
  return *crypto::Ed25519Keypair::from_seed(from_hex(kSeedHex));
}

crypto::Ed25519Keypair key_from_byte(std::uint8_t b) {
  return *crypto::Ed25519Keypair::from_seed(Bytes(32, b));
}

Multiaddr addr(std::string_view text) {
  auto a = Multiaddr::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return *a;
}

LocalInfo local_info(const crypto::Ed25519Keypair& key) {
  return LocalInfo{
      .public_key = key.public_key(),
      .protocol_version = "/ipfs/0.1.0",
      .agent_version = "privstack-relay/0.1.0",
      .listen_addrs = {addr("/ip4/1.2.3.4/udp/4001/quic-v1")},
      .protocols = {"/ipfs/id/1.0.0"},
      .signed_peer_record = std::nullopt,
  };
}

Result<IdentifyInfo> decode_one(ByteView body, const crypto::PeerId& expected) {
  std::vector<Bytes> frames{Bytes(body.begin(), body.end())};
  return decode_identify(frames, expected);
}

// Appends one length-delimited protobuf field (wire type 2) by hand, for messages other
// implementations could send but our encoder never would.
void put(Bytes& out, int field, ByteView value) {
  out.push_back(static_cast<std::uint8_t>(field << 3 | 2));
  multiformats::append_uvarint(out, value.size());
  out.insert(out.end(), value.begin(), value.end());
}
void put(Bytes& out, int field, std::string_view value) {
  put(out, field, as_bytes(value));
}

// ---- encoding ----------------------------------------------------------------------------------

TEST(IdentifyEncode, ByteExactMessage) {
  auto key = fixed_key();
  auto encoded = encode_identify(local_info(key), addr("/ip4/5.6.7.8/udp/9/quic-v1"));
  ASSERT_TRUE(encoded.ok()) << encoded.error().message;
  // Fields in tag order, as protobuf writes them (identify/README.md schema):
  const std::string expected = std::string("0a24") + "08011220" + std::string(kPublicHex) +  // 1
                               "120b" + "0401020304" + "9102" + "0fa1" + "cd03" +            // 2
                               "1a0e" + "2f697066732f69642f312e302e30" +                     // 3
                               "220b" + "0405060708" + "9102" + "0009" + "cd03" +            // 4
                               "2a0b" + "2f697066732f302e312e30" +                           // 5
                               "3215" + "70726976737461636b2d72656c61792f302e312e30";        // 6
  EXPECT_EQ(to_hex(encoded->body), expected);
  EXPECT_FALSE(encoded->record_dropped);
  EXPECT_EQ(encoded->addrs_dropped, 0u);
}

TEST(IdentifyEncode, RoundTripWithSignedRecord) {
  auto key = fixed_key();
  LocalInfo local = local_info(key);
  local.listen_addrs.push_back(addr("/ip6/::1/udp/4001/quic-v1"));
  local.protocols.push_back("/ipfs/kad/1.0.0");
  local.protocols.push_back("/libp2p/circuit/relay/0.2.0/hop");
  local.signed_peer_record = crypto::make_peer_record(key, 42, local.listen_addrs);
  auto observed = addr("/ip4/5.6.7.8/udp/9/quic-v1");
  auto encoded = encode_identify(local, observed);
  ASSERT_TRUE(encoded.ok());

  auto info = decode_one(encoded->body, key.peer_id());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->public_key, key.public_key());
  EXPECT_EQ(info->peer_id, key.peer_id());
  EXPECT_EQ(info->listen_addrs, local.listen_addrs);
  EXPECT_EQ(info->observed_addr, observed);
  EXPECT_EQ(info->protocols, local.protocols);
  EXPECT_EQ(info->protocol_version, "/ipfs/0.1.0");
  EXPECT_EQ(info->agent_version, "privstack-relay/0.1.0");
  ASSERT_TRUE(info->signed_record.has_value());
  EXPECT_EQ(info->signed_record->record.seq, 42u);
  EXPECT_EQ(info->signed_record->format, crypto::PeerRecordFormat::standard);
  EXPECT_TRUE(info->supports("/ipfs/kad/1.0.0"));
  EXPECT_FALSE(info->supports("/ipfs/kad/2.0.0"));
  EXPECT_FALSE(info->record_rejected);
}

TEST(IdentifyEncode, StaysWithin4096BytesWithManyAddresses) {
  auto key = fixed_key();
  LocalInfo local = local_info(key);
  local.listen_addrs.clear();
  for (int i = 0; i < 400; ++i) {
    local.listen_addrs.push_back(addr("/ip6/2001:db8::" + std::to_string(i) + "/udp/4001/quic-v1"));
  }
  local.signed_peer_record = crypto::make_peer_record(key, 1, local.listen_addrs);
  auto encoded = encode_identify(local, std::nullopt);
  ASSERT_TRUE(encoded.ok());
  EXPECT_LE(frame_size(encoded->body.size()), kMaxSendFrame);
  EXPECT_GT(frame_size(encoded->body.size()), kMaxSendFrame - 40);  // trimmed, not emptied
  EXPECT_TRUE(encoded->record_dropped);
  EXPECT_GT(encoded->addrs_dropped, 0u);

  auto info = decode_one(encoded->body, key.peer_id());
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->signed_record);
  ASSERT_EQ(info->listen_addrs.size(), 400 - encoded->addrs_dropped);
  // The most preferred (first) addresses are the ones kept.
  EXPECT_EQ(info->listen_addrs.front(), local.listen_addrs.front());
  EXPECT_EQ(info->protocols, local.protocols);
}

TEST(IdentifyEncode, DropsOnlyTheRecordWhenThatIsEnough) {
  auto key = fixed_key();
  LocalInfo local = local_info(key);
  local.listen_addrs.clear();
  for (int i = 0; i < 60; ++i) {
    local.listen_addrs.push_back(addr("/ip4/10.0.0." + std::to_string(i) + "/udp/4001/quic-v1"));
  }
  local.signed_peer_record = crypto::make_peer_record(key, 1, local.listen_addrs);
  auto whole = encode_identify(local, std::nullopt, 1 << 20);
  ASSERT_TRUE(whole.ok());
  // A limit between "with record" and "without record" forces exactly the record out.
  std::size_t limit = frame_size(whole->body.size()) - 1;
  auto encoded = encode_identify(local, std::nullopt, limit);
  ASSERT_TRUE(encoded.ok());
  EXPECT_TRUE(encoded->record_dropped);
  EXPECT_EQ(encoded->addrs_dropped, 0u);
}

TEST(IdentifyEncode, FailsRatherThanExceed) {
  auto key = fixed_key();
  LocalInfo local = local_info(key);
  local.protocols.assign(300, "/some/long/protocol/name/1.0.0");
  EXPECT_FALSE(encode_identify(local, std::nullopt).ok());
}

// ---- decoding ----------------------------------------------------------------------------------

// A signed peer record made by another implementation: nim-libp2p's routing record (go/js format,
// domain libp2p-peer-record, payload type 03 01), taken from codex-storage/nim-codex-dht
// tests/discv5/test_discoveryv5_encoding.nim ("Nodes Response (multiple)"). It carries
// /ip4/0.0.0.0/udp/1, /udp/2 and /udp/3.
constexpr std::string_view kNimRecordHex =
    "0a24080112205aed986794d0556d605847ef4228d51ea481b6309bc03b7d569a49bd8a475fdc120203011a550a2600"
    "24080112205aed986794d0556d605847ef4228d51ea481b6309bc03b7d569a49bd8a475fdc10acf5c591061a0b0a09"
    "0400000000910200011a0b0a090400000000910200021a0b0a090400000000910200032a402390af4379673cdaecdd"
    "d4012346bfa4b10c91890eef60657801fdc50048b42601ef302f1109076a9f6c01631bc17323bca355cc1042821b4d"
    "40519ac9942903";
constexpr std::string_view kNimPublicKeyHex =
    "080112205aed986794d0556d605847ef4228d51ea481b6309bc03b7d569a49bd8a475fdc";

TEST(IdentifyDecode, ForeignMessageWithForeignSignedRecord) {
  auto public_key = crypto::PublicKey::from_protobuf(from_hex(kNimPublicKeyHex));
  ASSERT_TRUE(public_key.ok());
  auto peer = crypto::PeerId::from_public_key(*public_key);

  // Built by hand in go's field order (protocols, observed, listen, key, versions, record).
  Bytes msg;
  put(msg, 3, "/ipfs/id/1.0.0");
  put(msg, 3, "/ipfs/kad/1.0.0");
  put(msg, 4, addr("/ip4/5.6.7.8/udp/9/quic-v1").bytes());
  put(msg, 2, addr("/ip4/9.9.9.9/udp/4001/quic-v1").bytes());
  put(msg, 1, from_hex(kNimPublicKeyHex));
  put(msg, 5, "ipfs/0.1.0");
  put(msg, 6, "nim-libp2p");
  put(msg, 8, from_hex(kNimRecordHex));

  auto info = decode_one(msg, peer);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->agent_version, "nim-libp2p");
  EXPECT_EQ(info->protocols, (std::vector<std::string>{"/ipfs/id/1.0.0", "/ipfs/kad/1.0.0"}));
  ASSERT_TRUE(info->signed_record.has_value()) << "record rejected";
  EXPECT_EQ(info->signed_record->record.peer_id, peer);
  // The verified record's addresses replace the unsigned listenAddrs.
  EXPECT_EQ(info->listen_addrs,
            (std::vector<Multiaddr>{addr("/ip4/0.0.0.0/udp/1"), addr("/ip4/0.0.0.0/udp/2"),
                                    addr("/ip4/0.0.0.0/udp/3")}));
}

TEST(IdentifyDecode, TamperedRecordIsIgnored) {
  auto public_key = crypto::PublicKey::from_protobuf(from_hex(kNimPublicKeyHex));
  auto peer = crypto::PeerId::from_public_key(*public_key);
  Bytes record = from_hex(kNimRecordHex);
  record.back() ^= 0x01;  // last signature byte
  Bytes msg;
  put(msg, 1, from_hex(kNimPublicKeyHex));
  put(msg, 2, addr("/ip4/9.9.9.9/udp/4001/quic-v1").bytes());
  put(msg, 8, record);
  auto info = decode_one(msg, peer);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->record_rejected);
  EXPECT_FALSE(info->signed_record);
  EXPECT_EQ(info->listen_addrs, std::vector<Multiaddr>{addr("/ip4/9.9.9.9/udp/4001/quic-v1")});
}

TEST(IdentifyDecode, RecordOfAnotherPeerIsIgnored) {
  auto key = fixed_key();
  auto other = key_from_byte(7);
  LocalInfo local = local_info(key);
  local.signed_peer_record =
      crypto::make_peer_record(other, 1, std::vector<Multiaddr>{addr("/ip4/6.6.6.6/udp/1")});
  auto encoded = encode_identify(local, std::nullopt);
  auto info = decode_one(encoded->body, key.peer_id());
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->record_rejected);
  EXPECT_EQ(info->listen_addrs, local.listen_addrs);
}

TEST(IdentifyDecode, AcceptsRustLegacyRecord) {
  auto key = fixed_key();
  std::vector<Multiaddr> addrs{addr("/ip4/7.7.7.7/udp/4001/quic-v1")};
  Bytes payload = crypto::encode_peer_record(key.peer_id(), 9, addrs);
  LocalInfo local = local_info(key);
  local.signed_peer_record = crypto::seal(key, crypto::kLegacyPeerRecordDomain,
                                          as_bytes(crypto::kLegacyPeerRecordPayloadType), payload);
  auto encoded = encode_identify(local, std::nullopt);
  auto info = decode_one(encoded->body, key.peer_id());
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(info->signed_record.has_value());
  EXPECT_EQ(info->signed_record->format, crypto::PeerRecordFormat::rust_legacy);
  EXPECT_EQ(info->listen_addrs, addrs);
}

TEST(IdentifyDecode, PublicKeyMismatchIsAnError) {
  auto key = fixed_key();
  auto encoded = encode_identify(local_info(key), std::nullopt);
  auto info = decode_one(encoded->body, key_from_byte(1).peer_id());
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("publicKey"), std::string::npos);

  Bytes bad_key;
  put(bad_key, 1, from_hex("0801122001"));  // Ed25519 key of 1 byte
  EXPECT_FALSE(decode_one(bad_key, key.peer_id()).ok());
}

TEST(IdentifyDecode, MissingPublicKeyIsTolerated) {
  Bytes msg;
  put(msg, 6, "agent/1");
  auto info = decode_one(msg, fixed_key().peer_id());
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->public_key);
  EXPECT_FALSE(info->peer_id);
  EXPECT_EQ(info->agent_version, "agent/1");
}

TEST(IdentifyDecode, SkipsInvalidAddressesAndProtocols) {
  auto key = fixed_key();
  Bytes msg;
  put(msg, 1, key.public_key().to_protobuf());
  put(msg, 2, addr("/ip4/1.1.1.1/udp/1/quic-v1").bytes());
  put(msg, 2, from_hex("04010203"));      // ip4 cut short
  put(msg, 2, from_hex("ffffffff0f00"));  // unknown protocol code
  put(msg, 2, Bytes{});                   // empty
  put(msg, 2, addr("/ip4/2.2.2.2/udp/2/quic-v1").bytes());
  put(msg, 4, from_hex("2a"));  // observedAddr garbage
  put(msg, 3, "/ok/1.0.0");
  put(msg, 3, "no-leading-slash");
  put(msg, 3, from_hex("2fff"));              // invalid UTF-8
  put(msg, 3, "/bad\nnewline");               // control character
  put(msg, 3, "/" + std::string(1100, 'x'));  // too long
  put(msg, 3, "/ok/1.0.0");                   // duplicate
  put(msg, 3, "/ok/2.0.0");
  auto info = decode_one(msg, key.peer_id());
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->listen_addrs, (std::vector<Multiaddr>{addr("/ip4/1.1.1.1/udp/1/quic-v1"),
                                                        addr("/ip4/2.2.2.2/udp/2/quic-v1")}));
  EXPECT_EQ(info->skipped_addrs, 4u);
  EXPECT_FALSE(info->observed_addr);
  EXPECT_EQ(info->protocols, (std::vector<std::string>{"/ok/1.0.0", "/ok/2.0.0"}));
  EXPECT_EQ(info->skipped_protocols, 4u);
}

TEST(IdentifyDecode, GarbageIsAnError) {
  EXPECT_FALSE(decode_one(from_hex("0aff"), fixed_key().peer_id()).ok());    // truncated field
  EXPECT_FALSE(decode_one(from_hex("ffffff"), fixed_key().peer_id()).ok());  // bad tag varint
  EXPECT_FALSE(decode_identify({}, fixed_key().peer_id()).ok());             // no message
}

TEST(IdentifyDecode, MergesMessagesLikeGo) {
  // go's chunked form: everything first, then a message with only the record.
  auto key = fixed_key();
  LocalInfo local = local_info(key);
  auto first = encode_identify(local, std::nullopt);
  Bytes second;
  put(second, 8, crypto::make_peer_record(key, 3, local.listen_addrs));
  put(second, 2, addr("/ip4/3.3.3.3/udp/3/quic-v1").bytes());  // repeated: appended
  put(second, 6, "agent/2");                                   // singular: later wins
  std::vector<Bytes> frames{first->body, second};
  auto info = decode_identify(frames, key.peer_id());
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(info->signed_record.has_value());
  EXPECT_EQ(info->agent_version, "agent/2");
  EXPECT_EQ(info->protocol_version, "/ipfs/0.1.0");
  EXPECT_EQ(info->signed_record->record.addresses, local.listen_addrs);

  // Without the record the appended address is visible.
  Bytes third;
  put(third, 2, addr("/ip4/3.3.3.3/udp/3/quic-v1").bytes());
  frames = {first->body, third};
  info = decode_identify(frames, key.peer_id());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->listen_addrs, (std::vector<Multiaddr>{addr("/ip4/1.2.3.4/udp/4001/quic-v1"),
                                                        addr("/ip4/3.3.3.3/udp/3/quic-v1")}));
}

TEST(IdentifyDecode, EnforcesMessageLimits) {
  auto key = fixed_key();
  std::vector<Bytes> frames(11, Bytes{});
  EXPECT_FALSE(decode_identify(frames, key.peer_id()).ok());
  frames.resize(10);
  EXPECT_TRUE(decode_identify(frames, key.peer_id()).ok());
  frames = {Bytes(8 * 1024 + 1, 0)};
  EXPECT_FALSE(decode_identify(frames, key.peer_id()).ok());
}

TEST(IdentifyPush, OnlyPresentFieldsAreApplied) {
  auto key = fixed_key();
  auto known = decode_one(
      encode_identify(local_info(key), addr("/ip4/5.6.7.8/udp/9/quic-v1"))->body, key.peer_id());
  ASSERT_TRUE(known.ok());

  Bytes push_msg;
  put(push_msg, 3, "/ipfs/id/1.0.0");
  put(push_msg, 3, "/ipfs/kad/1.0.0");  // kad switched to server mode
  auto push = decode_one(push_msg, key.peer_id());
  ASSERT_TRUE(push.ok());
  IdentifyInfo merged = *known;
  apply_push(merged, *push);
  EXPECT_EQ(merged.protocols, (std::vector<std::string>{"/ipfs/id/1.0.0", "/ipfs/kad/1.0.0"}));
  EXPECT_EQ(merged.listen_addrs, known->listen_addrs);  // empty in the push: kept
  EXPECT_EQ(merged.observed_addr, known->observed_addr);
  EXPECT_EQ(merged.agent_version, "privstack-relay/0.1.0");
  EXPECT_EQ(merged.public_key, known->public_key);

  Bytes addr_push;
  put(addr_push, 2, addr("/ip4/4.4.4.4/udp/4/quic-v1").bytes());
  put(addr_push, 6, "privstack-relay/0.2.0");
  push = decode_one(addr_push, key.peer_id());
  apply_push(merged, *push);
  EXPECT_EQ(merged.listen_addrs, std::vector<Multiaddr>{addr("/ip4/4.4.4.4/udp/4/quic-v1")});
  EXPECT_EQ(merged.agent_version, "privstack-relay/0.2.0");
  EXPECT_EQ(merged.protocols.size(), 2u);
}

TEST(IdentifyPush, SignedRecordAddressesReplaceKnownOnes) {
  auto key = fixed_key();
  auto known = decode_one(encode_identify(local_info(key), std::nullopt)->body, key.peer_id());
  ASSERT_TRUE(known.ok());
  std::vector<Multiaddr> moved{addr("/ip4/8.8.8.8/udp/4001/quic-v1")};
  Bytes push_msg;
  put(push_msg, 2, addr("/ip4/6.6.6.6/udp/1/quic-v1").bytes());  // unsigned: overridden
  put(push_msg, 8, crypto::make_peer_record(key, 2, moved));
  auto push = decode_one(push_msg, key.peer_id());
  ASSERT_TRUE(push.ok());
  apply_push(*known, *push);
  EXPECT_EQ(known->listen_addrs, moved);
  ASSERT_TRUE(known->signed_record.has_value());
  EXPECT_EQ(known->signed_record->record.seq, 2u);
  EXPECT_EQ(known->protocols, local_info(key).protocols);
}

TEST(IdentifyPush, PushFromAnotherKeyIsAnError) {
  auto key = fixed_key();
  Bytes push_msg;
  put(push_msg, 1, key_from_byte(3).public_key().to_protobuf());
  put(push_msg, 3, "/ipfs/kad/1.0.0");
  EXPECT_FALSE(decode_one(push_msg, key.peer_id()).ok());
}

// ---- messages captured from other implementations -----------------------------------------

// An Identify body sent by a Kusama node (parity-polkadot v0.7.18, i.e. rust-libp2p), from
// splix/moonbeam src/test/groovy/io/emeraldpay/polkadotcrawler/libp2p/IdentifyProtocolSpec.groovy.
constexpr std::string_view kPolkadotIdentifyHex =
    "2a0e2f7375627374726174652f312e30323b7061726974792d706f6c6b61646f742f76302e372e31382d6663313030"
    "65"
    "36352d7838365f36342d6c696e75782d676e752028756e6b6e6f776e290a240801122042130f7467bf5bf6c68677a9"
    "86"
    "615f8d5490b2ea23d96f8f7e6614b3de566a54121d36187032702e6363332d332e6b7573616d612e6e6574776f726b"
    "06"
    "759412080423b2c350067594120804030a87f20675941208047f0000010675941208040a00010f0675942208040a00"
    "01"
    "8606d4d21a132f7375627374726174652f6b736d6363332f351a132f7375627374726174652f6b736d6363332f341a"
    "13"
    "2f7375627374726174652f6b736d6363332f331a102f697066732f70696e672f312e302e301a0e2f697066732f6964"
    "2f"
    "312e302e301a0f2f697066732f6b61642f312e302e30";

TEST(IdentifyCaptured, RustLibp2pMessageFromPolkadot) {
  auto key = crypto::PublicKey::from_protobuf(
      from_hex("0801122042130f7467bf5bf6c68677a986615f8d5490b2ea23d96f8f7e6614b3de566a54"));
  ASSERT_TRUE(key.ok());
  auto peer = crypto::PeerId::from_public_key(*key);
  auto info = decode_one(from_hex(kPolkadotIdentifyHex), peer);
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->protocol_version, "/substrate/1.0");
  EXPECT_EQ(info->agent_version, "parity-polkadot/v0.7.18-fc100e65-x86_64-linux-gnu (unknown)");
  EXPECT_EQ(info->peer_id, peer);
  EXPECT_EQ(info->listen_addrs,
            (std::vector<Multiaddr>{
                addr("/dns4/p2p.cc3-3.kusama.network/tcp/30100"),
                addr("/ip4/35.178.195.80/tcp/30100"), addr("/ip4/3.10.135.242/tcp/30100"),
                addr("/ip4/127.0.0.1/tcp/30100"), addr("/ip4/10.0.1.15/tcp/30100")}));
  EXPECT_EQ(info->observed_addr, addr("/ip4/10.0.1.134/tcp/54482"));
  EXPECT_EQ(info->protocols, (std::vector<std::string>{"/substrate/ksmcc3/5", "/substrate/ksmcc3/4",
                                                       "/substrate/ksmcc3/3", "/ipfs/ping/1.0.0",
                                                       "/ipfs/id/1.0.0", "/ipfs/kad/1.0.0"}));
  EXPECT_EQ(info->skipped_addrs, 0u);
  EXPECT_EQ(info->skipped_protocols, 0u);
  EXPECT_FALSE(decode_one(from_hex(kPolkadotIdentifyHex), fixed_key().peer_id()).ok());
}

// A length-prefixed /ipfs/id/push/1.0.0 payload sent by a js-libp2p client (RSA key, go/js-format
// signed peer record, no publicKey field), from swift-libp2p/swift-libp2p-identify
// Tests/LibP2PIdentifyTests/LibP2PIdentifyTests.swift.
constexpr std::string_view kJsPushHex =
    "a7061208047f00000106c223120804c0a8011706c223120804c0a8011606c2231208044caa3c850688fc1208044caa"
    "3c"
    "850686601a1b2f6c69627032702f636972637569742f72656c61792f302e312e301a0e2f697066732f69642f312e30"
    "2e"
    "301a132f697066732f69642f707573682f312e302e301a102f697066732f70696e672f312e302e30429e050aab0208"
    "00"
    "12a60230820122300d06092a864886f70d01010105000382010f003082010a02820101009a3520ce8cfcfa4fc1d9b1"
    "fe"
    "cb0e9c6241188dd8e8dec881d44b4e69f1058eaf710550216c0b7d51e26a22844e4737e17135a954cb215953fff28d"
    "fd"
    "6976794c26aad507225231afb2db2e31d85b9ca680803bded3c7e896cf0959d945c451733563cd6684f6de597cbec0"
    "fd"
    "b11254e02044744ec9ffb61a00d120f6bbdc09b95bccedd07b701707626a95e891fe29609e7514ee9ba3b506cb2a3f"
    "fe"
    "0b6e6dbeae4adb678fa8551a14d8344ba0584aab0a8bb7296b6ee8f85ce2375f290c5d5e7eb905f3d49cee6cd381f6"
    "5b"
    "1ce8af9e442fb0f218610ee14c833919e2aa260a7c77ba13baeca68809df32aaa05ae8f27ff9f04ce57938863c91e3"
    "46"
    "f071fe350203010001120203011a670a221220add8ac59b1fe19f20dfaa2228c239e3c131d73e0a7848ac869d5eb95"
    "9a"
    "27ec6c10a5d9c6f28b301a0a0a08047f00000106c2231a0a0a0804c0a8011706c2231a0a0a0804c0a8011606c2231a"
    "0a"
    "0a08044caa3c850688fc1a0a0a08044caa3c850686602a800228a3216af2fd7701d4cc0014d5fc410a8423a21170b2"
    "78"
    "4516d7740405c7bf903cd7ed837725e857680c0cb0dbaf6fc4f95d7fe692872f16417e8fcfaad3cdd3b529e8fb224b"
    "a3"
    "a0cabdc36bee1f77ab013aa35beae0e46c4bf4e438ffad4a2fa558b43323a2526547bb47935ea1f3ea9fa67dc8bd51"
    "16"
    "0f4a9875717ec146f0ef293cd4892e0395b042e6e7f0fd0af9babb06e1527ee0f11b50671d7a190877d354abe11e32"
    "c6"
    "07c7492598b37a29c35925c43b89f5a4e92e97b1973ecaa1027714e2439ffe27b390e31d4763d6b5fe637c95848e88"
    "32"
    "f1bb7ec4de20ee9b767286661a8d0aeeedf5cdb97e639fa530b237a2914459e173fb2aad3363d8bb08";

TEST(IdentifyCaptured, JsPushWithRsaSignedRecord) {
  auto peer = crypto::PeerId::parse("Qma3GsJmB47xYuyahPZPSadh1avvxfyYQwk8R3UnFrQ6aP");
  ASSERT_TRUE(peer.ok());
  Pipe pipe;
  pipe.remote_writes(from_hex(kJsPushHex));
  pipe.remote.close();
  auto got = spawn(pipe.ioc, read_identify(pipe.local, *peer));
  run(pipe.ioc);
  ASSERT_TRUE(got->has_value());
  ASSERT_TRUE((*got)->ok()) << (*got)->error().message;
  const IdentifyInfo& push = ***got;
  EXPECT_FALSE(push.public_key);  // only inside the envelope
  ASSERT_TRUE(push.signed_record.has_value()) << "RSA-signed record rejected";
  EXPECT_EQ(push.signed_record->record.seq, 1652460465317u);  // js: milliseconds since 1970
  EXPECT_EQ(push.signed_record->public_key.type(), crypto::KeyType::rsa);
  std::vector<Multiaddr> addrs{
      addr("/ip4/127.0.0.1/tcp/49699"), addr("/ip4/192.168.1.23/tcp/49699"),
      addr("/ip4/192.168.1.22/tcp/49699"), addr("/ip4/76.170.60.133/tcp/35068"),
      addr("/ip4/76.170.60.133/tcp/34400")};
  EXPECT_EQ(push.listen_addrs, addrs);
  EXPECT_EQ(push.protocols,
            (std::vector<std::string>{"/libp2p/circuit/relay/0.1.0", "/ipfs/id/1.0.0",
                                      "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0"}));

  // Applied as a push, it keeps what it does not carry.
  IdentifyInfo known;
  known.agent_version = "js-libp2p/0.37.0";
  apply_push(known, push);
  EXPECT_EQ(known.agent_version, "js-libp2p/0.37.0");
  EXPECT_EQ(known.listen_addrs, addrs);
}

// ---- over a stream -----------------------------------------------------------------------------

TEST(IdentifyStream, RespondWritesOneFrameThenFin) {
  auto key = fixed_key();
  auto encoded = encode_identify(local_info(key), std::nullopt);
  Pipe pipe;
  auto sent = spawn(pipe.ioc, respond_identify(pipe.local, encoded->body));
  auto got = spawn(pipe.ioc, read_identify(pipe.remote, key.peer_id()));
  run(pipe.ioc);
  ASSERT_TRUE(sent->has_value() && (*sent)->ok());
  ASSERT_TRUE(got->has_value());
  ASSERT_TRUE((*got)->ok()) << (*got)->error().message;
  EXPECT_EQ((***got).agent_version, "privstack-relay/0.1.0");
}

TEST(IdentifyStream, ReadsUntilEofAndMerges) {
  auto key = fixed_key();
  Pipe pipe;
  Bytes part1, part2;
  put(part1, 1, key.public_key().to_protobuf());
  put(part2, 6, "agent/9");
  pipe.remote_writes(concat({encode_frame(part1), encode_frame(part2)}));
  auto got = spawn(pipe.ioc, read_identify(pipe.local, key.peer_id()));
  run(pipe.ioc);
  EXPECT_FALSE(got->has_value());  // waits for EOF: more parts may follow
  pipe.remote.close();
  run(pipe.ioc);
  ASSERT_TRUE(got->has_value() && (*got)->ok());
  EXPECT_EQ((***got).agent_version, "agent/9");
  EXPECT_TRUE((***got).public_key.has_value());
}

Result<IdentifyInfo> read_from(ByteView bytes) {
  Pipe pipe;
  pipe.remote_writes(bytes);
  pipe.remote.close();
  auto got = spawn(pipe.ioc, read_identify(pipe.local, fixed_key().peer_id()));
  run(pipe.ioc);
  if (!got->has_value()) return make_error("still waiting");
  return std::move(**got);
}

TEST(IdentifyStream, RejectsTooManyOrTooLargeMessages) {
  Bytes ten, eleven;
  Bytes part;
  put(part, 6, "a");
  for (int i = 0; i < 10; ++i)
    append_frame(ten, part);
  eleven = ten;
  append_frame(eleven, part);
  EXPECT_TRUE(read_from(ten).ok());
  EXPECT_FALSE(read_from(eleven).ok());

  Bytes big;
  put(big, 6, std::string(8 * 1024 - 3, 'a'));  // tag + 2-byte length + text = 8 KiB
  ASSERT_EQ(big.size(), 8u * 1024);
  EXPECT_TRUE(read_from(encode_frame(big)).ok());
  put(big, 5, "");  // 8 KiB + 2
  EXPECT_FALSE(read_from(encode_frame(big)).ok());
}

TEST(IdentifyStream, EmptyOrTruncatedStreamIsAnError) {
  EXPECT_FALSE(read_from({}).ok());
  EXPECT_FALSE(read_from(from_hex("0a0a")).ok());  // frame cut short
}

}  // namespace
}  // namespace privstack::protocol::identify
