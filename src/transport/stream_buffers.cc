#include "transport/stream_buffers.h"

#include <algorithm>
#include <cstring>

#include "transport/chunk_pool.h"

namespace privstack::transport {

namespace {
// Chunk sizes: large enough to keep the chunk count (and writev vectors) small for bulk transfers,
// small enough that a stream carrying a few short messages does not pin 16 KiB each.
constexpr std::size_t kMinChunk = chunk_pool::kSmallChunkSize;
constexpr std::size_t kMaxChunk = chunk_pool::kChunkSize;

// Chunks come from (and go back to) the per-thread pool in its two sizes: a bulk transfer then
// reuses the same few buffers instead of allocating one every few packets. A request between
// the two sizes gets a full-size chunk (pooled) rather than an exact one (allocated).
Bytes new_chunk(std::size_t capacity) {
  if (capacity <= kMinChunk) return chunk_pool::take_small();
  if (capacity <= kMaxChunk) return chunk_pool::take();
  Bytes chunk;
  chunk.reserve(capacity);
  return chunk;
}
}  // namespace

std::size_t SendBuffer::append(ByteView data) {
  std::size_t taken = 0;
  std::size_t want = std::min(data.size(), room());
  while (taken < want) {
    if (chunks_.empty() || chunks_.back().bytes.size() == chunks_.back().bytes.capacity()) {
      Chunk chunk;
      chunk.bytes = new_chunk(std::clamp(want - taken, kMinChunk, kMaxChunk));
      chunk.offset = end_;
      chunks_.push_back(std::move(chunk));
    }
    auto& back = chunks_.back().bytes;
    const std::size_t n = std::min(want - taken, back.capacity() - back.size());
    back.insert(back.end(), data.begin() + static_cast<std::ptrdiff_t>(taken),
                data.begin() + static_cast<std::ptrdiff_t>(taken + n));
    taken += n;
    end_ += n;
  }
  return taken;
}

std::size_t SendBuffer::unsent_vecs(std::span<ngtcp2_vec> out) const {
  std::size_t count = 0;
  for (std::size_t i = 0; i < chunks_.size(); ++i) {
    const Chunk& chunk = chunks_[i];
    if (count == out.size()) break;
    const std::uint64_t chunk_end = chunk.offset + chunk.bytes.size();
    if (chunk_end <= sent_) continue;
    const std::size_t skip =
        sent_ > chunk.offset ? static_cast<std::size_t>(sent_ - chunk.offset) : 0;
    // ngtcp2_vec is not const-correct; ngtcp2 only reads through it.
    out[count].base = const_cast<std::uint8_t*>(chunk.bytes.data()) + skip;
    out[count].len = chunk.bytes.size() - skip;
    ++count;
  }
  return count;
}

void SendBuffer::acknowledge(std::uint64_t n) {
  acked_ = std::min(acked_ + n, sent_);
  while (!chunks_.empty()) {
    const auto& front = chunks_.front();
    const std::uint64_t front_end = front.offset + front.bytes.size();
    // A chunk that may still grow is kept unless it is fully acknowledged and nothing follows.
    if (front_end > acked_) break;
    chunk_pool::give(std::move(chunks_.front().bytes));
    chunks_.pop_front();
  }
}

void SendBuffer::clear() {
  for (std::size_t i = 0; i < chunks_.size(); ++i)
    chunk_pool::give(std::move(chunks_[i].bytes));
  chunks_.clear();
  acked_ = sent_ = end_;
}

void RecvBuffer::push(ByteView data) {
  std::size_t done = 0;
  if (!chunks_.empty()) {
    auto& back = chunks_.back();
    const std::size_t n = std::min(data.size(), back.capacity() - back.size());
    back.insert(back.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    done = n;
  }
  if (done < data.size()) {
    // Pooled full-size chunks: in a bulk transfer one holds about a dozen packets' payload.
    Bytes chunk = new_chunk(std::max(data.size() - done, kMaxChunk));
    chunk.insert(chunk.end(), data.begin() + static_cast<std::ptrdiff_t>(done), data.end());
    chunks_.push_back(std::move(chunk));
  }
  size_ += data.size();
}

std::size_t RecvBuffer::read(std::span<std::uint8_t> out) {
  std::size_t copied = 0;
  while (copied < out.size() && !chunks_.empty()) {
    auto& front = chunks_.front();
    const std::size_t n = std::min(out.size() - copied, front.size() - front_pos_);
    std::memcpy(out.data() + copied, front.data() + front_pos_, n);
    copied += n;
    front_pos_ += n;
    if (front_pos_ == front.size()) {
      chunk_pool::give(std::move(front));
      chunks_.pop_front();
      front_pos_ = 0;
    }
  }
  size_ -= copied;
  return copied;
}

std::size_t RecvBuffer::clear() {
  const std::size_t dropped = size_;
  for (std::size_t i = 0; i < chunks_.size(); ++i)
    chunk_pool::give(std::move(chunks_[i]));
  chunks_.clear();
  front_pos_ = 0;
  size_ = 0;
  return dropped;
}

}  // namespace privstack::transport
