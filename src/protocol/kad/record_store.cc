#include "protocol/kad/record_store.h"

#include <algorithm>
#include <limits>

namespace privstack::protocol::kad {

std::optional<Clock::time_point> expiry_on_receipt(std::uint32_t wire_ttl,
                                                   std::optional<std::chrono::seconds> record_ttl,
                                                   std::size_t closer_peers, std::size_t k,
                                                   Clock::time_point now) {
  std::optional<Clock::time_point> from_record;
  if (wire_ttl > 0) from_record = now + std::chrono::seconds(wire_ttl);
  std::optional<Clock::time_point> from_server;
  if (record_ttl) {
    // rust exp_decrease: ttl >> beyond_k (saturating at zero for large shifts).
    const std::size_t beyond_k = std::max(closer_peers, k) - k;
    const auto secs = static_cast<std::uint64_t>(record_ttl->count());
    const std::uint64_t decayed = beyond_k >= 64 ? 0 : secs >> beyond_k;
    from_server = now + std::chrono::seconds(static_cast<std::int64_t>(decayed));
  }
  if (from_record && from_server) return std::min(*from_record, *from_server);
  return from_record ? from_record : from_server;
}

std::uint32_t remaining_ttl(const StoredRecord& record, Clock::time_point now) {
  if (!record.expires) return 0;
  if (*record.expires <= now) return 1;
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(*record.expires - now).count();
  const auto max = static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max());
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(left, 1, max));
}

KadRecord to_wire(const StoredRecord& record, Clock::time_point now) {
  return KadRecord{.key = record.key,
                   .value = record.value,
                   .publisher = record.publisher,
                   .ttl = remaining_ttl(record, now),
                   .time_received = {}};
}

Result<void> RecordStore::put(StoredRecord record) {
  if (limits_.max_value_bytes != 0 && record.value.size() > limits_.max_value_bytes) {
    return make_error("record value of {} bytes exceeds {} bytes", record.value.size(),
                      limits_.max_value_bytes);
  }
  auto it = records_.find(ByteView(record.key));
  if (it != records_.end()) {
    // Set elements are immutable; replacing is erase + insert (the slot count is unchanged).
    records_.erase(it);
  } else if (limits_.max_records != 0 && records_.size() >= limits_.max_records) {
    return make_error("record store full ({} records)", limits_.max_records);
  }
  records_.insert(std::move(record));
  return {};
}

const StoredRecord* RecordStore::get(ByteView key, Clock::time_point now) {
  auto it = records_.find(key);
  if (it == records_.end()) return nullptr;
  if (it->expired(now)) {
    records_.erase(it);
    return nullptr;
  }
  return &*it;
}

bool RecordStore::remove(ByteView key) {
  auto it = records_.find(key);
  if (it == records_.end()) return false;
  records_.erase(it);
  return true;
}

std::size_t RecordStore::sweep(Clock::time_point now) {
  return std::erase_if(records_, [&](const StoredRecord& r) { return r.expired(now); });
}

std::vector<StoredRecord> RecordStore::records(Clock::time_point now) const {
  std::vector<StoredRecord> out;
  out.reserve(records_.size());
  for (const auto& record : records_)
    if (!record.expired(now)) out.push_back(record);
  return out;
}

}  // namespace privstack::protocol::kad
