// privstack-relay: libp2p relay and DHT bootstrap node.
//
// Lifecycle: parse flags → start (bind, banner) → READY=1 to systemd, /readyz 200 → run. The
// first SIGTERM/SIGINT stops accepting, closes every connection with a reason, sends STOPPING=1
// and lets the event loop drain for at most --shutdown-timeout; a second signal exits at once.
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/announce.h"
#include "app/cli.h"
#include "app/logging.h"
#include "app/relay_app.h"
#include "app/shutdown.h"
#include "app/systemd_notify.h"
#include "crypto/key_file.h"

namespace {

// Exit status of a usage error (bad flags), as CLI11 parse errors.
constexpr int kUsageError = 2;

bool announces_a_peer_id(const privstack::app::Options& options) {
  for (const auto& address : options.announce) {
    if (address.peer_id_bytes()) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace privstack::app;
  const CliOutcome cli = parse_command_line(argc, argv);
  if (!cli.options) {
    std::fputs(cli.output.c_str(), cli.exit_code == 0 ? stdout : stderr);
    return cli.exit_code;
  }
  const Options& options = *cli.options;
  configure_logging(options.verbose, options.log_format);

  // An --announce naming another peer is a usage error: refuse it before binding anything. Only
  // then is the identity read early (start() reads it again; creating it here is what start does).
  if (announces_a_peer_id(options)) {
    auto identity = privstack::crypto::load_or_create_identity(options.identity);
    if (!identity) {
      spdlog::error("{}", identity.error().message);
      return EXIT_FAILURE;
    }
    if (auto owned = check_announce_owner(options.announce, identity->keypair.peer_id()); !owned) {
      std::fputs(fmt::format("{}\n", owned.error().message).c_str(), stderr);
      return kUsageError;
    }
  }

  boost::asio::io_context io{1};
  auto relay = RelayApp::start(io, options);
  if (!relay) {
    spdlog::error("{}", relay.error().message);
    return EXIT_FAILURE;
  }
  SystemdNotifier systemd(io);
  (*relay)->health().set_phase(HealthState::Phase::serving);
  systemd.ready(fmt::format("serving on UDP port {}", options.port));

  bool stopping = false;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    stopping = true;
    spdlog::info("Received signal {}, shutting down (at most {} s)", signal_number,
                 options.shutdown_timeout.count());
    // From here a second signal ends the process at once instead of queueing behind the drain.
    boost::system::error_code ignored;
    signals.clear(ignored);
    exit_immediately_on_next_signal();
    systemd.stopping();
    (*relay)->stop();
    io.stop();
  });
  io.run();
  if (stopping) {
    // Let what stop() started finish (closing streams, HTTP responses in flight): run_for returns
    // as soon as the loop has no work left, or at the deadline.
    io.restart();
    io.run_for(options.shutdown_timeout);
    if (!io.stopped()) {
      spdlog::warn("Shutdown did not finish within {} s; exiting anyway",
                   options.shutdown_timeout.count());
    }
  }
  spdlog::info("PrivStack Relay stopped");
  return EXIT_SUCCESS;
}
