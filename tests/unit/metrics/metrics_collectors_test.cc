// Each collector against its plain counters: names, labels and values as scraped.
#include "app/metrics_collectors.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/ed25519.h"

namespace privstack::app {
namespace {

::testing::AssertionResult has_line(const std::string& text, const std::string& line) {
  if (text.find(line + "\n") != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no line '" << line << "' in:\n" << text;
}

node::ConnectionRecord connection(std::uint64_t id, bool inbound) {
  node::ConnectionRecord record;
  record.id = id;
  record.remote_address = *multiformats::Multiaddr::parse("/ip4/192.0.2.1/udp/4001/quic-v1");
  record.inbound = inbound;
  return record;
}

TEST(MetricsCollectors, ConnectionsByRoleAndPeers) {
  node::PeerRegistry peers;
  const auto a = crypto::Ed25519Keypair::generate().peer_id();
  const auto b = crypto::Ed25519Keypair::generate().peer_id();
  peers.add_connection(a, connection(1, true));
  peers.add_connection(a, connection(2, false));
  peers.add_connection(b, connection(3, true));
  peers.remove_connection(b, 3);  // b was served, is gone
  transport::EndpointCounters transport{.inbound_established = 7,
                                        .outbound_established = 2,
                                        .inbound_handshake_failures = 3,
                                        .outbound_handshake_failures = 1};
  MetricsText out;
  collect_connections(out, transport, peers);
  const auto text = out.render();
  EXPECT_TRUE(has_line(text, "# TYPE libp2p_swarm_connections gauge"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_connections{role="listener"} 1)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_connections{role="dialer"} 1)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_connections_established_total{role="listener"} 7)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_connections_established_total{role="dialer"} 2)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_handshake_failures_total{role="listener"} 3)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_handshake_failures_total{role="dialer"} 1)"));
  EXPECT_TRUE(has_line(text, "libp2p_swarm_connected_peers 1"));
  EXPECT_TRUE(has_line(text, "privstack_relay_peers_served_total 2"));
}

TEST(MetricsCollectors, RelayReservationsCircuitsAndHistogram) {
  node::RelayCounters relay;
  relay.relayed_connections = 5;
  relay.reservations_accepted = 4;
  relay.reservations_renewed = 1;
  relay.circuits_active = 2;
  relay.circuits_failed = 1;
  relay.bytes_relayed = 1234;
  relay.reservations_refused_by_reason["RESOURCE_LIMIT_EXCEEDED"] = 3;
  relay.reservations_refused_by_reason["RESERVATION_REFUSED"] = 1;  // not an expected reason
  relay.circuits_refused_by_reason["NO_RESERVATION"] = 6;
  relay.circuits_closed_by_reason["closed"] = 2;
  relay.circuits_closed_by_reason["duration_limit"] = 1;
  relay.circuit_duration.observe(0.05);
  relay.circuit_duration.observe(3);
  relay.circuit_duration.observe(120);

  MetricsText out;
  collect_relay(out, relay, 3);
  const auto text = out.render();
  EXPECT_TRUE(has_line(text, "privstack_relay_relayed_connections_total 5"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_active_reservations 3"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_reservations_total{type="opened"} 3)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_reservations_total{type="renewed"} 1)"));
  EXPECT_TRUE(has_line(
      text, R"(libp2p_relaysvc_reservation_rejections_total{reason="RESOURCE_LIMIT_EXCEEDED"} 3)"));
  EXPECT_TRUE(has_line(
      text, R"(libp2p_relaysvc_reservation_rejections_total{reason="PERMISSION_DENIED"} 0)"));
  EXPECT_TRUE(has_line(
      text, R"(libp2p_relaysvc_reservation_rejections_total{reason="RESERVATION_REFUSED"} 1)"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_active_connections 2"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connections_total{type="opened"} 5)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connections_total{type="failed"} 1)"));
  EXPECT_TRUE(
      has_line(text, R"(libp2p_relaysvc_connection_rejections_total{reason="NO_RESERVATION"} 6)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connections_closed_total{reason="closed"} 2)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connections_closed_total{reason="reset"} 0)"));
  EXPECT_TRUE(
      has_line(text, R"(libp2p_relaysvc_connections_closed_total{reason="duration_limit"} 1)"));
  EXPECT_TRUE(has_line(text, "# TYPE libp2p_relaysvc_connection_duration_seconds histogram"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connection_duration_seconds_bucket{le="0.1"} 1)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connection_duration_seconds_bucket{le="5"} 2)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connection_duration_seconds_bucket{le="120"} 3)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connection_duration_seconds_bucket{le="+Inf"} 3)"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_connection_duration_seconds_sum 123.05"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_connection_duration_seconds_count 3"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_data_transferred_bytes_total 1234"));
}

TEST(MetricsCollectors, DurationHistogramBucketsAreUpperInclusive) {
  node::RelayCounters::DurationHistogram histogram;
  histogram.observe(0.1);  // exactly a bound: that bucket (le = less or equal)
  histogram.observe(1e9);  // above all: the last bucket
  EXPECT_EQ(histogram.counts.front(), 1u);
  EXPECT_EQ(histogram.counts.back(), 1u);
  EXPECT_EQ(histogram.count, 2u);
}

TEST(MetricsCollectors, KadRequestsByTypeAndOutcomeAndStoreSizes) {
  node::KadCounters kad;
  kad.requests[{"PUT_VALUE", "ok"}] = 2;
  kad.requests[{"FIND_NODE", "ok"}] = 9;
  kad.requests[{"UNKNOWN", "malformed"}] = 1;
  MetricsText out;
  collect_kad(
      out, kad,
      KadSizes{.routing_table_peers = 4, .records = 2, .provider_keys = 1, .provider_records = 3});
  const auto text = out.render();
  EXPECT_TRUE(
      has_line(text, R"(libp2p_kad_inbound_requests_total{request="PUT_VALUE",outcome="ok"} 2)"));
  EXPECT_TRUE(
      has_line(text, R"(libp2p_kad_inbound_requests_total{request="FIND_NODE",outcome="ok"} 9)"));
  EXPECT_TRUE(has_line(
      text, R"(libp2p_kad_inbound_requests_total{request="UNKNOWN",outcome="malformed"} 1)"));
  EXPECT_TRUE(has_line(text, "libp2p_kad_routing_table_peers 4"));
  EXPECT_TRUE(has_line(text, "libp2p_kad_records_stored 2"));
  EXPECT_TRUE(has_line(text, "libp2p_kad_provider_keys_stored 1"));
  EXPECT_TRUE(has_line(text, "libp2p_kad_provider_records_stored 3"));
}

TEST(MetricsCollectors, KadFamilyExistsBeforeTheFirstRequest) {
  MetricsText out;
  collect_kad(out, node::KadCounters{}, KadSizes{});
  EXPECT_TRUE(has_line(out.render(), "# TYPE libp2p_kad_inbound_requests_total counter"));
}

TEST(MetricsCollectors, ProcessNamesOfTheClientLibraries) {
  MetricsText out;
  collect_process(out, ProcessStats{.cpu_seconds = 1.25,
                                    .resident_bytes = 4096,
                                    .virtual_bytes = 8192,
                                    .start_time_seconds = 1700000000,
                                    .open_fds = 12,
                                    .max_fds = 1024});
  const auto text = out.render();
  EXPECT_TRUE(has_line(text, "process_cpu_seconds_total 1.25"));
  EXPECT_TRUE(has_line(text, "process_resident_memory_bytes 4096"));
  EXPECT_TRUE(has_line(text, "process_virtual_memory_bytes 8192"));
  EXPECT_TRUE(has_line(text, "process_start_time_seconds 1700000000"));
  EXPECT_TRUE(has_line(text, "process_open_fds 12"));
  EXPECT_TRUE(has_line(text, "process_max_fds 1024"));
}

// Issue 8: transport refusals by limit; every reason has a sample from the start.
TEST(MetricsCollectors, ConnectionsRefusedByReason) {
  node::PeerRegistry peers;
  transport::EndpointCounters transport;
  transport.refused_connection_limit = 5;
  transport.refused_per_ip_limit = 2;
  MetricsText out;
  collect_connections(out, transport, peers);
  const auto text = out.render();
  EXPECT_TRUE(has_line(text, "# TYPE privstack_relay_connections_refused_total counter"));
  EXPECT_TRUE(
      has_line(text, R"(privstack_relay_connections_refused_total{reason="connections"} 5)"));
  EXPECT_TRUE(has_line(text, R"(privstack_relay_connections_refused_total{reason="per_ip"} 2)"));
  EXPECT_TRUE(has_line(
      text, R"(privstack_relay_connections_refused_total{reason="pending_handshakes"} 0)"));
}

}  // namespace
}  // namespace privstack::app
