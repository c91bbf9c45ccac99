#include "load_common.h"

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/peer_id.h"

namespace privstack::bench {

void add_target_options(CLI::App& mode, TargetOptions& target) {
  mode.add_option("--target", target.target, "The relay's QUIC address, IPv4:PORT")
      ->required()
      ->check([](const std::string& text) {
        const auto colon = text.rfind(':');
        return colon == std::string::npos || colon == 0 || colon + 1 == text.size()
                   ? std::string("want IPv4:PORT")
                   : std::string();
      });
  mode.add_option("--peer", target.peer, "The relay's peer id (base58)")
      ->required()
      ->check([](const std::string& text) {
        return crypto::PeerId::parse(text) ? std::string() : std::string("not a peer id");
      });
  mode.add_option("--relay-pid", target.relay_pid,
                  "Also report this process's CPU use over the measured window")
      ->check(CLI::NonNegativeNumber);
}

std::optional<multiformats::Multiaddr> relay_multiaddr(const TargetOptions& target) {
  const auto colon = target.target.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  auto parsed = multiformats::Multiaddr::parse(
      fmt::format("/ip4/{}/udp/{}/quic-v1/p2p/{}", target.target.substr(0, colon),
                  target.target.substr(colon + 1), target.peer));
  if (!parsed) return std::nullopt;
  return *parsed;
}

void parse_or_exit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    std::exit(code == 0 ? 0 : 2);
  }
}

namespace {
double seconds_of(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}
}  // namespace

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

std::optional<double> process_cpu_seconds(long pid) {
  std::FILE* file = std::fopen(fmt::format("/proc/{}/stat", pid).c_str(), "r");
  if (file == nullptr) return std::nullopt;
  // One line, well under 1 KiB; a bounded read is the whole parser's input bound.
  std::array<char, 4096> buffer{};
  const std::size_t n = std::fread(buffer.data(), 1, buffer.size() - 1, file);
  std::fclose(file);
  const std::string line(buffer.data(), n);
  // The command name (field 2) is in parentheses and may hold spaces or ')': fields are counted
  // from the last ')'. After it: state (field 3) ... utime (14), stime (15).
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::vector<std::string> tokens;
  std::string token;
  while (tokens.size() < 13 && fields >> token)
    tokens.push_back(token);
  if (tokens.size() < 13) return std::nullopt;
  try {
    const double ticks = static_cast<double>(std::stoull(tokens[11]) + std::stoull(tokens[12]));
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

long rss_kb(const std::string& pid) {
  std::ifstream status("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      try {
        return std::stol(line.substr(6));
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void raise_nofile() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

bool run_bounded(boost::asio::io_context& io, const std::size_t& running,
                 std::chrono::duration<double> cap, std::chrono::milliseconds drain) {
  namespace asio = boost::asio;
  // Shared with the handlers: after a timeout the poller may run again in a later io.run(),
  // when this frame is gone.
  auto guard =
      std::make_shared<asio::steady_timer>(io, std::chrono::duration_cast<Clock::duration>(cap));
  auto timed_out = std::make_shared<bool>(false);
  guard->async_wait([&io, timed_out](boost::system::error_code ec) {
    if (ec) return;
    *timed_out = true;
    io.stop();
  });
  asio::co_spawn(
      io,
      [&io, &running, guard, timed_out, drain]() -> asio::awaitable<void> {
        asio::steady_timer poll(io);
        while (running > 0 && !*timed_out) {
          poll.expires_after(std::chrono::milliseconds(20));
          co_await poll.async_wait(asio::use_awaitable);
        }
        if (*timed_out) co_return;
        if (drain.count() > 0) {
          poll.expires_after(drain);
          co_await poll.async_wait(asio::use_awaitable);
        }
        guard->cancel();
        io.stop();  // the hosts' sockets would keep io busy forever; the workers are done
      },
      asio::detached);
  io.run();
  io.restart();
  if (*timed_out) fmt::print(stderr, "warning: hard time cap reached, stopping\n");
  return !*timed_out;
}

CpuMeter::CpuMeter(long relay_pid) : relay_pid_(relay_pid) {
  restart();
}

void CpuMeter::restart() {
  wall_ = Clock::now();
  cpu_ = cpu_seconds();
  relay_cpu_ = relay_pid_ > 0 ? process_cpu_seconds(relay_pid_) : std::nullopt;
}

double CpuMeter::seconds() const {
  return since(wall_);
}

std::string CpuMeter::report() const {
  const double w = since(wall_);
  const double c = cpu_seconds() - cpu_;
  std::string out =
      fmt::format("loadgen_cpu_s={:.2f} loadgen_wall_s={:.2f} loadgen_cpu_util={:.2f}", c, w,
                  w > 0 ? c / w : 0.0);
  if (relay_cpu_) {
    if (const auto now = process_cpu_seconds(relay_pid_)) {
      const double r = *now - *relay_cpu_;
      out += fmt::format(" relay_cpu_s={:.2f} relay_cpu_util={:.2f}", r, w > 0 ? r / w : 0.0);
    }
  }
  return out;
}

}  // namespace privstack::bench
