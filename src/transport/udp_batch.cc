#include "transport/udp_batch.h"

namespace privstack::transport {

TxBatch::TxBatch(std::size_t capacity, bool coalesce)
    : buffer_(std::make_unique_for_overwrite<std::uint8_t[]>(capacity)),
      capacity_(capacity),
      coalesce_(coalesce) {
  // One run per packet at worst; sized once so that commit() never allocates on the hot path.
  runs_.reserve(kMaxGsoSegments * 2);
}

std::span<std::uint8_t> TxBatch::slot(std::size_t max_packet) {
  if (max_packet == 0 || capacity_ - used_ < max_packet) return {};
  return {buffer_.get() + used_, max_packet};
}

void TxBatch::commit(std::size_t n, const udp::endpoint& to) {
  if (n == 0 || n > capacity_ - used_) return;
  ++packets_;
  if (coalesce_ && !runs_.empty()) {
    Run& last = runs_.back();
    // GSO cuts the buffer into segment_size pieces, so only a packet that is not longer than the
    // run's segments may join, and a shorter one must be the last.
    if (!last.closed && last.to == to && n <= last.segment_size && last.count < kMaxGsoSegments &&
        last.bytes + n <= kMaxGsoBytes && last.offset + last.bytes == used_) {
      last.bytes += n;
      ++last.count;
      if (n < last.segment_size) last.closed = true;
      used_ += n;
      return;
    }
  }
  runs_.push_back(Run{used_, n, n, 1, false, to});
  used_ += n;
}

void TxBatch::clear() {
  runs_.clear();
  used_ = 0;
  packets_ = 0;
}

}  // namespace privstack::transport
