#include "transport/stream_buffers.h"

#include <array>

#include <gtest/gtest.h>

namespace privstack::transport {
namespace {

Bytes bytes(std::size_t n, std::uint8_t start = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = static_cast<std::uint8_t>(start + i);
  return b;
}

Bytes gather(const SendBuffer& buffer) {
  std::array<ngtcp2_vec, 64> vecs{};
  const std::size_t n = buffer.unsent_vecs(vecs);
  Bytes out;
  for (std::size_t i = 0; i < n; ++i)
    out.insert(out.end(), vecs[i].base, vecs[i].base + vecs[i].len);
  return out;
}

TEST(SendBuffer, RespectsItsLimit) {
  SendBuffer buffer(10000);
  EXPECT_EQ(buffer.append(bytes(6000)), 6000u);
  EXPECT_EQ(buffer.append(bytes(6000)), 4000u);
  EXPECT_EQ(buffer.room(), 0u);
  EXPECT_EQ(buffer.append(bytes(1)), 0u);
  buffer.mark_sent(5000);
  EXPECT_EQ(buffer.room(), 0u);  // sent but unacknowledged bytes still count
  buffer.acknowledge(3000);
  EXPECT_EQ(buffer.room(), 3000u);
}

TEST(SendBuffer, UnsentDataIsContiguousAcrossChunksAndStable) {
  SendBuffer buffer(1 << 20);
  Bytes all;
  for (int i = 0; i < 50; ++i) {
    auto piece = bytes(1000 + static_cast<std::size_t>(i), static_cast<std::uint8_t>(i));
    buffer.append(piece);
    all.insert(all.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(gather(buffer), all);
  std::array<ngtcp2_vec, 1> first{};
  ASSERT_EQ(buffer.unsent_vecs(first), 1u);
  const std::uint8_t* pinned = first[0].base;
  buffer.mark_sent(first[0].len);
  // Appending more must not move bytes that ngtcp2 may still reference.
  for (int i = 0; i < 100; ++i)
    buffer.append(bytes(333));
  EXPECT_EQ(pinned[0], all[0]);
  const Bytes rest = gather(buffer);
  EXPECT_EQ(Bytes(rest.begin(), rest.begin() + 10),
            Bytes(all.begin() + static_cast<std::ptrdiff_t>(first[0].len),
                  all.begin() + static_cast<std::ptrdiff_t>(first[0].len) + 10));
}

TEST(SendBuffer, AcknowledgeFreesAndClearEmpties) {
  SendBuffer buffer(100000);
  buffer.append(bytes(50000));
  buffer.mark_sent(50000);
  buffer.acknowledge(50000);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.room(), 100000u);
  buffer.append(bytes(10));
  EXPECT_TRUE(buffer.has_unsent());
  buffer.clear();
  EXPECT_FALSE(buffer.has_unsent());
  EXPECT_TRUE(buffer.empty());
}

TEST(RecvBuffer, PreservesOrderAcrossReads) {
  RecvBuffer buffer;
  Bytes all;
  for (int i = 0; i < 30; ++i) {
    auto piece = bytes(1200, static_cast<std::uint8_t>(i * 7));
    buffer.push(piece);
    all.insert(all.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(buffer.size(), all.size());
  Bytes out;
  std::array<std::uint8_t, 999> chunk{};
  while (!buffer.empty()) {
    const std::size_t n = buffer.read(chunk);
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
  }
  EXPECT_EQ(out, all);
  buffer.push(bytes(10));
  EXPECT_EQ(buffer.clear(), 10u);
  EXPECT_TRUE(buffer.empty());
}

}  // namespace
}  // namespace privstack::transport
