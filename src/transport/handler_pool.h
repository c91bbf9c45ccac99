// A per-thread pool for the small blocks that every stream read or write completion needs (the
// type-erased handler, the posted completion), and an Asio-compatible allocator over it.
//
// Why not asio::recycling_allocator: it keeps 2 blocks per thread and purpose, so as soon as more
// than two completions are in flight at once (16 circuits, or one datagram completing reads on
// several streams) it falls back to the heap for most of them, about once per packet. This pool
// keeps up to kMaxBlocksPerClass blocks of each size class, so a relay thread reaches a steady
// state where completions only reuse blocks.
//
// The allocator is stateless (an empty class), which matters: Asio's post() attaches the
// handler's allocator to the executor it posts through, and a stateful allocator would make that
// executor too big for any_io_executor's in-place storage (one more heap allocation per post).
// Blocks may be freed on another thread than the one that allocated them; they then join that
// thread's pool, which only changes where the block is reused.
#pragma once

#include <array>
#include <cstddef>
#include <new>

namespace privstack::transport::handler_pool {

/// Size classes 64, 128, ..., 2048 bytes; bigger requests go to the heap directly.
inline constexpr std::size_t kMinClassSize = 64;
inline constexpr std::size_t kClassCount = 6;
/// Bounds what an idle thread keeps: at most 64 × (64 + ... + 2048) bytes, about 258 KiB.
inline constexpr std::size_t kMaxBlocksPerClass = 64;

namespace detail {

struct FreeBlock {
  FreeBlock* next;
};

// Blocks can be freed during thread exit after the pool itself is gone (a handler destroyed by
// another thread_local's or a static's destructor); this trivially destructible flag lets
// allocate() and deallocate() notice and use the heap directly.
inline thread_local bool t_pool_gone = false;

struct ThreadPool {
  std::array<FreeBlock*, kClassCount> heads{};
  std::array<std::size_t, kClassCount> counts{};

  ThreadPool() = default;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool() {
    t_pool_gone = true;
    for (FreeBlock* head : heads) {
      while (head != nullptr) {
        FreeBlock* next = head->next;
        ::operator delete(static_cast<void*>(head));
        head = next;
      }
    }
  }
};

inline ThreadPool& this_thread_pool() {
  thread_local ThreadPool pool;
  return pool;
}

/// The class index for `size`, or kClassCount if it is not pooled.
constexpr std::size_t class_of(std::size_t size) {
  std::size_t index = 0;
  for (std::size_t cap = kMinClassSize; index < kClassCount; ++index, cap *= 2) {
    if (size <= cap) return index;
  }
  return kClassCount;
}

constexpr std::size_t class_size(std::size_t index) {
  return kMinClassSize << index;
}

}  // namespace detail

inline void* allocate(std::size_t size, std::size_t align) {
  const std::size_t index = detail::class_of(size);
  if (index == kClassCount || align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    return ::operator new(size, std::align_val_t(align));
  }
  if (detail::t_pool_gone) return ::operator new(detail::class_size(index));
  auto& pool = detail::this_thread_pool();
  if (detail::FreeBlock* block = pool.heads[index]) {
    pool.heads[index] = block->next;
    --pool.counts[index];
    return block;
  }
  return ::operator new(detail::class_size(index));
}

inline void deallocate(void* p, std::size_t size, std::size_t align) noexcept {
  const std::size_t index = detail::class_of(size);
  if (index == kClassCount || align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    ::operator delete(p, std::align_val_t(align));
    return;
  }
  if (detail::t_pool_gone) {
    ::operator delete(p);
    return;
  }
  auto& pool = detail::this_thread_pool();
  if (pool.counts[index] >= kMaxBlocksPerClass) {
    ::operator delete(p);
    return;
  }
  pool.heads[index] = new (p) detail::FreeBlock{pool.heads[index]};
  ++pool.counts[index];
}

/// Blocks this thread's pool holds now (for tests).
inline std::size_t pooled() {
  if (detail::t_pool_gone) return 0;
  std::size_t n = 0;
  for (std::size_t c : detail::this_thread_pool().counts)
    n += c;
  return n;
}

/// A stateless allocator over this thread's pool, for asio::bind_allocator.
template <typename T>
class Allocator {
 public:
  using value_type = T;

  Allocator() noexcept = default;
  template <typename U>
  Allocator(const Allocator<U>&) noexcept {}  // NOLINT: rebinding converts implicitly

  T* allocate(std::size_t n) {
    return static_cast<T*>(handler_pool::allocate(n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    handler_pool::deallocate(p, n * sizeof(T), alignof(T));
  }

  template <typename U>
  bool operator==(const Allocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace privstack::transport::handler_pool
