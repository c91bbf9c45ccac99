// identify on top of the host: answers /ipfs/id/1.0.0, accepts /ipfs/id/push/1.0.0, and asks every
// newly connected peer for its identify so the registry learns its listen addresses and protocols
// (kad decides routing-table membership from them; go peers also block their streams on it).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/host.h"
#include "protocol/identify.h"

namespace privstack::node {

struct IdentifyConfig {
  std::string protocol_version;
  std::string agent_version;
  std::chrono::milliseconds request_timeout{10'000};
  protocol::identify::ReceiveLimits limits;
  /// When non-empty, advertised (listenAddrs and signed peer record) instead of the host's
  /// interface addresses: the operator's --announce list, without /p2p/.
  std::vector<multiformats::Multiaddr> announced_addresses{};
  /// Called with the observedAddr of each identify answer a peer sends us (what it saw us as),
  /// with the connection it came on; the app counts agreement between peers.
  std::function<void(const ConnectionPtr&, const multiformats::Multiaddr&)> on_observed_address{};
};

class IdentifyService : public std::enable_shared_from_this<IdentifyService> {
 public:
  /// Registers the handlers on `host`; call after every other service registered its protocols,
  /// or call refresh() afterwards, since identify advertises the host's protocol list.
  static std::shared_ptr<IdentifyService> install(const std::shared_ptr<Host>& host,
                                                  IdentifyConfig config);

  /// Rebuilds what we advertise (protocols, listen addresses, signed peer record).
  void refresh();

  /// What we currently send (for tests and the HTTP API).
  const protocol::identify::LocalInfo& local_info();

 private:
  IdentifyService(std::shared_ptr<Host> host, IdentifyConfig config);
  asio::awaitable<void> respond(StreamPtr stream, ConnectionPtr connection);
  asio::awaitable<void> receive_push(StreamPtr stream, ConnectionPtr connection);
  asio::awaitable<void> request(ConnectionPtr connection);
  void record(const crypto::PeerId& peer, const protocol::identify::IdentifyInfo& info);

  std::weak_ptr<Host> host_;
  IdentifyConfig config_;
  std::optional<protocol::identify::LocalInfo> local_;
};

/// /ipfs/ping/1.0.0: echoes until the dialer closes.
void install_ping(Host& host);

}  // namespace privstack::node
