#include "app/metrics_service.h"

#include <charconv>

#include <spdlog/spdlog.h>

#include "app/metrics_collectors.h"
#include "app/metrics_process.h"
#include "app/metrics_text.h"

namespace privstack::app {

namespace asio = boost::asio;
using asio::ip::tcp;

HttpResponse make_metrics_response(std::string body, unsigned version) {
  HttpResponse response{http::status::ok, version};
  response.set(http::field::content_type, kMetricsContentType);
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Result<tcp::endpoint> parse_listen_address(std::string_view text) {
  if (text.size() > 64) return make_error("'{}' is too long for HOST:PORT", text);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return make_error("'{}' is not HOST:PORT (e.g. 127.0.0.1:9464 or [::1]:9464)", text);
  }
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return make_error("'{}' has no valid port (0-65535)", text);
  }
  boost::system::error_code address_ec;
  const auto address = asio::ip::make_address(std::string(host), address_ec);
  if (address_ec || (address.is_v6() && !bracketed) || (address.is_v4() && bracketed)) {
    return make_error("'{}' is not an IP address (IPv6 goes in brackets)", host);
  }
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

MetricsService::MetricsService(asio::io_context& io, MetricsConfig config)
    : config_(std::move(config)), stats_timer_(io) {}

MetricsService::~MetricsService() {
  stop();
}

Result<std::shared_ptr<MetricsService>> MetricsService::start(
    asio::io_context& io, MetricsConfig config, const std::shared_ptr<node::Host>& host,
    const std::shared_ptr<node::RelayService>& relay,
    const std::shared_ptr<node::KadService>& kad) {
  auto service = std::shared_ptr<MetricsService>(new MetricsService(io, std::move(config)));
  service->host_ = host;
  service->relay_ = relay;
  service->kad_ = kad;
  if (service->config_.listen) {
    HttpServerConfig http_config;
    http_config.port = service->config_.listen->port();
    http_config.bind_addresses = {service->config_.listen->address()};
    http_config.max_connections = 16;  // scrapers, not the public
    HttpRouter router;
    service->add_route(router);
    auto http = HttpServer::start(io, http_config, std::move(router));
    if (http) {
      service->http_ = std::move(*http);
    } else {
      // Metrics are auxiliary: a relay that ran before must not fail to start because the
      // default port is taken (a second relay on the host, another exporter). Say so loudly.
      spdlog::warn("Metrics listener disabled: {} (choose --metrics-listen IP:PORT, or off)",
                   http.error().message);
    }
    for (const auto& endpoint : service->local_endpoints()) {
      spdlog::info("Metrics endpoint listening on http://{}/metrics",
                   endpoint.address().is_v6()
                       ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
                       : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()));
    }
  }
  service->schedule_stats();
  return service;
}

void MetricsService::add_route(HttpRouter& router) {
  router.get("/metrics", [weak = weak_from_this()](const HttpRequest& request) {
    auto self = weak.lock();
    if (!self) return make_error_response(http::status::service_unavailable, request.version());
    return make_metrics_response(self->render(), request.version());
  });
}

std::string MetricsService::render() const {
  MetricsText text;
  auto host = host_.lock();
  if (host) collect_connections(text, host->transport_counters(), host->peers());
  if (auto relay = relay_.lock()) {
    collect_relay(text, relay->counters(), relay->resources().reservations());
  }
  if (auto kad = kad_.lock()) {
    KadSizes sizes{.routing_table_peers = kad->routing_table().size(),
                   .records = kad->records().size(),
                   .provider_keys = kad->providers().key_count(),
                   .provider_records = kad->providers().provider_count()};
    collect_kad(text, kad->counters(), sizes);
  }
  collect_process(text, read_process_stats());
  return text.render();
}

void MetricsService::log_counters() const {
  auto host = host_.lock();
  auto relay = relay_.lock();
  spdlog::info(
      "Stats: peers_served={} relayed_connections={} (peers connected: {}, connections: {}, "
      "reservations: {}, circuits active: {})",
      host ? host->peers().peers_served() : 0, relay ? relay->counters().relayed_connections : 0,
      host ? host->peers().connected_peers() : 0, host ? host->peers().open_connections() : 0,
      relay ? relay->resources().reservations() : 0, relay ? relay->counters().circuits_active : 0);
}

std::vector<tcp::endpoint> MetricsService::local_endpoints() const {
  return http_ ? http_->local_endpoints() : std::vector<tcp::endpoint>{};
}

void MetricsService::schedule_stats() {
  if (stopped_ || config_.stats_interval.count() <= 0) return;
  stats_timer_.expires_after(config_.stats_interval);
  stats_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->log_counters();
    self->schedule_stats();
  });
}

void MetricsService::stop() {
  if (stopped_) return;
  stopped_ = true;
  stats_timer_.cancel();
  if (http_) http_->stop();
}

}  // namespace privstack::app
