// The resident set size of the test process, for numbers the flood tests print. Printed, never
// asserted tightly: under ASan it mostly measures the sanitizer's quarantine.
#pragma once

#include <fstream>
#include <string>

namespace privstack::test {

/// VmRSS of this process in KiB (0 if /proc/self/status is unreadable).
inline long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace privstack::test
