#include "transport/chunk_pool.h"

#include <vector>

namespace privstack::transport::chunk_pool {

namespace {

// Buffers can be freed during thread exit after the pool itself is gone (a connection destroyed
// by another thread_local's destructor); the trivially destructible flag lets give() notice.
thread_local bool t_pool_gone = false;

struct Pool {
  std::vector<Bytes> free;        // capacity kChunkSize
  std::vector<Bytes> free_small;  // capacity kSmallChunkSize
  Pool() {
    free.reserve(kMaxPooledChunks);
    free_small.reserve(kMaxPooledChunks);
  }
  ~Pool() { t_pool_gone = true; }
};

thread_local Pool t_pool;

Bytes take_from(std::vector<Bytes>& list, std::size_t capacity) {
  if (!t_pool_gone && !list.empty()) {
    Bytes chunk = std::move(list.back());
    list.pop_back();
    chunk.clear();
    return chunk;
  }
  Bytes chunk;
  chunk.reserve(capacity);
  return chunk;
}

}  // namespace

Bytes take() {
  return take_from(t_pool.free, kChunkSize);
}

Bytes take_small() {
  return take_from(t_pool.free_small, kSmallChunkSize);
}

void give(Bytes&& chunk) {
  if (t_pool_gone) return;
  std::vector<Bytes>* list = nullptr;
  if (chunk.capacity() == kChunkSize) {
    list = &t_pool.free;
  } else if (chunk.capacity() == kSmallChunkSize) {
    list = &t_pool.free_small;
  }
  if (list == nullptr || list->size() >= kMaxPooledChunks) {
    return;  // `chunk` is freed by the caller's moved-from vector going out of scope
  }
  list->push_back(std::move(chunk));
}

std::size_t pooled() {
  return t_pool_gone ? 0 : t_pool.free.size();
}

std::size_t pooled_small() {
  return t_pool_gone ? 0 : t_pool.free_small.size();
}

}  // namespace privstack::transport::chunk_pool
