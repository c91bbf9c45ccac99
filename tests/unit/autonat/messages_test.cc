// The AutoNAT v1 codec with bytes: OK (0) written explicitly, the 1024-byte bound, and every
// malformed request reported as an error (E_BAD_REQUEST for the service).
#include "protocol/autonat/messages.h"

#include <string>

#include <gtest/gtest.h>

#include "crypto/ed25519.h"

namespace privstack::protocol::autonat {
namespace {

namespace mf = multiformats;

crypto::PeerId some_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

mf::Multiaddr addr(const char* text) {
  return *mf::Multiaddr::parse(text);
}

TEST(AutonatMessages, OkResponseWritesTypeAndStatusZero) {
  const auto addr_bytes = addr("/ip4/1.2.3.4/udp/4001/quic-v1").bytes();
  const Bytes body = encode(ok_response(addr("/ip4/1.2.3.4/udp/4001/quic-v1")));
  // type = DIAL_RESPONSE (08 01); dialResponse (1a len) { status = OK (08 00), addr (1a len ..) }.
  Bytes expected{0x08, 0x01, 0x1a, static_cast<std::uint8_t>(4 + addr_bytes.size()),
                 0x08, 0x00, 0x1a, static_cast<std::uint8_t>(addr_bytes.size())};
  expected.insert(expected.end(), addr_bytes.begin(), addr_bytes.end());
  EXPECT_EQ(body, expected);
}

TEST(AutonatMessages, RequestRoundTrip) {
  DialRequest request{some_peer(),
                      {addr("/ip4/1.2.3.4/udp/4001/quic-v1"), addr("/ip6/::1/udp/5/quic-v1")}};
  auto decoded = decode_request(encode(request));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->peer, request.peer);
  EXPECT_EQ(decoded->addrs, request.addrs);
  EXPECT_EQ(decoded->skipped_addrs, 0U);
}

TEST(AutonatMessages, ResponseRoundTrips) {
  auto ok = decode_response(encode(ok_response(addr("/ip4/1.2.3.4/udp/9/quic-v1"))));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->status, ResponseStatus::ok);
  EXPECT_EQ(ok->addr, addr("/ip4/1.2.3.4/udp/9/quic-v1"));
  EXPECT_TRUE(ok->status_text.empty());

  auto refused =
      decode_response(encode(error_response(ResponseStatus::dial_refused, "too many dials")));
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->status, ResponseStatus::dial_refused);
  EXPECT_EQ(refused->status_text, "too many dials");
  EXPECT_FALSE(refused->addr.has_value());
}

TEST(AutonatMessages, LongStatusTextIsCutToFitTheFrame) {
  const Bytes body = encode(error_response(ResponseStatus::dial_error, std::string(5000, 'x')));
  EXPECT_LE(frame_size(body.size()), kMaxMessageSize);
  auto decoded = decode_response(body);
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->status_text.empty());
}

TEST(AutonatMessages, UnparseableAddressesAreSkippedAndCounted) {
  const auto peer = some_peer();
  // type DIAL; dial { peer { id, addrs = [ff ff] } }
  Bytes peer_info{0x0a, static_cast<std::uint8_t>(peer.bytes().size())};
  peer_info.insert(peer_info.end(), peer.bytes().begin(), peer.bytes().end());
  peer_info.insert(peer_info.end(), {0x12, 0x02, 0xff, 0xff});
  Bytes body{0x08, 0x00,
             0x12, static_cast<std::uint8_t>(peer_info.size() + 2),
             0x0a, static_cast<std::uint8_t>(peer_info.size())};
  body.insert(body.end(), peer_info.begin(), peer_info.end());
  auto decoded = decode_request(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->peer, peer);
  EXPECT_TRUE(decoded->addrs.empty());
  EXPECT_EQ(decoded->skipped_addrs, 1U);
}

TEST(AutonatMessages, MalformedRequestsAreErrors) {
  EXPECT_FALSE(decode_request(Bytes{}).ok());                        // no type
  EXPECT_FALSE(decode_request(Bytes{0xff, 0xff, 0xff}).ok());        // not protobuf
  EXPECT_FALSE(decode_request(Bytes{0x08, 0x01}).ok());              // DIAL_RESPONSE
  EXPECT_FALSE(decode_request(Bytes{0x08, 0x00}).ok());              // DIAL without dial
  EXPECT_FALSE(decode_request(Bytes{0x08, 0x00, 0x12, 0x00}).ok());  // dial without peer
  EXPECT_FALSE(decode_request(Bytes{0x08, 0x00, 0x12, 0x02, 0x0a, 0x00}).ok());  // peer, no id
  // peer id that is not a multihash of a key
  EXPECT_FALSE(decode_request(Bytes{0x08, 0x00, 0x12, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff}).ok());
}

TEST(AutonatMessages, OversizeRequestIsAnError) {
  DialRequest request{some_peer(), {}};
  for (int i = 0; i < 80; ++i)
    request.addrs.push_back(addr("/ip6/2001:db8::1/udp/4001/quic-v1"));
  const Bytes body = encode(request);
  ASSERT_GT(body.size(), kMaxMessageSize);
  auto decoded = decode_request(body);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("limit"), std::string::npos);
}

TEST(AutonatMessages, ResponsesWithoutStatusOrAddrAreErrors) {
  EXPECT_FALSE(decode_response(Bytes{0x08, 0x01, 0x1a, 0x00}).ok());              // no status
  EXPECT_FALSE(decode_response(Bytes{0x08, 0x01, 0x1a, 0x02, 0x08, 0x00}).ok());  // OK, no addr
  EXPECT_FALSE(decode_response(Bytes{0x08, 0x00}).ok());                          // a DIAL
}

}  // namespace
}  // namespace privstack::protocol::autonat
