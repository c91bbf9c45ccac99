#include "multiformats/multiaddr_protocols.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "multiformats/base58.h"
#include "multiformats/cid.h"
#include "multiformats/multibase.h"
#include "multiformats/multihash.h"

namespace privstack::multiformats {

namespace {

// Bounds on length-prefixed values. DNS names cannot exceed 255 bytes; a p2p multihash is at most
// 38 bytes today (an inline Ed25519 key), 128 leaves room for any identity-hashed key libp2p
// allows; certhash digests are 32-64 bytes.
constexpr std::size_t kMaxName = 255;
constexpr std::size_t kMaxP2p = 128;
constexpr std::size_t kMaxCerthash = 255;
constexpr std::size_t kMaxHttpPath = 1024;

constexpr std::array kProtocols = {
    ProtocolInfo{Protocol::ip4, "ip4", ValueKind::ip4, 4, 0},
    ProtocolInfo{Protocol::tcp, "tcp", ValueKind::port, 2, 0},
    ProtocolInfo{Protocol::dccp, "dccp", ValueKind::port, 2, 0},
    ProtocolInfo{Protocol::ip6, "ip6", ValueKind::ip6, 16, 0},
    ProtocolInfo{Protocol::ip6zone, "ip6zone", ValueKind::ip6zone, 0, kMaxName},
    ProtocolInfo{Protocol::ipcidr, "ipcidr", ValueKind::ipcidr, 1, 0},
    ProtocolInfo{Protocol::dns, "dns", ValueKind::name, 0, kMaxName},
    ProtocolInfo{Protocol::dns4, "dns4", ValueKind::name, 0, kMaxName},
    ProtocolInfo{Protocol::dns6, "dns6", ValueKind::name, 0, kMaxName},
    ProtocolInfo{Protocol::dnsaddr, "dnsaddr", ValueKind::name, 0, kMaxName},
    ProtocolInfo{Protocol::sctp, "sctp", ValueKind::port, 2, 0},
    ProtocolInfo{Protocol::udp, "udp", ValueKind::port, 2, 0},
    ProtocolInfo{Protocol::p2p_webrtc_star, "p2p-webrtc-star", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::p2p_webrtc_direct, "p2p-webrtc-direct", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::p2p_stardust, "p2p-stardust", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::webrtc_direct, "webrtc-direct", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::webrtc, "webrtc", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::p2p_circuit, "p2p-circuit", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::udt, "udt", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::utp, "utp", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::p2p, "p2p", ValueKind::p2p, 0, kMaxP2p},
    ProtocolInfo{Protocol::https, "https", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::tls, "tls", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::sni, "sni", ValueKind::name, 0, kMaxName},
    ProtocolInfo{Protocol::noise, "noise", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::quic, "quic", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::quic_v1, "quic-v1", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::webtransport, "webtransport", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::certhash, "certhash", ValueKind::certhash, 0, kMaxCerthash},
    ProtocolInfo{Protocol::ws, "ws", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::wss, "wss", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::p2p_websocket_star, "p2p-websocket-star", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::http, "http", ValueKind::none, 0, 0},
    ProtocolInfo{Protocol::http_path, "http-path", ValueKind::http_path, 0, kMaxHttpPath},
};

std::string hex_fallback(ByteView value) {
  return "0x" + to_hex(value);
}

// --- numbers -------------------------------------------------------------------------------

// Decimal without sign or spaces; leading zeros are tolerated (go and rust accept "080").
Result<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t max) {
  if (text.empty()) return make_error("empty number");
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return make_error("invalid number '{}'", text);
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > max) return make_error("number '{}' exceeds {}", text, max);
  }
  return value;
}

// --- IP addresses --------------------------------------------------------------------------

// inet_pton needs a NUL-terminated string; the length checks keep the copy tiny and also reject
// anything that cannot be an address before libc sees it.
Result<Bytes> parse_ip4(std::string_view text) {
  if (text.empty() || text.size() > 15) return make_error("invalid ip4 address '{}'", text);
  const std::string copy(text);
  std::array<std::uint8_t, 4> out{};
  if (inet_pton(AF_INET, copy.c_str(), out.data()) != 1) {
    return make_error("invalid ip4 address '{}'", text);
  }
  return Bytes(out.begin(), out.end());
}

Result<Bytes> parse_ip6(std::string_view text) {
  if (text.empty() || text.size() > 45) return make_error("invalid ip6 address '{}'", text);
  const std::string copy(text);
  std::array<std::uint8_t, 16> out{};
  if (inet_pton(AF_INET6, copy.c_str(), out.data()) != 1) {
    return make_error("invalid ip6 address '{}'", text);
  }
  return Bytes(out.begin(), out.end());
}

std::string format_ip4(ByteView b) {
  return fmt::format("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
}

// --- p2p and certhash ----------------------------------------------------------------------

Result<void> validate_peer_multihash(ByteView value) {
  auto mh = Multihash::decode(value);
  if (!mh) return make_error("invalid p2p multihash: {}", mh.error().message);
  // Peer ids are identity (inline key) or sha2-256 multihashes (peer-ids spec).
  if (mh->code != multicodec::identity && mh->code != multicodec::sha2_256) {
    return make_error("p2p multihash code 0x{:x} is neither identity nor sha2-256", mh->code);
  }
  return {};
}

// Legacy base58btc multihash ("Qm...", "12D3KooW...", "16Uiu2...") or a CIDv1 with codec
// libp2p-key in any multibase, as the peer-ids spec describes.
Result<Bytes> parse_peer_id_text(std::string_view text) {
  if (text.starts_with("Qm") || text.starts_with("1")) {
    auto bytes = base58btc_decode(text);
    if (!bytes) return make_error("invalid p2p value: {}", bytes.error().message);
    return bytes;
  }
  auto cid = Cid::parse(text);
  if (!cid) return make_error("invalid p2p value: {}", cid.error().message);
  if (cid->codec != multicodec::libp2p_key) {
    return make_error("p2p CID has codec 0x{:x}, not libp2p-key", cid->codec);
  }
  return cid->hash.encode();
}

// --- http-path -----------------------------------------------------------------------------

bool is_unreserved(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Bytes> percent_decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(static_cast<std::uint8_t>(text[i]));
      continue;
    }
    if (i + 2 >= text.size()) {
      return make_error("truncated percent escape in '{}'", text);
    }
    const int hi = hex_digit(text[i + 1]);
    const int lo = hex_digit(text[i + 2]);
    if (hi < 0 || lo < 0) return make_error("invalid percent escape in '{}'", text);
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(ByteView value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (auto c : value) {
    if (is_unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

}  // namespace

const ProtocolInfo* find_protocol(std::uint64_t code) {
  for (const auto& info : kProtocols) {
    if (static_cast<std::uint64_t>(info.protocol) == code) return &info;
  }
  return nullptr;
}

const ProtocolInfo* find_protocol(std::string_view name) {
  if (name == "ipfs") name = "p2p";
  for (const auto& info : kProtocols) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string_view protocol_name(Protocol protocol) {
  const ProtocolInfo* info = find_protocol(static_cast<std::uint64_t>(protocol));
  return info != nullptr ? info->name : std::string_view{};
}

Result<void> validate_value(const ProtocolInfo& info, ByteView value) {
  if (info.fixed_size != 0 || !info.has_value()) {
    if (value.size() != info.fixed_size) {
      return make_error("/{} value must be {} bytes, not {}", info.name, info.fixed_size,
                        value.size());
    }
    return {};
  }
  if (value.empty()) return make_error("/{} value is empty", info.name);
  if (value.size() > info.max_size) {
    return make_error("/{} value of {} bytes exceeds {}", info.name, value.size(), info.max_size);
  }
  switch (info.kind) {
    case ValueKind::name:
    case ValueKind::ip6zone:
      // A '/' could never be written back as text, so go rejects it too.
      if (std::find(value.begin(), value.end(), '/') != value.end()) {
        return make_error("/{} value contains '/'", info.name);
      }
      return {};
    case ValueKind::p2p:
      return validate_peer_multihash(value);
    case ValueKind::certhash: {
      auto mh = Multihash::decode(value);
      if (!mh) return make_error("invalid certhash: {}", mh.error().message);
      return {};
    }
    default:
      return {};
  }
}

Result<Bytes> value_from_string(const ProtocolInfo& info, std::string_view text) {
  Result<Bytes> value = make_error("/{} takes no value", info.name);
  switch (info.kind) {
    case ValueKind::none:
      return value;
    case ValueKind::ip4:
      value = parse_ip4(text);
      break;
    case ValueKind::ip6:
      value = parse_ip6(text);
      break;
    case ValueKind::port: {
      auto port = parse_decimal(text, 0xffff);
      if (!port) return make_error("invalid /{} port: {}", info.name, port.error().message);
      value = Bytes{static_cast<std::uint8_t>(*port >> 8), static_cast<std::uint8_t>(*port & 0xff)};
      break;
    }
    case ValueKind::ipcidr: {
      auto bits = parse_decimal(text, 0xff);
      if (!bits) return make_error("invalid /ipcidr: {}", bits.error().message);
      value = Bytes{static_cast<std::uint8_t>(*bits)};
      break;
    }
    case ValueKind::name:
    case ValueKind::ip6zone:
      value = to_bytes(text);
      break;
    case ValueKind::p2p:
      value = parse_peer_id_text(text);
      break;
    case ValueKind::certhash:
      value = multibase_decode(text);
      break;
    case ValueKind::http_path:
      value = percent_decode(text);
      break;
  }
  if (!value) return value;
  if (auto valid = validate_value(info, *value); !valid) return valid.error();
  return value;
}

std::string value_to_string(const ProtocolInfo& info, ByteView value) {
  if (info.fixed_size != 0 && value.size() != info.fixed_size) return hex_fallback(value);
  switch (info.kind) {
    case ValueKind::none:
      return value.empty() ? std::string{} : hex_fallback(value);
    case ValueKind::ip4:
      return format_ip4(value);
    case ValueKind::ip6:
      return format_ip6(value);
    case ValueKind::port:
      return std::to_string(static_cast<unsigned>(value[0]) << 8 | value[1]);
    case ValueKind::ipcidr:
      return std::to_string(static_cast<unsigned>(value[0]));
    case ValueKind::name:
    case ValueKind::ip6zone:
      return std::string(as_chars(value));
    case ValueKind::p2p:
      return base58btc_encode(value);
    case ValueKind::certhash:
      return multibase_encode(Multibase::base64url, value);
    case ValueKind::http_path:
      return percent_encode(value);
  }
  return hex_fallback(value);
}

std::string format_ip6(ByteView b) {
  if (b.size() != 16) return hex_fallback(b);
  std::array<unsigned, 8> words{};
  for (std::size_t i = 0; i < 8; ++i)
    words[i] = static_cast<unsigned>(b[2 * i]) << 8 | b[2 * i + 1];

  // IPv4-mapped (::ffff:0:0/96): RFC 5952 §5 recommends the mixed notation. Other embeddings
  // (the deprecated IPv4-compatible ::a.b.c.d) print as plain hex, as go and js do.
  if (std::all_of(words.begin(), words.begin() + 5, [](unsigned w) { return w == 0; }) &&
      words[5] == 0xffff) {
    return "::ffff:" + format_ip4(b.subspan(12));
  }

  // The longest run of two or more zero words becomes "::"; the first one wins a tie (§4.2).
  int best_start = -1;
  int best_len = 0;
  for (int i = 0; i < 8;) {
    if (words[static_cast<std::size_t>(i)] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[static_cast<std::size_t>(j)] == 0)
      ++j;
    if (j - i > best_len && j - i >= 2) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }

  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    out += fmt::format("{:x}", words[static_cast<std::size_t>(i)]);
  }
  return out;
}

}  // namespace privstack::multiformats
