// The relay codec with bytes: what we write (type always present, Limit only when limited) and
// how every malformed input is reported.
#include "protocol/relay/messages.h"

#include <gtest/gtest.h>

#include "../protocol/test_util.h"
#include "crypto/ed25519.h"

namespace privstack::protocol::relay {
namespace {

namespace mf = multiformats;

crypto::PeerId some_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

TEST(RelayMessages, StopConnectWritesTypeZeroExplicitly) {
  StopMessage m;
  m.type = StopType::connect;
  const Bytes body = encode(m);
  // Field 1, varint, value 0: the byte pair a proto3 encoder would have dropped.
  ASSERT_EQ(body.size(), 2U);
  EXPECT_EQ(body[0], 0x08);
  EXPECT_EQ(body[1], 0x00);
}

TEST(RelayMessages, HopReserveIsTypeZero) {
  HopMessage m;
  m.type = HopType::reserve;
  EXPECT_EQ(encode(m), (Bytes{0x08, 0x00}));
}

TEST(RelayMessages, UnlimitedLimitIsOmitted) {
  auto with_empty = hop_status(Status::ok, Limit{});
  EXPECT_EQ(encode(with_empty), encode(hop_status(Status::ok)));
  auto decoded = decode_hop(encode(with_empty));
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->limit.has_value());
}

TEST(RelayMessages, StatusOkWithLimitRoundTrips) {
  const Limit limit{120, 131072};
  auto decoded = decode_hop(encode(hop_status(Status::ok, limit)));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->type, HopType::status);
  EXPECT_EQ(decoded->status, Status::ok);
  EXPECT_EQ(decoded->limit, limit);
  // A Limit with only one kind keeps the other absent.
  auto only_data = decode_hop(encode(hop_status(Status::ok, Limit{std::nullopt, 5})));
  ASSERT_TRUE(only_data.ok());
  EXPECT_FALSE(only_data->limit->duration_seconds.has_value());
  EXPECT_EQ(only_data->limit->data_bytes, 5U);
}

TEST(RelayMessages, ReservationRoundTrips) {
  const auto peer = some_peer();
  HopMessage m = hop_status(Status::ok);
  auto addr = mf::Multiaddr::parse("/ip4/1.2.3.4/udp/4001/quic-v1");
  ASSERT_TRUE(addr.ok());
  m.reservation = Reservation{1234, {addr->with(mf::Protocol::p2p, peer.bytes())}, Bytes{1, 2, 3}};
  auto decoded = decode_hop(encode(m));
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->reservation.has_value());
  EXPECT_EQ(decoded->reservation->expire, 1234U);
  EXPECT_EQ(decoded->reservation->addrs, m.reservation->addrs);
  EXPECT_EQ(decoded->reservation->voucher, (Bytes{1, 2, 3}));
}

TEST(RelayMessages, ReservationIsTrimmedToTheFrameLimit) {
  const auto peer = some_peer();
  HopMessage m = hop_status(Status::ok, Limit{120, 131072});
  m.reservation = Reservation{1234, {}, Bytes(150, 7)};
  for (int i = 0; i < 200; ++i) {
    auto addr =
        mf::Multiaddr::parse("/ip6/2001:db8::" + std::to_string(i + 1) + "/udp/4001/quic-v1");
    ASSERT_TRUE(addr.ok());
    m.reservation->addrs.push_back(addr->with(mf::Protocol::p2p, peer.bytes()));
  }
  const auto first = m.reservation->addrs.front();
  const std::size_t dropped = fit_to_frame(m);
  EXPECT_GT(dropped, 0U);
  EXPECT_EQ(m.reservation->addrs.size(), 200U - dropped);
  EXPECT_EQ(m.reservation->addrs.front(), first);
  EXPECT_LE(frame_size(encode(m).size()), kMaxMessageSize);
  // Fitting again changes nothing.
  EXPECT_EQ(fit_to_frame(m), 0U);
}

TEST(RelayMessages, ConnectCarriesThePeer) {
  const auto peer = some_peer();
  HopMessage m;
  m.type = HopType::connect;
  m.peer = PeerInfo{peer, {}};
  auto decoded = decode_hop(encode(m));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->type, HopType::connect);
  ASSERT_TRUE(decoded->peer.has_value());
  EXPECT_EQ(decoded->peer->id, peer);
}

TEST(RelayMessages, MalformedInputIsAnError) {
  EXPECT_FALSE(decode_hop(Bytes{}).ok());                  // no type
  EXPECT_FALSE(decode_hop(Bytes{0x08, 0x07}).ok());        // unknown type
  EXPECT_FALSE(decode_hop(Bytes{0xff, 0xff, 0xff}).ok());  // not protobuf
  EXPECT_FALSE(decode_stop(Bytes{0x08, 0x05}).ok());
  // CONNECT with a peer whose id is not a multihash.
  EXPECT_FALSE(decode_hop(Bytes{0x08, 0x01, 0x12, 0x03, 0x0a, 0x01, 0xAA}).ok());
  // A peer without an id.
  EXPECT_FALSE(decode_hop(Bytes{0x08, 0x01, 0x12, 0x00}).ok());
  // A reservation without expire.
  EXPECT_FALSE(decode_hop(Bytes{0x08, 0x02, 0x1a, 0x00}).ok());
  // Over the frame limit.
  Bytes big(kMaxMessageSize + 1, 0);
  EXPECT_FALSE(decode_hop(big).ok());
}

TEST(RelayMessages, UnknownStatusReadsAsAbsentAndBadAddrsAreSkipped) {
  // STATUS with status 999.
  auto unknown = decode_stop(Bytes{0x08, 0x01, 0x20, 0xe7, 0x07});
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->status.has_value());
  // A peer with one garbage address.
  const auto peer = some_peer();
  Bytes body{0x08, 0x00, 0x12};
  Bytes peer_body{0x0a, static_cast<std::uint8_t>(peer.bytes().size())};
  peer_body.insert(peer_body.end(), peer.bytes().begin(), peer.bytes().end());
  peer_body.insert(peer_body.end(), {0x12, 0x02, 0xff, 0xff});
  body.push_back(static_cast<std::uint8_t>(peer_body.size()));
  body.insert(body.end(), peer_body.begin(), peer_body.end());
  auto decoded = decode_stop(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->skipped_addrs, 1U);
  EXPECT_TRUE(decoded->peer->addrs.empty());
}

TEST(RelayMessages, ReaderLeavesBytesBehindTheMessageInTheStream) {
  test::Pipe pipe;
  const Bytes payload = to_bytes("circuit bytes");
  pipe.remote_writes(test::concat({encode_frame(encode(hop_status(Status::ok))), payload}));
  auto frame = test::spawn(pipe.ioc, read_message(pipe.local));
  test::run(pipe.ioc);
  ASSERT_TRUE(frame->has_value());
  ASSERT_TRUE((*frame)->ok());
  EXPECT_TRUE((**frame)->has_value());
  // The bytes behind the status are still unread: they belong to the circuit.
  EXPECT_EQ(pipe.local_unread(), payload);
}

TEST(RelayMessages, OversizeFrameIsRefusedBeforeItsBody) {
  test::Pipe pipe;
  Bytes prefix;
  multiformats::append_uvarint(prefix, kMaxMessageSize + 1);
  pipe.remote_writes(prefix);
  auto frame = test::spawn(pipe.ioc, read_message(pipe.local));
  test::run(pipe.ioc);
  ASSERT_TRUE(frame->has_value());
  EXPECT_FALSE((*frame)->ok());
}

}  // namespace
}  // namespace privstack::protocol::relay
