// Internal state of one QUIC stream, owned by its Connection while ngtcp2 knows the stream and by
// the application's Stream handle while that exists. Holds no reference to the Connection, so no
// ownership cycle forms.
#pragma once

#include <cstdint>
#include <memory>

#include "transport/pending_op.h"
#include "transport/quic_stream.h"
#include "transport/stream_buffers.h"

namespace privstack::transport {

struct StreamState : std::enable_shared_from_this<StreamState> {
  StreamState(std::int64_t stream_id, std::size_t send_limit) : id(stream_id), send(send_limit) {}

  const std::int64_t id;
  SendBuffer send;
  RecvBuffer recv;

  // Send side.
  bool fin_requested = false;  // close_write() called
  bool fin_sent = false;       // FIN handed to ngtcp2
  bool write_shut = false;     // reset by us, STOP_SENDING from the peer, or stream closed
  bool queued = false;         // in the connection's write queue
  bool blocked = false;        // stream-level flow control; cleared by extend_max_stream_data

  // Receive side.
  bool read_fin = false;      // peer's FIN received (the data in `recv` is all there will be)
  bool read_reset = false;    // RESET_STREAM received
  bool read_stopped = false;  // we reset or dropped the stream; incoming data is discarded

  bool closed = false;       // ngtcp2 closed the stream (forgotten by the connection)
  bool conn_closed = false;  // the connection is gone; only buffered data can still be read

  PendingOp<void(boost::system::error_code, std::size_t)> read_op;
  asio::mutable_buffer read_buffer;
  PendingOp<void(boost::system::error_code, std::size_t)> write_op;
  ConstBufferList write_data;
  // Stream::async_wait_peer_abort: lets a task parked on another stream notice this one died.
  PendingOp<void(boost::system::error_code)> abort_wait_op;

  /// The peer's data will never be complete: it sent RESET_STREAM, or the connection was lost
  /// before its FIN. (A FIN followed by connection loss is not an abort: the data is all here.)
  bool peer_aborted() const { return read_reset || (conn_closed && !read_fin); }
};

}  // namespace privstack::transport
