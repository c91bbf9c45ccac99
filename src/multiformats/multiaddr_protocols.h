// The multiaddr protocol table (multiformats/multiaddr protocols.csv, cross-checked against
// go-multiaddr and js-multiaddr) and the text <-> binary codec of each protocol's value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::multiformats {

enum class Protocol : std::uint32_t {
  ip4 = 4,
  tcp = 6,
  dccp = 33,
  ip6 = 41,
  ip6zone = 42,
  ipcidr = 43,
  dns = 53,
  dns4 = 54,
  dns6 = 55,
  dnsaddr = 56,
  sctp = 132,
  udp = 273,
  p2p_webrtc_star = 275,
  p2p_webrtc_direct = 276,
  p2p_stardust = 277,
  webrtc_direct = 280,
  webrtc = 281,
  p2p_circuit = 290,
  udt = 301,
  utp = 302,
  p2p = 421,
  https = 443,
  tls = 448,
  sni = 449,
  noise = 454,
  quic = 460,
  quic_v1 = 461,
  webtransport = 465,
  certhash = 466,
  ws = 477,
  wss = 478,
  p2p_websocket_star = 479,
  http = 480,
  http_path = 481,
};

/// How a protocol's value is stored and printed.
enum class ValueKind : std::uint8_t {
  none,       // no value
  ip4,        // 4 bytes, dotted quad
  ip6,        // 16 bytes, RFC 5952 text
  port,       // 2 bytes big-endian, decimal
  ipcidr,     // 1 byte, decimal
  name,       // length-prefixed text without '/': dns*, sni
  ip6zone,    // length-prefixed zone id without '/'
  p2p,        // length-prefixed identity or sha2-256 multihash; base58btc (or CID) text
  certhash,   // length-prefixed multihash; multibase text, printed as base64url
  http_path,  // length-prefixed bytes; percent-encoded text
};

struct ProtocolInfo {
  Protocol protocol;
  std::string_view name;
  ValueKind kind;
  std::size_t fixed_size;  // value size for fixed-size kinds, 0 otherwise
  std::size_t max_size;    // bound on length-prefixed values, 0 otherwise

  bool has_value() const { return kind != ValueKind::none; }
  bool length_prefixed() const { return has_value() && fixed_size == 0; }
};

/// nullptr for a code or name this implementation does not know. "ipfs" is accepted as the old
/// name of p2p.
const ProtocolInfo* find_protocol(std::uint64_t code);
const ProtocolInfo* find_protocol(std::string_view name);
/// Text name ("quic-v1"), or "" for a value outside the table.
std::string_view protocol_name(Protocol protocol);

/// Checks a binary value (without its length prefix) against the protocol's rules.
Result<void> validate_value(const ProtocolInfo& info, ByteView value);
/// Parses the text form of a value into its binary form (validated).
Result<Bytes> value_from_string(const ProtocolInfo& info, std::string_view text);
/// Text form of a value. Never fails: a value that does not fit its kind prints as "0x<hex>".
std::string value_to_string(const ProtocolInfo& info, ByteView value);

/// RFC 5952 text for a 16-byte IPv6 address (shortest form, lower case, "::ffff:a.b.c.d" for
/// IPv4-mapped addresses, as go and rust print them).
std::string format_ip6(ByteView address16);

}  // namespace privstack::multiformats
