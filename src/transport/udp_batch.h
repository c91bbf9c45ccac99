// Pure bookkeeping for batched UDP I/O (no syscalls here; udp_socket.cc does those):
//  - TxBatch collects the packets of one write pass back to back in one buffer and groups them into
//    runs that the kernel can send with a single sendmsg + UDP_SEGMENT (GSO): same destination,
//    equal-size segments where only the last may be shorter.
//  - for_each_segment splits a GRO-coalesced receive back into the datagrams the peer sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/bytes.h"
#include "transport/asio_fwd.h"

namespace privstack::transport {

/// Linux refuses GSO sends above 64 segments (UDP_MAX_SEGMENTS) or above one IP datagram.
inline constexpr std::size_t kMaxGsoSegments = 64;
inline constexpr std::size_t kMaxGsoBytes = 65000;

class TxBatch {
 public:
  /// Packets that can go out in one sendmsg (with GSO) or one entry of a sendmmsg (without).
  struct Run {
    std::size_t offset = 0;        // into data()
    std::size_t bytes = 0;         // total of all segments
    std::size_t segment_size = 0;  // size of every segment but possibly the last
    std::size_t count = 0;         // segments
    bool closed = false;           // a shorter segment ended it; nothing may join
    udp::endpoint to;
  };

  /// `capacity` bytes of packet storage; `coalesce` false makes every packet its own run.
  TxBatch(std::size_t capacity, bool coalesce);

  /// Where to write the next packet of at most `max_packet` bytes; empty when the batch is full
  /// (flush it first). Stays valid until commit() or clear().
  std::span<std::uint8_t> slot(std::size_t max_packet);
  /// The first `n` bytes of the last slot hold a packet for `to`.
  void commit(std::size_t n, const udp::endpoint& to);

  bool empty() const { return runs_.empty(); }
  std::size_t packets() const { return packets_; }
  const std::vector<Run>& runs() const { return runs_; }
  ByteView bytes(const Run& run) const { return {buffer_.get() + run.offset, run.bytes}; }
  /// Forgets the packets; keeps the storage (no allocation on the next pass).
  void clear();

  void set_coalesce(bool on) { coalesce_ = on; }
  bool coalesce() const { return coalesce_; }

 private:
  // Not zero-filled: pages a quiet socket never writes never become resident.
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t capacity_;
  std::size_t used_ = 0;
  std::size_t packets_ = 0;
  std::vector<Run> runs_;
  bool coalesce_;
};

/// Calls `f(ByteView)` for each datagram in `data`, which the kernel may have coalesced (GRO) from
/// datagrams of `segment_size` bytes (the last may be shorter). segment_size 0: one datagram.
/// Returns the number of datagrams; `f` returning false stops early.
template <typename F>
std::size_t for_each_segment(ByteView data, std::size_t segment_size, F&& f) {
  if (segment_size == 0 || segment_size >= data.size()) {
    if (data.empty()) return 0;
    f(data);
    return 1;
  }
  std::size_t count = 0;
  for (std::size_t offset = 0; offset < data.size(); offset += segment_size) {
    ++count;
    const std::size_t n = std::min(segment_size, data.size() - offset);
    if (!f(data.subspan(offset, n))) break;
  }
  return count;
}

}  // namespace privstack::transport
