// The QUIC transport limit flags (issue 8): defaults, values, 0 = unlimited, bad values.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/cli.h"

namespace privstack::app {
namespace {

CliOutcome parse_args(std::vector<const char*> args) {
  args.insert(args.begin(), "privstack-relay");
  return parse_command_line(static_cast<int>(args.size()), args.data());
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
  for (const auto& args : bad) {
    auto outcome = parse_args(args);
    EXPECT_FALSE(outcome.options) << args[0] << " " << args[1];
    EXPECT_EQ(outcome.exit_code, 2) << args[0] << " " << args[1];
  }
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

}  // namespace
}  // namespace privstack::app
