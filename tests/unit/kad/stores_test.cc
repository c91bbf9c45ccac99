// Record and provider stores with rust MemoryStore semantics: limits, expiry, remaining ttl.
#include <gtest/gtest.h>

#include "protocol/kad/provider_store.h"
#include "protocol/kad/record_store.h"
#include "test_util.h"

namespace privstack::protocol::kad {
namespace {

using std::chrono::seconds;
using test::addr;
using test::quic;
using test::random_peer;

StoredRecord record(const std::string& key, std::size_t value_size = 3,
                    std::optional<Clock::time_point> expires = std::nullopt) {
  return StoredRecord{.key = to_bytes(key),
                      .value = Bytes(value_size, 'v'),
                      .publisher = std::nullopt,
                      .expires = expires,
                      .received = Clock::now()};
}

TEST(RecordStore, StoresAnyKeyAndReplaces) {
  RecordStore store;
  const auto now = Clock::now();
  ASSERT_TRUE(store.put(record("/not/a/namespace\x01\xff")).ok());
  ASSERT_TRUE(store.put(record("k", 1)).ok());
  ASSERT_TRUE(store.put(record("k", 2)).ok());
  EXPECT_EQ(store.size(), 2U);
  ASSERT_NE(store.get(as_bytes("k"), now), nullptr);
  EXPECT_EQ(store.get(as_bytes("k"), now)->value.size(), 2U);
  EXPECT_EQ(store.get(as_bytes("missing"), now), nullptr);
}

TEST(RecordStore, EnforcesRustsDefaultLimits) {
  RecordStore store;
  EXPECT_EQ(store.limits().max_records, 1024U);
  EXPECT_EQ(store.limits().max_value_bytes, 65U * 1024U);
  EXPECT_TRUE(store.put(record("big", 65 * 1024)).ok());
  EXPECT_FALSE(store.put(record("bigger", 65 * 1024 + 1)).ok());
  for (int i = 1; i < 1024; ++i)
    ASSERT_TRUE(store.put(record("r" + std::to_string(i))).ok());
  EXPECT_EQ(store.size(), 1024U);
  EXPECT_FALSE(store.put(record("one-too-many")).ok());
  EXPECT_TRUE(store.put(record("r5", 9)).ok());  // replacing needs no new slot
  EXPECT_EQ(store.size(), 1024U);
}

TEST(RecordStore, ZeroMeansNoLimit) {
  RecordStore store(RecordStoreLimits{.max_records = 0, .max_value_bytes = 0});
  EXPECT_TRUE(store.put(record("big", 200 * 1024)).ok());
}

TEST(RecordStore, ExpiredRecordsAreNeverReturnedAndAreSwept) {
  RecordStore store;
  const auto now = Clock::now();
  ASSERT_TRUE(store.put(record("old", 1, now + seconds(10))).ok());
  ASSERT_TRUE(store.put(record("older", 1, now + seconds(5))).ok());
  ASSERT_TRUE(store.put(record("forever")).ok());
  EXPECT_NE(store.get(as_bytes("old"), now), nullptr);
  EXPECT_EQ(store.get(as_bytes("old"), now + seconds(10)), nullptr);
  EXPECT_EQ(store.size(), 2U);  // get() dropped it
  EXPECT_EQ(store.records(now + seconds(6)).size(), 1U);
  EXPECT_EQ(store.sweep(now + seconds(6)), 1U);
  EXPECT_EQ(store.size(), 1U);
}

TEST(RecordStore, RemainingTtlIsWholeSecondsAtLeastOne) {
  const auto now = Clock::now();
  EXPECT_EQ(remaining_ttl(record("k"), now), 0U);
  EXPECT_EQ(remaining_ttl(record("k", 1, now + seconds(100)), now), 100U);
  EXPECT_EQ(remaining_ttl(record("k", 1, now + std::chrono::milliseconds(300)), now), 1U);
  auto wire = to_wire(record("k", 1, now + seconds(42)), now + seconds(2));
  EXPECT_EQ(wire.ttl, 40U);
}

TEST(RecordStore, ExpiryOnReceiptMirrorsRust) {
  const auto now = Clock::now();
  const auto day2 = seconds(48 * 3600);
  // No ttl on the record: the server's 48 h.
  EXPECT_EQ(expiry_on_receipt(0, day2, 0, kK, now), now + day2);
  // The shorter one wins.
  EXPECT_EQ(expiry_on_receipt(60, day2, 0, kK, now), now + seconds(60));
  EXPECT_EQ(expiry_on_receipt(60 * 3600 * 24, day2, 0, kK, now), now + day2);
  // Neither: no expiry.
  EXPECT_EQ(expiry_on_receipt(0, std::nullopt, 0, kK, now), std::nullopt);
  EXPECT_EQ(expiry_on_receipt(30, std::nullopt, 0, kK, now), now + seconds(30));
  // Two peers beyond K closer than us: the server ttl is divided by 4.
  EXPECT_EQ(expiry_on_receipt(0, day2, kK + 2, kK, now), now + seconds(12 * 3600));
  EXPECT_EQ(expiry_on_receipt(0, day2, kK + 200, kK, now), now);
}

TEST(ProviderStore, KeepsProvidersWithAddressesAndRefreshes) {
  ProviderStore store;
  const auto now = Clock::now();
  auto p = random_peer();
  auto added = store.add(as_bytes("cid"), p, {quic(1), addr("/ip4/0.0.0.0/udp/1/quic-v1")}, now);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, AddProviderOutcome::added);
  auto again = store.add(as_bytes("cid"), p, {quic(2)}, now + seconds(10));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, AddProviderOutcome::refreshed);
  auto list = store.providers(as_bytes("cid"), now);
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0].addresses, std::vector{quic(2)});
  EXPECT_EQ(list[0].expires, now + seconds(10) + seconds(48 * 3600));
}

TEST(ProviderStore, EnforcesRustsLimits) {
  ProviderStore store(ProviderStoreLimits{.max_provided_keys = 3, .max_providers_per_key = 2});
  const auto now = Clock::now();
  for (int k = 0; k < 3; ++k)
    ASSERT_TRUE(store.add(as_bytes("k" + std::to_string(k)), random_peer(), {}, now).ok());
  EXPECT_FALSE(store.add(as_bytes("k3"), random_peer(), {}, now).ok());
  ASSERT_TRUE(store.add(as_bytes("k0"), random_peer(), {}, now).ok());
  auto third = store.add(as_bytes("k0"), random_peer(), {}, now);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, AddProviderOutcome::ignored_key_full);
  EXPECT_EQ(store.providers(as_bytes("k0"), now).size(), 2U);
  EXPECT_EQ(store.key_count(), 3U);
  EXPECT_EQ(store.provider_count(), 4U);
  ProviderStore defaults;
  EXPECT_EQ(defaults.limits().max_provided_keys, 1024U);
  EXPECT_EQ(defaults.limits().max_providers_per_key, 20U);
  EXPECT_EQ(defaults.limits().provider_ttl, seconds(48 * 3600));
}

TEST(ProviderStore, ExpiresAndSweeps) {
  ProviderStore store(ProviderStoreLimits{.provider_ttl = seconds(10)});
  const auto now = Clock::now();
  ASSERT_TRUE(store.add(as_bytes("k"), random_peer(), {quic(1)}, now).ok());
  ASSERT_TRUE(store.add(as_bytes("k"), random_peer(), {quic(1)}, now + seconds(5)).ok());
  EXPECT_EQ(store.providers(as_bytes("k"), now + seconds(11)).size(), 1U);
  EXPECT_EQ(store.sweep(now + seconds(11)), 1U);
  EXPECT_EQ(store.sweep(now + seconds(16)), 1U);
  EXPECT_EQ(store.key_count(), 0U);
}

}  // namespace
}  // namespace privstack::protocol::kad
