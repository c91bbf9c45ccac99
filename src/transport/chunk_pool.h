// A per-thread free list of stream buffer chunks, so that a bulk transfer recycles the same few
// chunks instead of allocating one every few packets (SendBuffer/RecvBuffer use it). Bounded: at
// most kMaxPooledChunks are kept per thread, the rest go back to the heap.
#pragma once

#include <cstddef>

#include "common/bytes.h"

namespace privstack::transport::chunk_pool {

/// The sizes that are pooled: SendBuffer's and RecvBuffer's largest chunk, and SendBuffer's
/// smallest (a relay writes one packet's payload at a time, about 1.2 KB; without a pooled small
/// chunk every second write allocated one).
inline constexpr std::size_t kChunkSize = 16 * 1024;
inline constexpr std::size_t kSmallChunkSize = 2 * 1024;
/// 4 MiB per thread at most for full-size chunks, 512 KiB for small ones. A single relayed
/// circuit at full speed has more than 128 chunks in flight (its send and receive windows): with a
/// cap of 64 the relay thread allocated ~9 times per MiB at 1 circuit and ~16 at 16 circuits, with
/// 128 ~6 and ~9, with 256 ~2 and ~7 (bench/circuit_throughput, relay_new_per_mib).
inline constexpr std::size_t kMaxPooledChunks = 256;

/// An empty buffer with capacity() == kChunkSize, recycled when one is available.
Bytes take();
/// An empty buffer with capacity() == kSmallChunkSize, recycled when one is available.
Bytes take_small();
/// Returns a buffer; kept only if its capacity is kChunkSize or kSmallChunkSize and the pool of
/// that size has room.
void give(Bytes&& chunk);
/// Full-size chunks this thread's pool holds now (for tests).
std::size_t pooled();
/// Small chunks this thread's pool holds now (for tests).
std::size_t pooled_small();

}  // namespace privstack::transport::chunk_pool
