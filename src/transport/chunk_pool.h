// A per-thread free list of stream buffer chunks, so that a bulk transfer recycles the same few
// chunks instead of allocating one every few packets (SendBuffer/RecvBuffer use it). Bounded: at
// most kMaxPooledChunks are kept per thread, the rest go back to the heap.
#pragma once

#include <cstddef>

#include "common/bytes.h"

namespace privstack::transport::chunk_pool {

/// The one size that is pooled (SendBuffer's and RecvBuffer's largest chunk).
inline constexpr std::size_t kChunkSize = 16 * 1024;
/// 1 MiB per thread at most.
inline constexpr std::size_t kMaxPooledChunks = 64;

/// An empty buffer with capacity() == kChunkSize, recycled when one is available.
Bytes take();
/// Returns a buffer; kept only if its capacity is kChunkSize and the pool has room.
void give(Bytes&& chunk);
/// Chunks this thread's pool holds now (for tests).
std::size_t pooled();

}  // namespace privstack::transport::chunk_pool
