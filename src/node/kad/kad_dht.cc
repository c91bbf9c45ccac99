#include "node/kad/kad_dht.h"

namespace privstack::node {

std::unique_ptr<KadDht> KadDht::start(std::shared_ptr<KadService> service,
                                      std::vector<multiformats::Multiaddr> bootstrap,
                                      const KadDhtConfig& config) {
  std::unique_ptr<KadDht> dht(new KadDht());
  KadQueryConfig queries;
  queries.query_timeout = config.query_timeout;
  dht->queries_ = KadQueries::create(service, queries);
  KadBootstrapConfig joining;
  joining.peers = std::move(bootstrap);
  joining.refresh_interval = config.refresh_interval;
  dht->bootstrap_ = KadBootstrap::start(service, dht->queries_, std::move(joining));
  dht->republisher_ =
      KadRepublisher::start(service, dht->queries_,
                            KadReplicationConfig{.interval = config.replication_interval,
                                                 .new_record_check = config.replication_check});
  return dht;
}

KadDht::~KadDht() {
  stop();
}

void KadDht::stop() {
  republisher_->stop();
  bootstrap_->stop();
  queries_->stop();
}

}  // namespace privstack::node
