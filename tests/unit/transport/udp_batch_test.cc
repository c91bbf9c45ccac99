// TxBatch grouping (which packets may share one GSO send) and GRO splitting, with plain bytes.
#include "transport/udp_batch.h"

#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/ip/udp.hpp>

namespace privstack::transport {
namespace {

const udp::endpoint kA(boost::asio::ip::make_address("127.0.0.1"), 1000);
const udp::endpoint kB(boost::asio::ip::make_address("127.0.0.1"), 2000);

// Writes a packet of `n` bytes, all `fill`, through slot()/commit().
void put(TxBatch& batch, std::size_t n, std::uint8_t fill, const udp::endpoint& to) {
  auto slot = batch.slot(1452);
  ASSERT_GE(slot.size(), n);
  std::fill_n(slot.begin(), n, fill);
  batch.commit(n, to);
}

TEST(TxBatch, EqualPacketsToOneDestinationFormOneRun) {
  TxBatch batch(64 * 1024, true);
  for (std::uint8_t i = 0; i < 5; ++i)
    put(batch, 1200, i, kA);
  ASSERT_EQ(batch.runs().size(), 1u);
  const auto& run = batch.runs()[0];
  EXPECT_EQ(run.count, 5u);
  EXPECT_EQ(run.segment_size, 1200u);
  EXPECT_EQ(run.bytes, 6000u);
  const ByteView bytes = batch.bytes(run);
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(bytes[i * 1200], i) << "packets lie back to back in order";
}

TEST(TxBatch, AShorterPacketEndsTheRun) {
  TxBatch batch(64 * 1024, true);
  put(batch, 1200, 1, kA);
  put(batch, 1200, 2, kA);
  put(batch, 700, 3, kA);   // may be the last segment of the run...
  put(batch, 1200, 4, kA);  // ...but nothing may follow it
  ASSERT_EQ(batch.runs().size(), 2u);
  EXPECT_EQ(batch.runs()[0].count, 3u);
  EXPECT_EQ(batch.runs()[0].bytes, 3100u);
  EXPECT_TRUE(batch.runs()[0].closed);
  EXPECT_EQ(batch.runs()[1].count, 1u);
  EXPECT_EQ(batch.packets(), 4u);
}

TEST(TxBatch, ALongerPacketOrAnotherDestinationStartsANewRun) {
  TxBatch batch(64 * 1024, true);
  put(batch, 1000, 1, kA);
  put(batch, 1200, 2, kA);  // longer than the run's segments: GSO would cut it
  put(batch, 1200, 3, kB);  // other destination
  put(batch, 1200, 4, kB);
  ASSERT_EQ(batch.runs().size(), 3u);
  EXPECT_EQ(batch.runs()[2].count, 2u);
  EXPECT_EQ(batch.runs()[2].to, kB);
}

TEST(TxBatch, RunsRespectTheKernelsSegmentAndByteLimits) {
  TxBatch batch(256 * 1024, true);
  for (std::size_t i = 0; i < kMaxGsoSegments + 1; ++i)
    put(batch, 100, 0, kA);
  ASSERT_EQ(batch.runs().size(), 2u);
  EXPECT_EQ(batch.runs()[0].count, kMaxGsoSegments);

  batch.clear();
  for (std::size_t i = 0; i < 50; ++i)
    put(batch, 1452, 0, kA);
  for (const auto& run : batch.runs())
    EXPECT_LE(run.bytes, kMaxGsoBytes);
  EXPECT_EQ(batch.runs().size(), 2u);
}

TEST(TxBatch, WithoutCoalescingEveryPacketIsItsOwnRun) {
  TxBatch batch(64 * 1024, false);
  for (int i = 0; i < 3; ++i)
    put(batch, 1200, 0, kA);
  EXPECT_EQ(batch.runs().size(), 3u);
}

TEST(TxBatch, ReportsFullAndReusesItsStorageAfterClear) {
  TxBatch batch(3000, true);
  put(batch, 1452, 0, kA);
  EXPECT_TRUE(batch.slot(1452).size() == 1452);
  put(batch, 1452, 0, kA);
  EXPECT_TRUE(batch.slot(1452).empty()) << "96 bytes left: no room for another packet";
  const auto* first = batch.bytes(batch.runs()[0]).data();
  batch.clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.slot(1452).data(), first);
}

TEST(TxBatch, IgnoresEmptyAndOversizedCommits) {
  TxBatch batch(2000, true);
  batch.commit(0, kA);
  batch.commit(5000, kA);
  EXPECT_TRUE(batch.empty());
}

std::vector<std::size_t> sizes(ByteView data, std::size_t segment) {
  std::vector<std::size_t> out;
  for_each_segment(data, segment, [&](ByteView d) {
    out.push_back(d.size());
    return true;
  });
  return out;
}

TEST(ForEachSegment, SplitsAGroBufferIntoItsDatagrams) {
  const Bytes data(3100);
  EXPECT_EQ(sizes(data, 1200), (std::vector<std::size_t>{1200, 1200, 700}));
  EXPECT_EQ(sizes(data, 0), (std::vector<std::size_t>{3100}));
  EXPECT_EQ(sizes(data, 5000), (std::vector<std::size_t>{3100}));
  EXPECT_EQ(sizes(Bytes(2400), 1200), (std::vector<std::size_t>{1200, 1200}));
  EXPECT_TRUE(sizes(Bytes(), 1200).empty());
}

TEST(ForEachSegment, StopsWhenTheCallbackSaysSo) {
  const Bytes data(5000);
  int calls = 0;
  for_each_segment(data, 1000, [&](ByteView) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace privstack::transport
