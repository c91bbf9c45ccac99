// The relay as a full DHT node (issue 4, multi-relay): the lookups, the bootstrap/refresh and the
// record replication, wired to one KadService and started and stopped together by the app.
#pragma once

#include <memory>
#include <vector>

#include "multiformats/multiaddr.h"
#include "node/kad/bootstrap.h"
#include "node/kad/kad_dht_config.h"
#include "node/kad/kad_queries.h"
#include "node/kad/kad_service.h"
#include "node/kad/republisher.h"

namespace privstack::node {

class KadDht {
 public:
  /// Starts dialing `bootstrap` (each with /p2p/) and the periodic tasks on the service's host.
  static std::unique_ptr<KadDht> start(std::shared_ptr<KadService> service,
                                       std::vector<multiformats::Multiaddr> bootstrap,
                                       const KadDhtConfig& config);
  ~KadDht();
  KadDht(const KadDht&) = delete;
  KadDht& operator=(const KadDht&) = delete;

  /// Stops every timer, retry and running lookup so the io_context can run out of work.
  void stop();

  KadQueries& queries() { return *queries_; }
  KadBootstrap& bootstrap() { return *bootstrap_; }
  KadRepublisher& republisher() { return *republisher_; }

 private:
  KadDht() = default;

  std::shared_ptr<KadQueries> queries_;
  std::shared_ptr<KadBootstrap> bootstrap_;
  std::shared_ptr<KadRepublisher> republisher_;
};

}  // namespace privstack::node
