// A circuit relay v2 client on top of our host: reserve a slot on a relay, connect to a reserved
// peer through it, and accept circuits (the stop side). The unit tests and the throughput
// benchmark drive the relay with it; operators can use it for self-tests. It speaks the protocol
// the way rust's client does: RESERVE then half-close; CONNECT without half-close.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "node/host.h"
#include "protocol/relay/messages.h"

namespace privstack::node::relay_client {

struct ReserveReply {
  protocol::relay::Status status = protocol::relay::Status::ok;
  std::optional<protocol::relay::Reservation> reservation;
  std::optional<protocol::relay::Limit> limit;
};

/// Sends RESERVE on a new hop stream and returns the relay's answer (any status). Errors are
/// transport failures, timeouts, and answers that do not decode.
asio::awaitable<Result<ReserveReply>> reserve(
    Host& host, ConnectionPtr relay, std::chrono::milliseconds timeout = std::chrono::seconds(10));

struct ConnectReply {
  protocol::relay::Status status = protocol::relay::Status::ok;
  std::optional<protocol::relay::Limit> limit;
  StreamPtr stream;  // the circuit, set when status is OK
};

/// Sends CONNECT to `target`; on OK the returned stream is the circuit's byte pipe.
asio::awaitable<Result<ConnectReply>> connect(
    Host& host, ConnectionPtr relay, crypto::PeerId target,
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// An accepted circuit: the stream, who it comes from, and the relay's limit (if any).
using CircuitHandler = std::function<asio::awaitable<void>(
    StreamPtr stream, crypto::PeerId source, std::optional<protocol::relay::Limit> limit)>;

/// Answers `/libp2p/circuit/relay/0.2.0/stop`: CONNECT gets STATUS OK and the stream goes to
/// `handler`; anything else gets UNEXPECTED_MESSAGE or MALFORMED_MESSAGE.
void install_stop_handler(Host& host, CircuitHandler handler,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace privstack::node::relay_client
