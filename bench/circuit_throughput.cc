// Throughput of circuits through our relay, and the relay's CPU cost per megabyte.
//
// Everything runs in this process on 127.0.0.1, but the relay has its own io_context on its own
// thread, so its CPU time (CLOCK_THREAD_CPUTIME_ID of that thread) is the relay's alone; the
// sources and targets share a second thread. Each source writes --megabytes through its circuit
// and half-closes; the target counts and, at EOF, half-closes back; a circuit is done when the
// source sees that EOF. Circuit limits are lifted (0 = unlimited), as an operator would for
// trusted peers. Each case also runs `mode=direct`: the same transfer on plain streams from source
// to target without the relay, the transport's own ceiling on this machine. Output: one line of
// `key=value` per case.
//
//   circuit_throughput [--megabytes N] [--circuits 1,16] [--pipe-buffer BYTES]
//                      [--variants off,gso,gro,mmsg,udp,aes,all | --compare]
//
// --megabytes is the total per case (split across its circuits); --pipe-buffer overrides the
// relay's per-direction copy buffer (RelayConfig::pipe_buffer, 64 KiB). --variants runs every
// case once per data-path variant (EndpointConfig udp_gso/udp_gro/udp_mmsg/tls_prefer_aes_gcm,
// applied to the relay and the peers alike; a fresh relay each) in one invocation and prints each
// case's ratio to the first variant: `off` = all four off (the path before them), gso/gro/mmsg/aes
// = that one on, udp = the three UDP ones, all = everything (the default, run alone without
// --variants). --compare is --variants off,gso,gro,mmsg,udp,aes,all.
// relay_allocs_per_mib counts heap allocations made on the relay's thread (every malloc-family
// call, see below), the check that the data path does not allocate per packet; relay_new_per_mib
// counts only its operator new calls (what relay_allocs_per_mib counted before).
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "node/address.h"
#include "node/relay/relay_client.h"
#include "node/relay/relay_service.h"
#include "support/relay_bulk.h"
#include "support/thread_allocation_counter.h"

// Allocation counter: support/thread_allocation_counter.h counts every malloc-family call of the
// thread that opted in (the relay's), so the peers' allocations do not blur the relay's.
// relay_new_per_mib is the old, narrower count (operator new only), kept for comparison.
namespace {
std::atomic<std::uint64_t> g_relay_news{0};
}  // namespace

void* operator new(std::size_t size) {
  if (privstack::test::allocations::counting_this_thread)
    g_relay_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using namespace privstack;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace relay = protocol::relay;
using protocol::kUseTuple;

double thread_cpu_seconds(pthread_t thread) {
  clockid_t clock{};
  if (pthread_getcpuclockid(thread, &clock) != 0) return 0;
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Source side: writes `bytes`, half-closes, waits for the target's EOF. True on success.
asio::awaitable<bool> pump(node::StreamPtr stream, std::uint64_t bytes) {
  std::vector<std::uint8_t> chunk(64 * 1024, 0x5a);
  std::uint64_t left = bytes;
  while (left > 0) {
    const std::size_t n = left < chunk.size() ? static_cast<std::size_t>(left) : chunk.size();
    auto [ec, written] =
        co_await asio::async_write(*stream, asio::buffer(chunk.data(), n), kUseTuple);
    if (ec) co_return false;
    left -= written;
  }
  stream->close_write();
  std::uint8_t byte = 0;
  auto [ec, n] = co_await stream->async_read_some(asio::buffer(&byte, 1), kUseTuple);
  co_return protocol::is_eof(ec) && n == 0;
}

// One data-path configuration (EndpointConfig switches).
struct Variant {
  std::string name;
  bool gso = true;
  bool gro = true;
  bool mmsg = true;
  bool aes = true;  // tls_prefer_aes_gcm
  bool shared_flush = true;

  void apply(transport::EndpointConfig& config) const {
    config.udp_shared_flush = shared_flush;
    config.udp_gso = gso;
    config.udp_gro = gro;
    config.udp_mmsg = mmsg;
    config.tls_prefer_aes_gcm = aes;
  }
};

// `off` is the data path as it was before the switches (ChaCha20 first, one syscall per
// datagram); each single-switch variant adds one change to it; `udp` all three UDP ones.
std::optional<Variant> parse_variant(const std::string& name) {
  if (name == "off") return Variant{name, false, false, false, false};
  if (name == "gso") return Variant{name, true, false, false, false};
  if (name == "gro") return Variant{name, false, true, false, false};
  if (name == "mmsg") return Variant{name, false, false, true, false};
  if (name == "udp") return Variant{name, true, true, true, false};
  if (name == "aes") return Variant{name, false, false, false, true};
  if (name == "all") return Variant{name, true, true, true, true};
  // Everything but the shared per-turn flush (one syscall per connection write pass, as before).
  if (name == "noshare") return Variant{name, true, true, true, true, false};
  return std::nullopt;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < list.size();) {
    const auto comma = list.find(',', pos);
    out.push_back(list.substr(pos, comma - pos));
    pos = comma == std::string::npos ? list.size() : comma + 1;
  }
  return out;
}

struct CaseResult {
  bool ok = false;
  double seconds = 0;
  double relay_cpu = 0;
  std::uint64_t relay_allocations = 0;
  std::uint64_t relay_news = 0;
  double peers_cpu = 0;                       // the sources' and targets' thread (this one)
  std::uint64_t bytes = 0;                    // payload through all circuits (one direction)
  transport::EndpointCounters before, after;  // the relay's, around phase 2
};

constexpr std::string_view kDirectProtocol = "/privstack/bench/sink/1.0.0";

// The relay's transport counters, read on the relay's own thread: counters() refreshes plain
// fields the relay thread also writes. Bounded wait: a wedged relay fails the run, not hangs it.
transport::EndpointCounters relay_counters(const std::shared_ptr<node::Host>& relay_host) {
  auto promise = std::make_shared<std::promise<transport::EndpointCounters>>();
  auto future = promise->get_future();
  asio::post(relay_host->io(),
             [relay_host, promise] { promise->set_value(relay_host->transport_counters()); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    fmt::print(stderr, "relay did not answer the counters read\n");
    std::exit(1);
  }
  return future.get();
}

// `direct`: the same transfer over a stream straight from source to target, no relay (the
// transport's own ceiling, to compare the circuit against).
CaseResult run_case(const std::shared_ptr<node::Host>& relay_host, pthread_t relay_thread,
                    const Variant& variant, std::size_t circuits, std::uint64_t bytes_per_circuit,
                    bool direct) {
  asio::io_context io;
  std::vector<std::shared_ptr<node::Host>> hosts;
  auto make_host = [&](bool target) {
    node::HostConfig config;
    variant.apply(config.transport);
    if (target && direct) {
      config.listen = {asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    }
    auto host = node::Host::create(io, crypto::Ed25519Keypair::generate(), config);
    if (!host) throw std::runtime_error(host.error().message);
    if (target && direct) {
      (*host)->set_handler(
          std::string(kDirectProtocol),
          [](node::StreamPtr stream, node::ConnectionPtr) -> asio::awaitable<void> {
            co_await test::sink_until_eof(std::move(stream));
          });
    } else if (target) {
      node::relay_client::install_stop_handler(
          **host,
          [](node::StreamPtr stream, crypto::PeerId, std::optional<relay::Limit>)
              -> asio::awaitable<void> { co_await test::sink_until_eof(std::move(stream)); });
    }
    hosts.push_back(*host);
    return *host;
  };
  const auto relay_address = node::quic_multiaddr(relay_host->bound_endpoints().at(0))
                                 .with(multiformats::Protocol::p2p, relay_host->peer_id().bytes());

  CaseResult result;
  std::atomic<std::size_t> finished{0};
  std::atomic<std::size_t> failed{0};
  std::vector<node::StreamPtr> streams(circuits);
  // Phase 1: connect, reserve, open every circuit.
  for (std::size_t i = 0; i < circuits; ++i) {
    auto target = make_host(true);
    auto source = make_host(false);
    asio::co_spawn(
        io,
        [&, i, target, source]() -> asio::awaitable<void> {
          if (direct) {
            const auto address = node::quic_multiaddr(target->bound_endpoints().at(0))
                                     .with(multiformats::Protocol::p2p, target->peer_id().bytes());
            auto connection = co_await source->dial(address);
            if (!connection) {
              ++failed;
              co_return;
            }
            auto stream = co_await source->new_stream(*connection, std::string(kDirectProtocol));
            if (!stream) {
              ++failed;
              co_return;
            }
            streams[i] = *stream;
            co_return;
          }
          auto tc = co_await target->dial(relay_address);
          auto sc = co_await source->dial(relay_address);
          if (!tc || !sc) {
            ++failed;
            co_return;
          }
          auto reserved = co_await node::relay_client::reserve(*target, *tc);
          if (!reserved || reserved->status != relay::Status::ok) {
            ++failed;
            co_return;
          }
          auto circuit = co_await node::relay_client::connect(*source, *sc, target->peer_id());
          if (!circuit || !circuit->stream) {
            ++failed;
            co_return;
          }
          streams[i] = circuit->stream;
        },
        [&](std::exception_ptr) { ++finished; });
  }
  while (finished < circuits)
    io.run_one();
  if (failed > 0) {
    fmt::print(stderr, "{} of {} circuits could not be set up\n", failed.load(), circuits);
    return result;
  }
  // Phase 2: pump through all at once.
  finished = 0;
  result.before = relay_counters(relay_host);
  const double cpu_before = thread_cpu_seconds(relay_thread);
  const std::uint64_t allocations_before = privstack::test::allocations::count.load();
  const std::uint64_t news_before = g_relay_news.load();
  const double peers_before = thread_cpu_seconds(pthread_self());
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < circuits; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          if (!co_await pump(streams[i], bytes_per_circuit)) ++failed;
        },
        [&](std::exception_ptr) { ++finished; });
  }
  while (finished < circuits)
    io.run_one();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.relay_cpu = thread_cpu_seconds(relay_thread) - cpu_before;
  result.relay_allocations = privstack::test::allocations::count.load() - allocations_before;
  result.relay_news = g_relay_news.load() - news_before;
  result.after =
      relay_counters(relay_host);  // after the allocation counts: its post is not data path
  result.peers_cpu = thread_cpu_seconds(pthread_self()) - peers_before;
  result.bytes = bytes_per_circuit * circuits;
  result.ok = failed == 0;
  streams.clear();
  for (auto& host : hosts)
    host->close();
  io.run_for(100ms);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t megabytes = 64;
  std::vector<std::size_t> cases = {1, 16};
  std::size_t pipe_buffer = 0;  // 0: the relay's default
  std::vector<Variant> variants = {*parse_variant("all")};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--compare") {
      variants.clear();
      for (const char* name : {"off", "gso", "gro", "mmsg", "udp", "aes", "all"})
        variants.push_back(*parse_variant(name));
      continue;
    }
    if (i + 1 >= argc) {
      fmt::print(stderr, "{} needs a value\n", flag);
      return 2;
    }
    const std::string value = argv[++i];
    if (flag == "--megabytes") {
      megabytes = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--pipe-buffer") {
      pipe_buffer = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--circuits") {
      cases.clear();
      for (const auto& item : split_list(value))
        cases.push_back(std::strtoul(item.c_str(), nullptr, 10));
    } else if (flag == "--variants") {
      variants.clear();
      for (const auto& name : split_list(value)) {
        auto variant = parse_variant(name);
        if (!variant) {
          fmt::print(stderr, "unknown variant {} (off, gso, gro, mmsg, udp, aes, all)\n", name);
          return 2;
        }
        variants.push_back(*variant);
      }
    } else {
      fmt::print(stderr,
                 "usage: circuit_throughput [--megabytes N] [--circuits 1,16] [--pipe-buffer "
                 "BYTES] [--variants off,gso,gro,mmsg,udp,aes,all | --compare]\n");
      return 2;
    }
  }
  if (variants.empty()) return 2;
  spdlog::set_level(spdlog::level::warn);  // the relay logs every circuit at info

  int status = 0;
  // The first variant's result per (circuits, direct): the denominator of every ratio.
  std::map<std::pair<std::size_t, bool>, CaseResult> baseline;
  for (const auto& variant : variants) {
    asio::io_context relay_io;
    node::HostConfig config;
    config.listen = {asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
    variant.apply(config.transport);
    auto relay_host = node::Host::create(relay_io, crypto::Ed25519Keypair::generate(), config);
    if (!relay_host) {
      fmt::print(stderr, "relay: {}\n", relay_host.error().message);
      return 1;
    }
    node::RelayConfig relay_config;
    relay_config.policy = test::unlimited_relay_policy();
    if (pipe_buffer > 0) relay_config.pipe_buffer = pipe_buffer;
    auto service = node::RelayService::install(*relay_host, relay_config);
    auto guard = asio::make_work_guard(relay_io);
    std::thread relay_thread([&] {
      privstack::test::allocations::counting_this_thread = true;
      pthread_setname_np(pthread_self(), "relay");  // `perf report --comm relay`
      relay_io.run();
    });

    for (const std::size_t circuits : cases) {
      if (circuits == 0) continue;
      // The total is split across the circuits, so every case moves the same amount of data.
      const std::uint64_t per_circuit = megabytes * 1024 * 1024 / circuits;
      for (const bool direct : {false, true}) {
        auto r = run_case(*relay_host, relay_thread.native_handle(), variant, circuits, per_circuit,
                          direct);
        if (!r.ok) status = 1;
        const double mb = static_cast<double>(r.bytes) / (1024.0 * 1024.0);
        const double rate = r.seconds > 0 ? mb / r.seconds : 0.0;
        const double cpu_per_mib = mb > 0 ? r.relay_cpu / mb : 0.0;
        std::string ratios;
        const auto key = std::make_pair(circuits, direct);
        if (auto it = baseline.find(key); it == baseline.end()) {
          baseline[key] = r;
        } else if (r.ok && it->second.ok && it->second.seconds > 0 && r.seconds > 0) {
          const auto& b = it->second;
          const double base_mb = static_cast<double>(b.bytes) / (1024.0 * 1024.0);
          ratios = fmt::format(" mib_per_s_vs_{}={:.2f}", variants.front().name,
                               rate / (base_mb / b.seconds));
          if (!direct && b.relay_cpu > 0 && mb > 0) {
            ratios += fmt::format(" relay_cpu_per_mib_vs_{}={:.2f}", variants.front().name,
                                  cpu_per_mib / (b.relay_cpu / base_mb));
          }
        }
        fmt::print(
            "variant={} mode={} streams={} ok={} payload_mib={:.1f} seconds={:.3f} "
            "mib_per_s={:.1f} relay_cpu_s={:.3f} relay_cpu_s_per_mib={:.5f} "
            "relay_allocs_per_mib={:.0f} relay_new_per_mib={:.0f} peers_cpu_s={:.3f}{}\n",
            variant.name, direct ? "direct" : "circuit", circuits, r.ok ? 1 : 0, mb, r.seconds,
            rate, r.relay_cpu, cpu_per_mib,
            mb > 0 ? static_cast<double>(r.relay_allocations) / mb : 0.0,
            mb > 0 ? static_cast<double>(r.relay_news) / mb : 0.0, r.peers_cpu, ratios);
        if (!direct && mb > 0) {
          // The relay's data-path work per MiB (EndpointCounters, read on the relay's thread).
          const auto& a = r.after;
          const auto& b = r.before;
          auto per = [&](std::uint64_t x, std::uint64_t y) {
            return static_cast<double>(x - y) / mb;
          };
          fmt::print(
              "  relay_per_mib: write_passes={:.0f} packets={:.0f} ack_only={:.0f} timers={:.0f} "
              "send_calls={:.0f} datagrams_sent={:.0f} receive_calls={:.0f} "
              "datagrams_received={:.0f}\n",
              per(a.write_passes, b.write_passes), per(a.packets_written, b.packets_written),
              per(a.packets_without_stream_data, b.packets_without_stream_data),
              per(a.timer_wakeups, b.timer_wakeups), per(a.udp_send_calls, b.udp_send_calls),
              per(a.udp_datagrams_sent, b.udp_datagrams_sent),
              per(a.udp_receive_calls, b.udp_receive_calls),
              per(a.udp_datagrams_received, b.udp_datagrams_received));
        }
        std::fflush(stdout);
      }
    }
    asio::post(relay_io, [&] { (*relay_host)->close(); });
    guard.reset();
    relay_thread.join();
  }
  return status;
}
