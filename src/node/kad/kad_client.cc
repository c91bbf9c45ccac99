#include "node/kad/kad_client.h"

#include <spdlog/spdlog.h>

#include "node/address.h"
#include "node/stream_deadline.h"
#include "protocol/length_prefixed.h"
#include "protocol/multistream.h"

namespace privstack::node {

namespace kadp = protocol::kad;
namespace mf = multiformats;

asio::awaitable<Result<ConnectionPtr>> connect_to(Host& host, const crypto::PeerId& peer,
                                                  std::vector<mf::Multiaddr> addresses,
                                                  std::size_t max_dial_addresses) {
  if (auto open = host.connection_to(peer)) co_return open;
  std::size_t tried = 0;
  Error last = make_error("no dialable address for {}", peer);
  for (const auto& address : addresses) {
    if (tried >= max_dial_addresses) break;
    if (auto named = address.peer_id_bytes(); named && *named != peer.bytes()) continue;
    if (!quic_endpoint(address)) continue;
    const mf::Multiaddr full =
        address.peer_id_bytes() ? address : address.with(mf::Protocol::p2p, peer.bytes());
    ++tried;
    auto connection = co_await host.dial(full);
    if (connection) co_return *connection;
    last = make_error("dial {}: {}", full.to_string(), connection.error().message);
  }
  co_return last;
}

asio::awaitable<Result<std::optional<kadp::KadMessage>>> send_request(
    Host& host, const crypto::PeerId& peer, std::vector<mf::Multiaddr> addresses,
    kadp::KadMessage request, KadClientConfig config) {
  auto connection =
      co_await connect_to(host, peer, std::move(addresses), config.max_dial_addresses);
  if (!connection) co_return connection.error();

  // Opened by hand rather than with host.new_stream() so the deadline also covers negotiation:
  // a peer that never answers multistream-select must not hold the query's slot forever.
  auto stream = co_await (*connection)->open_stream();
  if (!stream) co_return make_error("open kad stream: {}", stream.error().message);
  auto deadline = reset_stream_after(host.io(), *stream, config.request_timeout);
  auto selected = co_await protocol::multistream::select(**stream, kadp::kProtocolId);
  if (!selected) {
    deadline->cancel();
    (*stream)->reset();
    co_return make_error("negotiate kad: {}", selected.error().message);
  }

  auto sent = co_await protocol::write_frame(**stream, kadp::encode_message(request));
  if (!sent) {
    deadline->cancel();
    (*stream)->reset();
    co_return sent.error();
  }
  // rust half-closes after its request; go and js servers read until EOF either way.
  (*stream)->close_write();
  if (request.type == kadp::MessageType::add_provider) {
    deadline->cancel();
    co_return std::optional<kadp::KadMessage>{};
  }

  auto frame = co_await protocol::read_frame(**stream, config.max_response_bytes);
  deadline->cancel();
  if (!frame) {
    (*stream)->reset();
    co_return make_error("read kad response: {}", frame.error().message);
  }
  if (!*frame) co_return make_error("stream ended without a kad response");
  kadp::DecodeStats stats;
  auto response = kadp::decode_message(**frame, config.limits, &stats);
  if (!response) {
    (*stream)->reset();
    co_return make_error("bad kad response: {}", response.error().message);
  }
  if (stats.invalid_peers + stats.invalid_addrs + stats.dropped_peers + stats.dropped_addrs > 0) {
    spdlog::debug(
        "kad response from {}: skipped {} invalid peers, {} invalid addresses, {} + {} "
        "beyond limits",
        peer, stats.invalid_peers, stats.invalid_addrs, stats.dropped_peers, stats.dropped_addrs);
  }
  if (response->type != request.type) {
    (*stream)->reset();
    co_return make_error("kad response of type {} to a {} request", kadp::to_string(response->type),
                         kadp::to_string(request.type));
  }
  co_return std::optional<kadp::KadMessage>{std::move(*response)};
}

}  // namespace privstack::node
