// Connection IDs as hash-map keys (the endpoint demultiplexes datagrams by destination CID).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include <ngtcp2/ngtcp2.h>

namespace privstack::transport {

/// Length of every connection ID we issue; short-header packets carry no length, so the endpoint
/// must know it.
inline constexpr std::size_t kConnectionIdLength = 16;

struct ConnectionIdKey {
  std::array<std::uint8_t, NGTCP2_MAX_CIDLEN> bytes{};
  std::uint8_t length = 0;

  ConnectionIdKey() = default;
  ConnectionIdKey(const std::uint8_t* data, std::size_t len)
      : length(static_cast<std::uint8_t>(std::min<std::size_t>(len, NGTCP2_MAX_CIDLEN))) {
    std::copy_n(data, length, bytes.begin());
  }
  explicit ConnectionIdKey(const ngtcp2_cid& cid) : ConnectionIdKey(cid.data, cid.datalen) {}

  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), length}; }
  bool operator==(const ConnectionIdKey& other) const { return view() == other.view(); }
};

struct ConnectionIdHash {
  std::size_t operator()(const ConnectionIdKey& key) const noexcept {
    // Our CIDs are random; peers' are chosen by them, but the map only ever holds ours and the
    // client's first DCID, so a plain string hash is fine.
    return std::hash<std::string_view>{}(key.view());
  }
};

}  // namespace privstack::transport
