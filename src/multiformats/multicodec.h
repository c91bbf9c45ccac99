// The few multicodec table entries this project uses (multiformats/multicodec table.csv).
#pragma once

#include <cstdint>

namespace privstack::multiformats::multicodec {

// Multihash functions.
inline constexpr std::uint64_t identity = 0x00;
inline constexpr std::uint64_t sha2_256 = 0x12;

// CID content types.
inline constexpr std::uint64_t raw = 0x55;
inline constexpr std::uint64_t dag_pb = 0x70;  // implied by every CIDv0
inline constexpr std::uint64_t libp2p_key = 0x72;

// Signed-envelope payload types (RFC 0002/0003, go/js peer record and relay voucher).
inline constexpr std::uint64_t libp2p_peer_record = 0x0301;
inline constexpr std::uint64_t libp2p_relay_rsvp = 0x0302;

}  // namespace privstack::multiformats::multicodec
