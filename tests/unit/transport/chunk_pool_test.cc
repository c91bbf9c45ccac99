// The stream buffers recycle full-size chunks through the per-thread pool, and the pool stays
// bounded.
#include "transport/chunk_pool.h"

#include <gtest/gtest.h>

#include "transport/stream_buffers.h"

namespace privstack::transport {
namespace {

TEST(ChunkPool, RecyclesFullSizeChunksOnly) {
  Bytes a = chunk_pool::take();
  EXPECT_EQ(a.capacity(), chunk_pool::kChunkSize);
  EXPECT_TRUE(a.empty());
  a.push_back(7);
  const auto* storage = a.data();
  const std::size_t before = chunk_pool::pooled();
  chunk_pool::give(std::move(a));
  EXPECT_EQ(chunk_pool::pooled(), before + 1);
  Bytes b = chunk_pool::take();
  EXPECT_EQ(b.data(), storage) << "the same buffer comes back";
  EXPECT_TRUE(b.empty());

  Bytes small;
  small.reserve(100);
  chunk_pool::give(std::move(small));
  EXPECT_EQ(chunk_pool::pooled(), before) << "other sizes are not kept";
}

TEST(ChunkPool, IsBounded) {
  std::vector<Bytes> many;
  for (std::size_t i = 0; i < chunk_pool::kMaxPooledChunks + 10; ++i)
    many.push_back(chunk_pool::take());
  for (auto& chunk : many)
    chunk_pool::give(std::move(chunk));
  EXPECT_EQ(chunk_pool::pooled(), chunk_pool::kMaxPooledChunks);
}

TEST(ChunkPool, BulkStreamTrafficReusesPooledChunks) {
  // Warm the pool, then move 1 MiB through a receive buffer the way a stream does: push packet
  // payloads, read them out. Every chunk it needs is a recycled one.
  { RecvBuffer warm; }
  const Bytes packet(1200, 0x42);
  std::vector<std::uint8_t> out(4096);
  RecvBuffer recv;
  SendBuffer send(256 * 1024);
  std::size_t moved = 0;
  const std::size_t pooled_before = chunk_pool::pooled();
  while (moved < 1024 * 1024) {
    recv.push(packet);
    while (!recv.empty()) {
      const std::size_t n = recv.read(out);
      ASSERT_EQ(send.append(ByteView(out.data(), n)), n);
      send.mark_sent(n);
      send.acknowledge(n);
      moved += n;
    }
  }
  EXPECT_GE(chunk_pool::pooled() + 2, pooled_before) << "chunks returned as they drained";
  EXPECT_LE(chunk_pool::pooled(), chunk_pool::kMaxPooledChunks);
}

}  // namespace
}  // namespace privstack::transport
