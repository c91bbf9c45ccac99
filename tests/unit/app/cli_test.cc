#include "app/cli.h"

#include <gtest/gtest.h>

#include <vector>

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

}  // namespace
}  // namespace privstack::app
