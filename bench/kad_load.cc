// kad_load: a load generator for the relay's Kademlia server over QUIC v1 + libp2p TLS.
//
//   kad_load requests --target IP:PORT --peer ID [--seconds N] [--concurrency C]
//                     [--op mixed|put|get|find_node]
//     C clients (each its own identity and connection) each keep one /ipfs/kad/1.0.0 stream and
//     send requests on it (go's stream reuse) for N seconds; prints the answered requests per
//     second. Keys are /privstack/bench/<n>. `mixed` alternates PUT_VALUE and GET_VALUE; `get`
//     first stores the keys it will read (not timed) and counts only answers carrying the record;
//     `find_node` asks for random peer ids. Timing starts once every client is connected (and
//     has stored its keys), so the rate is requests alone, not dials.
//   kad_load fill --target IP:PORT --peer ID [--records N] [--value-bytes V] [--concurrency C]
//                 [--relay-pid PID]
//     Stores N distinct records (run the relay with --kad-max-records 0 or >= N) and, with
//     --relay-pid, prints the relay's RSS growth per 1,000 records (VmRSS before and after).
//   kad_load inproc [--records N] [--value-bytes V]
//     The same growth measured in this process on a bare RecordStore (mallinfo2 + VmRSS).
//
// Every result line is `key=value` pairs. Each network mode has a hard wall-clock cap. With
// --relay-pid, `requests` also reports the relay's CPU use over the timed window (relay_cpu_util,
// beside this process's loadgen_cpu_util: which of the two was the limit).
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/ed25519.h"
#include "load_common.h"
#include "multiformats/multiaddr.h"
#include "node/host.h"
#include "protocol/kad/message.h"
#include "protocol/kad/record_store.h"
#include "protocol/length_prefixed.h"

namespace {

namespace asio = boost::asio;
namespace kad = privstack::protocol::kad;
using namespace privstack;
using bench::Clock;
using bench::rss_kb;

struct Options {
  std::string mode;
  bench::TargetOptions relay;
  double seconds = 5.0;
  std::size_t concurrency = 8;
  std::size_t records = 10'000;
  std::size_t value_bytes = 100;
  std::string op = "mixed";
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"Load generator for a relay's Kademlia server over QUIC v1", "kad_load"};
  app.require_subcommand(1);
  auto* requests = app.add_subcommand("requests", "Answered requests/s from C clients");
  auto* fill = app.add_subcommand("fill", "Store N records; with --relay-pid, RSS per 1,000");
  auto* inproc = app.add_subcommand("inproc", "Memory per record of a bare RecordStore");
  bench::add_target_options(*requests, o.relay);
  bench::add_target_options(*fill, o.relay);
  requests->add_option("--seconds", o.seconds, "Length of the timed window")
      ->check(CLI::Range(0.1, 3600.0));
  for (auto* mode : {requests, fill}) {
    mode->add_option("--concurrency", o.concurrency, "Clients, each its own connection")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
  }
  requests->add_option("--op", o.op, "Request type")
      ->check(CLI::IsMember({"mixed", "put", "get", "find_node"}));
  for (auto* mode : {fill, inproc}) {
    mode->add_option("--records", o.records, "Records to store")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
    mode->add_option("--value-bytes", o.value_bytes, "Bytes per value")
        ->check(CLI::Range(std::size_t{0}, std::size_t{1 << 20}));
  }
  bench::parse_or_exit(app, argc, argv);
  o.mode = app.get_subcommands().front()->get_name();
  return o;
}

kad::KadMessage put_request(const std::string& key, std::size_t value_bytes) {
  return kad::KadMessage{
      .type = kad::MessageType::put_value,
      .key = to_bytes(key),
      .record = kad::KadRecord{.key = to_bytes(key), .value = Bytes(value_bytes, 0x5a)}};
}

struct Stats {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::string last_error;
  // The timed window: opens once every client is ready (connected, keys stored), see client().
  std::size_t waiting = 0;
  std::optional<Clock::time_point> window_start;
  Clock::time_point window_end;
  long relay_pid = 0;                    // 0: the relay's CPU is not measured
  std::optional<bench::CpuMeter> meter;  // started with the window
};

/// Keys a client uses: /privstack/bench/<n>, 64 per client, disjoint between clients.
constexpr std::size_t kKeysPerClient = 64;
std::string bench_key(std::size_t client, std::uint64_t i) {
  return fmt::format("/privstack/bench/{}", client * 1'000'000 + i % kKeysPerClient);
}

/// One request, one answer of the same type on `stream`. With `want_record`, the answer must
/// carry a record (GET_VALUE of a stored key).
asio::awaitable<Result<void>> exchange(transport::Stream& stream, const kad::KadMessage& request,
                                       bool want_record = false) {
  const Bytes body = kad::encode_message(request);
  auto sent = co_await protocol::write_frame(stream, body);
  if (!sent) co_return sent.error();
  auto frame = co_await protocol::read_frame(stream, 1 << 20);
  if (!frame) co_return frame.error();
  if (!frame->has_value()) co_return make_error("stream ended");
  auto answer = kad::decode_message(**frame);
  if (!answer) co_return answer.error();
  if (answer->type != request.type) co_return make_error("answer of another type");
  if (want_record && !answer->record) co_return make_error("GET_VALUE answer without the record");
  co_return Result<void>{};
}

/// A client: its own host and connection, one kad stream, requests until `deadline` (or until
/// `keys` is exhausted when it is set).
asio::awaitable<void> client(asio::io_context& io, multiformats::Multiaddr address, std::size_t id,
                             Clock::time_point deadline, std::size_t value_bytes, Stats& stats,
                             std::size_t& next_key, std::size_t key_count, bool fill,
                             std::size_t& running, std::string op, double seconds) {
  auto host = node::Host::create(io, crypto::Ed25519Keypair::generate(), node::HostConfig{});
  auto fail = [&](const Error& e) {
    ++stats.failed;
    stats.last_error = e.message;
  };
  // Every client arrives at the start barrier exactly once, ready or failed; the last one to
  // arrive opens the timed window for all.
  bool arrived = fill;
  auto arrive = [&] {
    if (arrived) return;
    arrived = true;
    if (--stats.waiting == 0) {
      stats.window_start = Clock::now();
      stats.meter.emplace(stats.relay_pid);
      stats.window_end = *stats.window_start + std::chrono::duration_cast<Clock::duration>(
                                                   std::chrono::duration<double>(seconds));
    }
  };
  if (!host) {
    fail(host.error());
    arrive();
    --running;
    co_return;
  }
  auto connection = co_await (*host)->dial(address);
  if (!connection) {
    fail(connection.error());
    (*host)->close();
    arrive();
    --running;
    co_return;
  }
  auto stream = co_await (*host)->new_stream(*connection, std::string(kad::kProtocolId));
  if (!stream) {
    fail(stream.error());
    (*host)->close();
    arrive();
    --running;
    co_return;
  }
  if (!fill) {
    // Untimed preparation: GET_VALUE reads keys that exist; FIND_NODE asks for real peer ids.
    std::vector<Bytes> peers;
    for (std::size_t k = 0; op == "find_node" && k < 16; ++k) {
      peers.push_back(crypto::Ed25519Keypair::generate().peer_id().bytes());
    }
    for (std::size_t k = 0; op == "get" && k < kKeysPerClient; ++k) {
      const auto request = put_request(bench_key(id, k), value_bytes);
      auto r = co_await exchange(**stream, request);
      if (!r) {
        fail(r.error());
        break;
      }
    }
    arrive();  // then wait for the others
    asio::steady_timer poll(io);
    while (!stats.window_start && Clock::now() < deadline) {
      poll.expires_after(std::chrono::milliseconds(2));
      co_await poll.async_wait(asio::use_awaitable);
    }
    if (stats.window_start) deadline = stats.window_end;
    std::uint64_t i = 0;
    while (Clock::now() < deadline) {
      kad::KadMessage request;
      const bool get = op == "get" || (op == "mixed" && i % 2 == 1);
      if (op == "find_node") {
        request.type = kad::MessageType::find_node;
        request.key = peers[i % peers.size()];
      } else if (get) {
        request.type = kad::MessageType::get_value;
        request.key = to_bytes(bench_key(id, i));
      } else {
        request = put_request(bench_key(id, i), value_bytes);
      }
      auto r = co_await exchange(**stream, request, op == "get");
      ++i;
      if (r) {
        if (Clock::now() <= deadline) ++stats.ok;
      } else {
        fail(r.error());
        break;
      }
    }
  }
  for (;;) {
    if (fill) {
      if (next_key >= key_count || Clock::now() > deadline) break;
      // Requests are named locals: GCC 12 destroys some temporaries inside co_await twice.
      const auto request = put_request(fmt::format("fill/{}", next_key++), value_bytes);
      auto r = co_await exchange(**stream, request);
      if (r) {
        ++stats.ok;
      } else {
        fail(r.error());
        break;
      }
      continue;
    }
    break;
  }
  protocol::close_write(**stream);
  (*connection)->close();
  (*host)->close();
  --running;
}

int run_network(const Options& o) {
  asio::io_context io(1);
  auto address = bench::relay_multiaddr(o.relay);
  if (!address) {
    fmt::print(stderr, "error: bad --target (want IPv4:PORT)\n");
    return 2;
  }
  Stats stats;
  stats.relay_pid = o.relay.relay_pid;
  std::size_t running = o.concurrency;
  std::size_t next_key = 0;
  const bool fill = o.mode == "fill";
  // Requests: up to 60 s to connect (and store the keys GET reads), then the timed window.
  const double budget = fill ? 600.0 : 60.0 + o.seconds;
  stats.waiting = o.concurrency;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget));
  const std::string pid = std::to_string(o.relay.relay_pid);
  const long rss_before = o.relay.relay_pid > 0 ? rss_kb(pid) : 0;
  for (std::size_t c = 0; c < o.concurrency; ++c) {
    asio::co_spawn(io,
                   client(io, *address, c, deadline, o.value_bytes, stats, next_key, o.records,
                          fill, running, o.op, o.seconds),
                   asio::detached);
  }
  bench::run_bounded(io, running, std::chrono::duration<double>(budget + 15.0),
                     std::chrono::milliseconds(200));  // then let close frames go out
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  if (fill) {
    const long rss_after = o.relay.relay_pid > 0 ? rss_kb(pid) : 0;
    const double per_1000 = stats.ok > 0 ? static_cast<double>(rss_after - rss_before) * 1000.0 /
                                               static_cast<double>(stats.ok)
                                         : 0.0;
    fmt::print(
        "mode=fill records={} stored={} failed={} value_bytes={} wall_s={:.2f} "
        "relay_rss_before_kb={} relay_rss_after_kb={} relay_rss_kb_per_1000_records={:.1f} "
        "last_error=\"{}\"\n",
        o.records, stats.ok, stats.failed, o.value_bytes, wall, rss_before, rss_after, per_1000,
        stats.last_error);
  } else {
    // Load generator (and relay) CPU over the timed window (well below 1: not the bottleneck).
    const std::string cpu = stats.meter
                                ? stats.meter->report()
                                : "loadgen_cpu_s=0.00 loadgen_wall_s=0.00 loadgen_cpu_util=0.00";
    fmt::print(
        "mode=requests op={} concurrency={} seconds={:.2f} answered={} failed={} rate={:.1f} "
        "value_bytes={} {} last_error=\"{}\"\n",
        o.op, o.concurrency, o.seconds, stats.ok, stats.failed,
        static_cast<double>(stats.ok) / o.seconds, o.value_bytes, cpu, stats.last_error);
  }
  return stats.failed == 0 ? 0 : 1;
}

int run_inproc(const Options& o) {
  kad::RecordStore store(kad::RecordStoreLimits{.max_records = 0, .max_value_bytes = 0});
  const auto heap_before = mallinfo2().uordblks;
  const long rss_before = rss_kb("self");
  const auto now = kad::Clock::now();
  const auto publisher = crypto::Ed25519Keypair::generate().peer_id();
  for (std::size_t i = 0; i < o.records; ++i) {
    // Keys like a PrivStack sync-code hash record: a prefix and 32 bytes of hex.
    auto put = store.put(kad::StoredRecord{.key = to_bytes(fmt::format("/privstack/{:064x}", i)),
                                           .value = Bytes(o.value_bytes, 0x5a),
                                           .publisher = publisher,
                                           .expires = now + std::chrono::hours(48),
                                           .received = now});
    if (!put) {
      fmt::print(stderr, "error: {}\n", put.error().message);
      return 1;
    }
  }
  const auto heap_after = mallinfo2().uordblks;
  const long rss_after = rss_kb("self");
  const double n = static_cast<double>(o.records);
  fmt::print(
      "mode=inproc records={} value_bytes={} heap_bytes_per_record={:.1f} "
      "heap_kb_per_1000_records={:.1f} rss_kb_per_1000_records={:.1f}\n",
      o.records, o.value_bytes, static_cast<double>(heap_after - heap_before) / n,
      static_cast<double>(heap_after - heap_before) / n * 1000.0 / 1024.0,
      static_cast<double>(rss_after - rss_before) / n * 1000.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const Options o = parse_options(argc, argv);
  return o.mode == "inproc" ? run_inproc(o) : run_network(o);
}
