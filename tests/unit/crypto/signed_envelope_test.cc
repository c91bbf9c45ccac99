#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/peer_record.h"
#include "crypto/signed_envelope.h"
#include "crypto/voucher.h"
#include "multiformats/multiaddr.h"
#include "test_util.h"
#include "vectors.h"

namespace privstack::crypto {
namespace {

using multiformats::Multiaddr;
using testing::flip_bit;
using testing::hex;
using testing::text;
namespace v = vectors;

Ed25519Keypair load(std::string_view hex_key) {
  auto keypair = Ed25519Keypair::from_protobuf(hex(hex_key));
  EXPECT_TRUE(keypair.ok());
  return keypair.ok() ? std::move(*keypair) : Ed25519Keypair::generate();
}

Multiaddr addr(std::string_view text) {
  auto parsed = Multiaddr::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : Multiaddr{};
}

std::vector<std::string> to_strings(const std::vector<Multiaddr>& addresses) {
  std::vector<std::string> out;
  out.reserve(addresses.size());
  for (const auto& a : addresses)
    out.push_back(a.to_string());
  return out;
}

// --- Envelopes --------------------------------------------------------------------------------

TEST(SignedEnvelope, SigningBytesLayout) {
  // RFC 0002: each of domain, payload type and payload is prefixed by its uvarint length.
  EXPECT_EQ(to_hex(envelope_signing_bytes("ab", hex("0301"), text("xyz"))),
            "026162"
            "020301"
            "0378797a");
  const Bytes payload(200, 0x00);
  const Bytes signed_bytes = envelope_signing_bytes("", {}, payload);
  EXPECT_EQ(to_hex(ByteView(signed_bytes).first(4)), "0000c801");  // 200 = c8 01
}

TEST(SignedEnvelope, SealOpenRoundTrip) {
  Ed25519Keypair keypair = Ed25519Keypair::generate();
  const Bytes envelope = seal(keypair, "libp2p-testing", text("/libp2p/testdata"), text("data"));
  auto opened = open(envelope, "libp2p-testing");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->public_key, keypair.public_key());
  EXPECT_EQ(opened->peer_id, keypair.peer_id());
  EXPECT_EQ(opened->payload_type, text("/libp2p/testdata"));
  EXPECT_EQ(opened->payload, text("data"));

  // The same bytes under another domain must not verify (the point of domain separation).
  EXPECT_FALSE(open(envelope, "libp2p-testing2").ok());
  EXPECT_FALSE(open(envelope, "").ok());
}

TEST(SignedEnvelope, EmptyPayloadAndTypeRoundTrip) {
  Ed25519Keypair keypair = Ed25519Keypair::generate();
  auto opened = open(seal(keypair, "d", {}, {}), "d");
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_TRUE(opened->payload.empty());
  EXPECT_TRUE(opened->payload_type.empty());
}

TEST(SignedEnvelope, TamperingIsDetected) {
  Ed25519Keypair keypair = load(v::kSpecEd25519PrivateKey);
  const Bytes envelope = seal(keypair, "domain", hex("0301"), text("payload bytes"));
  ASSERT_TRUE(open(envelope, "domain").ok());
  // Flip one bit in every byte position in turn: each copy must fail to open (either it no
  // longer parses, or the key, type, payload or signature changed under the signature).
  for (std::size_t i = 0; i < envelope.size(); ++i) {
    EXPECT_FALSE(open(flip_bit(envelope, i), "domain").ok()) << "byte " << i;
  }
}

TEST(SignedEnvelope, MalformedEnvelopes) {
  Ed25519Keypair keypair = Ed25519Keypair::generate();
  const Bytes envelope = seal(keypair, "d", text("t"), text("p"));
  for (std::size_t n = 0; n < envelope.size(); ++n) {
    EXPECT_FALSE(open(ByteView(envelope).first(n), "d").ok()) << n;
  }
  EXPECT_FALSE(SignedEnvelope::decode(hex("120203011a0101")).ok());  // no key, no signature
  // Key present, signature missing.
  Bytes no_signature = hex("0a24");
  Bytes key = keypair.public_key().to_protobuf();
  no_signature.insert(no_signature.end(), key.begin(), key.end());
  EXPECT_FALSE(SignedEnvelope::decode(no_signature).ok());
  // Key field that is not a valid PublicKey.
  EXPECT_FALSE(SignedEnvelope::decode(hex("0a03080412"
                                          "2a0140"))
                   .ok());
  // Over the size bound.
  Bytes huge = seal(keypair, "d", {}, Bytes(kMaxEnvelopeSize, 0x41));
  auto decoded = SignedEnvelope::decode(huge);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("too large"), std::string::npos);
}

TEST(SignedEnvelope, DecodeThenVerifyUnderADomain) {
  // decode() does not check the signature; verify() checks it under the domain asked for.
  auto decoded = SignedEnvelope::decode(hex(v::kGoPeerRecordEnvelope));
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->verify(kPeerRecordDomain));
  EXPECT_FALSE(decoded->verify(kVoucherDomain));
}

// --- Peer records -----------------------------------------------------------------------------

TEST(PeerRecord, OpensGoRecord) {
  // js-libp2p's "de/serializes the same as a go record" vector.
  auto record = open_peer_record(hex(v::kGoPeerRecordEnvelope));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->format, PeerRecordFormat::standard);
  EXPECT_EQ(record->public_key, load(v::kGoPeerRecordPrivateKey).public_key());
  EXPECT_EQ(record->record.peer_id, load(v::kGoPeerRecordPrivateKey).peer_id());
  EXPECT_EQ(record->record.seq, v::kGoPeerRecordSeq);
  std::vector<std::string> expected;
  expected.reserve(10);
  for (int port = 0; port < 10; ++port)
    expected.push_back("/ip4/1.2.3.4/tcp/" + std::to_string(port));
  EXPECT_EQ(to_strings(record->record.addresses), expected);

  auto generic = open(hex(v::kGoPeerRecordEnvelope), kPeerRecordDomain);
  ASSERT_TRUE(generic.ok());
  EXPECT_EQ(to_hex(generic->payload_type), "0301");
}

TEST(PeerRecord, OpensRustLegacyRecord) {
  auto record = open_peer_record(hex(v::kRustLegacyPeerRecordEnvelope));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->format, PeerRecordFormat::rust_legacy);
  EXPECT_EQ(record->record.peer_id.to_base58(), v::kSpecEd25519PeerId);
  EXPECT_EQ(record->record.seq, v::kRustLegacyPeerRecordSeq);
  EXPECT_EQ(
      to_strings(record->record.addresses),
      (std::vector<std::string>{"/ip4/127.0.0.1/udp/4001/quic-v1", "/ip6/::1/udp/4001/quic-v1"}));
  // It is signed under the legacy domain only.
  EXPECT_FALSE(open(hex(v::kRustLegacyPeerRecordEnvelope), kPeerRecordDomain).ok());
  EXPECT_TRUE(open(hex(v::kRustLegacyPeerRecordEnvelope), kLegacyPeerRecordDomain).ok());
}

TEST(PeerRecord, MakeWritesTheGoFormat) {
  Ed25519Keypair keypair = load(v::kSpecEd25519PrivateKey);
  const std::vector<Multiaddr> addresses{addr("/ip4/203.0.113.7/udp/4001/quic-v1"),
                                         addr("/ip6/2001:db8::1/udp/4001/quic-v1")};
  const Bytes envelope = make_peer_record(keypair, 42, addresses);

  auto opened = open(envelope, kPeerRecordDomain);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(to_hex(opened->payload_type), "0301");
  EXPECT_EQ(opened->payload, encode_peer_record(keypair.peer_id(), 42, addresses));

  auto record = open_peer_record(envelope);
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->format, PeerRecordFormat::standard);
  EXPECT_EQ(record->record.peer_id, keypair.peer_id());
  EXPECT_EQ(record->record.seq, 42u);
  EXPECT_EQ(record->record.addresses, addresses);
}

TEST(PeerRecord, PayloadEncoding) {
  // peer_id = 1 (bytes), seq = 2 (varint), addresses = 3 { multiaddr = 1 }.
  Ed25519Keypair keypair = load(v::kSpecEd25519PrivateKey);
  const std::vector<Multiaddr> addresses{addr("/ip4/1.2.3.4/tcp/0")};
  EXPECT_EQ(
      to_hex(encode_peer_record(keypair.peer_id(), 300, addresses)),
      "0a26" + to_hex(keypair.peer_id().bytes()) + "10ac02" + "1a0a0a08040102030406" + "0000");
}

TEST(PeerRecord, RejectsRecordOfAnotherPeer) {
  // Signed by one key, claiming another peer id: go and rust both refuse this.
  Ed25519Keypair signer = Ed25519Keypair::generate();
  Ed25519Keypair other = Ed25519Keypair::generate();
  const Bytes envelope = seal(signer, kPeerRecordDomain, kPeerRecordPayloadType,
                              encode_peer_record(other.peer_id(), 1, {}));
  auto record = open_peer_record(envelope);
  ASSERT_FALSE(record.ok());
  EXPECT_NE(record.error().message.find("another key"), std::string::npos);
}

TEST(PeerRecord, RejectsDomainTypeMismatchAndForeignTypes) {
  Ed25519Keypair keypair = Ed25519Keypair::generate();
  const Bytes payload = encode_peer_record(keypair.peer_id(), 1, {});
  // Standard payload type, but signed under the legacy domain.
  EXPECT_FALSE(
      open_peer_record(seal(keypair, kLegacyPeerRecordDomain, kPeerRecordPayloadType, payload))
          .ok());
  // Legacy payload type, signed under the standard domain.
  EXPECT_FALSE(open_peer_record(seal(keypair, kPeerRecordDomain,
                                     as_bytes(kLegacyPeerRecordPayloadType), payload))
                   .ok());
  // A voucher is not a peer record.
  EXPECT_FALSE(open_peer_record(hex(v::kGoVoucherEnvelope)).ok());
  // A payload that is not a PeerRecord protobuf.
  EXPECT_FALSE(
      open_peer_record(seal(keypair, kPeerRecordDomain, kPeerRecordPayloadType, hex("0aff"))).ok());
}

TEST(PeerRecord, SkipsUndecodableAddresses) {
  Ed25519Keypair keypair = Ed25519Keypair::generate();
  Bytes payload = encode_peer_record(keypair.peer_id(), 7, std::vector{addr("/ip4/1.2.3.4/tcp/1")});
  // Append an AddressInfo whose multiaddr uses an unassigned protocol code (0x3fff).
  const Bytes junk = hex("1a050a03ff7f00");
  payload.insert(payload.end(), junk.begin(), junk.end());
  auto record = open_peer_record(seal(keypair, kPeerRecordDomain, kPeerRecordPayloadType, payload));
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(to_strings(record->record.addresses), std::vector<std::string>{"/ip4/1.2.3.4/tcp/1"});
}

// --- Vouchers ---------------------------------------------------------------------------------

TEST(Voucher, OpensGoVoucher) {
  auto voucher = open_voucher(hex(v::kGoVoucherEnvelope));
  ASSERT_TRUE(voucher.ok()) << voucher.error().message;
  EXPECT_EQ(voucher->relay.to_base58(), v::kSpecEd25519PeerId);
  EXPECT_EQ(voucher->peer.to_base58(), v::kGoEd25519PeerId);
  EXPECT_EQ(voucher->expiration, v::kGoVoucherExpiration);
}

TEST(Voucher, MakeMatchesGoByteForByte) {
  // Same key, same fields, deterministic Ed25519: our envelope must equal go's.
  Ed25519Keypair relay = load(v::kSpecEd25519PrivateKey);
  auto peer = PeerId::parse(v::kGoEd25519PeerId);
  ASSERT_TRUE(peer.ok());
  EXPECT_EQ(to_hex(make_voucher(relay, *peer, v::kGoVoucherExpiration)), v::kGoVoucherEnvelope);
}

TEST(Voucher, RoundTripAndRejections) {
  Ed25519Keypair relay = Ed25519Keypair::generate();
  Ed25519Keypair client = Ed25519Keypair::generate();
  const Bytes voucher = make_voucher(relay, client.peer_id(), 1234567890);
  auto opened = open_voucher(voucher);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->relay, relay.peer_id());
  EXPECT_EQ(opened->peer, client.peer_id());
  EXPECT_EQ(opened->expiration, 1234567890u);

  // A peer record is not a voucher (wrong domain, so the signature fails).
  EXPECT_FALSE(open_voucher(hex(v::kGoPeerRecordEnvelope)).ok());
  // Signed by someone other than the relay it names.
  const Bytes relay_id = relay.peer_id().bytes();
  const Bytes client_id = client.peer_id().bytes();
  auto length_delimited = [](Bytes& out, std::uint8_t tag, const Bytes& value) {
    out.push_back(tag);
    out.push_back(static_cast<std::uint8_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
  };
  Bytes claims_relay;
  length_delimited(claims_relay, 0x0a, relay_id);
  length_delimited(claims_relay, 0x12, client_id);
  claims_relay.push_back(0x18);  // expiration = 1
  claims_relay.push_back(0x01);
  EXPECT_TRUE(open_voucher(seal(relay, kVoucherDomain, kVoucherPayloadType, claims_relay)).ok());
  auto rejected = open_voucher(seal(client, kVoucherDomain, kVoucherPayloadType, claims_relay));
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().message.find("signed by"), std::string::npos);
  // Missing expiration.
  Bytes no_expiration;
  length_delimited(no_expiration, 0x0a, relay_id);
  length_delimited(no_expiration, 0x12, client_id);
  EXPECT_FALSE(open_voucher(seal(relay, kVoucherDomain, kVoucherPayloadType, no_expiration)).ok());
  // Wrong payload type under the right domain.
  EXPECT_FALSE(open_voucher(seal(relay, kVoucherDomain, kPeerRecordPayloadType,
                                 open(voucher, kVoucherDomain)->payload))
                   .ok());
}

}  // namespace
}  // namespace privstack::crypto
