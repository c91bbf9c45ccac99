// The QUIC transport limit flags (issue 8): defaults, values, 0 = unlimited, bad values.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "app/cli.h"
#include "app/host_config.h"

namespace privstack::app {
namespace {

CliOutcome parse_args(std::vector<const char*> args) {
  args.insert(args.begin(), "privstack-relay");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

// Each argument list is a usage error: no options, exit status 2.
void expect_usage_errors(const std::vector<std::vector<const char*>>& bad) {
  for (const auto& args : bad) {
    auto outcome = parse_args(args);
    EXPECT_FALSE(outcome.options) << args[0] << " " << args[1];
    EXPECT_EQ(outcome.exit_code, 2) << args[0] << " " << args[1];
  }
}

TEST(CliTransportFlags, Defaults) {
  auto outcome = parse_args({});
  ASSERT_TRUE(outcome.options);
  EXPECT_EQ(outcome.options->max_connections, 8192u);
  EXPECT_EQ(outcome.options->max_connections_per_ip, 256u);
  EXPECT_EQ(outcome.options->max_pending_handshakes, 1024u);
  EXPECT_EQ(outcome.options->max_streams_per_connection, 256u);
}

TEST(CliTransportFlags, SetEveryLimit) {
  auto outcome =
      parse_args({"--max-connections", "100", "--max-connections-per-ip", "7",
                  "--max-pending-handshakes", "300", "--max-streams-per-connection", "16"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  EXPECT_EQ(outcome.options->max_connections, 100u);
  EXPECT_EQ(outcome.options->max_connections_per_ip, 7u);
  EXPECT_EQ(outcome.options->max_pending_handshakes, 300u);
  EXPECT_EQ(outcome.options->max_streams_per_connection, 16u);
}

TEST(CliTransportFlags, ZeroMeansUnlimited) {
  // What the benchmark passes for its 10k-idle-connection case.
  auto outcome = parse_args(
      {"--max-connections", "0", "--max-connections-per-ip", "0", "--max-pending-handshakes", "0"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  EXPECT_EQ(outcome.options->max_connections, 0u);
  EXPECT_EQ(outcome.options->max_connections_per_ip, 0u);
  EXPECT_EQ(outcome.options->max_pending_handshakes, 0u);
}

TEST(CliTransportFlags, RejectsBadValues) {
  const std::vector<std::vector<const char*>> bad = {
      {"--max-streams-per-connection", "0"},  // a peer must be able to open one stream
      {"--max-streams-per-connection", "-3"}, {"--max-connections", "-1"},
      {"--max-connections-per-ip", "many"},   {"--max-pending-handshakes", "1.5"},
  };
  expect_usage_errors(bad);
}

TEST(CliTransportFlags, HelpDocumentsThemWithDefaultsAndZero) {
  auto help = parse_args({"--help"});
  for (const char* flag : {"--max-connections", "--max-connections-per-ip",
                           "--max-pending-handshakes", "--max-streams-per-connection"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.output.find("8192"), std::string::npos);
  EXPECT_NE(help.output.find("IPv6 /64"), std::string::npos);
  EXPECT_NE(help.output.find("0 = no limit"), std::string::npos);
}

// ---- Timeouts that were constants: --retry-threshold, --handshake-timeout, --negotiation-timeout

TEST(CliTransportTimeoutFlags, DefaultsAreThePreviousConstants) {
  auto outcome = parse_args({});
  ASSERT_TRUE(outcome.options);
  EXPECT_EQ(outcome.options->retry_threshold, 128u);
  EXPECT_EQ(outcome.options->handshake_timeout, std::chrono::seconds(5));
  EXPECT_EQ(outcome.options->negotiation_timeout, std::chrono::seconds(10));
}

TEST(CliTransportTimeoutFlags, SetEveryTimeout) {
  auto outcome = parse_args(
      {"--retry-threshold", "32", "--handshake-timeout", "12", "--negotiation-timeout", "45"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  EXPECT_EQ(outcome.options->retry_threshold, 32u);
  EXPECT_EQ(outcome.options->handshake_timeout, std::chrono::seconds(12));
  EXPECT_EQ(outcome.options->negotiation_timeout, std::chrono::seconds(45));
}

TEST(CliTransportTimeoutFlags, BoundsAreInclusive) {
  auto low = parse_args(
      {"--retry-threshold", "0", "--handshake-timeout", "1", "--negotiation-timeout", "1"});
  ASSERT_TRUE(low.options) << low.output;
  EXPECT_EQ(low.options->retry_threshold, 0u);  // every Initial without a token gets a Retry
  EXPECT_EQ(low.options->handshake_timeout, std::chrono::seconds(1));
  EXPECT_EQ(low.options->negotiation_timeout, std::chrono::seconds(1));
  auto high = parse_args({"--retry-threshold", "1000000", "--handshake-timeout", "60",
                          "--negotiation-timeout", "300"});
  ASSERT_TRUE(high.options) << high.output;
  EXPECT_EQ(high.options->retry_threshold, 1'000'000u);
  EXPECT_EQ(high.options->handshake_timeout, std::chrono::seconds(60));
  EXPECT_EQ(high.options->negotiation_timeout, std::chrono::seconds(300));
}

TEST(CliTransportTimeoutFlags, RejectsBadValues) {
  const std::vector<std::vector<const char*>> bad = {
      {"--handshake-timeout", "0"},      {"--handshake-timeout", "61"},
      {"--handshake-timeout", "2.5"},    {"--handshake-timeout", "-5"},
      {"--negotiation-timeout", "0"},    {"--negotiation-timeout", "301"},
      {"--negotiation-timeout", "soon"}, {"--retry-threshold", "-1"},
      {"--retry-threshold", "1000001"},  {"--retry-threshold", "lots"},
  };
  expect_usage_errors(bad);
}

TEST(CliTransportTimeoutFlags, HelpDocumentsThem) {
  auto help = parse_args({"--help"});
  for (const char* flag : {"--retry-threshold", "--handshake-timeout", "--negotiation-timeout"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.output.find("0 = always"), std::string::npos);
}

// What RelayApp::start hands to node::Host::create: every flag lands in the host or the endpoint.
TEST(HostConfigFromOptions, CarriesLimitsAndTimeouts) {
  auto outcome = parse_args({"--port", "4101", "--max-connections", "100",
                             "--max-connections-per-ip", "7", "--max-pending-handshakes", "300",
                             "--max-streams-per-connection", "16", "--retry-threshold", "32",
                             "--handshake-timeout", "12", "--negotiation-timeout", "45"});
  ASSERT_TRUE(outcome.options) << outcome.output;
  const auto config = make_host_config(*outcome.options);
  ASSERT_EQ(config.listen.size(), 2u);
  EXPECT_TRUE(config.listen[0].address().is_v4());
  EXPECT_TRUE(config.listen[1].address().is_v6());
  EXPECT_EQ(config.listen[0].port(), 4101);
  EXPECT_EQ(config.listen[1].port(), 4101);
  EXPECT_EQ(config.transport.max_connections, 100u);
  EXPECT_EQ(config.transport.max_connections_per_ip, 7u);
  EXPECT_EQ(config.transport.max_pending_handshakes, 300u);
  EXPECT_EQ(config.transport.max_streams_bidi, 16u);
  EXPECT_EQ(config.transport.retry_threshold, 32u);
  EXPECT_EQ(config.transport.handshake_timeout, std::chrono::milliseconds(12'000));
  EXPECT_EQ(config.negotiation_timeout, std::chrono::milliseconds(45'000));
}

TEST(HostConfigFromOptions, DefaultsMatchTheComponentDefaults) {
  // The flags' defaults must not silently change what the transport and host did before them.
  auto outcome = parse_args({});
  ASSERT_TRUE(outcome.options);
  const auto config = make_host_config(*outcome.options);
  const node::HostConfig component_defaults;
  EXPECT_EQ(config.transport.retry_threshold, component_defaults.transport.retry_threshold);
  EXPECT_EQ(config.transport.handshake_timeout, component_defaults.transport.handshake_timeout);
  EXPECT_EQ(config.negotiation_timeout, component_defaults.negotiation_timeout);
}

}  // namespace
}  // namespace privstack::app
