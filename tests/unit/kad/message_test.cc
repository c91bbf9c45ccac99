// The kad codec with bytes: field numbers and tags as the digest lists them, `type` always on the
// wire, lenient peers/addresses, strict type/publisher, and responses fitted under 16 KiB.
#include "protocol/kad/message.h"

#include <gtest/gtest.h>

#include "protocol/length_prefixed.h"
#include "test_util.h"

namespace privstack::protocol::kad {
namespace {

using test::addr;
using test::quic;
using test::random_peer;

TEST(KadMessage, RoundTripsEveryField) {
  KadMessage m{.type = MessageType::get_providers,
               .key = to_bytes("some-key"),
               .record = KadRecord{.key = to_bytes("k"),
                                   .value = to_bytes("v"),
                                   .publisher = random_peer(),
                                   .ttl = 3600,
                                   .time_received = to_bytes("2026-01-01T00:00:00Z")},
               .closer_peers = {KadPeer{.id = random_peer(),
                                        .addrs = {quic(1), quic(2)},
                                        .connection = ConnectionType::connected}},
               .provider_peers = {KadPeer{.id = random_peer(), .addrs = {quic(3)}}},
               .cluster_level = 9};
  auto decoded = decode_message(encode_message(m));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, m);
}

TEST(KadMessage, PutValueTypeZeroIsWrittenAndRustTagsAreUsed) {
  KadMessage m{
      .type = MessageType::put_value,
      .key = to_bytes("k"),
      .record = KadRecord{
          .key = to_bytes("k"), .value = to_bytes("v"), .publisher = random_peer(), .ttl = 7}};
  const Bytes body = encode_message(m);
  ASSERT_GE(body.size(), 2U);
  EXPECT_EQ(body[0], 0x08);  // field 1, varint
  EXPECT_EQ(body[1], 0x00);  // PUT_VALUE
  const std::string hex = to_hex(body);
  EXPECT_NE(hex.find("d229"), std::string::npos);    // publisher = 666, bytes
  EXPECT_NE(hex.find("c83007"), std::string::npos);  // ttl = 777, varint 7
}

TEST(KadMessage, DecodesAHandWrittenFindNode) {
  // 08 04 (FIND_NODE) 12 03 "abc" 50 0a (clusterLevelRaw 10, as rust sends)
  auto decoded =
      decode_message(from_hex("0804120361626350"
                              "0a"));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->type, MessageType::find_node);
  EXPECT_EQ(decoded->key, to_bytes("abc"));
  EXPECT_EQ(decoded->cluster_level, 10);
}

// rust (proto3) leaves `type` out of PUT_VALUE requests: absent means PUT_VALUE.
TEST(KadMessage, AnAbsentTypeIsPutValue) {
  auto decoded = decode_message(from_hex("12036162631a0a0a036162631203787978"));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->type, MessageType::put_value);
  EXPECT_EQ(decoded->key, to_bytes("abc"));
  ASSERT_TRUE(decoded->record.has_value());
  EXPECT_EQ(decoded->record->value, to_bytes("xyx"));
  auto empty = decode_message(Bytes{});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->type, MessageType::put_value);
}

TEST(KadMessage, RejectsUnknownTypesAndGarbage) {
  EXPECT_FALSE(decode_message(from_hex("0807")).ok());        // type 7 does not exist
  EXPECT_FALSE(decode_message(from_hex("08")).ok());          // truncated varint
  EXPECT_FALSE(decode_message(from_hex("1205616263")).ok());  // length past the end
  EXPECT_FALSE(decode_message(from_hex("ffffffffffffffffffff01")).ok());
}

TEST(KadMessage, RejectsAPublisherThatIsNotAPeerId) {
  // 08 00, record (1a) { key 0a 01 'k', publisher d2 29 02 ab cd }
  auto decoded = decode_message(from_hex("08001a090a016bd22902abcd"));
  EXPECT_FALSE(decoded.ok());
}

TEST(KadMessage, SkipsInvalidPeersAndAddressesAndCountsThem) {
  const auto good = random_peer();
  const auto other = random_peer();
  KadMessage m{.type = MessageType::find_node,
               .closer_peers = {KadPeer{
                   .id = good,
                   .addrs = {quic(1), quic(2).with(multiformats::Protocol::p2p, other.bytes()),
                             quic(3).with(multiformats::Protocol::p2p, good.bytes())}}}};
  Bytes body = encode_message(m);
  // Append a peer whose id is garbage: 42 (field 8) len { 0a 02 ab cd }.
  for (auto b : from_hex("42040a02abcd"))
    body.push_back(b);
  DecodeStats stats;
  auto decoded = decode_message(body, {}, &stats);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->closer_peers.size(), 1U);
  EXPECT_EQ(decoded->closer_peers[0].addrs.size(), 2U);  // the other peer's /p2p/ is dropped
  EXPECT_EQ(stats.invalid_peers, 1U);
  EXPECT_EQ(stats.invalid_addrs, 1U);
}

TEST(KadMessage, TruncatesListsBeyondTheLimits) {
  KadMessage m{.type = MessageType::find_node};
  for (int i = 0; i < 10; ++i)
    m.closer_peers.push_back(KadPeer{.id = random_peer(), .addrs = {quic(1), quic(2), quic(3)}});
  DecodeStats stats;
  auto decoded = decode_message(encode_message(m),
                                DecodeLimits{.max_peers = 4, .max_addrs_per_peer = 2}, &stats);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->closer_peers.size(), 4U);
  EXPECT_EQ(decoded->closer_peers[0].addrs.size(), 2U);
  EXPECT_EQ(stats.dropped_peers, 6U);
  EXPECT_EQ(stats.dropped_addrs, 4U);
}

// The worst answer we can build — K closer peers and K providers, each with many long DNS
// addresses — still fits rust's 16 KiB frame, and still decodes.
TEST(KadMessage, FittedResponsesStayUnderRustsFrameLimit) {
  const std::string long_name(200, 'a');
  KadMessage m{.type = MessageType::get_providers, .key = Bytes(100, 7)};
  for (std::size_t i = 0; i < kK; ++i) {
    KadPeer p{.id = random_peer()};
    for (int a = 0; a < 32; ++a)
      p.addrs.push_back(
          addr("/dns4/" + long_name + std::to_string(a) + ".example/udp/4001/quic-v1"));
    m.closer_peers.push_back(p);
    m.provider_peers.push_back(p);
  }
  ASSERT_GT(encode_message(m).size(), kRustMaxFrame);
  auto fit = encode_fitting(m);
  EXPECT_TRUE(fit.fits);
  EXPECT_LE(frame_size(fit.body.size()), kRustMaxFrame);
  EXPECT_GT(fit.dropped_addrs, 0U);
  auto decoded = decode_message(fit.body);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->closer_peers.empty());
  for (const auto& p : decoded->closer_peers)
    EXPECT_GE(p.addrs.size(), 1U);
}

TEST(KadMessage, NormalResponsesAreNotTrimmed) {
  KadMessage m{.type = MessageType::find_node};
  for (std::size_t i = 0; i < kK; ++i)
    m.closer_peers.push_back(KadPeer{.id = random_peer(), .addrs = {quic(1), quic(2)}});
  auto fit = encode_fitting(m);
  EXPECT_TRUE(fit.fits);
  EXPECT_EQ(fit.dropped_peers, 0U);
  EXPECT_EQ(fit.dropped_addrs, 0U);
  EXPECT_EQ(fit.body, encode_message(m));
}

TEST(KadMessage, AnOversizeRecordIsReportedAsNotFitting) {
  KadMessage m{.type = MessageType::get_value,
               .key = to_bytes("k"),
               .record = KadRecord{.key = to_bytes("k"), .value = Bytes(20 * 1024, 1)},
               .closer_peers = {KadPeer{.id = random_peer(), .addrs = {quic(1)}}}};
  auto fit = encode_fitting(m);
  EXPECT_FALSE(fit.fits);
  EXPECT_EQ(fit.dropped_peers, 1U);  // peers go first; the record is kept
}

}  // namespace
}  // namespace privstack::protocol::kad
