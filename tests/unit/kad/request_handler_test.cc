// The server's answers per message type, as a pure function of the request and our tables.
#include "protocol/kad/request_handler.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace privstack::protocol::kad {
namespace {

using std::chrono::seconds;
using test::quic;
using test::random_peer;

class RequestHandlerTest : public ::testing::Test {
 protected:
  KadMessage ask(const KadMessage& request, const crypto::PeerId& from,
                 HandleStats* stats = nullptr) {
    auto answer = handler_.handle(request, from, now_, stats);
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
    if (!answer.ok() || !answer->has_value()) return KadMessage{};
    return **answer;
  }

  void fill_routing(int n) {
    for (int i = 0; i < n; ++i) {
      peers_.push_back(random_peer());
      routing_.upsert(peers_.back(), {quic(i + 1)}, i % 2 == 0, now_);
    }
  }

  crypto::PeerId local_ = random_peer();
  crypto::PeerId requester_ = random_peer();
  Clock::time_point now_ = Clock::now();
  RoutingTable routing_{local_};
  RecordStore records_{RecordStoreLimits{.max_records = 3, .max_value_bytes = 100}};
  ProviderStore providers_;
  std::map<crypto::PeerId, std::vector<multiformats::Multiaddr>> registry_;
  RequestHandler handler_{routing_,
                          records_,
                          providers_,
                          RequestHandlerConfig{},
                          [this](const crypto::PeerId& p) {
                            auto it = registry_.find(p);
                            return it == registry_.end() ? std::vector<multiformats::Multiaddr>{}
                                                         : it->second;
                          },
                          [this](const crypto::PeerId& p) { return registry_.contains(p); }};
  std::vector<crypto::PeerId> peers_;
};

TEST_F(RequestHandlerTest, FindNodeAnswersKClosestWithoutTheRequester) {
  fill_routing(30);
  routing_.upsert(requester_, {quic(250)}, true, now_);
  auto answer =
      ask(KadMessage{.type = MessageType::find_node, .key = requester_.bytes()}, requester_);
  EXPECT_EQ(answer.type, MessageType::find_node);
  EXPECT_EQ(answer.closer_peers.size(), kK);
  for (const auto& p : answer.closer_peers) {
    EXPECT_NE(p.id, requester_);
    EXPECT_NE(p.id, local_);
    EXPECT_FALSE(p.addrs.empty());
    const auto* entry = routing_.find(p.id);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(p.connection,
              entry->connected ? ConnectionType::connected : ConnectionType::not_connected);
  }
}

TEST_F(RequestHandlerTest, FindNodeTakesOpaqueRecordKeys) {
  fill_routing(5);
  auto answer =
      ask(KadMessage{.type = MessageType::find_node, .key = to_bytes("/any/record\x00key")},
          requester_);
  EXPECT_EQ(answer.closer_peers.size(), 5U);
  EXPECT_TRUE(ask(KadMessage{.type = MessageType::find_node}, requester_).closer_peers.size() ==
              5U);
}

TEST_F(RequestHandlerTest, PutThenGetKeepsPublisherAndRemainingTtl) {
  fill_routing(3);
  const auto publisher = random_peer();
  KadMessage put{
      .type = MessageType::put_value,
      .key = to_bytes("k"),
      .record = KadRecord{
          .key = to_bytes("k"), .value = to_bytes("hello"), .publisher = publisher, .ttl = 600}};
  HandleStats stats;
  auto echo = ask(put, requester_, &stats);
  EXPECT_TRUE(stats.stored);
  EXPECT_EQ(echo, put);  // echoed as received

  now_ += seconds(100);
  auto got = ask(KadMessage{.type = MessageType::get_value, .key = to_bytes("k")}, requester_);
  EXPECT_EQ(got.type, MessageType::get_value);
  ASSERT_TRUE(got.record.has_value());
  EXPECT_EQ(got.record->value, to_bytes("hello"));
  EXPECT_EQ(got.record->publisher, publisher);
  EXPECT_EQ(got.record->ttl, 500U);
  EXPECT_EQ(got.closer_peers.size(), 3U);

  now_ += seconds(501);  // expired: never returned
  got = ask(KadMessage{.type = MessageType::get_value, .key = to_bytes("k")}, requester_);
  EXPECT_FALSE(got.record.has_value());
}

TEST_F(RequestHandlerTest, RecordsWithoutTtlGetTheServerTtl) {
  ask(KadMessage{.type = MessageType::put_value,
                 .key = to_bytes("k"),
                 .record = KadRecord{.key = to_bytes("k"), .value = to_bytes("v")}},
      requester_);
  auto got = ask(KadMessage{.type = MessageType::get_value, .key = to_bytes("k")}, requester_);
  ASSERT_TRUE(got.record.has_value());
  EXPECT_EQ(got.record->ttl, 48U * 3600U);
  EXPECT_FALSE(got.record->publisher.has_value());
}

TEST_F(RequestHandlerTest, PutValueErrorsResetTheStream) {
  // No record, a key mismatch, an oversize value, and a full store are all errors.
  EXPECT_FALSE(handler_
                   .handle(KadMessage{.type = MessageType::put_value, .key = to_bytes("k")},
                           requester_, now_)
                   .ok());
  EXPECT_FALSE(handler_
                   .handle(KadMessage{.type = MessageType::put_value,
                                      .key = to_bytes("a"),
                                      .record = KadRecord{.key = to_bytes("b"), .value = {}}},
                           requester_, now_)
                   .ok());
  EXPECT_FALSE(
      handler_
          .handle(KadMessage{.type = MessageType::put_value,
                             .key = to_bytes("a"),
                             .record = KadRecord{.key = to_bytes("a"), .value = Bytes(101, 1)}},
                  requester_, now_)
          .ok());
  for (int i = 0; i < 3; ++i) {
    auto key = to_bytes("r" + std::to_string(i));
    ASSERT_TRUE(handler_
                    .handle(KadMessage{.type = MessageType::put_value,
                                       .key = key,
                                       .record = KadRecord{.key = key, .value = to_bytes("v")}},
                            requester_, now_)
                    .ok());
  }
  auto key = to_bytes("flood");
  EXPECT_FALSE(handler_
                   .handle(KadMessage{.type = MessageType::put_value,
                                      .key = key,
                                      .record = KadRecord{.key = key, .value = to_bytes("v")}},
                           requester_, now_)
                   .ok());
  EXPECT_EQ(records_.size(), 3U);
}

TEST_F(RequestHandlerTest, OurOwnPublishedRecordIsNotOverwritten) {
  HandleStats stats;
  auto echo = ask(KadMessage{.type = MessageType::put_value,
                             .key = to_bytes("k"),
                             .record = KadRecord{.key = to_bytes("k"),
                                                 .value = to_bytes("forged"),
                                                 .publisher = local_}},
                  requester_, &stats);
  EXPECT_EQ(echo.type, MessageType::put_value);
  EXPECT_FALSE(stats.stored);
  EXPECT_EQ(records_.size(), 0U);
}

TEST_F(RequestHandlerTest, AddProviderKeepsOnlyTheSenderAndAnswersNothing) {
  const auto forged = random_peer();
  HandleStats stats;
  auto answer =
      handler_.handle(KadMessage{.type = MessageType::add_provider,
                                 .key = to_bytes("cid"),
                                 .provider_peers = {KadPeer{.id = forged, .addrs = {quic(9)}},
                                                    KadPeer{.id = requester_, .addrs = {quic(7)}}}},
                      requester_, now_, &stats);
  ASSERT_TRUE(answer.ok());
  EXPECT_FALSE(answer->has_value());
  EXPECT_EQ(stats.forged_providers, 1U);
  auto stored = providers_.providers(as_bytes("cid"), now_);
  ASSERT_EQ(stored.size(), 1U);
  EXPECT_EQ(stored[0].provider, requester_);
}

TEST_F(RequestHandlerTest, GetProvidersFillsMissingAddressesAndSkipsTheRequester) {
  fill_routing(4);
  const auto with_addrs = random_peer();
  const auto in_registry = random_peer();
  const auto in_routing = peers_[0];
  const auto unknown = random_peer();
  registry_[in_registry] = {quic(77)};
  ASSERT_TRUE(providers_.add(as_bytes("cid"), with_addrs, {quic(50)}, now_).ok());
  ASSERT_TRUE(providers_.add(as_bytes("cid"), in_registry, {}, now_).ok());
  ASSERT_TRUE(providers_.add(as_bytes("cid"), in_routing, {}, now_).ok());
  ASSERT_TRUE(providers_.add(as_bytes("cid"), unknown, {}, now_).ok());
  ASSERT_TRUE(providers_.add(as_bytes("cid"), requester_, {quic(60)}, now_).ok());
  auto answer =
      ask(KadMessage{.type = MessageType::get_providers, .key = to_bytes("cid")}, requester_);
  EXPECT_EQ(answer.type, MessageType::get_providers);
  ASSERT_EQ(answer.provider_peers.size(), 3U);
  EXPECT_EQ(answer.provider_peers[0].id, with_addrs);
  EXPECT_EQ(answer.provider_peers[0].addrs, std::vector{quic(50)});
  EXPECT_EQ(answer.provider_peers[1].id, in_registry);
  EXPECT_EQ(answer.provider_peers[1].addrs, std::vector{quic(77)});
  EXPECT_EQ(answer.provider_peers[1].connection, ConnectionType::connected);
  EXPECT_EQ(answer.provider_peers[2].id, in_routing);
  EXPECT_EQ(answer.provider_peers[2].addrs, routing_.find(in_routing)->addresses);
  EXPECT_EQ(answer.closer_peers.size(), 4U);
}

TEST_F(RequestHandlerTest, PingIsEchoed) {
  auto answer = ask(KadMessage{.type = MessageType::ping}, requester_);
  EXPECT_EQ(answer.type, MessageType::ping);
}

}  // namespace
}  // namespace privstack::protocol::kad
