// Byte buffers behind a QUIC stream. Both are chunk lists so that bytes never move once stored:
// ngtcp2 keeps pointers to sent stream data until it is acknowledged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <ngtcp2/ngtcp2.h>

#include "common/bytes.h"
#include "transport/ring_queue.h"

namespace privstack::transport {

/// Outgoing data: [acked, sent) is in flight and pinned; [sent, end) is waiting for the network.
/// At most `limit` bytes are held; writers wait for acknowledgements to make room (backpressure).
class SendBuffer {
 public:
  explicit SendBuffer(std::size_t limit) : limit_(limit) {}
  SendBuffer(const SendBuffer&) = delete;
  SendBuffer& operator=(const SendBuffer&) = delete;
  ~SendBuffer() { clear(); }  // chunks go back to the pool for the next stream

  std::size_t room() const { return limit_ - static_cast<std::size_t>(end_ - acked_); }
  /// Copies as much of `data` as fits; returns the number of bytes taken.
  std::size_t append(ByteView data);
  bool has_unsent() const { return sent_ < end_; }
  std::uint64_t unsent() const { return end_ - sent_; }
  /// Points `out` at the unsent bytes (at most out.size() pieces); returns the count used.
  std::size_t unsent_vecs(std::span<ngtcp2_vec> out) const;
  /// `n` more bytes were put into STREAM frames.
  void mark_sent(std::uint64_t n) { sent_ += n; }
  /// The peer acknowledged the next `n` bytes; frees chunks that are entirely acknowledged.
  void acknowledge(std::uint64_t n);
  /// Drops everything (stream reset or closed): nothing is referenced any more.
  void clear();
  bool empty() const { return acked_ == end_; }

 private:
  struct Chunk {
    Bytes bytes;  // capacity fixed at creation, so appends never reallocate
    std::uint64_t offset = 0;
  };
  std::size_t limit_;
  RingQueue<Chunk> chunks_;  // not a deque: no node churn per packet (ring_queue.h)
  std::uint64_t acked_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t end_ = 0;
};

/// Incoming in-order data waiting for the application. Bounded by the flow-control window we
/// advertise, which only grows as the application consumes.
class RecvBuffer {
 public:
  RecvBuffer() = default;
  RecvBuffer(const RecvBuffer&) = delete;
  RecvBuffer& operator=(const RecvBuffer&) = delete;
  ~RecvBuffer() { clear(); }
  void push(ByteView data);
  /// Moves up to out.size() bytes into `out`; returns the count.
  std::size_t read(std::span<std::uint8_t> out);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// Discards everything; returns how many bytes were dropped.
  std::size_t clear();

 private:
  RingQueue<Bytes> chunks_;
  std::size_t front_pos_ = 0;
  std::size_t size_ = 0;
};

}  // namespace privstack::transport
