// The per-thread pool behind stream completion handlers: blocks are reused by size class, the
// pool stays bounded, and oversized or over-aligned requests bypass it.
#include "transport/handler_pool.h"

#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace privstack::transport {
namespace {

TEST(HandlerPool, ReusesABlockOfTheSameClass) {
  void* a = handler_pool::allocate(100, alignof(std::max_align_t));
  const std::size_t before = handler_pool::pooled();
  handler_pool::deallocate(a, 100, alignof(std::max_align_t));
  EXPECT_EQ(handler_pool::pooled(), before + 1);
  // 120 bytes is in the same class (65..128) as 100.
  void* b = handler_pool::allocate(120, alignof(std::max_align_t));
  EXPECT_EQ(b, a) << "the freed block comes back";
  EXPECT_EQ(handler_pool::pooled(), before);
  handler_pool::deallocate(b, 120, alignof(std::max_align_t));
}

TEST(HandlerPool, IsBoundedPerClass) {
  std::vector<void*> blocks;
  for (std::size_t i = 0; i < handler_pool::kMaxBlocksPerClass + 10; ++i)
    blocks.push_back(handler_pool::allocate(256, 8));
  const std::size_t before = handler_pool::pooled();
  for (void* p : blocks)
    handler_pool::deallocate(p, 256, 8);
  EXPECT_LE(handler_pool::pooled(), before + handler_pool::kMaxBlocksPerClass);
}

TEST(HandlerPool, LargeAndOverAlignedRequestsBypassThePool) {
  const std::size_t before = handler_pool::pooled();
  void* big = handler_pool::allocate(64 * 1024, 8);
  handler_pool::deallocate(big, 64 * 1024, 8);
  void* aligned = handler_pool::allocate(64, 64);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(aligned) % 64, 0u);
  handler_pool::deallocate(aligned, 64, 64);
  EXPECT_EQ(handler_pool::pooled(), before);
}

TEST(HandlerPool, ABlockFreedOnAnotherThreadJoinsThatThreadsPool) {
  void* p = handler_pool::allocate(500, 8);
  std::size_t pooled_there = 0;
  std::thread other([&] {
    handler_pool::deallocate(p, 500, 8);
    pooled_there = handler_pool::pooled();
  });  // the other thread's pool frees it at thread exit (LSan checks that)
  other.join();
  EXPECT_EQ(pooled_there, 1u);
}

TEST(HandlerPool, AllocatorRebindsAndComparesEqual) {
  handler_pool::Allocator<int> ints;
  handler_pool::Allocator<double> doubles(ints);
  EXPECT_TRUE(ints == doubles);
  int* p = ints.allocate(4);
  p[3] = 7;
  ints.deallocate(p, 4);
}

}  // namespace
}  // namespace privstack::transport
