#include "node/relay/relay_client.h"

#include <spdlog/spdlog.h>

#include "node/stream_deadline.h"

namespace privstack::node::relay_client {

namespace {

namespace relay = protocol::relay;

// Reads one hop answer under the stream's deadline (armed by the caller).
asio::awaitable<Result<relay::HopMessage>> read_hop_answer(transport::Stream& stream) {
  auto frame = co_await relay::read_message(stream);
  if (!frame) co_return frame.error();
  if (!frame->has_value()) co_return make_error("relay closed the stream without an answer");
  auto message = relay::decode_hop(**frame);
  if (!message) co_return message.error();
  if (message->type != relay::HopType::status || !message->status) {
    co_return make_error("relay answer is not a STATUS");
  }
  co_return std::move(*message);
}

}  // namespace

asio::awaitable<Result<ReserveReply>> reserve(Host& host, ConnectionPtr relay_connection,
                                              std::chrono::milliseconds timeout) {
  auto stream = co_await host.new_stream(relay_connection, std::string(relay::kHopProtocolId));
  if (!stream) co_return stream.error();
  auto deadline = reset_stream_after(host.io(), *stream, timeout);
  relay::HopMessage request;
  request.type = relay::HopType::reserve;
  auto sent = co_await relay::write_message(**stream, relay::encode(request));
  if (!sent) co_return sent.error();
  (*stream)->close_write();  // as rust's client: the request is complete
  auto answer = co_await read_hop_answer(**stream);
  deadline->cancel();
  if (!answer) co_return answer.error();
  co_return ReserveReply{*answer->status, std::move(answer->reservation), std::move(answer->limit)};
}

asio::awaitable<Result<ConnectReply>> connect(Host& host, ConnectionPtr relay_connection,
                                              crypto::PeerId target,
                                              std::chrono::milliseconds timeout) {
  auto stream = co_await host.new_stream(relay_connection, std::string(relay::kHopProtocolId));
  if (!stream) co_return stream.error();
  auto deadline = reset_stream_after(host.io(), *stream, timeout);
  relay::HopMessage request;
  request.type = relay::HopType::connect;
  request.peer = relay::PeerInfo{std::move(target), {}};
  auto sent = co_await relay::write_message(**stream, relay::encode(request));
  if (!sent) co_return sent.error();
  auto answer = co_await read_hop_answer(**stream);
  deadline->cancel();
  if (!answer) co_return answer.error();
  ConnectReply reply{*answer->status, std::move(answer->limit), nullptr};
  if (reply.status == relay::Status::ok) reply.stream = *stream;
  co_return reply;
}

void install_stop_handler(Host& host, CircuitHandler handler, std::chrono::milliseconds timeout) {
  asio::io_context& io = host.io();
  host.set_handler(std::string(relay::kStopProtocolId),
                   [&io, handler = std::move(handler), timeout](
                       StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                     auto deadline = reset_stream_after(io, stream, timeout);
                     auto frame = co_await relay::read_message(*stream);
                     if (!frame || !frame->has_value()) {
                       deadline->cancel();
                       spdlog::debug("relay stop from {}: no request", connection->remote_peer());
                       stream->reset();
                       co_return;
                     }
                     auto request = relay::decode_stop(**frame);
                     std::optional<relay::Status> refusal;
                     if (!request || !request->peer) {
                       refusal = relay::Status::malformed_message;
                     } else if (request->type != relay::StopType::connect) {
                       refusal = relay::Status::unexpected_message;
                     }
                     auto sent = co_await relay::write_message(
                         *stream,
                         relay::encode(relay::stop_status(refusal.value_or(relay::Status::ok))));
                     deadline->cancel();
                     if (!sent || refusal) {
                       if (refusal) stream->close_write();
                       co_return;
                     }
                     co_await handler(std::move(stream), request->peer->id, request->limit);
                   });
}

}  // namespace privstack::node::relay_client
