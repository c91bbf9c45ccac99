// relay_load: a single-threaded load generator for privstack-relay over QUIC v1 + libp2p TLS.
//
//   relay_load handshakes --target IP:PORT --peer ID [--seconds N] [--concurrency C]
//     C workers repeatedly dial, complete the handshake and an identify exchange, then close.
//   relay_load idle --target IP:PORT --peer ID [--count N] [--concurrency C] [--hold S]
//     Opens N identified connections, prints "ready ..." and keeps them open for S seconds.
//
// Every result line is `key=value` pairs. Each mode has a hard wall-clock cap so it always ends.
// With --relay-pid, `handshakes` also reports the relay's CPU use over the same interval.
#include <sys/resource.h>

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
#include "crypto/peer_id.h"
#include "load_common.h"
#include "multiformats/multiaddr.h"
#include "node/host.h"
#include "protocol/identify.h"

namespace {

namespace asio = boost::asio;
using namespace privstack;
using bench::Clock;
using bench::cpu_seconds;
using bench::run_bounded;
using bench::since;

struct Options {
  std::string mode;
  bench::TargetOptions relay;
  double seconds = 5.0;
  std::size_t concurrency = 1;
  std::size_t count = 1000;
  double hold = 5.0;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"Single-threaded QUIC connection load for a relay", "relay_load"};
  app.require_subcommand(1);
  auto* handshakes = app.add_subcommand("handshakes", "Dial + identify + close cycles per second");
  auto* idle = app.add_subcommand("idle", "Hold N identified connections open");
  for (auto* mode : {handshakes, idle}) {
    bench::add_target_options(*mode, o.relay);
    mode->add_option("--concurrency", o.concurrency, "Dials in flight at once")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}));
  }
  handshakes->add_option("--seconds", o.seconds, "How long to keep cycling")
      ->check(CLI::Range(0.1, 3600.0));
  idle->add_option("--count", o.count, "Connections to open")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  idle->add_option("--hold", o.hold, "Seconds to hold them after the ready line")
      ->check(CLI::Range(0.0, 86'400.0));
  bench::parse_or_exit(app, argc, argv);
  o.mode = app.get_subcommands().front()->get_name();
  return o;
}

long max_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

struct Shared {
  std::shared_ptr<node::Host> host;
  multiformats::Multiaddr address;
  crypto::PeerId peer;
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;
  std::string last_error;
};

/// Dials, opens /ipfs/id/1.0.0 and reads the relay's identify. The connection on success.
asio::awaitable<Result<node::ConnectionPtr>> connect_and_identify(Shared& shared) {
  auto connection = co_await shared.host->dial(shared.address);
  if (!connection) co_return connection.error();
  auto stream =
      co_await shared.host->new_stream(*connection, std::string(protocol::identify::kProtocolId));
  if (!stream) {
    (*connection)->close();
    co_return stream.error();
  }
  auto info = co_await protocol::identify::read_identify(**stream, shared.peer);
  if (!info) {
    (*stream)->reset();
    (*connection)->close();
    co_return info.error();
  }
  co_return *connection;
}

void record_failure(Shared& shared, const Error& error) {
  ++shared.failed;
  shared.last_error = error.message;
}

asio::awaitable<void> handshake_worker(Shared& shared, Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    auto connection = co_await connect_and_identify(shared);
    if (!connection) {
      record_failure(shared, connection.error());
      continue;
    }
    // Completed before the deadline counts; closing is part of the cycle but not waited on.
    if (Clock::now() <= deadline) ++shared.ok;
    (*connection)->close();
  }
}

asio::awaitable<void> idle_worker(Shared& shared, std::size_t& next, std::size_t count,
                                  std::vector<node::ConnectionPtr>& held) {
  while (next < count) {
    ++next;
    auto connection = co_await connect_and_identify(shared);
    if (!connection) {
      record_failure(shared, connection.error());
      continue;
    }
    ++shared.ok;
    held.push_back(*connection);
  }
}

int run(const Options& o) {
  asio::io_context io(1);
  auto peer = crypto::PeerId::parse(o.relay.peer);  // checked by the parser
  auto address = bench::relay_multiaddr(o.relay);
  if (!peer || !address) {
    fmt::print(stderr, "error: bad --target (want IPv4:PORT) or --peer\n");
    return 2;
  }
  // One host dials every connection: lift the transport's own connection cap (4096 by default)
  // so that `idle` can hold 10k.
  node::HostConfig config;
  config.transport.max_connections = 0;
  auto host = node::Host::create(io, crypto::Ed25519Keypair::generate(), config);
  if (!host) {
    fmt::print(stderr, "error: cannot create host: {}\n", host.error().message);
    return 1;
  }
  Shared shared{
      .host = *host, .address = *address, .peer = *peer, .ok = 0, .failed = 0, .last_error = {}};

  const auto wall_start = Clock::now();
  const double cpu_start = cpu_seconds();
  bench::CpuMeter meter(o.relay.relay_pid);  // the relay's CPU over the same interval
  std::size_t running = o.concurrency;

  if (o.mode == "handshakes") {
    const auto deadline = wall_start + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(o.seconds));
    for (std::size_t i = 0; i < o.concurrency; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            co_await handshake_worker(shared, deadline);
            --running;
          },
          asio::detached);
    }
    // The handshake timeout is 5 s; give stragglers that long past the deadline, then stop.
    run_bounded(io, running, std::chrono::duration<double>(o.seconds + 12.0));
    fmt::print(
        "mode=handshakes concurrency={} seconds={:.2f} ok={} failed={} rate={:.1f} {} "
        "last_error=\"{}\"\n",
        o.concurrency, o.seconds, shared.ok, shared.failed,
        static_cast<double>(shared.ok) / o.seconds, meter.report(), shared.last_error);
  } else {
    std::size_t next = 0;
    std::vector<node::ConnectionPtr> held;
    held.reserve(o.count);
    for (std::size_t i = 0; i < o.concurrency; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            co_await idle_worker(shared, next, o.count, held);
            --running;
          },
          asio::detached);
    }
    // Generous cap: sequential-ish dialing of thousands of connections on a loaded machine.
    run_bounded(io, running,
                std::chrono::duration<double>(60.0 + 0.1 * static_cast<double>(o.count)));
    const double setup = since(wall_start);
    const double setup_cpu = cpu_seconds() - cpu_start;
    fmt::print("ready connected={} failed={} setup_s={:.2f} setup_cpu_s={:.2f} last_error=\"{}\"\n",
               held.size(), shared.failed, setup, setup_cpu, shared.last_error);
    std::fflush(stdout);

    asio::steady_timer hold(
        io, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.hold)));
    hold.async_wait([&](boost::system::error_code) { io.stop(); });
    io.run();
    io.restart();
    std::size_t still_open = 0;
    for (const auto& c : held)
      if (c->is_open()) ++still_open;
    const double wall = since(wall_start);
    const double cpu = cpu_seconds() - cpu_start;
    fmt::print(
        "mode=idle count={} connected={} failed={} still_open_after_hold={} hold_s={:.1f} "
        "loadgen_cpu_s={:.2f} loadgen_wall_s={:.2f} loadgen_cpu_util={:.2f} "
        "loadgen_maxrss_kb={}\n",
        o.count, held.size(), shared.failed, still_open, o.hold, cpu, wall, cpu / wall,
        max_rss_kb());
    for (const auto& c : held)
      c->close();
  }
  std::fflush(stdout);
  shared.host->close();
  // Let the close frames go out.
  asio::steady_timer drain(io, std::chrono::milliseconds(200));
  drain.async_wait([&](boost::system::error_code) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  return run(parse_options(argc, argv));
}
