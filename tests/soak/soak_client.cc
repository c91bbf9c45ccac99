// soak_client: churn against a running relay, for scripts/soak.sh (issue 8, soak).
//
//   soak_client --target IP:PORT --peer ID [--seconds N] [--workers W] [--abrupt-percent P]
//               [--max-failure-ratio R] [--seed S]
//
// W worker slots each run one session after another until --seconds: a new identity and
// connection to the relay, 1–5 random operations (reserve and echo circuits; CONNECT to a
// reserved worker and verify the echo; PUT_VALUE + GET_VALUE of /privstack/soak/<n> and verify),
// then a disconnect: graceful, or abrupt in P% of sessions (the session stops answering, the relay
// must idle-time it out; the frozen host is closed 15 s later, after the relay forgot it).
//
// Defaults: 16 workers, 30% abrupt, failure ratio 0.02, a random seed (printed; --seed replays
// the same choices, not the same timing). All workers share one thread: see soak_session.h.
//
// Prints one `key=value` line with every count. Exit status: 0 pass; 1 when failures / attempts
// exceeds R, when any operation kind never succeeded, or when the hard cap (N + 60 s) was hit.
// Races (the CONNECT target left) are counted apart and do not fail the run.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "crypto/ed25519.h"
#include "soak_session.h"

namespace {

using namespace privstack;
using namespace std::chrono_literals;
using soak::Clock;
namespace asio = boost::asio;

// Longer than the QUIC idle timeout both sides use (10 s), so the relay, not our close, ends
// an abruptly dropped connection.
constexpr auto kFrozenFor = 15s;
// A closed session is still polled this long so its CONNECTION_CLOSE goes out.
constexpr auto kDrainFor = 200ms;
constexpr auto kHardCapExtra = 60s;

struct Options {
  std::string target;
  std::string peer;
  double seconds = 60;
  std::size_t workers = 16;
  unsigned abrupt_percent = 30;
  double max_failure_ratio = 0.02;
  std::uint64_t seed = 0;
};

[[noreturn]] void usage(std::string_view why) {
  fmt::print(stderr,
             "error: {}\nusage: soak_client --target IP:PORT --peer ID [--seconds N] [--workers W] "
             "[--abrupt-percent P] [--max-failure-ratio R] [--seed S]\n",
             why);
  std::exit(2);
}

Options parse_options(int argc, char** argv) {
  Options o;
  o.seed = std::random_device{}();
  for (int i = 1; i < argc; i += 2) {
    const std::string_view key = argv[i];
    if (i + 1 >= argc) usage(fmt::format("missing value for {}", key));
    const std::string value = argv[i + 1];
    try {
      if (key == "--target") {
        o.target = value;
      } else if (key == "--peer") {
        o.peer = value;
      } else if (key == "--seconds") {
        o.seconds = std::stod(value);
      } else if (key == "--workers") {
        o.workers = std::stoul(value);
      } else if (key == "--abrupt-percent") {
        o.abrupt_percent = static_cast<unsigned>(std::stoul(value));
      } else if (key == "--max-failure-ratio") {
        o.max_failure_ratio = std::stod(value);
      } else if (key == "--seed") {
        o.seed = std::stoull(value);
      } else {
        usage(fmt::format("unknown option {}", key));
      }
    } catch (const std::exception&) {
      usage(fmt::format("bad value for {}: {}", key, value));
    }
  }
  if (o.target.empty() || o.peer.empty()) usage("--target and --peer are required");
  if (o.workers < 2 || o.workers > 256) usage("--workers must be 2..256");
  if (o.seconds <= 0 || o.seconds > 86'400) usage("--seconds must be in (0, 86400]");
  if (o.abrupt_percent > 100) usage("--abrupt-percent must be 0..100");
  return o;
}

/// Sessions by what the scheduler does with them: poll (live, draining) or leave alone (frozen).
class Scheduler {
 public:
  Scheduler(soak::Shared& shared, const Options& options)
      : shared_(shared), options_(options), live_(options.workers) {}

  /// Runs until every session finished after the deadline, or until `hard_cap`. False on cap.
  bool run(Clock::time_point hard_cap) {
    for (;;) {
      const auto now = Clock::now();
      if (now > hard_cap) return false;
      const bool churning = now < shared_.deadline;
      std::size_t handled = 0;
      bool any_live = false;
      for (std::size_t slot = 0; slot < live_.size(); ++slot) {
        if (!live_[slot] && churning) start(slot);
        if (!live_[slot]) continue;
        any_live = true;
        handled += live_[slot]->io.poll();
        if (live_[slot]->finished) retire(slot, now);
      }
      for (auto& [until, session] : draining_)
        handled += session->io.poll();
      while (!draining_.empty() && draining_.front().first <= now)
        draining_.pop_front();
      while (!frozen_.empty() && frozen_.front().first <= now) {
        close_and_drain(std::move(frozen_.front().second), now);
        frozen_.pop_front();
      }
      if (!churning && !any_live) break;
      if (handled == 0) std::this_thread::sleep_for(500us);
    }
    // Churn is over: close what is still frozen and let the close frames go out.
    const auto now = Clock::now();
    while (!frozen_.empty()) {
      close_and_drain(std::move(frozen_.front().second), now);
      frozen_.pop_front();
    }
    const auto end = Clock::now() + kDrainFor;
    while (Clock::now() < end) {
      for (auto& [until, session] : draining_)
        session->io.poll();
      std::this_thread::sleep_for(1ms);
    }
    draining_.clear();
    return true;
  }

 private:
  void start(std::size_t slot) {
    auto session = std::make_unique<soak::Session>(slot, next_id_++);
    session->work.emplace(session->io.get_executor());
    auto host =
        node::Host::create(session->io, crypto::Ed25519Keypair::generate(), node::HostConfig{});
    if (!host) {
      ++shared_.counts.dial_failed;
      shared_.counts.last_error = "host: " + host.error().message;
      return;
    }
    session->host = *host;
    asio::co_spawn(session->io, soak::run_session(*session, shared_, options_.abrupt_percent),
                   asio::detached);
    live_[slot] = std::move(session);
  }

  void retire(std::size_t slot, Clock::time_point now) {
    auto session = std::move(live_[slot]);
    // A reservation directory entry never outlives its session.
    if (auto found = shared_.reserved.find(slot);
        found != shared_.reserved.end() && found->second.session == session->id) {
      shared_.reserved.erase(found);
    }
    if (session->abrupt) {
      ++shared_.counts.abrupt;
      frozen_.emplace_back(now + kFrozenFor, std::move(session));
    } else {
      ++shared_.counts.graceful;
      close_and_drain(std::move(session), now);
    }
  }

  void close_and_drain(std::unique_ptr<soak::Session> session, Clock::time_point now) {
    session->host->close();
    session->work.reset();
    draining_.emplace_back(now + kDrainFor, std::move(session));
  }

  soak::Shared& shared_;
  const Options& options_;
  std::vector<std::unique_ptr<soak::Session>> live_;  // by slot
  std::deque<std::pair<Clock::time_point, std::unique_ptr<soak::Session>>> frozen_;
  std::deque<std::pair<Clock::time_point, std::unique_ptr<soak::Session>>> draining_;
  std::uint64_t next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  spdlog::set_level(spdlog::level::err);  // churn makes every warning routine

  const auto colon = options.target.rfind(':');
  if (colon == std::string::npos) usage("--target must be IP:PORT");
  auto address = multiformats::Multiaddr::parse(
      fmt::format("/ip4/{}/udp/{}/quic-v1/p2p/{}", options.target.substr(0, colon),
                  options.target.substr(colon + 1), options.peer));
  auto peer = crypto::PeerId::parse(options.peer);
  if (!address || !peer) usage("bad --target or --peer");

  soak::Shared shared{
      .relay_address = *address,
      .relay_peer = *peer,
      .deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(options.seconds)),
      .rng = std::mt19937_64(options.seed),
      .reserved = {},
      .counts = {}};
  const auto started = Clock::now();
  Scheduler scheduler(shared, options);
  const bool in_time = scheduler.run(shared.deadline + kHardCapExtra);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

  const auto& c = shared.counts;
  const double ratio =
      c.attempts() > 0 ? static_cast<double>(c.failures()) / static_cast<double>(c.attempts()) : 1;
  std::string verdict = "pass";
  if (!in_time) {
    verdict = "hard_cap";
  } else if (ratio > options.max_failure_ratio) {
    verdict = "failure_ratio";
  } else if (c.dial_ok == 0 || c.reserve_ok == 0 || c.circuit_ok == 0 || c.kad_ok == 0) {
    verdict = "idle_operation";  // some kind of operation never succeeded
  }
  fmt::print(
      "soak seconds={:.1f} workers={} seed={} sessions={} dial_ok={} dial_failed={} "
      "reserve_ok={} reserve_failed={} circuit_ok={} circuit_failed={} circuit_races={} "
      "circuit_skipped={} circuits_served={} echo_kib={} kad_ok={} kad_failed={} graceful={} "
      "abrupt={} attempts={} failures={} failure_ratio={:.4f} result={}\n",
      elapsed, options.workers, options.seed, c.sessions, c.dial_ok, c.dial_failed, c.reserve_ok,
      c.reserve_failed, c.circuit_ok, c.circuit_failed, c.circuit_races, c.circuit_skipped,
      c.circuits_served, c.echo_bytes / 1024, c.kad_ok, c.kad_failed, c.graceful, c.abrupt,
      c.attempts(), c.failures(), ratio, verdict);
  if (!c.last_error.empty()) fmt::print("last_error=\"{}\"\n", c.last_error);
  std::fflush(stdout);
  return verdict == "pass" ? 0 : 1;
}
