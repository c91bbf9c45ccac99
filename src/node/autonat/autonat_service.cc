#include "node/autonat/autonat_service.h"

#include <string>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>

#include "node/address.h"
#include "node/stream_deadline.h"

namespace privstack::node {

namespace {

namespace autonat = protocol::autonat;
namespace mf = multiformats;
using autonat::ResponseStatus;
using Clock = std::chrono::steady_clock;

std::string_view refusal_text(autonat::Admission admission) {
  switch (admission) {
    case autonat::Admission::ongoing:
      return "dial-back already ongoing";
    case autonat::Admission::global_limit:
      return "too many total dials";
    case autonat::Admission::peer_limit:
      return "too many dials for peer";
    case autonat::Admission::admitted:
      break;
  }
  return "";
}

// Ends the throttle's "ongoing" mark however the dial-back coroutine leaves.
class OngoingGuard {
 public:
  OngoingGuard(autonat::ClientThrottle& throttle, crypto::PeerId peer)
      : throttle_(throttle), peer_(std::move(peer)) {}
  ~OngoingGuard() { throttle_.finish(peer_); }
  OngoingGuard(const OngoingGuard&) = delete;
  OngoingGuard& operator=(const OngoingGuard&) = delete;

 private:
  autonat::ClientThrottle& throttle_;
  crypto::PeerId peer_;
};

// The dial-back connection only proved reachability. Closing it at once would race the client's
// own view of it (its handshake may complete after our close arrives, and some clients count the
// inbound connection as a signal): let it live briefly, then close it unless it already went.
// The timer is returned so that stop() can cancel it (which closes the connection at once).
std::shared_ptr<asio::steady_timer> close_later(asio::io_context& io,
                                                const ConnectionPtr& connection,
                                                std::chrono::milliseconds delay) {
  auto timer = std::make_shared<asio::steady_timer>(io, delay);
  timer->async_wait([timer, weak = std::weak_ptr(connection)](const boost::system::error_code&) {
    if (auto open = weak.lock(); open && open->is_open()) open->close(0, "autonat dial-back done");
  });
  return timer;
}

}  // namespace

std::shared_ptr<AutonatService> AutonatService::install(const std::shared_ptr<Host>& host,
                                                        AutonatConfig config) {
  std::shared_ptr<AutonatService> service(new AutonatService(host, std::move(config)));
  std::weak_ptr<AutonatService> weak = service;
  host->set_handler(std::string(autonat::kProtocolId),
                    [weak](StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                      if (auto self = weak.lock()) {
                        co_await self->serve(std::move(stream), std::move(connection));
                      }
                    });
  if (service->config_.dial_from_new_port) {
    transport::EndpointConfig dialer_config;  // no listen address: 0.0.0.0:0 and [::]:0
    dialer_config.handshake_timeout = service->config_.handshake_timeout;
    auto dialer = transport::Endpoint::create(host->io(), host->keypair(), dialer_config);
    if (dialer) {
      // Nobody has a reason to connect to these ports; whatever does is turned away.
      (*dialer)->set_connection_handler(
          [](const ConnectionPtr& connection) { connection->close(0, "not a listener"); });
      service->dialer_ = std::move(*dialer);
    } else {
      spdlog::warn("AutoNAT: no dial-back socket ({}); dialing back from the listening port",
                   dialer.error().message);
    }
  }
  return service;
}

void AutonatService::stop() {
  // Pending closes would hold the io_context for up to close_after after shutdown.
  for (auto& weak : close_timers_) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  close_timers_.clear();
  if (dialer_) dialer_->close();
}

AutonatService::AutonatService(std::shared_ptr<Host> host, AutonatConfig config)
    : host_(host), config_(std::move(config)), throttle_(config_.throttle) {}

void AutonatService::count(const autonat::DialResponse& response) {
  switch (response.status) {
    case ResponseStatus::ok:
      ++counters_.ok;
      break;
    case ResponseStatus::dial_error:
      ++counters_.dial_errors;
      break;
    case ResponseStatus::dial_refused:
      ++counters_.refused;
      break;
    case ResponseStatus::bad_request:
      ++counters_.bad_requests;
      break;
    case ResponseStatus::internal_error:
      break;
  }
}

asio::awaitable<void> AutonatService::serve(StreamPtr stream, ConnectionPtr connection) {
  auto self = shared_from_this();
  auto host = host_.lock();
  if (!host) co_return;
  const crypto::PeerId peer = connection->remote_peer();

  auto deadline = reset_stream_after(host->io(), stream, config_.request_timeout);
  auto frame = co_await autonat::read_message(*stream);
  deadline->cancel();
  autonat::DialResponse response;
  if (!frame) {
    // Oversize length prefix, truncated frame, reset or timeout: answer if the stream still can.
    ++counters_.requests;
    spdlog::debug("autonat from {}: {}", peer, frame.error().message);
    response = autonat::error_response(ResponseStatus::bad_request, "malformed request");
  } else if (!frame->has_value()) {
    spdlog::debug("autonat from {}: stream ended without a request", peer);
    co_return;
  } else {
    ++counters_.requests;
    const Bytes body = std::move(**frame);
    response = co_await handle(host, connection, body);
  }
  count(response);
  spdlog::debug("autonat from {}: {} {}", peer, autonat::to_string(response.status),
                response.addr ? response.addr->to_string() : response.status_text);

  const Bytes encoded = autonat::encode(response);
  auto write_deadline = reset_stream_after(host->io(), stream, config_.request_timeout);
  auto sent = co_await autonat::write_message(*stream, encoded);
  write_deadline->cancel();
  if (!sent) {
    spdlog::debug("autonat to {}: {}", peer, sent.error().message);
    stream->reset();
    co_return;
  }
  stream->close_write();
}

asio::awaitable<autonat::DialResponse> AutonatService::handle(std::shared_ptr<Host> host,
                                                              const ConnectionPtr& connection,
                                                              ByteView body) {
  const crypto::PeerId peer = connection->remote_peer();
  auto request = autonat::decode_request(body);
  if (!request) {
    spdlog::debug("autonat from {}: {}", peer, request.error().message);
    co_return autonat::error_response(ResponseStatus::bad_request, "malformed request");
  }
  // Dialing back someone else's id would make us probe a third party on the sender's behalf.
  if (request->peer != peer) {
    co_return autonat::error_response(ResponseStatus::bad_request, "peer id mismatch");
  }
  const auto now = Clock::now();
  const auto admission = throttle_.check(peer, now);
  if (admission != autonat::Admission::admitted) {
    co_return autonat::error_response(ResponseStatus::dial_refused,
                                      std::string(refusal_text(admission)));
  }
  auto addresses = autonat::dial_back_addresses(
      peer, request->addrs, connection->remote_endpoint().address(), config_.addresses);
  if (!addresses) {
    co_return autonat::error_response(ResponseStatus::dial_refused, addresses.error().message);
  }
  if (addresses->empty()) {
    co_return autonat::error_response(ResponseStatus::dial_refused, "no dialable addresses");
  }
  throttle_.start(peer, now);
  OngoingGuard ongoing(throttle_, peer);
  co_return co_await dial_back(std::move(host), peer, std::move(*addresses));
}

asio::awaitable<Result<ConnectionPtr>> AutonatService::dial_one(const std::shared_ptr<Host>& host,
                                                                const crypto::PeerId& peer,
                                                                const mf::Multiaddr& address) {
  if (!dialer_) co_return co_await host->dial(address);
  auto target = quic_endpoint(address);
  if (!target) co_return make_error("not a QUIC address");
  co_return co_await dialer_->dial(*target, peer);
}

asio::awaitable<autonat::DialResponse> AutonatService::dial_back(
    std::shared_ptr<Host> host, crypto::PeerId peer, std::vector<mf::Multiaddr> addresses) {
  const auto give_up_at = Clock::now() + config_.dial_timeout;
  for (const auto& address : addresses) {
    if (Clock::now() >= give_up_at) break;
    // Always a new connection (rust: PeerCondition::Always), which the client sees as inbound.
    auto connection = co_await dial_one(host, peer, address);
    if (!connection) {
      spdlog::debug("autonat dial-back {} failed: {}", address.to_string(),
                    connection.error().message);
      continue;
    }
    std::erase_if(close_timers_, [](const auto& weak) { return weak.expired(); });
    close_timers_.push_back(close_later(host->io(), *connection, config_.close_after));
    co_return autonat::ok_response(address);
  }
  co_return autonat::error_response(ResponseStatus::dial_error, "dial failed");
}

}  // namespace privstack::node
