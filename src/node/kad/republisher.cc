#include "node/kad/republisher.h"

#include <algorithm>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "multiformats/varint.h"
#include "protocol/stream_io.h"

namespace privstack::node {

namespace kadp = protocol::kad;
using Clock = std::chrono::steady_clock;

namespace {

crypto::Sha256Digest fingerprint(const kadp::StoredRecord& record) {
  Bytes input;
  multiformats::append_uvarint(input, record.value.size());
  input.insert(input.end(), record.value.begin(), record.value.end());
  if (record.publisher)
    input.insert(input.end(), record.publisher->bytes().begin(), record.publisher->bytes().end());
  return crypto::sha256(input);
}

}  // namespace

std::shared_ptr<KadRepublisher> KadRepublisher::start(std::shared_ptr<KadService> service,
                                                      std::shared_ptr<KadQueries> queries,
                                                      KadReplicationConfig config) {
  std::shared_ptr<KadRepublisher> self(
      new KadRepublisher(std::move(service), std::move(queries), config));
  auto host = self->service_->host();
  if (!host) return self;
  if (config.interval.count() > 0)
    asio::co_spawn(host->io(), self->loop(config.interval, true), asio::detached);
  if (config.new_record_check.count() > 0)
    asio::co_spawn(host->io(), self->loop(config.new_record_check, false), asio::detached);
  return self;
}

KadRepublisher::KadRepublisher(std::shared_ptr<KadService> service,
                               std::shared_ptr<KadQueries> queries, KadReplicationConfig config)
    : service_(std::move(service)), queries_(std::move(queries)), config_(config) {}

void KadRepublisher::stop() {
  stopped_ = true;
  for (const auto& weak : timers_) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  timers_.clear();
}

asio::awaitable<void> KadRepublisher::loop(std::chrono::milliseconds period, bool all) {
  auto self = shared_from_this();
  for (;;) {
    auto host = service_->host();
    if (!host || stopped_) co_return;
    auto timer = std::make_shared<asio::steady_timer>(host->io(), period);
    std::erase_if(timers_, [](const auto& weak) { return weak.expired(); });
    timers_.push_back(timer);
    host.reset();  // do not keep the host alive while sleeping
    co_await timer->async_wait(protocol::kUseTuple);
    if (stopped_) co_return;
    // The hourly pass and the new-record pass never overlap; a skipped tick comes again.
    if (passes_running_ > 0) continue;
    co_await replicate(all);
  }
}

// Bounds the puts of one pass: at most `limit` records in flight; each finished put wakes the
// pass loop.
struct KadRepublisher::InFlight {
  InFlight(asio::io_context& io, std::size_t max) : wake(io), limit(max) {}
  asio::steady_timer wake;
  std::size_t limit;
  std::size_t running = 0;

  asio::awaitable<void> wait_below(std::size_t n) {
    while (running > n) {
      wake.expires_at(Clock::time_point::max());
      co_await wake.async_wait(protocol::kUseTuple);
    }
  }
};

asio::awaitable<void> KadRepublisher::put_one(std::shared_ptr<InFlight> slots,
                                              kadp::KadRecord record) {
  auto self = shared_from_this();
  const std::size_t bytes = record.value.size();
  auto result = co_await queries_->put_record(std::move(record));
  spdlog::debug("kad replicated a record ({} bytes) to {} of {} peers", bytes,
                result.stored_at.size(), result.attempted);
  --slots->running;
  slots->wake.cancel();
}

asio::awaitable<std::size_t> KadRepublisher::replicate(bool all) {
  auto self = shared_from_this();
  auto host = service_->host();
  if (!host) co_return 0;
  ++passes_running_;
  const auto records = service_->records().records(Clock::now());

  // Forget what the store no longer holds, so sent_ stays bounded by it.
  std::unordered_set<std::string> live;
  for (const auto& record : records)
    live.insert(std::string(as_chars(record.key)));
  std::erase_if(sent_, [&](const auto& entry) { return !live.contains(entry.first); });

  auto slots =
      std::make_shared<InFlight>(host->io(), std::max<std::size_t>(config_.max_parallel, 1));
  std::size_t sent = 0;
  for (const auto& record : records) {
    if (stopped_) break;
    const std::string key(as_chars(record.key));
    const auto print = fingerprint(record);
    auto known = sent_.find(key);
    if (!all && known != sent_.end() && known->second == print) continue;
    co_await slots->wait_below(slots->limit - 1);
    const auto now = Clock::now();
    if (record.expired(now)) continue;
    sent_[key] = print;
    ++sent;
    ++slots->running;
    // to_wire keeps the publisher and the remaining ttl: replication never extends a record.
    asio::co_spawn(host->io(), put_one(slots, kadp::to_wire(record, now)), asio::detached);
  }
  co_await slots->wait_below(0);
  ++passes_;
  records_sent_ += sent;
  --passes_running_;
  if (sent > 0) {
    // The hourly pass is worth an info line; the new-record pass runs every few seconds.
    const auto level = all ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(level, "kad replication ({}): {} of {} records sent",
                all ? "periodic" : "new records", sent, records.size());
  }
  co_return sent;
}

}  // namespace privstack::node
