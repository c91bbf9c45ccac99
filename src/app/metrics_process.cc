#include "app/metrics_process.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace privstack::app {

namespace {

// /proc/self/stat is a few hundred bytes and /proc/stat a few KiB per CPU; read bounded.
constexpr std::size_t kMaxProcFileBytes = 256 * 1024;

std::string read_small_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::string text(kMaxProcFileBytes, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::optional<std::uint64_t> to_u64(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // Fields after the command: field 3 (state) is index 0 here.
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty() && fields.size() < 24) {
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  // Field n (1-based, proc(5)) is fields[n - 3].
  if (fields.size() < 22) return std::nullopt;
  auto utime = to_u64(fields[14 - 3]);
  auto stime = to_u64(fields[15 - 3]);
  auto start = to_u64(fields[22 - 3]);
  auto vsize = to_u64(fields[23 - 3]);
  auto rss = to_u64(fields[24 - 3]);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<std::uint64_t> parse_boot_time(std::string_view text) {
  constexpr std::string_view kKey = "btime ";
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (line.starts_with(kKey)) return to_u64(line.substr(kKey.size()));
    at = end + 1;
  }
  return std::nullopt;
}

ProcessStats read_process_stats() {
  ProcessStats stats;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (auto stat = parse_proc_stat(read_small_file("/proc/self/stat")); stat && ticks > 0) {
    stats.cpu_seconds =
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) / static_cast<double>(ticks);
    stats.resident_bytes = static_cast<double>(stat->rss_pages) * static_cast<double>(page);
    stats.virtual_bytes = static_cast<double>(stat->vsize_bytes);
    if (auto boot = parse_boot_time(read_small_file("/proc/stat"))) {
      stats.start_time_seconds =
          static_cast<double>(*boot) +
          static_cast<double>(stat->start_ticks) / static_cast<double>(ticks);
    }
  }
  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  // The iterator's own descriptor was open while counting; do not report it.
  stats.open_fds = fds > 0 ? static_cast<double>(fds - 1) : 0;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    stats.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return stats;
}

}  // namespace privstack::app
