#include "app/relay_app.h"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "app/banner.h"
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

  // QUIC on both wildcards, as the original: the v6 socket is v6-only so both bind one port.
  node::HostConfig host_config;
  host_config.listen = {
      boost::asio::ip::udp::endpoint(boost::asio::ip::address_v4::any(), options.port),
      boost::asio::ip::udp::endpoint(boost::asio::ip::address_v6::any(), options.port)};
  auto host = node::Host::create(io, identity->keypair, host_config);
  if (!host)
    return make_error("cannot listen for QUIC on UDP port {}: {}", options.port,
                      host.error().message);
  node::install_ping(**host);
  // The relay before identify, so identify advertises the hop protocol.
  node::RelayConfig relay_config;
  relay_config.policy = options.relay;  // issue 6 (--announce) sets advertised_addresses here
  auto relay = node::RelayService::install(*host, std::move(relay_config));
  // Kademlia before identify too, so peers see /ipfs/kad/1.0.0 and keep us in their tables.
  auto kad = node::KadService::install(*host, options.kad);
  // Identify last: it advertises the protocols registered before it.
  auto identify = node::IdentifyService::install(
      *host, node::IdentifyConfig{.protocol_version = std::string(kProtocolVersion),
                                  .agent_version = std::string(kAgentVersion),
                                  .request_timeout = std::chrono::seconds(10),
                                  .limits = {}});
  identify->refresh();
  for (const auto& address : (*host)->listen_addresses()) {
    spdlog::info("Listening on {}/p2p/{}", address.to_string(), peer_id);
  }

  IdentityDocument document{peer_id, wildcard_listen_addresses(options.port),
                            std::string(kProtocolVersion), std::string(kAgentVersion)};
  HttpServerConfig http_config;
  http_config.port = options.http_port;
  auto http = HttpServer::start(io, http_config, make_api_router(to_json(document)));
  if (!http) return http.error();
  spdlog::info("HTTP identity endpoint listening on port {}", options.http_port);

  std::fputs(format_banner(peer_id, options.port, options.http_port).c_str(), stdout);
  std::fflush(stdout);  // tooling reads the banner through a pipe; do not leave it buffered

  auto app = std::unique_ptr<RelayApp>(
      new RelayApp(std::move(*host), std::move(identify), std::move(*http)));
  app->relay_ = std::move(relay);
  app->kad_ = std::move(kad);
  // Join the DHT through --bootstrap peers; refresh and replicate (dials start once io runs).
  app->kad_dht_ = node::KadDht::start(app->kad_, options.kad.bootstrap, options.kad_dht);
  return app;
}

RelayApp::RelayApp(std::shared_ptr<node::Host> host,
                   std::shared_ptr<node::IdentifyService> identify,
                   std::unique_ptr<HttpServer> http)
    : host_(std::move(host)), identify_(std::move(identify)), http_(std::move(http)) {}

void RelayApp::stop() {
  http_->stop();
  // The DHT client side first: its retry and refresh timers and running lookups.
  if (kad_dht_) kad_dht_->stop();
  if (kad_) kad_->stop();  // its sweep timer would keep the io_context running
  host_->close();
}

}  // namespace privstack::app
