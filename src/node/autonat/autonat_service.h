// AutoNAT v1 server (`/libp2p/autonat/1.0.0`, spec autonat/autonat-v1.md, rust-libp2p
// `v1/behaviour/as_server.rs`): a peer sends one DIAL with the addresses it thinks it is
// reachable at; we dial it back on a NEW outbound QUIC connection, from a UDP port of our own
// that the client never contacted (rust: `allocate_new_port`), and answer OK with the address
// that worked, so clients learn whether they need the relay. The decisions are pure
// (protocol/autonat/): which addresses (only the observed IP, QUIC only, capped) and the throttle.
//
// Answers: E_BAD_REQUEST for a malformed/oversize DIAL or one whose PeerInfo id is not the
// connection's peer; E_DIAL_REFUSED while throttled, when the observed IP is refused, or when no
// address is usable; E_DIAL_ERROR when every dial-back failed; OK + addr otherwise. Dial-backs run
// one address at a time (rust uses a dial concurrency of 1); each is bounded by the QUIC
// handshake timeout, and no new attempt starts once `dial_timeout` has passed. A successful
// dial-back connection only proved reachability: it is closed `close_after` later.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "node/autonat/autonat_config.h"
#include "node/host.h"
#include "protocol/autonat/client_throttle.h"
#include "protocol/autonat/messages.h"
#include "transport/endpoint.h"

namespace privstack::node {

struct AutonatCounters {
  std::uint64_t requests = 0;      // DIALs read (well-formed or not)
  std::uint64_t ok = 0;            // answered OK
  std::uint64_t dial_errors = 0;   // E_DIAL_ERROR: every dial-back failed
  std::uint64_t refused = 0;       // E_DIAL_REFUSED: throttled or no usable address
  std::uint64_t bad_requests = 0;  // E_BAD_REQUEST
};

class AutonatService : public std::enable_shared_from_this<AutonatService> {
 public:
  /// Registers the handler; install before identify so the protocol is advertised.
  static std::shared_ptr<AutonatService> install(const std::shared_ptr<Host>& host,
                                                 AutonatConfig config);

  const AutonatCounters& counters() const { return counters_; }
  const AutonatConfig& config() const { return config_; }
  /// Closes the dial-back socket (its receive loop would keep the io_context running).
  void stop();

 private:
  AutonatService(std::shared_ptr<Host> host, AutonatConfig config);
  asio::awaitable<void> serve(StreamPtr stream, ConnectionPtr connection);
  /// Validates the request and dials back; the answer to send.
  asio::awaitable<protocol::autonat::DialResponse> handle(std::shared_ptr<Host> host,
                                                          const ConnectionPtr& connection,
                                                          ByteView body);
  asio::awaitable<protocol::autonat::DialResponse> dial_back(
      std::shared_ptr<Host> host, crypto::PeerId peer,
      std::vector<multiformats::Multiaddr> addresses);
  /// One dial-back: from the dial-back socket when there is one, else from the host.
  asio::awaitable<Result<ConnectionPtr>> dial_one(const std::shared_ptr<Host>& host,
                                                  const crypto::PeerId& peer,
                                                  const multiformats::Multiaddr& address);
  void count(const protocol::autonat::DialResponse& response);

  std::weak_ptr<Host> host_;
  AutonatConfig config_;
  protocol::autonat::ClientThrottle throttle_;
  AutonatCounters counters_;
  // Ephemeral-port sockets (IPv4 and IPv6) for dial-backs; null with dial_from_new_port off or
  // when they could not be bound (then the host dials).
  std::unique_ptr<transport::Endpoint> dialer_;
  // Delayed closes of successful dial-back connections (close_after), cancelled by stop().
  std::vector<std::weak_ptr<asio::steady_timer>> close_timers_;
};

}  // namespace privstack::node
