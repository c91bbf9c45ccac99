#include "app/cli.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto/ed25519.h"

namespace privstack::app {
namespace {

CliOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "privstack-relay");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(Cli, DefaultsMatchTheRustOriginal) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options);
  EXPECT_EQ(outcome.options->port, 4001);
  EXPECT_EQ(outcome.options->http_port, 4002);
  EXPECT_EQ(outcome.options->identity, "relay-identity.key");
  EXPECT_FALSE(outcome.options->verbose);
}

TEST(Cli, AcceptsEveryFlag) {
  auto outcome = parse({"--port", "5001", "--http-port", "5002", "--identity", "/tmp/k.key", "-v"});
  ASSERT_TRUE(outcome.options);
  EXPECT_EQ(outcome.options->port, 5001);
  EXPECT_EQ(outcome.options->http_port, 5002);
  EXPECT_EQ(outcome.options->identity, "/tmp/k.key");
  EXPECT_TRUE(outcome.options->verbose);
}

TEST(Cli, ShortFlagsOfTheOriginal) {
  auto outcome = parse({"-p", "6001", "-i", "id.key", "--verbose"});
  ASSERT_TRUE(outcome.options);
  EXPECT_EQ(outcome.options->port, 6001);
  EXPECT_EQ(outcome.options->identity, "id.key");
  EXPECT_TRUE(outcome.options->verbose);
}

TEST(Cli, RejectsOutOfRangePorts) {
  for (const char* bad : {"0", "70000", "-1", "abc", ""}) {
    auto outcome = parse({"--port", bad});
    EXPECT_FALSE(outcome.options) << bad;
    EXPECT_NE(outcome.exit_code, 0) << bad;
    EXPECT_NE(outcome.output.find("port"), std::string::npos) << outcome.output;
  }
  auto outcome = parse({"--http-port", "70000"});
  EXPECT_FALSE(outcome.options);
  EXPECT_NE(outcome.exit_code, 0);
}

TEST(Cli, RejectsUnknownFlags) {
  auto outcome = parse({"--no-such-flag"});
  EXPECT_FALSE(outcome.options);
  EXPECT_NE(outcome.exit_code, 0);
}

TEST(Cli, HelpAndVersionExitZero) {
  auto help = parse({"--help"});
  EXPECT_FALSE(help.options);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--http-port"), std::string::npos);
  EXPECT_NE(help.output.find("--identity"), std::string::npos);

  auto version = parse({"--version"});
  EXPECT_FALSE(version.options);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("privstack-relay 0.1.0"), std::string::npos) << version.output;
}

// ---- Circuit relay flags (--relay-*) -----------------------------------------------------------

TEST(Cli, RelayDefaultsAreRustLibp2ps) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options);
  const auto& relay = outcome.options->relay;
  EXPECT_EQ(relay.max_reservations, 128U);
  EXPECT_EQ(relay.max_reservations_per_peer, 4U);
  EXPECT_EQ(relay.reservation_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(relay.max_circuits, 16U);
  EXPECT_EQ(relay.max_circuits_per_peer, 4U);
  EXPECT_EQ(relay.circuit.duration, std::chrono::seconds(120));
  EXPECT_EQ(relay.circuit.bytes, 131072U);
  EXPECT_EQ(relay.reservation_rate_per_peer.burst, 30U);
  EXPECT_EQ(relay.reservation_rate_per_peer.interval, std::chrono::seconds(120));
  EXPECT_EQ(relay.circuit_rate_per_ip.burst, 60U);
  EXPECT_TRUE(relay.allow_peers.empty());
  EXPECT_TRUE(relay.allow_cidrs.empty());
}

TEST(Cli, RelayFlagsSetThePolicy) {
  const std::string peer_text = crypto::Ed25519Keypair::generate().peer_id().to_base58();
  const char* peer = peer_text.c_str();
  auto outcome = parse({"--relay-max-reservations",
                        "0",
                        "--relay-max-reservations-per-peer",
                        "2",
                        "--relay-max-reservations-per-ip",
                        "3",
                        "--relay-reservation-ttl",
                        "600",
                        "--relay-reservation-rate-per-peer",
                        "5/10",
                        "--relay-reservation-rate-per-ip",
                        "0",
                        "--relay-max-circuits",
                        "7",
                        "--relay-max-circuits-per-peer",
                        "1",
                        "--relay-max-circuits-per-ip",
                        "0",
                        "--relay-circuit-duration",
                        "0",
                        "--relay-circuit-bytes",
                        "0",
                        "--relay-circuit-rate-per-peer",
                        "1/1",
                        "--relay-circuit-rate-per-ip",
                        "0/0",
                        "--relay-allow",
                        peer,
                        "--relay-allow",
                        "10.0.0.0/8",
                        "--relay-allow",
                        "::1",
                        "--relay-allow-circuit-duration",
                        "3600",
                        "--relay-allow-circuit-bytes",
                        "1000000"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  const auto& relay = outcome.options->relay;
  EXPECT_EQ(relay.max_reservations, 0U);
  EXPECT_EQ(relay.max_reservations_per_peer, 2U);
  EXPECT_EQ(relay.max_reservations_per_ip, 3U);
  EXPECT_EQ(relay.reservation_ttl, std::chrono::seconds(600));
  EXPECT_EQ(relay.reservation_rate_per_peer.burst, 5U);
  EXPECT_EQ(relay.reservation_rate_per_peer.interval, std::chrono::seconds(10));
  EXPECT_FALSE(relay.reservation_rate_per_ip.enabled());
  EXPECT_EQ(relay.max_circuits, 7U);
  EXPECT_EQ(relay.max_circuits_per_peer, 1U);
  EXPECT_EQ(relay.max_circuits_per_ip, 0U);
  EXPECT_FALSE(relay.circuit.to_wire().has_value());
  EXPECT_TRUE(relay.circuit_rate_per_peer.enabled());
  EXPECT_FALSE(relay.circuit_rate_per_ip.enabled());
  ASSERT_EQ(relay.allow_peers.size(), 1U);
  EXPECT_EQ(relay.allow_peers[0].to_base58(), peer);
  EXPECT_EQ(relay.allow_cidrs.size(), 2U);
  EXPECT_EQ(relay.allowed_circuit.duration, std::chrono::seconds(3600));
  EXPECT_EQ(relay.allowed_circuit.bytes, 1000000U);
}

TEST(Cli, RejectsBadRelayValues) {
  for (std::vector<const char*> bad : {std::vector<const char*>{"--relay-allow", "nonsense"},
                                       {"--relay-allow", "10.0.0.0/40"},
                                       {"--relay-reservation-rate-per-peer", "30"},
                                       {"--relay-circuit-rate-per-ip", "a/b"},
                                       {"--relay-circuit-duration", "-1"},
                                       {"--relay-max-circuits", "many"}}) {
    auto outcome = parse(bad);
    EXPECT_FALSE(outcome.options) << bad[0] << " " << bad[1];
    EXPECT_EQ(outcome.exit_code, 2) << bad[0] << " " << bad[1];
  }
}

TEST(Cli, HelpListsTheRelayFlags) {
  auto help = parse({"--help"});
  for (const char* flag :
       {"--relay-max-reservations", "--relay-max-reservations-per-peer",
        "--relay-max-reservations-per-ip", "--relay-reservation-ttl", "--relay-max-circuits",
        "--relay-max-circuits-per-peer", "--relay-max-circuits-per-ip", "--relay-circuit-duration",
        "--relay-circuit-bytes", "--relay-allow", "--relay-allow-circuit-duration",
        "--relay-allow-circuit-bytes"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
}

// ---- Kademlia flags (issue 4) -------------------------------------------------------------------

TEST(Cli, KadDefaultsAreRustsMemoryStoreDefaults) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options);
  EXPECT_EQ(outcome.options->kad.records.max_records, 1024U);
  EXPECT_EQ(outcome.options->kad.records.max_value_bytes, 65U * 1024U);
  EXPECT_EQ(outcome.options->kad.providers.max_provided_keys, 1024U);
  EXPECT_EQ(outcome.options->kad.providers.max_providers_per_key, 20U);
  EXPECT_TRUE(outcome.options->kad.bootstrap.empty());
}

TEST(Cli, KadFlagsAndRepeatedBootstrap) {
  const std::string a = "/ip4/1.2.3.4/udp/4001/quic-v1/p2p/" +
                        crypto::Ed25519Keypair::generate().peer_id().to_base58();
  const std::string b =
      "/ip6/::1/udp/4001/quic-v1/p2p/" + crypto::Ed25519Keypair::generate().peer_id().to_base58();
  auto outcome = parse({"--bootstrap", a.c_str(), "--bootstrap", b.c_str(), "--kad-max-records",
                        "10", "--kad-max-value-bytes", "0", "--kad-max-provider-keys", "5",
                        "--kad-max-providers-per-key", "3"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  ASSERT_EQ(outcome.options->kad.bootstrap.size(), 2U);
  EXPECT_EQ(outcome.options->kad.bootstrap[0].to_string(), a);
  EXPECT_EQ(outcome.options->kad.bootstrap[1].to_string(), b);
  EXPECT_EQ(outcome.options->kad.records.max_records, 10U);
  EXPECT_EQ(outcome.options->kad.records.max_value_bytes, 0U);
  EXPECT_EQ(outcome.options->kad.providers.max_provided_keys, 5U);
  EXPECT_EQ(outcome.options->kad.providers.max_providers_per_key, 3U);
}

TEST(Cli, RejectsBadBootstrapAndKadValues) {
  for (std::vector<const char*> args : std::vector<std::vector<const char*>>{
           {"--bootstrap", "/ip4/1.2.3.4/udp/4001/quic-v1"},  // no /p2p/
           {"--bootstrap", "not-a-multiaddr"},
           {"--bootstrap", "/ip4/1.2.3.4/udp/4001/quic-v1/p2p/notapeerid"},
           {"--bootstrap"},
           {"--kad-max-records", "-1"},
           {"--kad-max-records", "many"},
           {"--kad-max-value-bytes", "1.5"},
       }) {
    auto outcome = parse(args);
    EXPECT_FALSE(outcome.options) << args[0];
    EXPECT_EQ(outcome.exit_code, 2) << args[0];
  }
}

TEST(Cli, HelpListsTheKadFlags) {
  auto outcome = parse({"--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* flag : {"--bootstrap", "--kad-max-records", "--kad-max-value-bytes",
                           "--kad-max-provider-keys", "--kad-max-providers-per-key"}) {
    EXPECT_NE(outcome.output.find(flag), std::string::npos) << flag;
  }
}

// ---- Operations (issue 6) ----------------------------------------------------------------------

TEST(Cli, OpsDefaults) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options);
  EXPECT_TRUE(outcome.options->announce.empty());
  EXPECT_EQ(outcome.options->shutdown_timeout, std::chrono::seconds(5));
  EXPECT_EQ(outcome.options->log_format, LogFormat::text);
}

TEST(Cli, AnnounceAndExternalIpInOrderOnOurPort) {
  auto outcome = parse({"--port", "4101", "--announce", "/dns4/relay.example.com/udp/4001/quic-v1",
                        "--external-ip", "203.0.113.7", "--external-ip", "2001:db8::7",
                        "--announce", "/ip4/198.51.100.7/udp/4001/quic-v1"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  std::vector<std::string> texts;
  for (const auto& address : outcome.options->announce)
    texts.push_back(address.to_string());
  EXPECT_EQ(texts,
            (std::vector<std::string>{
                "/dns4/relay.example.com/udp/4001/quic-v1", "/ip4/198.51.100.7/udp/4001/quic-v1",
                "/ip4/203.0.113.7/udp/4101/quic-v1", "/ip6/2001:db8::7/udp/4101/quic-v1"}));
}

TEST(Cli, OpsFlags) {
  auto outcome = parse({"--shutdown-timeout", "12", "--log-format", "json"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  EXPECT_EQ(outcome.options->shutdown_timeout, std::chrono::seconds(12));
  EXPECT_EQ(outcome.options->log_format, LogFormat::json);
}

TEST(Cli, RejectsBadOpsValues) {
  for (std::vector<const char*> args : std::vector<std::vector<const char*>>{
           {"--announce", "/ip4/203.0.113.7/tcp/4001"},
           {"--announce", "/ip4/0.0.0.0/udp/4001/quic-v1"},
           {"--announce", "nonsense"},
           {"--external-ip", "relay.example.com"},
           {"--external-ip", "0.0.0.0"},
           {"--shutdown-timeout", "0"},
           {"--log-format", "xml"},
       }) {
    auto outcome = parse(args);
    EXPECT_FALSE(outcome.options) << args[0] << " " << args[1];
    EXPECT_EQ(outcome.exit_code, 2) << args[0];
  }
}

TEST(Cli, HelpListsTheOpsFlags) {
  auto outcome = parse({"--help"});
  EXPECT_EQ(outcome.exit_code, 0);
  for (const char* flag : {"--announce", "--external-ip", "--shutdown-timeout", "--log-format"}) {
    EXPECT_NE(outcome.output.find(flag), std::string::npos) << flag;
  }
}

// ---- Metrics flags (--metrics-listen, --metrics-on-http-port, --stats-interval) --------------

TEST(Cli, MetricsDefaultsToLoopbackOnly) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options);
  ASSERT_TRUE(outcome.options->metrics.listen);
  EXPECT_EQ(outcome.options->metrics.listen->address().to_string(), "127.0.0.1");
  EXPECT_EQ(outcome.options->metrics.listen->port(), 9464);
  EXPECT_FALSE(outcome.options->metrics_on_http_port);
  EXPECT_EQ(outcome.options->metrics.stats_interval, std::chrono::seconds(300));
}

TEST(Cli, AcceptsTheMetricsFlags) {
  auto outcome =
      parse({"--metrics-listen", "[::1]:9100", "--metrics-on-http-port", "--stats-interval", "60"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  ASSERT_TRUE(outcome.options->metrics.listen);
  EXPECT_EQ(outcome.options->metrics.listen->address().to_string(), "::1");
  EXPECT_EQ(outcome.options->metrics.listen->port(), 9100);
  EXPECT_TRUE(outcome.options->metrics_on_http_port);
  EXPECT_EQ(outcome.options->metrics.stats_interval, std::chrono::seconds(60));

  auto off = parse({"--metrics-listen", "off", "--stats-interval", "0"});
  ASSERT_TRUE(off.options) << off.output;
  EXPECT_FALSE(off.options->metrics.listen);
  EXPECT_EQ(off.options->metrics.stats_interval, std::chrono::seconds(0));
}

TEST(Cli, RejectsBadMetricsFlags) {
  for (std::vector<const char*> args : std::vector<std::vector<const char*>>{
           {"--metrics-listen", "9464"},
           {"--metrics-listen", "localhost:9464"},
           {"--metrics-listen", "::1:9464"},
           {"--metrics-listen", "127.0.0.1:70000"},
           {"--stats-interval", "-1"},
       }) {
    auto outcome = parse(args);
    EXPECT_FALSE(outcome.options) << args[0] << " " << args[1];
    EXPECT_EQ(outcome.exit_code, 2) << args[0];
  }
}

TEST(Cli, AutonatIsOnWithRustDefaults) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options) << outcome.output;
  const auto& autonat = outcome.options->autonat_config;
  EXPECT_TRUE(outcome.options->autonat);
  EXPECT_TRUE(autonat.addresses.only_global_ips);
  EXPECT_EQ(autonat.addresses.max_addresses, 16U);
  EXPECT_EQ(autonat.throttle.global_max, 30U);
  EXPECT_EQ(autonat.throttle.peer_max, 3U);
  EXPECT_EQ(autonat.throttle.period, std::chrono::seconds(1));
  EXPECT_EQ(autonat.dial_timeout, std::chrono::seconds(15));
}

TEST(Cli, AcceptsTheAutonatFlags) {
  auto outcome = parse({"--autonat-allow-private", "--autonat-max-addresses", "4",
                        "--autonat-throttle-global", "0", "--autonat-throttle-peer", "1",
                        "--autonat-throttle-period", "60", "--autonat-dial-timeout", "5"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  const auto& autonat = outcome.options->autonat_config;
  EXPECT_TRUE(outcome.options->autonat);
  EXPECT_FALSE(autonat.addresses.only_global_ips);
  EXPECT_EQ(autonat.addresses.max_addresses, 4U);
  EXPECT_EQ(autonat.throttle.global_max, 0U);
  EXPECT_EQ(autonat.throttle.peer_max, 1U);
  EXPECT_EQ(autonat.throttle.period, std::chrono::seconds(60));
  EXPECT_EQ(autonat.dial_timeout, std::chrono::seconds(5));

  auto off = parse({"--no-autonat"});
  ASSERT_TRUE(off.options) << off.output;
  EXPECT_FALSE(off.options->autonat);
}

TEST(Cli, RejectsBadAutonatFlags) {
  for (std::vector<const char*> args : std::vector<std::vector<const char*>>{
           {"--autonat-max-addresses", "-1"},
           {"--autonat-throttle-period", "0"},
           {"--autonat-dial-timeout", "0"},
           {"--autonat-dial-timeout", "600"},
       }) {
    auto outcome = parse(args);
    EXPECT_FALSE(outcome.options) << args[0] << " " << args[1];
    EXPECT_EQ(outcome.exit_code, 2) << args[0];
  }
}

}  // namespace
}  // namespace privstack::app
