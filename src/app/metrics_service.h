// The metrics side of the app: renders /metrics from the live services, serves it on its own small
// listener (default 127.0.0.1:9464, so a public relay does not publish its load) and/or on the HTTP
// API port, and logs the spec's two counters every --stats-interval and once at shutdown.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/http_router.h"
#include "app/http_server.h"
#include "app/metrics_config.h"
#include "common/result.h"
#include "node/host.h"
#include "node/kad/kad_service.h"
#include "node/relay/relay_service.h"

namespace privstack::app {

class MetricsService : public std::enable_shared_from_this<MetricsService> {
 public:
  /// Binds the listener (if configured) and starts the stats timer. A listener that cannot bind
  /// is logged as a warning and left out, never fatal (metrics are auxiliary; two relays on one
  /// host would otherwise collide on the default port). Services may be null (their families are
  /// then left out); they are held weakly, the app owns them.
  static Result<std::shared_ptr<MetricsService>> start(
      boost::asio::io_context& io, MetricsConfig config, const std::shared_ptr<node::Host>& host,
      const std::shared_ptr<node::RelayService>& relay,
      const std::shared_ptr<node::KadService>& kad);
  ~MetricsService();
  MetricsService(const MetricsService&) = delete;
  MetricsService& operator=(const MetricsService&) = delete;

  /// The whole exposition text, as served on /metrics.
  std::string render() const;
  /// Adds GET /metrics to `router` (for --metrics-on-http-port).
  void add_route(HttpRouter& router);
  /// Logs the spec's counters (peers_served, relayed_connections) and the live gauges at info.
  void log_counters() const;
  /// The dedicated listener's bound endpoints (empty when disabled).
  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;
  /// Stops the timer and the listener. Does not log: the app calls log_counters() at shutdown.
  void stop();

 private:
  MetricsService(boost::asio::io_context& io, MetricsConfig config);
  void schedule_stats();

  MetricsConfig config_;
  std::weak_ptr<node::Host> host_;
  std::weak_ptr<node::RelayService> relay_;
  std::weak_ptr<node::KadService> kad_;
  std::unique_ptr<HttpServer> http_;
  boost::asio::steady_timer stats_timer_;
  bool stopped_ = false;
};

/// A GET /metrics response: the text format's content type, never cached.
HttpResponse make_metrics_response(std::string body, unsigned version = 11);

}  // namespace privstack::app
