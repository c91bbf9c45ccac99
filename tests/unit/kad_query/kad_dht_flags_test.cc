// The DHT participation flags (query timeout, refresh and replication periods) reach Options with
// rust's defaults, in seconds, 0 turning a periodic task off.
#include <gtest/gtest.h>

#include "app/cli.h"

namespace privstack::app {
namespace {

CliOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "privstack-relay");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(KadDhtFlags, DefaultsAreRustsAndTheSpecs) {
  auto outcome = parse({});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.output;
  const auto& dht = outcome.options->kad_dht;
  EXPECT_EQ(dht.query_timeout, std::chrono::seconds(60));
  EXPECT_EQ(dht.refresh_interval, std::chrono::minutes(5));
  EXPECT_EQ(dht.replication_interval, std::chrono::hours(1));
  EXPECT_EQ(dht.replication_check, std::chrono::seconds(10));
}

TEST(KadDhtFlags, SecondsAreTakenAndZeroDisables) {
  auto outcome = parse({"--kad-query-timeout", "5", "--kad-refresh-interval", "0",
                        "--kad-replication-interval", "2", "--kad-replication-check", "1"});
  ASSERT_TRUE(outcome.options.has_value()) << outcome.output;
  const auto& dht = outcome.options->kad_dht;
  EXPECT_EQ(dht.query_timeout, std::chrono::seconds(5));
  EXPECT_EQ(dht.refresh_interval, std::chrono::seconds(0));
  EXPECT_EQ(dht.replication_interval, std::chrono::seconds(2));
  EXPECT_EQ(dht.replication_check, std::chrono::seconds(1));
}

TEST(KadDhtFlags, NonsenseIsAUsageError) {
  EXPECT_EQ(parse({"--kad-query-timeout", "0"}).exit_code, 2);  // a lookup needs some time
  EXPECT_EQ(parse({"--kad-replication-interval", "-1"}).exit_code, 2);
  EXPECT_EQ(parse({"--kad-refresh-interval", "soon"}).exit_code, 2);
}

}  // namespace
}  // namespace privstack::app
