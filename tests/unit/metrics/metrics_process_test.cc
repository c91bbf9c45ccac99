// /proc parsing with fixed text, and one read of the real /proc/self.
#include "app/metrics_process.h"

#include <gtest/gtest.h>

namespace privstack::app {
namespace {

// A real line's shape, with a command name holding spaces and parentheses.
constexpr std::string_view kStat =
    "1234 (my (odd) name) S 1 1234 1234 0 -1 4194560 500 0 0 0 "
    "250 130 0 0 20 0 4 0 9876 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 4096 17664 0 0 "
    "0 17 1 0 0 0 0 0\n";

TEST(MetricsProcess, ParsesProcSelfStat) {
  auto stat = parse_proc_stat(kStat);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->utime_ticks, 250u);
  EXPECT_EQ(stat->stime_ticks, 130u);
  EXPECT_EQ(stat->start_ticks, 9876u);
  EXPECT_EQ(stat->vsize_bytes, 123456789u);
  EXPECT_EQ(stat->rss_pages, 2048u);
}

TEST(MetricsProcess, RejectsTruncatedOrGarbledStat) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("1234 (name) S 1 2 3"));
  EXPECT_FALSE(parse_proc_stat("no parenthesis at all"));
  std::string garbled(kStat);
  garbled.replace(garbled.find("250"), 3, "2x0");
  EXPECT_FALSE(parse_proc_stat(garbled));
}

TEST(MetricsProcess, ParsesBootTime) {
  EXPECT_EQ(parse_boot_time("cpu  1 2 3\nintr 5\nbtime 1700000000\nprocesses 9\n"), 1700000000u);
  EXPECT_FALSE(parse_boot_time("cpu 1\nprocesses 9\n"));
  EXPECT_FALSE(parse_boot_time("btime x\n"));
}

TEST(MetricsProcess, ReadsThisProcess) {
  const auto stats = read_process_stats();
  EXPECT_GT(stats.resident_bytes, 0);
  EXPECT_GT(stats.virtual_bytes, 0);
  EXPECT_GT(stats.open_fds, 2);  // at least stdin, stdout, stderr
  EXPECT_GT(stats.start_time_seconds, 1'500'000'000);
  EXPECT_GE(stats.cpu_seconds, 0);
}

}  // namespace
}  // namespace privstack::app
