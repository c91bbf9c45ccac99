// RingQueue (transport/ring_queue.h): FIFO order across wrap-around and growth, references
// dropped on pop, and no reallocation once the capacity has been reached (the reason it exists).
#include <memory>

#include <gtest/gtest.h>

#include "transport/ring_queue.h"

namespace privstack::transport {
namespace {

TEST(RingQueue, KeepsFifoOrderAcrossWrapAndGrowth) {
  RingQueue<int> q;
  int next_in = 0;
  int next_out = 0;
  // Interleaved pushes and pops move the head around the ring while it grows.
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 3; ++i)
      q.push_back(next_in++);
    EXPECT_EQ(q.front(), next_out);
    q.pop_front();
    ++next_out;
  }
  EXPECT_EQ(q.size(), static_cast<std::size_t>(next_in - next_out));
  for (std::size_t i = 0; i < q.size(); ++i)
    EXPECT_EQ(q[i], next_out + static_cast<int>(i));
  EXPECT_EQ(q.back(), next_in - 1);
  while (!q.empty()) {
    EXPECT_EQ(q.front(), next_out++);
    q.pop_front();
  }
  EXPECT_EQ(next_out, next_in);
}

TEST(RingQueue, PopAndClearDropReferences) {
  RingQueue<std::shared_ptr<int>> q;
  auto a = std::make_shared<int>(1);
  auto b = std::make_shared<int>(2);
  q.push_back(a);
  q.push_back(b);
  EXPECT_EQ(a.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(a.use_count(), 1);
  q.clear();
  EXPECT_EQ(b.use_count(), 1);
  EXPECT_TRUE(q.empty());
}

TEST(RingQueue, RoundRobinChurnReusesStorage) {
  RingQueue<int> q;
  for (int i = 0; i < 5; ++i)
    q.push_back(i);
  const int* slot_of_front = &q.front();
  // A write pass's round-robin: pop the front, push it back; thousands of times, no growth.
  for (int i = 0; i < 10000; ++i) {
    const int v = q.front();
    q.pop_front();
    q.push_back(v);
  }
  EXPECT_EQ(q.size(), 5u);
  // Same storage: the elements still live within the original 8-slot ring.
  const std::ptrdiff_t distance = &q.front() - slot_of_front;
  EXPECT_GE(distance, -7);
  EXPECT_LE(distance, 7);
}

}  // namespace
}  // namespace privstack::transport
