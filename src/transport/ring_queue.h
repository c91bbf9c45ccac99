// A FIFO that keeps its capacity: a ring buffer over a vector, for queues that churn once per
// packet (the connection's write queue of streams, the stream buffers' chunk lists).
//
// Why not std::deque: libstdc++'s deque frees and allocates a 512-byte node every 32 push/pop
// pairs as a FIFO moves through it, i.e. a heap allocation every few dozen packets per queue. This
// ring only allocates when it holds more elements than it ever did (it doubles, from 8).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace privstack::transport {

template <typename T>
class RingQueue {
 public:
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }

  T& front() { return slots_[head_]; }
  const T& front() const { return slots_[head_]; }
  T& back() { return (*this)[count_ - 1]; }
  const T& back() const { return (*this)[count_ - 1]; }
  /// The i-th element from the front.
  T& operator[](std::size_t i) { return slots_[(head_ + i) % slots_.size()]; }
  const T& operator[](std::size_t i) const { return slots_[(head_ + i) % slots_.size()]; }

  void push_back(T value) {
    if (count_ == slots_.size()) grow();
    ++count_;
    back() = std::move(value);
  }

  void pop_front() {
    slots_[head_] = T();  // drop the reference now, as deque::pop_front would
    head_ = (head_ + 1) % slots_.size();
    --count_;
  }

  /// Empties the queue; keeps the capacity.
  void clear() {
    for (std::size_t i = 0; i < count_; ++i)
      (*this)[i] = T();
    head_ = 0;
    count_ = 0;
  }

 private:
  void grow() {
    std::vector<T> bigger(slots_.empty() ? 8 : slots_.size() * 2);
    for (std::size_t i = 0; i < count_; ++i)
      bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace privstack::transport
