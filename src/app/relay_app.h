// The running relay: identity, HTTP API and (as they land) the libp2p node, on one io_context.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "app/http_server.h"
#include "app/options.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "node/host.h"
#include "node/identify_service.h"
#include "node/kad/kad_dht.h"
#include "node/kad/kad_service.h"
#include "node/relay/relay_service.h"

namespace privstack::app {

class RelayApp {
 public:
  /// Loads or creates the identity, binds every listener and prints the banner. Any failure (bad
  /// key file, port in use) is returned so main can print it and exit non-zero.
  static Result<std::unique_ptr<RelayApp>> start(boost::asio::io_context& io,
                                                 const Options& options);

  const crypto::Ed25519Keypair& keypair() const { return host_->keypair(); }
  const HttpServer& http() const { return *http_; }
  node::Host& host() { return *host_; }
  /// The circuit relay (its counters and reservations).
  const node::RelayService& relay() const { return *relay_; }
  /// The Kademlia DHT server (routing table, record and provider stores).
  node::KadService& kad() { return *kad_; }
  /// The relay as a full DHT node: lookups, bootstrap/refresh, replication (kad-query).
  node::KadDht& kad_dht() { return *kad_dht_; }

  /// Stops accepting and closes every connection; the io_context then runs out of work.
  void stop();

 private:
  RelayApp(std::shared_ptr<node::Host> host, std::shared_ptr<node::IdentifyService> identify,
           std::unique_ptr<HttpServer> http);

  std::shared_ptr<node::Host> host_;
  std::shared_ptr<node::IdentifyService> identify_;
  std::unique_ptr<HttpServer> http_;
  std::shared_ptr<node::RelayService> relay_;
  std::shared_ptr<node::KadService> kad_;
  std::unique_ptr<node::KadDht> kad_dht_;
};

/// Builds the router of the HTTP API.
HttpRouter make_api_router(const std::string& identity_json);

}  // namespace privstack::app
