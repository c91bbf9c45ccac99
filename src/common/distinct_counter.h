// Counts distinct 64-bit digests in bounded memory: exactly while the count is small, then as a
// HyperLogLog estimate. The relay counts the distinct peers it has served for as long as it runs;
// an exact set would grow ~40 bytes with every fresh peer id, so a peer minting identities could
// grow it without bound. Past the threshold the set is folded into 2^14 one-byte registers
// (16 KiB, standard error 1.04/√16384 ≈ 0.8 %) and memory stops growing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

namespace privstack {

class DistinctCounter {
 public:
  /// Exact up to `exact_limit` distinct values (the default costs ~2.5 MiB at its fullest).
  explicit DistinctCounter(std::size_t exact_limit = 65'536);

  /// Adds one value. Values should be well-mixed digests; they are re-mixed anyway, so that the
  /// estimate does not depend on the quality of the caller's hash.
  void add(std::uint64_t digest);

  /// The exact count while exact(), else the HyperLogLog estimate (rounded).
  std::uint64_t count() const;
  bool exact() const { return registers_.empty(); }

 private:
  static constexpr unsigned kIndexBits = 14;
  static constexpr std::size_t kRegisters = std::size_t{1} << kIndexBits;

  void add_to_registers(std::uint64_t mixed);
  void switch_to_estimate();

  std::size_t exact_limit_;
  std::unordered_set<std::uint64_t> exact_;  // mixed digests, until the limit is passed
  std::vector<std::uint8_t> registers_;      // HyperLogLog registers once estimating
};

}  // namespace privstack
