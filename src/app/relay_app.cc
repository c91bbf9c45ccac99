#include "app/relay_app.h"

#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "app/announce.h"
#include "app/banner.h"
#include "app/host_config.h"
#include "app/identity_document.h"
#include "app/version.h"
#include "crypto/key_file.h"

namespace privstack::app {

HttpRouter make_api_router(const std::string& identity_json) {
  HttpRouter router;
  router.get("/api/v1/identity", [identity_json](const HttpRequest& request) {
    return make_json_response(http::status::ok, identity_json, request.version());
  });
  return router;
}

Result<std::unique_ptr<RelayApp>> RelayApp::start(boost::asio::io_context& io,
                                                  const Options& options) {
  spdlog::info("PrivStack Relay starting...");
  auto identity = crypto::load_or_create_identity(options.identity);
  if (!identity) return identity.error();
  if (identity->created) {
    spdlog::info("Generated new identity at {}", options.identity.string());
  } else {
    spdlog::info("Loaded identity from {}", options.identity.string());
  }
  const std::string peer_id = identity->keypair.peer_id().to_base58();
  spdlog::info("Relay PeerId: {}", peer_id);
  if (auto owned = check_announce_owner(options.announce, identity->keypair.peer_id()); !owned)
    return owned.error();

  // QUIC on both wildcards, as the original, with the limits and timeouts of the command line.
  node::HostConfig host_config = make_host_config(options);
  auto host = node::Host::create(io, identity->keypair, host_config);
  if (!host)
    return make_error("cannot listen for QUIC on UDP port {}: {}", options.port,
                      host.error().message);
  node::install_ping(**host);
  // Every connection, so shutdown can close each with a reason (the host holds them weakly).
  auto connections = std::make_shared<OpenConnections>();
  (*host)->on_connection(
      [connections](const node::ConnectionPtr& connection) { connections->add(connection); });
  // The relay before identify, so identify advertises the hop protocol.
  node::RelayConfig relay_config;
  relay_config.policy = options.relay;
  if (!options.announce.empty()) {
    // Reservations hand out the announced addresses (the service appends /p2p/<our id>).
    relay_config.advertised_addresses = [announced = announced_listen_addresses(options.announce)] {
      return announced;
    };
  }
  auto relay = node::RelayService::install(*host, std::move(relay_config));
  // Kademlia before identify too, so peers see /ipfs/kad/1.0.0 and keep us in their tables.
  auto kad = node::KadService::install(*host, options.kad);
  // AutoNAT v1 before identify as well, so clients find /libp2p/autonat/1.0.0 among our protocols.
  std::shared_ptr<node::AutonatService> autonat;
  if (options.autonat) autonat = node::AutonatService::install(*host, options.autonat_config);
  // Peers' observedAddr: logged once enough independent peers agree (never auto-announced).
  auto observed = std::make_shared<node::ObservedAddressTracker>();
  auto on_observed = [observed, announced = announced_listen_addresses(options.announce)](
                         const node::ConnectionPtr& connection,
                         const multiformats::Multiaddr& address) {
    auto learned = observed->report(connection->remote_peer(),
                                    connection->remote_endpoint().address(), address);
    if (!learned) return;
    if (std::find(announced.begin(), announced.end(), *learned) != announced.end()) {
      spdlog::info("Peers confirm our announced address {}", learned->to_string());
    } else {
      spdlog::info("Peers agree our public address is {}; it is not advertised (use --announce)",
                   learned->to_string());
    }
  };
  // Identify last: it advertises the protocols registered before it.
  auto identify = node::IdentifyService::install(
      *host,
      node::IdentifyConfig{.protocol_version = std::string(kProtocolVersion),
                           .agent_version = std::string(kAgentVersion),
                           .request_timeout = std::chrono::seconds(10),
                           .limits = {},
                           .announced_addresses = announced_listen_addresses(options.announce),
                           .on_observed_address = std::move(on_observed)});
  identify->refresh();
  for (const auto& address : (*host)->listen_addresses()) {
    spdlog::info("Listening on {}/p2p/{}", address.to_string(), peer_id);
  }
  for (const auto& address : announced_listen_addresses(options.announce)) {
    spdlog::info("Announcing {}/p2p/{}", address.to_string(), peer_id);
  }

  IdentityDocument document{peer_id, http_identity_addresses(options.announce, options.port),
                            std::string(kProtocolVersion), std::string(kAgentVersion)};
  HttpServerConfig http_config;
  http_config.port = options.http_port;
  http_config.max_connections = options.http_max_connections;
  http_config.max_connections_per_ip = options.http_max_connections_per_ip;
  auto health = std::make_shared<HealthState>();
  auto router = make_api_router(to_json(document));
  add_health_routes(router, health);
  // Metrics (issue 6): its own listener (loopback by default), optionally this port too.
  auto metrics = MetricsService::start(io, options.metrics, *host, relay, kad);
  if (!metrics) return metrics.error();
  if (options.metrics_on_http_port) (*metrics)->add_route(router);
  auto http = HttpServer::start(io, http_config, std::move(router));
  if (!http) return http.error();
  spdlog::info("HTTP identity endpoint listening on port {}", options.http_port);

  std::fputs(format_banner(peer_id, options.port, options.http_port).c_str(), stdout);
  std::fflush(stdout);  // tooling reads the banner through a pipe; do not leave it buffered

  auto app = std::unique_ptr<RelayApp>(
      new RelayApp(std::move(*host), std::move(identify), std::move(*http)));
  app->relay_ = std::move(relay);
  app->kad_ = std::move(kad);
  app->autonat_ = std::move(autonat);
  app->metrics_ = std::move(*metrics);
  app->health_ = health;
  app->heartbeat_ = std::make_unique<HealthHeartbeat>(io, std::move(health));
  app->connections_ = std::move(connections);
  app->observed_ = std::move(observed);
  // Join the DHT through --bootstrap peers; refresh and replicate (dials start once io runs).
  app->kad_dht_ = node::KadDht::start(app->kad_, options.kad.bootstrap, options.kad_dht);
  return app;
}

RelayApp::RelayApp(std::shared_ptr<node::Host> host,
                   std::shared_ptr<node::IdentifyService> identify,
                   std::unique_ptr<HttpServer> http)
    : host_(std::move(host)), identify_(std::move(identify)), http_(std::move(http)) {}

void RelayApp::stop() {
  if (health_) health_->set_phase(HealthState::Phase::stopping);
  if (heartbeat_) heartbeat_->stop();
  http_->stop();
  if (metrics_) metrics_->stop();
  log_counters();  // the spec's counters, once at shutdown
  // The DHT client side first: its retry and refresh timers and running lookups.
  if (kad_dht_) kad_dht_->stop();
  if (kad_) kad_->stop();  // its sweep timer would keep the io_context running
  // The AutoNAT dial-back sockets would keep it running too.
  if (autonat_) autonat_->stop();
  // Tell every peer why before the sockets go (the close packet is sent synchronously).
  if (connections_) {
    const auto closed = connections_->close_all(kShutdownErrorCode, kShutdownReason);
    spdlog::info("Closed {} connection(s)", closed);
  }
  host_->close();
}

}  // namespace privstack::app
