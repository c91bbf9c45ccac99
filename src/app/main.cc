// privstack-relay: libp2p relay and DHT bootstrap node.
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/cli.h"
#include "app/logging.h"
#include "app/relay_app.h"

int main(int argc, char** argv) {
  using namespace privstack::app;
  const CliOutcome cli = parse_command_line(argc, argv);
  if (!cli.options) {
    std::fputs(cli.output.c_str(), cli.exit_code == 0 ? stdout : stderr);
    return cli.exit_code;
  }
  configure_logging(cli.options->verbose);

  boost::asio::io_context io{1};
  auto relay = RelayApp::start(io, *cli.options);
  if (!relay) {
    spdlog::error("{}", relay.error().message);
    return EXIT_FAILURE;
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    spdlog::info("Received signal {}, shutting down", signal_number);
    (*relay)->stop();
    io.stop();
  });
  io.run();
  spdlog::info("PrivStack Relay stopped");
  return EXIT_SUCCESS;
}
