// The running relay: identity, HTTP API and (as they land) the libp2p node, on one io_context.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "app/health.h"
#include "app/health_heartbeat.h"
#include "app/http_server.h"
#include "app/metrics_service.h"
#include "app/options.h"
#include "app/shutdown.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "node/autonat/autonat_service.h"
#include "node/host.h"
#include "node/identify_service.h"
#include "node/kad/kad_dht.h"
#include "node/kad/kad_service.h"
#include "node/observed_address.h"
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
  /// The AutoNAT v1 server, or null with --no-autonat.
  const node::AutonatService* autonat() const { return autonat_.get(); }

  /// Liveness/readiness behind /healthz and /readyz; main marks it serving once started.
  HealthState& health() { return *health_; }

  /// Stops accepting and closes every connection (QUIC application close "shutting down");
  /// the io_context then runs out of work.
  void stop();

  /// /metrics rendering, its listener and the stats log (null only before start() finished).
  MetricsService* metrics() { return metrics_.get(); }
  /// Logs the spec's counters (peers_served, relayed_connections) at info; stop() calls it.
  void log_counters() const {
    if (metrics_) metrics_->log_counters();
  }

 private:
  RelayApp(std::shared_ptr<node::Host> host, std::shared_ptr<node::IdentifyService> identify,
           std::unique_ptr<HttpServer> http);

  std::shared_ptr<node::Host> host_;
  std::shared_ptr<node::IdentifyService> identify_;
  std::unique_ptr<HttpServer> http_;
  std::shared_ptr<node::RelayService> relay_;
  std::shared_ptr<node::KadService> kad_;
  std::unique_ptr<node::KadDht> kad_dht_;
  std::shared_ptr<node::AutonatService> autonat_;  // issue 6: null with --no-autonat
  std::shared_ptr<MetricsService> metrics_;  // issue 6: /metrics and the periodic counters log
  // Operations (issue 6): health, connections to close on shutdown, observed-address agreement.
  std::shared_ptr<HealthState> health_;
  std::unique_ptr<HealthHeartbeat> heartbeat_;
  std::shared_ptr<OpenConnections> connections_;
  std::shared_ptr<node::ObservedAddressTracker> observed_;
};

/// Builds the router of the HTTP API.
HttpRouter make_api_router(const std::string& identity_json);

}  // namespace privstack::app
