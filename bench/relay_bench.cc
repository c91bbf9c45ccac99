// relay_bench: circuit relay v2 load against any relay (ours, rust-libp2p, js-libp2p) over QUIC v1
// + libp2p TLS on one io_context (one thread). Every peer is its own node::Host (own identity, own
// UDP socket), as real clients behind one IP would be.
//
//   relay_bench circuits --target IP:PORT --peer ID [--circuits K] [--megabytes M | --seconds S]
//     K circuits at once; each target reserves, each source CONNECTs to its target and writes
//     M/K MiB one way. The target counts, and answers one byte once all arrived (so the result
//     does not depend on how a relay forwards half-closes). Prints MiB/s for all K together.
//     With --seconds S the sources write without end instead; after a 0.5 s warm-up the bytes
//     the targets receive in the next S seconds are the result (a window independent of the
//     relay's speed, so slow and fast relays are measured for as long).
//   relay_bench reservations --target IP:PORT --peer ID [--count N] [--concurrency C] [--hold S]
//     N identities each dial and hold one reservation; prints "ready ..." once all are in (the
//     harness samples the relay's RSS then) and holds them S seconds.
//   relay_bench ping --target IP:PORT --peer ID [--samples N] [--under-load 0|1]
//     Round trips of 32 bytes over one circuit (our target echoes), p50/p99 over N samples; with
//     --under-load 1 another circuit carries a bulk transfer the whole time.
//
// Every result line is `key=value` pairs, with this process's CPU use over wall time
// (loadgen_cpu_util: well below 1 means the load generator was not the bottleneck) and, with
// --relay-pid, the relay's over the same window. Every mode has a hard wall-clock cap.
#include <algorithm>
#include <array>
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
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "crypto/ed25519.h"
#include "load_common.h"
#include "multiformats/multiaddr.h"
#include "node/host.h"
#include "node/relay/relay_client.h"
#include "protocol/stream_io.h"

namespace {

namespace asio = boost::asio;
namespace relay = privstack::protocol::relay;
using namespace privstack;
using bench::Clock;
using bench::CpuMeter;
using bench::since;
using protocol::kUseTuple;

struct Options {
  std::string mode;
  bench::TargetOptions relay;
  std::size_t circuits = 1;
  double megabytes = 64;
  double seconds = 0;  // circuits: > 0 measures a timed window instead of a fixed payload
  std::size_t count = 1000;
  std::size_t concurrency = 16;
  double hold = 5.0;
  std::size_t samples = 2000;
  bool under_load = false;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"Circuit relay v2 load against any relay over QUIC v1", "relay_bench"};
  app.require_subcommand(1);
  auto* circuits = app.add_subcommand("circuits", "MiB/s through K circuits at once");
  auto* reservations = app.add_subcommand("reservations", "N peers each holding a reservation");
  auto* ping = app.add_subcommand("ping", "Relayed 32-byte round trips, p50/p99");
  for (auto* mode : {circuits, reservations, ping})
    bench::add_target_options(*mode, o.relay);
  circuits->add_option("--circuits", o.circuits, "Circuits at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
  circuits->add_option("--megabytes", o.megabytes, "MiB in total, one way (without --seconds)")
      ->check(CLI::Range(0.001, 65536.0));
  circuits
      ->add_option("--seconds", o.seconds,
                   "Measure a window of this many seconds of continuous writing instead")
      ->check(CLI::Range(0.0, 3600.0));
  reservations->add_option("--count", o.count, "Peers (identities)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}));
  reservations->add_option("--concurrency", o.concurrency, "Reservations being set up at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
  reservations->add_option("--hold", o.hold, "Seconds to hold them after the ready line")
      ->check(CLI::Range(0.0, 86'400.0));
  ping->add_option("--samples", o.samples, "Round trips")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  ping->add_option("--under-load", o.under_load, "1: a second circuit carries a bulk transfer");
  bench::parse_or_exit(app, argc, argv);
  o.mode = app.get_subcommands().front()->get_name();
  return o;
}

struct Context {
  asio::io_context& io;
  multiformats::Multiaddr relay_address;
  std::vector<std::shared_ptr<node::Host>> hosts;
  std::uint64_t failed = 0;
  std::string last_error;

  void fail(std::string message) {
    ++failed;
    last_error = std::move(message);
  }

  std::shared_ptr<node::Host> make_host() {
    auto host = node::Host::create(io, crypto::Ed25519Keypair::generate(), node::HostConfig{});
    if (!host) throw std::runtime_error(host.error().message);
    hosts.push_back(*host);
    return *host;
  }

  void close_all() {
    for (auto& host : hosts)
      host->close();
    hosts.clear();
  }
};

/// Runs `io` until `done()` or `cap` passed. False on the cap.
template <typename Done>
bool run_until(asio::io_context& io, Done done, std::chrono::duration<double> cap) {
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(cap);
  while (!done()) {
    if (Clock::now() > deadline) {
      fmt::print(stderr, "warning: hard time cap reached\n");
      return false;
    }
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// A target peer: dialed the relay and holds a reservation there.
asio::awaitable<bool> reserve_on_relay(Context& ctx, const std::shared_ptr<node::Host>& host) {
  auto connection = co_await host->dial(ctx.relay_address);
  if (!connection) {
    ctx.fail("dial: " + connection.error().message);
    co_return false;
  }
  auto reply = co_await node::relay_client::reserve(*host, *connection);
  if (!reply) {
    ctx.fail("reserve: " + reply.error().message);
    co_return false;
  }
  if (reply->status != relay::Status::ok) {
    ctx.fail(fmt::format("reserve status {}", static_cast<int>(reply->status)));
    co_return false;
  }
  co_return true;
}

/// A source peer: dials the relay and opens a circuit to `target`; null on failure.
asio::awaitable<node::StreamPtr> open_circuit(Context& ctx, const std::shared_ptr<node::Host>& host,
                                              crypto::PeerId target) {
  auto connection = co_await host->dial(ctx.relay_address);
  if (!connection) {
    ctx.fail("dial: " + connection.error().message);
    co_return nullptr;
  }
  auto reply = co_await node::relay_client::connect(*host, *connection, std::move(target));
  if (!reply) {
    ctx.fail("connect: " + reply.error().message);
    co_return nullptr;
  }
  if (reply->status != relay::Status::ok || !reply->stream) {
    ctx.fail(fmt::format("connect status {}", static_cast<int>(reply->status)));
    co_return nullptr;
  }
  co_return reply->stream;
}

/// Target side of a bulk circuit: counts `expected` bytes (0 = until EOF), then writes one byte.
/// Adds what arrives to `*received` as it arrives, when given (the timed circuits window).
asio::awaitable<void> count_and_ack(node::StreamPtr stream, std::uint64_t expected,
                                    std::shared_ptr<std::uint64_t> received = nullptr) {
  std::vector<std::uint8_t> buffer(64 * 1024);
  std::uint64_t got = 0;
  while (expected == 0 || got < expected) {
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), kUseTuple);
    if (ec) co_return;
    got += n;
    if (received) *received += n;
  }
  const std::uint8_t ack = 1;
  co_await asio::async_write(*stream, asio::buffer(&ack, 1), kUseTuple);
  co_await asio::async_read(*stream, asio::buffer(buffer.data(), 1), kUseTuple);  // until EOF
}

/// Target side of the ping circuit: echoes 32-byte messages until the stream ends.
asio::awaitable<void> echo(node::StreamPtr stream) {
  std::array<std::uint8_t, 32> message{};
  for (;;) {
    auto [ec, n] = co_await asio::async_read(*stream, asio::buffer(message), kUseTuple);
    if (ec) co_return;
    auto [wec, w] = co_await asio::async_write(*stream, asio::buffer(message), kUseTuple);
    if (wec) co_return;
  }
}

/// Source side of a bulk transfer: writes `bytes` (or until `*stop`), then waits for the ack.
asio::awaitable<bool> pump(node::StreamPtr stream, std::uint64_t bytes, const bool* stop) {
  std::vector<std::uint8_t> chunk(64 * 1024, 0x5a);
  std::uint64_t left = bytes;
  while (stop != nullptr ? !*stop : left > 0) {
    const std::size_t n =
        stop == nullptr && left < chunk.size() ? static_cast<std::size_t>(left) : chunk.size();
    auto [ec, written] =
        co_await asio::async_write(*stream, asio::buffer(chunk.data(), n), kUseTuple);
    if (ec) co_return false;
    if (stop == nullptr) left -= written;
  }
  if (stop != nullptr) co_return true;
  std::uint8_t ack = 0;
  auto [ec, n] = co_await asio::async_read(*stream, asio::buffer(&ack, 1), kUseTuple);
  co_return !ec && n == 1;
}

/// Sets up `circuits` target/source pairs; the targets run `handler` on accepted circuits.
std::vector<node::StreamPtr> setup_circuits(Context& ctx, std::size_t circuits,
                                            const node::relay_client::CircuitHandler& handler) {
  // Shared, not on this frame: on the time cap, coroutines may still complete later.
  auto streams = std::make_shared<std::vector<node::StreamPtr>>(circuits);
  auto finished = std::make_shared<std::size_t>(0);
  for (std::size_t i = 0; i < circuits; ++i) {
    auto target = ctx.make_host();
    auto source = ctx.make_host();
    node::relay_client::install_stop_handler(*target, handler);
    asio::co_spawn(
        ctx.io,
        [&ctx, streams, i, target, source]() -> asio::awaitable<void> {
          if (!co_await reserve_on_relay(ctx, target)) co_return;
          const crypto::PeerId target_id = target->peer_id();
          (*streams)[i] = co_await open_circuit(ctx, source, target_id);
        },
        [finished](std::exception_ptr) { ++*finished; });
  }
  run_until(
      ctx.io, [&] { return *finished == circuits; }, std::chrono::seconds(60));
  return *streams;
}

/// Prints the failure line and returns false when fewer than all circuits opened.
bool all_opened(const Context& ctx, const std::vector<node::StreamPtr>& streams) {
  const auto opened = static_cast<std::size_t>(std::count_if(
      streams.begin(), streams.end(), [](const node::StreamPtr& s) { return s != nullptr; }));
  if (opened == streams.size()) return true;
  fmt::print("mode=circuits circuits={} ok=0 opened={} error=\"{}\"\n", streams.size(), opened,
             ctx.last_error);
  return false;
}

/// --seconds: every source writes without end; the result is what the targets received in a
/// window of o.seconds after a warm-up.
int run_circuits_timed(Context& ctx, const Options& o) {
  auto received = std::make_shared<std::uint64_t>(0);
  auto streams = setup_circuits(ctx, o.circuits,
                                [received](node::StreamPtr stream, crypto::PeerId,
                                           std::optional<relay::Limit>) -> asio::awaitable<void> {
                                  co_await count_and_ack(std::move(stream), 0, received);
                                });
  if (!all_opened(ctx, streams)) return 1;
  auto stop = std::make_shared<bool>(false);
  auto failed = std::make_shared<std::size_t>(0);  // pumps that ended before the window did
  auto finished = std::make_shared<std::size_t>(0);
  for (auto& stream : streams) {
    asio::co_spawn(
        ctx.io,
        [stream, stop, failed]() -> asio::awaitable<void> {
          if (!co_await pump(stream, 0, stop.get()) && !*stop) ++*failed;
        },
        [finished](std::exception_ptr) { ++*finished; });
  }
  // Warm-up: congestion and flow-control windows open before the window starts.
  ctx.io.run_for(std::chrono::milliseconds(500));
  const std::uint64_t before = *received;
  CpuMeter meter(o.relay.relay_pid);
  ctx.io.run_for(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds)));
  const double seconds = meter.seconds();
  const std::string cpu = meter.report();
  const double mib = static_cast<double>(*received - before) / (1024.0 * 1024.0);
  const bool ok = *failed == 0 && mib > 0;
  if (*failed > 0) ctx.fail(fmt::format("{} circuit(s) stopped before the window ended", *failed));
  *stop = true;
  for (auto& stream : streams)
    stream->reset();  // ends the pending writes now rather than after the queued data
  run_until(
      ctx.io, [&] { return *finished == o.circuits; }, std::chrono::seconds(10));
  fmt::print(
      "mode=circuits circuits={} ok={} payload_mib={:.1f} seconds={:.3f} mib_per_s={:.1f} "
      "window=timed {} error=\"{}\"\n",
      o.circuits, ok ? 1 : 0, mib, seconds, ok ? mib / seconds : 0.0, cpu,
      ok ? std::string() : ctx.last_error);
  return ok ? 0 : 1;
}

int run_circuits(Context& ctx, const Options& o) {
  if (o.seconds > 0) return run_circuits_timed(ctx, o);
  const auto per_circuit =
      static_cast<std::uint64_t>(o.megabytes * 1024 * 1024 / static_cast<double>(o.circuits));
  auto streams =
      setup_circuits(ctx, o.circuits,
                     [per_circuit](node::StreamPtr stream, crypto::PeerId,
                                   std::optional<relay::Limit>) -> asio::awaitable<void> {
                       co_await count_and_ack(std::move(stream), per_circuit);
                     });
  if (!all_opened(ctx, streams)) return 1;
  CpuMeter meter(o.relay.relay_pid);
  auto finished = std::make_shared<std::size_t>(0);
  auto succeeded = std::make_shared<std::size_t>(0);
  for (auto& stream : streams) {
    asio::co_spawn(
        ctx.io,
        [succeeded, stream, per_circuit]() -> asio::awaitable<void> {
          if (co_await pump(stream, per_circuit, nullptr)) ++*succeeded;
        },
        [finished](std::exception_ptr) { ++*finished; });
  }
  const bool in_time = run_until(
      ctx.io, [&] { return *finished == o.circuits; }, std::chrono::seconds(300));
  const double seconds = meter.seconds();
  const double mib = static_cast<double>(per_circuit * o.circuits) / (1024.0 * 1024.0);
  const bool ok = in_time && *succeeded == o.circuits;
  fmt::print(
      "mode=circuits circuits={} ok={} payload_mib={:.1f} seconds={:.3f} mib_per_s={:.1f} {} "
      "error=\"{}\"\n",
      o.circuits, ok ? 1 : 0, mib, seconds, ok ? mib / seconds : 0.0, meter.report(),
      ok ? std::string() : ctx.last_error);
  for (auto& stream : streams)
    stream->close_write();
  return ok ? 0 : 1;
}

int run_reservations(Context& ctx, const Options& o) {
  CpuMeter meter(o.relay.relay_pid);
  struct Progress {
    std::size_t next = 0;
    std::size_t reserved = 0;
    std::size_t running = 0;
  };
  auto progress = std::make_shared<Progress>();
  progress->running = o.concurrency;
  const std::size_t count = o.count;
  for (std::size_t w = 0; w < o.concurrency; ++w) {
    asio::co_spawn(
        ctx.io,
        [&ctx, progress, count]() -> asio::awaitable<void> {
          while (progress->next < count) {
            ++progress->next;
            auto host = ctx.make_host();
            if (co_await reserve_on_relay(ctx, host)) ++progress->reserved;
          }
        },
        [progress](std::exception_ptr) { --progress->running; });
  }
  run_until(
      ctx.io, [&] { return progress->running == 0; },
      std::chrono::duration<double>(60.0 + 0.1 * static_cast<double>(o.count)));
  const std::size_t reserved = progress->reserved;
  fmt::print("ready reserved={} failed={} setup_s={:.2f} {} last_error=\"{}\"\n", reserved,
             ctx.failed, meter.seconds(), meter.report(), ctx.last_error);
  std::fflush(stdout);
  ctx.io.run_for(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.hold)));
  fmt::print("mode=reservations count={} reserved={} failed={} hold_s={:.1f} {}\n", o.count,
             reserved, ctx.failed, o.hold, meter.report());
  return reserved == o.count ? 0 : 1;
}

int run_ping(Context& ctx, const Options& o) {
  auto ping_streams = setup_circuits(ctx, 1,
                                     [](node::StreamPtr stream, crypto::PeerId,
                                        std::optional<relay::Limit>) -> asio::awaitable<void> {
                                       co_await echo(std::move(stream));
                                     });
  node::StreamPtr bulk;
  if (o.under_load) {
    auto bulk_streams = setup_circuits(ctx, 1,
                                       [](node::StreamPtr stream, crypto::PeerId,
                                          std::optional<relay::Limit>) -> asio::awaitable<void> {
                                         co_await count_and_ack(std::move(stream), 0);
                                       });
    bulk = bulk_streams.at(0);
  }
  auto stream = ping_streams.at(0);
  if (!stream || (o.under_load && !bulk)) {
    fmt::print("mode=ping under_load={} ok=0 error=\"{}\"\n", o.under_load ? 1 : 0, ctx.last_error);
    return 1;
  }
  auto stop = std::make_shared<bool>(false);
  if (bulk) {
    asio::co_spawn(
        ctx.io, [bulk, stop]() -> asio::awaitable<void> { co_await pump(bulk, 0, stop.get()); },
        asio::detached);
    ctx.io.run_for(std::chrono::milliseconds(500));  // the transfer reaches its steady state
  }
  CpuMeter meter(o.relay.relay_pid);
  struct Samples {
    std::vector<double> rtts;
    bool done = false;
    std::string error;
  };
  auto state = std::make_shared<Samples>();
  state->rtts.reserve(o.samples);
  const std::size_t samples = o.samples;
  asio::co_spawn(
      ctx.io,
      [state, stream, samples]() -> asio::awaitable<void> {
        std::array<std::uint8_t, 32> out{};
        std::array<std::uint8_t, 32> in{};
        for (std::size_t i = 0; i < samples; ++i) {
          out[0] = static_cast<std::uint8_t>(i);
          const auto start = Clock::now();
          auto [wec, w] = co_await asio::async_write(*stream, asio::buffer(out), kUseTuple);
          auto [rec, r] = co_await asio::async_read(*stream, asio::buffer(in), kUseTuple);
          if (wec || rec || in != out) {
            state->error = wec ? wec.message() : rec ? rec.message() : "echo mismatch";
            co_return;
          }
          state->rtts.push_back(since(start) * 1e6);
        }
      },
      [state](std::exception_ptr) { state->done = true; });
  run_until(
      ctx.io, [&] { return state->done; }, std::chrono::seconds(120));
  const std::string cpu = meter.report();
  *stop = true;
  auto& rtts = state->rtts;
  const std::string& error = state->error;
  if (bulk) bulk->reset();
  stream->close_write();
  if (rtts.size() < o.samples) {
    fmt::print("mode=ping under_load={} ok=0 samples={} error=\"{}\"\n", o.under_load ? 1 : 0,
               rtts.size(), error.empty() ? ctx.last_error : error);
    return 1;
  }
  std::sort(rtts.begin(), rtts.end());
  auto percentile = [&](double p) {
    return rtts[std::min(rtts.size() - 1, static_cast<std::size_t>(p * rtts.size()))];
  };
  fmt::print(
      "mode=ping under_load={} ok=1 samples={} p50_us={:.1f} p99_us={:.1f} max_us={:.1f} {}\n",
      o.under_load ? 1 : 0, rtts.size(), percentile(0.50), percentile(0.99), rtts.back(), cpu);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  const Options o = parse_options(argc, argv);
  auto address = bench::relay_multiaddr(o.relay);
  if (!address) {
    fmt::print(stderr, "error: bad --target (want IPv4:PORT)\n");
    return 2;
  }
  bench::raise_nofile();
  asio::io_context io(1);
  Context ctx{.io = io, .relay_address = *address, .hosts = {}, .failed = 0, .last_error = {}};
  int status = 1;
  try {
    if (o.mode == "circuits") {
      status = run_circuits(ctx, o);
    } else if (o.mode == "reservations") {
      status = run_reservations(ctx, o);
    } else {
      status = run_ping(ctx, o);
    }
  } catch (const std::exception& e) {
    fmt::print("mode={} ok=0 error=\"{}\"\n", o.mode, e.what());
  }
  std::fflush(stdout);
  ctx.close_all();
  io.run_for(std::chrono::milliseconds(200));  // let the close frames go out
  return status;
}
