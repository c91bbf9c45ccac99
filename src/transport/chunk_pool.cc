#include "transport/chunk_pool.h"

#include <vector>

namespace privstack::transport::chunk_pool {

namespace {

// Buffers can be freed during thread exit after the pool itself is gone (a connection destroyed
// by another thread_local's destructor); the trivially destructible flag lets give() notice.
thread_local bool t_pool_gone = false;

struct Pool {
  std::vector<Bytes> free;
  Pool() { free.reserve(kMaxPooledChunks); }
  ~Pool() { t_pool_gone = true; }
};

thread_local Pool t_pool;

}  // namespace

Bytes take() {
  if (!t_pool_gone && !t_pool.free.empty()) {
    Bytes chunk = std::move(t_pool.free.back());
    t_pool.free.pop_back();
    chunk.clear();
    return chunk;
  }
  Bytes chunk;
  chunk.reserve(kChunkSize);
  return chunk;
}

void give(Bytes&& chunk) {
  if (t_pool_gone || chunk.capacity() != kChunkSize || t_pool.free.size() >= kMaxPooledChunks) {
    return;  // `chunk` is freed by the caller's moved-from vector going out of scope
  }
  t_pool.free.push_back(std::move(chunk));
}

std::size_t pooled() {
  return t_pool_gone ? 0 : t_pool.free.size();
}

}  // namespace privstack::transport::chunk_pool
