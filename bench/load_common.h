// Pieces every load generator (relay_bench, kad_load, relay_load) shares: the CLI11 options that
// name the relay under test, the QUIC dial address built from them, and the CPU meters whose
// `key=value` output bench/run.sh parses. Header only of declarations; see load_common.cc.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>

#include "multiformats/multiaddr.h"

namespace privstack::bench {

using Clock = std::chrono::steady_clock;

/// The relay a network mode talks to (`--target IP:PORT --peer ID [--relay-pid PID]`).
struct TargetOptions {
  std::string target;  // ip:port
  std::string peer;    // base58 peer id
  long relay_pid = 0;  // 0: do not measure the relay's CPU
};

/// Adds --target, --peer (both required, checked) and --relay-pid to a subcommand.
void add_target_options(CLI::App& mode, TargetOptions& target);

/// `/ip4/<ip>/udp/<port>/quic-v1/p2p/<peer>`; nullopt if `target` is not IPv4:PORT.
std::optional<multiformats::Multiaddr> relay_multiaddr(const TargetOptions& target);

/// Parses argv; on --help or an error prints CLI11's message and exits (2 on an error, as the
/// hand-written parsers did, so scripts can tell a usage error from a failed run).
void parse_or_exit(CLI::App& app, int argc, char** argv);

/// CPU seconds (user + system) this process used so far.
double cpu_seconds();

/// CPU seconds (user + system, all threads) of process `pid` from /proc/<pid>/stat; nullopt if
/// unreadable (the process is gone, or another user's).
std::optional<double> process_cpu_seconds(long pid);

/// VmRSS of a process in KiB ("self" or a pid), 0 if unreadable.
long rss_kb(const std::string& pid);

/// Wall seconds since `start`.
double since(Clock::time_point start);

/// Thousands of hosts each hold a UDP socket: lifts the soft descriptor limit to the hard one.
void raise_nofile();

/// Runs `io` until `running` (workers still going, decremented by them) is 0, then `drain` more
/// (close frames go out) and stops it; or stops it at `cap` (prints a warning). Bounded in all
/// cases; `io` is restarted, ready for another run. False on the cap.
bool run_bounded(boost::asio::io_context& io, const std::size_t& running,
                 std::chrono::duration<double> cap,
                 std::chrono::milliseconds drain = std::chrono::milliseconds(0));

/// CPU use over one measured window, of this process and (with a pid) of the relay under test:
/// both sides of the "who was the bottleneck" question from the same interval.
class CpuMeter {
 public:
  explicit CpuMeter(long relay_pid = 0);
  /// Restarts the window now.
  void restart();
  /// Wall seconds since the window started.
  double seconds() const;
  /// `loadgen_cpu_s=… loadgen_wall_s=… loadgen_cpu_util=…` and, with a relay pid,
  /// ` relay_cpu_s=… relay_cpu_util=…` over the window so far.
  std::string report() const;

 private:
  long relay_pid_;
  Clock::time_point wall_;
  double cpu_ = 0;
  std::optional<double> relay_cpu_;
};

}  // namespace privstack::bench
