// One outbound Kademlia request, the way rust-libp2p sends it (kad `handler.rs`): a new stream per
// request, the request frame, our FIN, then exactly one bounded response frame — none for
// ADD_PROVIDER. Reaches the peer over an open connection, or dials one of the addresses we know
// for it. Every failure (unreachable, refused protocol, malformed or mismatched answer, timeout)
// is an error value for the query to count as that peer's failure; nothing throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "node/host.h"
#include "protocol/kad/message.h"

namespace privstack::node {

struct KadClientConfig {
  /// Whole exchange on the stream (negotiation, request, response), rust's substream timeout.
  std::chrono::milliseconds request_timeout{10'000};
  /// Largest response body we read. go may send up to 4 MiB and rust at most 16 KiB; 128 KiB
  /// holds a GET_VALUE answer with the largest record a rust-style store keeps (65 KiB value)
  /// plus K closer peers, and bounds what one misbehaving peer can make us buffer.
  std::size_t max_response_bytes = 128 * 1024;
  /// Addresses tried, in order, when the peer is not connected.
  std::size_t max_dial_addresses = 4;
  protocol::kad::DecodeLimits limits;
};

/// The connection to `peer`: the open one, else the first of `addresses` (QUIC only; /p2p/<peer>
/// appended where missing, addresses naming another peer skipped) that a dial succeeds on.
boost::asio::awaitable<Result<ConnectionPtr>> connect_to(
    Host& host, const crypto::PeerId& peer, std::vector<multiformats::Multiaddr> addresses,
    std::size_t max_dial_addresses);

/// Sends `request` to `peer` and returns its response (nullopt for ADD_PROVIDER, which has none).
/// A response whose type differs from the request's is an error. The host must outlive the call.
boost::asio::awaitable<Result<std::optional<protocol::kad::KadMessage>>> send_request(
    Host& host, const crypto::PeerId& peer, std::vector<multiformats::Multiaddr> addresses,
    protocol::kad::KadMessage request, KadClientConfig config = {});

}  // namespace privstack::node
