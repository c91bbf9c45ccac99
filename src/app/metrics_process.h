// Process metrics from /proc/self, as the Prometheus client libraries export them
// (process_resident_memory_bytes, process_cpu_seconds_total, process_open_fds, ...), so the usual
// dashboards and alerts work unchanged. Linux only, which is where the relay runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace privstack::app {

/// The fields of /proc/<pid>/stat we export, in clock ticks and pages as the kernel gives them.
struct ProcStat {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t start_ticks = 0;  // since boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
};

/// Parses the text of /proc/<pid>/stat. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted from the last ')'. Nullopt when fields are missing.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
/// The "btime" (boot time, Unix seconds) line of /proc/stat.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat_text);

struct ProcessStats {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // Unix time; 0 when unknown
  double open_fds = 0;
  double max_fds = 0;
};

/// Reads /proc/self (stat, fd/) and the fd limit; fields it cannot read stay 0.
ProcessStats read_process_stats();

}  // namespace privstack::app
