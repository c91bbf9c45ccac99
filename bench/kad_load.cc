// kad_load: a load generator for the relay's Kademlia server over QUIC v1 + libp2p TLS.
//
//   kad_load requests --target IP:PORT --peer ID [--seconds N] [--concurrency C]
//     C clients (each its own identity and connection) each keep one /ipfs/kad/1.0.0 stream and
//     alternate PUT_VALUE and GET_VALUE on it (go's stream reuse) for N seconds; prints the
//     answered requests per second.
//   kad_load fill --target IP:PORT --peer ID [--records N] [--value-bytes V] [--relay-pid PID]
//     Stores N distinct records (run the relay with --kad-max-records 0 or >= N) and, with
//     --relay-pid, prints the relay's RSS growth per 1,000 records (VmRSS before and after).
//   kad_load inproc [--records N] [--value-bytes V]
//     The same growth measured in this process on a bare RecordStore (mallinfo2 + VmRSS).
//
// Every result line is `key=value` pairs. Each network mode has a hard wall-clock cap.
#include <malloc.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "node/host.h"
#include "protocol/kad/message.h"
#include "protocol/kad/record_store.h"
#include "protocol/length_prefixed.h"

namespace {

namespace asio = boost::asio;
namespace kad = privstack::protocol::kad;
using namespace privstack;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode;
  std::string target;  // ip:port
  std::string peer;
  double seconds = 5.0;
  std::size_t concurrency = 8;
  std::size_t records = 10'000;
  std::size_t value_bytes = 100;
  long relay_pid = 0;
};

[[noreturn]] void usage(std::string_view why) {
  fmt::print(stderr,
             "error: {}\n"
             "usage: kad_load requests --target IP:PORT --peer ID [--seconds N] [--concurrency C]\n"
             "       kad_load fill --target IP:PORT --peer ID [--records N] [--value-bytes V] "
             "[--relay-pid PID]\n"
             "       kad_load inproc [--records N] [--value-bytes V]\n",
             why);
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) usage("no mode");
  Options o;
  o.mode = std::string(args[0]);
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (i + 1 >= args.size()) usage(fmt::format("missing value for {}", args[i]));
    const std::string value(args[i + 1]);
    const std::string_view key = args[i];
    try {
      if (key == "--target") {
        o.target = value;
      } else if (key == "--peer") {
        o.peer = value;
      } else if (key == "--seconds") {
        o.seconds = std::stod(value);
      } else if (key == "--concurrency") {
        o.concurrency = std::stoul(value);
      } else if (key == "--records") {
        o.records = std::stoul(value);
      } else if (key == "--value-bytes") {
        o.value_bytes = std::stoul(value);
      } else if (key == "--relay-pid") {
        o.relay_pid = std::stol(value);
      } else {
        usage(fmt::format("unknown option {}", key));
      }
    } catch (const std::exception&) {
      usage(fmt::format("bad value for {}: {}", key, value));
    }
    ++i;
  }
  if (o.mode != "requests" && o.mode != "fill" && o.mode != "inproc") {
    usage(fmt::format("unknown mode {}", o.mode));
  }
  if (o.mode != "inproc" && (o.target.empty() || o.peer.empty())) {
    usage("--target and --peer are required");
  }
  if (o.concurrency == 0) usage("--concurrency must be at least 1");
  return o;
}

/// VmRSS of a process in KiB ("self" or a pid), 0 if unreadable.
long rss_kb(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

std::optional<multiformats::Multiaddr> make_address(const Options& o) {
  const auto colon = o.target.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto parsed = multiformats::Multiaddr::parse(fmt::format("/ip4/{}/udp/{}/quic-v1/p2p/{}",
                                                           o.target.substr(0, colon),
                                                           o.target.substr(colon + 1), o.peer));
  if (!parsed) return std::nullopt;
  return *parsed;
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
};

/// One request, one answer of the same type on `stream`.
asio::awaitable<Result<void>> exchange(transport::Stream& stream, const kad::KadMessage& request) {
  const Bytes body = kad::encode_message(request);
  auto sent = co_await protocol::write_frame(stream, body);
  if (!sent) co_return sent.error();
  auto frame = co_await protocol::read_frame(stream, 1 << 20);
  if (!frame) co_return frame.error();
  if (!frame->has_value()) co_return make_error("stream ended");
  auto answer = kad::decode_message(**frame);
  if (!answer) co_return answer.error();
  if (answer->type != request.type) co_return make_error("answer of another type");
  co_return Result<void>{};
}

/// A client: its own host and connection, one kad stream, requests until `deadline` (or until
/// `keys` is exhausted when it is set).
asio::awaitable<void> client(asio::io_context& io, multiformats::Multiaddr address, std::size_t id,
                             Clock::time_point deadline, std::size_t value_bytes, Stats& stats,
                             std::size_t& next_key, std::size_t key_count, bool fill,
                             std::size_t& running) {
  auto host = node::Host::create(io, crypto::Ed25519Keypair::generate(), node::HostConfig{});
  auto fail = [&](const Error& e) {
    ++stats.failed;
    stats.last_error = e.message;
  };
  if (!host) {
    fail(host.error());
    --running;
    co_return;
  }
  auto connection = co_await (*host)->dial(address);
  if (!connection) {
    fail(connection.error());
    (*host)->close();
    --running;
    co_return;
  }
  auto stream = co_await (*host)->new_stream(*connection, std::string(kad::kProtocolId));
  if (!stream) {
    fail(stream.error());
    (*host)->close();
    --running;
    co_return;
  }
  std::uint64_t i = 0;
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
    if (Clock::now() >= deadline) break;
    const std::string key = fmt::format("bench/{}/{}", id, i % 64);
    const auto request =
        (i % 2 == 0) ? put_request(key, value_bytes)
                     : kad::KadMessage{.type = kad::MessageType::get_value, .key = to_bytes(key)};
    auto r = co_await exchange(**stream, request);
    ++i;
    if (r) {
      if (Clock::now() <= deadline) ++stats.ok;
    } else {
      fail(r.error());
      break;
    }
  }
  protocol::close_write(**stream);
  (*connection)->close();
  (*host)->close();
  --running;
}

/// Runs `io` until every client finished or `cap` passed (bounded in all cases).
void run_bounded(asio::io_context& io, std::size_t& running, std::chrono::duration<double> cap) {
  asio::steady_timer guard(io, std::chrono::duration_cast<Clock::duration>(cap));
  guard.async_wait([&](boost::system::error_code ec) {
    if (ec) return;
    fmt::print(stderr, "warning: hard time cap reached, stopping\n");
    io.stop();
  });
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer poll(io);
        while (running > 0) {
          poll.expires_after(std::chrono::milliseconds(20));
          co_await poll.async_wait(asio::use_awaitable);
        }
        poll.expires_after(std::chrono::milliseconds(200));  // let close frames go out
        co_await poll.async_wait(asio::use_awaitable);
        guard.cancel();
        io.stop();
      },
      asio::detached);
  io.run();
}

int run_network(const Options& o) {
  asio::io_context io(1);
  if (!crypto::PeerId::parse(o.peer)) usage("bad --peer");
  auto address = make_address(o);
  if (!address) usage("bad --target (want IPv4:PORT)");
  Stats stats;
  std::size_t running = o.concurrency;
  std::size_t next_key = 0;
  const bool fill = o.mode == "fill";
  const double budget = fill ? 600.0 : o.seconds;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(budget));
  const std::string pid = std::to_string(o.relay_pid);
  const long rss_before = o.relay_pid > 0 ? rss_kb(pid) : 0;
  for (std::size_t c = 0; c < o.concurrency; ++c) {
    asio::co_spawn(
        io,
        client(io, *address, c, deadline, o.value_bytes, stats, next_key, o.records, fill, running),
        asio::detached);
  }
  run_bounded(io, running, std::chrono::duration<double>(budget + 15.0));
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  if (fill) {
    const long rss_after = o.relay_pid > 0 ? rss_kb(pid) : 0;
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
    fmt::print(
        "mode=requests concurrency={} seconds={:.2f} answered={} failed={} rate={:.1f} "
        "value_bytes={} last_error=\"{}\"\n",
        o.concurrency, o.seconds, stats.ok, stats.failed, static_cast<double>(stats.ok) / o.seconds,
        o.value_bytes, stats.last_error);
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
