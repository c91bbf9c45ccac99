#include "app/metrics_collectors.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>

namespace privstack::app {

namespace {

double as_double(std::uint64_t value) {
  return static_cast<double>(value);
}

using ReasonCounts = std::map<std::string, std::uint64_t, std::less<>>;

// The expected reasons always get a sample (0 until they happen), so the series exist from the
// start and rate() works on the first event; any other reason seen follows.
void by_reason(MetricsText& out, std::string_view name, std::string_view help,
               const ReasonCounts& counts, std::initializer_list<std::string_view> expected) {
  for (auto reason : expected) {
    auto found = counts.find(reason);
    out.counter(name, help, as_double(found == counts.end() ? 0 : found->second),
                {{"reason", std::string(reason)}});
  }
  for (const auto& [reason, count] : counts) {
    if (std::find(expected.begin(), expected.end(), reason) != expected.end()) continue;
    out.counter(name, help, as_double(count), {{"reason", reason}});
  }
}

}  // namespace

void collect_connections(MetricsText& out, const transport::EndpointCounters& transport,
                         const node::PeerRegistry& peers) {
  std::uint64_t inbound_open = 0;
  std::uint64_t outbound_open = 0;
  peers.for_each([&](const node::PeerRecord& peer) {
    for (const auto& connection : peer.connections)
      ++(connection.inbound ? inbound_open : outbound_open);
  });
  // rust-libp2p's role label: "listener" for inbound, "dialer" for outbound.
  constexpr auto kOpen = "libp2p_swarm_connections";
  constexpr auto kOpenHelp = "Authenticated connections open now, by role (listener = inbound)";
  out.gauge(kOpen, kOpenHelp, as_double(inbound_open), {{"role", "listener"}});
  out.gauge(kOpen, kOpenHelp, as_double(outbound_open), {{"role", "dialer"}});
  constexpr auto kEstablished = "libp2p_swarm_connections_established_total";
  constexpr auto kEstablishedHelp = "QUIC connections established since start, by role";
  out.counter(kEstablished, kEstablishedHelp, as_double(transport.inbound_established),
              {{"role", "listener"}});
  out.counter(kEstablished, kEstablishedHelp, as_double(transport.outbound_established),
              {{"role", "dialer"}});
  constexpr auto kFailures = "libp2p_swarm_handshake_failures_total";
  constexpr auto kFailuresHelp =
      "QUIC/TLS handshakes that failed or timed out (inbound) and dials that did not complete "
      "their handshake (outbound), by role";
  out.counter(kFailures, kFailuresHelp, as_double(transport.inbound_handshake_failures),
              {{"role", "listener"}});
  out.counter(kFailures, kFailuresHelp, as_double(transport.outbound_handshake_failures),
              {{"role", "dialer"}});
  // Issue 8: Initials refused by a transport limit (--max-connections, --max-connections-per-ip,
  // --max-pending-handshakes); every reason always has a sample so alerts can rate() it.
  constexpr auto kRefused = "privstack_relay_connections_refused_total";
  constexpr auto kRefusedHelp =
      "QUIC connection attempts refused with CONNECTION_REFUSED, by the limit reached: "
      "connections (total cap), per_ip (per IPv4 address or IPv6 /64), pending_handshakes";
  out.counter(kRefused, kRefusedHelp, as_double(transport.refused_connection_limit),
              {{"reason", "connections"}});
  out.counter(kRefused, kRefusedHelp, as_double(transport.refused_per_ip_limit),
              {{"reason", "per_ip"}});
  out.counter(kRefused, kRefusedHelp, as_double(transport.refused_pending_handshakes),
              {{"reason", "pending_handshakes"}});
  out.gauge("libp2p_swarm_connected_peers", "Distinct peers with at least one open connection",
            as_double(peers.connected_peers()));
  out.counter("privstack_relay_peers_served_total",
              "Distinct peers that have connected since start (the spec's peers_served)",
              as_double(peers.peers_served()));
}

void collect_relay(MetricsText& out, const node::RelayCounters& relay,
                   std::size_t active_reservations) {
  out.counter("privstack_relay_relayed_connections_total",
              "Circuits established since start (the spec's relayed_connections)",
              as_double(relay.relayed_connections));

  out.gauge("libp2p_relaysvc_active_reservations", "Reservations held now",
            as_double(active_reservations));
  constexpr auto kReservations = "libp2p_relaysvc_reservations_total";
  constexpr auto kReservationsHelp =
      "Reservations accepted: type=opened (new) or renewed (refresh or move to a new connection)";
  out.counter(kReservations, kReservationsHelp,
              as_double(relay.reservations_accepted - relay.reservations_renewed),
              {{"type", "opened"}});
  out.counter(kReservations, kReservationsHelp, as_double(relay.reservations_renewed),
              {{"type", "renewed"}});
  by_reason(out, "libp2p_relaysvc_reservation_rejections_total",
            "Reservation requests refused, by reason", relay.reservations_refused_by_reason,
            {"RESOURCE_LIMIT_EXCEEDED", "PERMISSION_DENIED", "NO_ADDRESSES"});

  out.gauge("libp2p_relaysvc_active_connections", "Circuits open now",
            as_double(relay.circuits_active));
  constexpr auto kCircuits = "libp2p_relaysvc_connections_total";
  constexpr auto kCircuitsHelp =
      "Circuits: type=opened (established), failed (admitted but the target was unreachable)";
  out.counter(kCircuits, kCircuitsHelp, as_double(relay.relayed_connections), {{"type", "opened"}});
  out.counter(kCircuits, kCircuitsHelp, as_double(relay.circuits_failed), {{"type", "failed"}});
  by_reason(out, "libp2p_relaysvc_connection_rejections_total",
            "Circuit requests refused by policy, by reason", relay.circuits_refused_by_reason,
            {"NO_RESERVATION", "RESOURCE_LIMIT_EXCEEDED", "PERMISSION_DENIED"});
  by_reason(out, "libp2p_relaysvc_connections_closed_total",
            "Established circuits that ended, by reason", relay.circuits_closed_by_reason,
            {"closed", "reset", "data_limit", "duration_limit"});
  const auto& histogram = relay.circuit_duration;
  out.histogram("libp2p_relaysvc_connection_duration_seconds",
                "Lifetime of established circuits that have ended", histogram.kBounds,
                histogram.counts, histogram.sum);
  out.counter("libp2p_relaysvc_data_transferred_bytes_total",
              "Bytes relayed through circuits that have ended, both directions",
              as_double(relay.bytes_relayed));
  out.counter("privstack_relay_bad_requests_total", "Malformed or unexpected hop messages",
              as_double(relay.bad_requests));
}

void collect_kad(MetricsText& out, const node::KadCounters& kad, const KadSizes& sizes) {
  constexpr auto kRequests = "libp2p_kad_inbound_requests_total";
  constexpr auto kRequestsHelp =
      "Inbound Kademlia requests, by request type and outcome (ok, refused, error, malformed, "
      "read_error)";
  if (kad.requests.empty()) {
    // The family exists from the start, so rate() and dashboards work before the first request.
    out.counter(kRequests, kRequestsHelp, 0, {{"request", "FIND_NODE"}, {"outcome", "ok"}});
  }
  for (const auto& [key, count] : kad.requests) {
    out.counter(kRequests, kRequestsHelp, as_double(count),
                {{"request", key.first}, {"outcome", key.second}});
  }
  out.gauge("libp2p_kad_routing_table_peers", "Peers in the Kademlia routing table",
            as_double(sizes.routing_table_peers));
  out.gauge("libp2p_kad_records_stored", "DHT value records stored", as_double(sizes.records));
  out.gauge("libp2p_kad_provider_keys_stored", "Keys with provider records stored",
            as_double(sizes.provider_keys));
  out.gauge("libp2p_kad_provider_records_stored", "Provider records stored, all keys",
            as_double(sizes.provider_records));
}

void collect_process(MetricsText& out, const ProcessStats& process) {
  out.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
              process.cpu_seconds);
  out.gauge("process_resident_memory_bytes", "Resident memory size in bytes",
            process.resident_bytes);
  out.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes", process.virtual_bytes);
  out.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds",
            process.start_time_seconds);
  out.gauge("process_open_fds", "Number of open file descriptors", process.open_fds);
  out.gauge("process_max_fds", "Maximum number of open file descriptors", process.max_fds);
}

}  // namespace privstack::app
