// Turns the services' plain counters into Prometheus families, one function per source so each is
// unit-tested alone. Names follow the libp2p dashboards where one exists: go-libp2p's relay service
// (libp2p_relaysvc_*), rust-libp2p's misc/metrics (libp2p_swarm_*, libp2p_kad_*); the live
// reservation and circuit gauges, which neither exports, keep the libp2p_relaysvc_ prefix.
// The spec's two counters are privstack_relay_peers_served_total and
// privstack_relay_relayed_connections_total.
#pragma once

#include <cstddef>
#include <cstdint>

#include "app/metrics_process.h"
#include "app/metrics_text.h"
#include "node/kad/kad_service.h"
#include "node/peer_registry.h"
#include "node/relay/relay_counters.h"
#include "transport/endpoint.h"

namespace privstack::app {

/// Connections now (by direction) and since start, handshake failures, peers connected and served.
void collect_connections(MetricsText& out, const transport::EndpointCounters& transport,
                         const node::PeerRegistry& peers);

/// Reservations and circuits: accepted, refused by reason, live gauges, closed by reason, the
/// duration histogram and bytes relayed.
void collect_relay(MetricsText& out, const node::RelayCounters& relay,
                   std::size_t active_reservations);

/// Sizes of the DHT state the relay serves.
struct KadSizes {
  std::size_t routing_table_peers = 0;
  std::size_t records = 0;
  std::size_t provider_keys = 0;
  std::size_t provider_records = 0;
};

/// Inbound kad requests by type and outcome, and the DHT state sizes.
void collect_kad(MetricsText& out, const node::KadCounters& kad, const KadSizes& sizes);

/// process_* as the Prometheus client libraries name them.
void collect_process(MetricsText& out, const ProcessStats& process);

}  // namespace privstack::app
