// The kad server over real QUIC on loopback: routing-table membership from identify, every request
// type on one stream (go) and one request per stream (rust), and bad input — garbage, oversize
// frames, unknown types, key mismatches, PUT_VALUE and ADD_PROVIDER floods, forged providers,
// too many streams, idle streams — each costing only its own stream.
#include "node/kad/kad_service.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "node/address.h"
#include "node/identify_service.h"
#include "protocol/kad/message.h"
#include "protocol/length_prefixed.h"
#include "support/async_test.h"
#include "support/kad_fixture.h"

namespace privstack::node {
namespace {

namespace kad = protocol::kad;
namespace mf = multiformats;
using boost::asio::ip::udp;

using test::eventually;
using test::run;
using Peer = test::KadPeer;

const kad::KadMessage kPing{.type = kad::MessageType::ping};

class KadServiceTest : public test::KadServerTest {
 protected:
  asio::awaitable<StreamPtr> open(Peer& peer, const ConnectionPtr& connection) {
    auto stream = co_await open_kad_stream(peer, connection);
    EXPECT_TRUE(stream);
    co_return stream;
  }

  // Sends one request and reads one answer; nullopt when the server reset or ended the stream.
  // Every answer must fit rust's 16 KiB frame and decode.
  static asio::awaitable<std::optional<kad::KadMessage>> ask(const StreamPtr& stream,
                                                             const kad::KadMessage& request) {
    return ask_kad(stream, request, true);
  }

  static asio::awaitable<std::optional<kad::KadMessage>> read_answer(const StreamPtr& stream) {
    return read_kad_answer(stream, true);
  }

  // True when the server ended the stream with a reset (an error, not a clean EOF).
  static asio::awaitable<bool> was_reset(const StreamPtr& stream) {
    auto frame = co_await protocol::read_frame(*stream, 1 << 20);
    co_return !frame.ok();
  }

  static kad::KadMessage get(const std::string& key) {
    return kad::KadMessage{.type = kad::MessageType::get_value, .key = to_bytes(key)};
  }

  // A fresh stream on `connection` still answers PING: the connection survived.
  asio::awaitable<void> expect_still_served(Peer& peer, const ConnectionPtr& connection) {
    auto stream = co_await open(peer, connection);
    if (!stream) co_return;
    auto answer = co_await ask(stream, kPing);
    EXPECT_TRUE(answer.has_value());
    if (answer) {
      EXPECT_EQ(answer->type, kad::MessageType::ping);
    }
  }
};

TEST_F(KadServiceTest, AdvertisesKadInIdentify) {
  start();
  auto protocols = server_->protocols();
  EXPECT_NE(std::find(protocols.begin(), protocols.end(), kad::kProtocolId), protocols.end());
}

TEST_F(KadServiceTest, KadPeersAreFoundByFindNodeWithTheirListenAddresses) {
  start();
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& a = add_peer(true);
    Peer& plain = add_peer(false);  // no kad in identify: never in the table
    Peer& b = add_peer(true);
    auto ca = co_await connect(a);
    auto cp = co_await connect(plain);
    auto cb = co_await connect(b);
    if (!ca || !cp || !cb) co_return;
    EXPECT_TRUE(co_await eventually([&] {
      return kad_->routing_table().find(a.host->peer_id()) &&
             kad_->routing_table().find(b.host->peer_id());
    }));
    EXPECT_TRUE(co_await eventually([&] {
      const auto* r = server_->peers().find(plain.host->peer_id());
      return r && r->identified;
    }));
    EXPECT_EQ(kad_->routing_table().find(plain.host->peer_id()), nullptr);

    auto stream = co_await open(b, cb);
    if (!stream) co_return;
    const kad::KadMessage find_a{.type = kad::MessageType::find_node,
                                 .key = a.host->peer_id().bytes()};
    auto answer = co_await ask(stream, find_a);
    EXPECT_TRUE(answer.has_value());
    if (!answer) co_return;
    EXPECT_EQ(answer->type, kad::MessageType::find_node);
    EXPECT_EQ(answer->closer_peers.size(), 1U);  // a; never b (the requester) nor plain
    if (answer->closer_peers.size() != 1U) co_return;
    const auto& found = answer->closer_peers[0];
    EXPECT_EQ(found.id, a.host->peer_id());
    EXPECT_EQ(found.connection, kad::ConnectionType::connected);
    EXPECT_EQ(found.addrs, a.host->listen_addresses());

    // Disconnected peers stay listed, as NOT_CONNECTED.
    ca->close(0, "bye");
    EXPECT_TRUE(co_await eventually([&] {
      const auto* e = kad_->routing_table().find(a.host->peer_id());
      return e && !e->connected;
    }));
    answer = co_await ask(stream, find_a);
    EXPECT_TRUE(answer && answer->closer_peers.size() == 1U &&
                answer->closer_peers[0].connection == kad::ConnectionType::not_connected);
  });
}

// rust's ProtocolConfirmed: a peer that does not list kad in identify but opened a kad stream
// speaks it, so it goes into the table (with its identify listen addresses).
TEST_F(KadServiceTest, APeerThatOpenedAKadStreamIsAKadPeer) {
  start();
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& plain = add_peer(false);
    auto c = co_await connect(plain);
    if (!c) co_return;
    EXPECT_TRUE(co_await eventually([&] {
      const auto* r = server_->peers().find(plain.host->peer_id());
      return r && r->identified;
    }));
    EXPECT_EQ(kad_->routing_table().find(plain.host->peer_id()), nullptr);
    auto stream = co_await open(plain, c);
    if (!stream) co_return;
    auto answer = co_await ask(stream, kPing);
    EXPECT_TRUE(answer.has_value());
    const auto* entry = kad_->routing_table().find(plain.host->peer_id());
    EXPECT_NE(entry, nullptr);
    if (entry) {
      EXPECT_EQ(entry->addresses, plain.host->listen_addresses());
      EXPECT_TRUE(entry->connected);
    }
  });
}

TEST_F(KadServiceTest, ManyRequestsOnOneStreamLikeGo) {
  start();
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& p = add_peer();
    auto c = co_await connect(p);
    if (!c) co_return;
    auto stream = co_await open(p, c);
    if (!stream) co_return;
    const auto put_any = put("/any/key", "value");
    auto echoed = co_await ask(stream, put_any);
    EXPECT_TRUE(echoed && echoed->type == kad::MessageType::put_value && echoed->record &&
                echoed->record->value == to_bytes("value"));
    const auto get_any = get("/any/key");
    auto got = co_await ask(stream, get_any);
    EXPECT_TRUE(got && got->type == kad::MessageType::get_value && got->record &&
                got->record->value == to_bytes("value") && got->record->ttl > 0);
    const kad::KadMessage find_key{.type = kad::MessageType::find_node,
                                   .key = to_bytes("/any/key")};
    auto node = co_await ask(stream, find_key);
    EXPECT_TRUE(node && node->type == kad::MessageType::find_node);
    // ADD_PROVIDER has no answer; the next request's answer comes next.
    // (Built outside co_await: GCC 12 miscompiles braced lists inside a co_await expression.)
    kad::KadMessage add{.type = kad::MessageType::add_provider, .key = to_bytes("cid")};
    add.provider_peers.push_back(
        kad::KadPeer{.id = p.host->peer_id(), .addrs = p.host->listen_addresses()});
    const Bytes add_body = kad::encode_message(add);
    auto sent = co_await protocol::write_frame(*stream, add_body);
    EXPECT_TRUE(sent.ok());
    const kad::KadMessage get_cid{.type = kad::MessageType::get_providers, .key = to_bytes("cid")};
    auto providers = co_await ask(stream, get_cid);
    EXPECT_TRUE(providers && providers->type == kad::MessageType::get_providers);
    EXPECT_EQ(kad_->providers().key_count(), 1U);
    auto ping = co_await ask(stream, kPing);
    EXPECT_TRUE(ping && ping->type == kad::MessageType::ping);
    // We finish: the server ends its side cleanly.
    protocol::close_write(*stream);
    auto end = co_await protocol::read_frame(*stream, 1024);
    EXPECT_TRUE(end.ok() && !end->has_value());
  });
}

TEST_F(KadServiceTest, OneRequestThenCloseLikeRust) {
  start();
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& p = add_peer();
    auto c = co_await connect(p);
    if (!c) co_return;
    auto stream = co_await open(p, c);
    if (!stream) co_return;
    const Bytes body = kad::encode_message(put("k", "v"));
    auto sent = co_await protocol::write_frame(*stream, body);
    EXPECT_TRUE(sent.ok());
    protocol::close_write(*stream);
    auto answer = co_await read_answer(stream);
    EXPECT_TRUE(answer && answer->type == kad::MessageType::put_value);
    auto end = co_await protocol::read_frame(*stream, 1024);
    EXPECT_TRUE(end.ok() && !end->has_value());
  });
}

TEST_F(KadServiceTest, BadInputResetsOnlyThatStream) {
  KadConfig config;
  config.max_message_bytes = 4096;
  start(config);
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& p = add_peer();
    Peer& other = add_peer();
    auto c = co_await connect(p);
    auto co = co_await connect(other);
    if (!c || !co) co_return;
    const std::vector<std::pair<std::string, Bytes>> cases = {
        {"garbage protobuf", protocol::encode_frame(from_hex("ffffffffff"))},
        {"no type, so PUT_VALUE, without a record", protocol::encode_frame(from_hex("1203616263"))},
        {"unknown type", protocol::encode_frame(from_hex("0809"))},
        {"oversize frame", protocol::encode_frame(Bytes(5000, 0))},
        {"huge length", from_hex("ffffffffffffffff7f")},
        {"non-minimal length", from_hex("8000")},
        {"key mismatch",
         protocol::encode_frame(kad::encode_message(kad::KadMessage{
             .type = kad::MessageType::put_value,
             .key = to_bytes("a"),
             .record = kad::KadRecord{.key = to_bytes("b"), .value = to_bytes("v")}}))},
        {"put without record", protocol::encode_frame(from_hex("08001201"
                                                               "61"))},
        {"truncated frame", from_hex("0a0801")},
    };
    for (const auto& [name, bytes] : cases) {
      auto stream = co_await open(p, c);
      if (!stream) co_return;
      co_await asio::async_write(*stream, asio::buffer(bytes), protocol::kUseTuple);
      if (name == "truncated frame") protocol::close_write(*stream);
      EXPECT_TRUE(co_await was_reset(stream)) << name;
    }
    EXPECT_EQ(kad_->records().size(), 0U);
    co_await expect_still_served(p, c);
    co_await expect_still_served(other, co);
  });
}

TEST_F(KadServiceTest, PutValueFloodIsBoundedAndResets) {
  KadConfig config;
  config.records.max_records = 5;
  start(config);
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& flooder = add_peer();
    Peer& other = add_peer();
    auto c = co_await connect(flooder);
    auto co = co_await connect(other);
    if (!c || !co) co_return;
    auto stream = co_await open(flooder, c);
    if (!stream) co_return;
    int stored = 0;
    for (int i = 0; i < 50; ++i) {
      const auto request = put("flood-" + std::to_string(i), "v");
      auto answer = co_await ask(stream, request);
      if (!answer) break;
      ++stored;
    }
    EXPECT_EQ(stored, 5);
    EXPECT_EQ(kad_->records().size(), 5U);
    // An oversize value is refused too, on its own stream.
    auto big = co_await open(flooder, c);
    if (!big) co_return;
    const auto oversize = put("flood-0", std::string(65 * 1024 + 1, 'x'));
    EXPECT_FALSE((co_await ask(big, oversize)).has_value());
    // Others still read what was stored.
    auto reader = co_await open(other, co);
    if (!reader) co_return;
    const auto get3 = get("flood-3");
    auto got = co_await ask(reader, get3);
    EXPECT_TRUE(got && got->record && got->record->value == to_bytes("v"));
  });
}

TEST_F(KadServiceTest, AddProviderAcceptsOnlyTheSenderAndIsBounded) {
  KadConfig config;
  config.providers.max_provided_keys = 10;
  start(config);
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& p = add_peer();
    Peer& asker = add_peer();
    auto c = co_await connect(p);
    auto ca = co_await connect(asker);
    if (!c || !ca) co_return;
    auto stream = co_await open(p, c);
    if (!stream) co_return;
    const auto forged = crypto::Ed25519Keypair::generate().peer_id();
    for (int i = 0; i < 200; ++i) {
      kad::KadMessage add{.type = kad::MessageType::add_provider,
                          .key = to_bytes("key-" + std::to_string(i))};
      add.provider_peers.push_back(kad::KadPeer{.id = forged, .addrs = p.host->listen_addresses()});
      add.provider_peers.push_back(kad::KadPeer{.id = p.host->peer_id()});
      const Bytes body = kad::encode_message(add);
      auto sent = co_await protocol::write_frame(*stream, body);
      EXPECT_TRUE(sent.ok());
    }
    // The stream is still ours: a PING after the flood is answered.
    auto ping = co_await ask(stream, kPing);
    EXPECT_TRUE(ping.has_value());
    EXPECT_EQ(kad_->providers().key_count(), 10U);
    EXPECT_EQ(kad_->providers().provider_count(), 10U);
    kad_->providers().for_each(
        [&](ByteView, const kad::ProviderRecord& r) { EXPECT_EQ(r.provider, p.host->peer_id()); });
    // Provided without addresses: GET_PROVIDERS fills in the ones identify reported.
    EXPECT_TRUE(co_await eventually(
        [&] { return kad_->routing_table().find(p.host->peer_id()) != nullptr; }));
    auto s2 = co_await open(asker, ca);
    if (!s2) co_return;
    const kad::KadMessage get_key3{.type = kad::MessageType::get_providers,
                                   .key = to_bytes("key-3")};
    auto answer = co_await ask(s2, get_key3);
    EXPECT_TRUE(answer.has_value());
    if (!answer) co_return;
    EXPECT_EQ(answer->provider_peers.size(), 1U);
    if (answer->provider_peers.size() != 1U) co_return;
    EXPECT_EQ(answer->provider_peers[0].id, p.host->peer_id());
    EXPECT_EQ(answer->provider_peers[0].addrs, p.host->listen_addresses());
  });
}

TEST_F(KadServiceTest, StreamsBeyondThePerConnectionCapAreReset) {
  KadConfig config;
  config.max_inbound_streams_per_connection = 4;
  start(config);
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& p = add_peer();
    auto c = co_await connect(p);
    if (!c) co_return;
    // Six streams at once: four are served; the others are reset, which the client sees either
    // while negotiating or on its first request.
    std::vector<StreamPtr> streams;
    int refused = 0;
    for (int i = 0; i < 6; ++i) {
      auto s = co_await p.host->new_stream(c, std::string(kad::kProtocolId));
      if (s) {
        streams.push_back(*s);
      } else {
        ++refused;
      }
    }
    int answered = 0;
    for (auto& s : streams) {
      auto answer = co_await ask(s, kPing);
      if (answer) {
        ++answered;
      } else {
        ++refused;
      }
    }
    EXPECT_EQ(answered, 4);
    EXPECT_EQ(refused, 2);
    EXPECT_LE(kad_->inbound_streams(), 4U);
    for (auto& s : streams)
      protocol::close_write(*s);
    // Closed streams free their slots.
    EXPECT_TRUE(co_await eventually([&] { return kad_->inbound_streams() == 0; }));
    co_await expect_still_served(p, c);
  });
}

TEST_F(KadServiceTest, IdleStreamsAreReset) {
  KadConfig config;
  config.stream_idle_timeout = std::chrono::milliseconds(100);
  start(config);
  run(io_, [&]() -> asio::awaitable<void> {
    Peer& p = add_peer();
    auto c = co_await connect(p);
    if (!c) co_return;
    auto stream = co_await open(p, c);
    if (!stream) co_return;
    EXPECT_TRUE(co_await was_reset(stream));
    EXPECT_TRUE(co_await eventually([&] { return kad_->inbound_streams() == 0; }));
  });
}

}  // namespace
}  // namespace privstack::node
