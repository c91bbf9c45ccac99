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

  IdentityDocument document{peer_id, wildcard_listen_addresses(options.port),
                            std::string(kProtocolVersion), std::string(kAgentVersion)};
  HttpServerConfig http_config;
  http_config.port = options.http_port;
  auto http = HttpServer::start(io, http_config, make_api_router(to_json(document)));
  if (!http) return http.error();
  spdlog::info("HTTP identity endpoint listening on port {}", options.http_port);

  std::fputs(format_banner(peer_id, options.port, options.http_port).c_str(), stdout);
  std::fflush(stdout);  // tooling reads the banner through a pipe; do not leave it buffered

  return std::unique_ptr<RelayApp>(new RelayApp(std::move(identity->keypair), std::move(*http)));
}

RelayApp::RelayApp(crypto::Ed25519Keypair keypair, std::unique_ptr<HttpServer> http)
    : keypair_(std::move(keypair)), http_(std::move(http)) {}

void RelayApp::stop() {
  http_->stop();
}

}  // namespace privstack::app
