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

  return std::unique_ptr<RelayApp>(
      new RelayApp(std::move(*host), std::move(identify), std::move(*http)));
}

RelayApp::RelayApp(std::shared_ptr<node::Host> host,
                   std::shared_ptr<node::IdentifyService> identify,
                   std::unique_ptr<HttpServer> http)
    : host_(std::move(host)), identify_(std::move(identify)), http_(std::move(http)) {}

void RelayApp::stop() {
  http_->stop();
  host_->close();
}

}  // namespace privstack::app
