#include "transport/quic_stream.h"

#include "transport/quic_connection.h"
#include "transport/stream_state.h"

namespace privstack::transport {

Stream::Stream(std::shared_ptr<Connection> connection, std::shared_ptr<StreamState> state)
    : connection_(std::move(connection)), state_(std::move(state)) {}

Stream::~Stream() {
  connection_->stream_dropped(state_);
}

Stream::executor_type Stream::get_executor() const {
  return connection_->get_executor();
}

std::int64_t Stream::id() const {
  return state_->id;
}

void Stream::close_write() {
  connection_->stream_close_write(state_);
}

void Stream::reset(std::uint64_t app_error) {
  connection_->stream_reset(state_, app_error);
}

void Stream::start_read(asio::mutable_buffer buffer, IoHandler handler, bool local) {
  state_->read_op.set_next_handler_local(local);
  connection_->stream_read(state_, buffer, std::move(handler));
}

void Stream::start_write(const ConstBufferList& data, IoHandler handler, bool local) {
  state_->write_op.set_next_handler_local(local);
  connection_->stream_write(state_, data, std::move(handler));
}

void Stream::start_wait_peer_abort(AbortHandler handler) {
  connection_->stream_wait_peer_abort(state_, std::move(handler));
}

}  // namespace privstack::transport
