// Multiaddr: self-describing network addresses, e.g. /ip4/1.2.3.4/udp/4001/quic-v1/p2p/12D3KooW...
// Binary form: a sequence of <varint protocol code><value>, where the value is fixed-size, absent,
// or <varint length><bytes> depending on the protocol (see multiaddr_protocols.h).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "multiformats/multiaddr_protocols.h"

namespace privstack::multiformats {

/// Parse bounds: real addresses are well under 300 bytes; these only stop absurd input.
inline constexpr std::size_t kMaxMultiaddrBytes = 1024;
// Text can be up to ~9.5x the binary (`/p2p-websocket-star` is 19 characters from a 2-byte code),
// so the text bound is 10x the binary one: every address we accept as bytes prints text that parses
// back (found by fuzz/multiaddr_fuzzer.cc).
inline constexpr std::size_t kMaxMultiaddrTextLength = 10 * kMaxMultiaddrBytes;

struct Component {
  Protocol protocol;
  Bytes value;  // binary value, without the length prefix; empty for valueless protocols

  std::string_view name() const { return protocol_name(protocol); }
  /// Text form of the value ("127.0.0.1", "4001", "12D3KooW..."); "" for valueless protocols.
  std::string value_string() const;
  /// "/name" or "/name/value".
  std::string to_string() const;
  /// The port of tcp/udp/sctp/dccp components, nullopt otherwise.
  std::optional<std::uint16_t> port() const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the synthesized "<=> 0".
  auto operator<=>(const Component&) const = default;
};

class Multiaddr {
 public:
  /// The empty address: a starting point for with()/encapsulate(). It has no text or binary form
  /// that parses (both parsers reject empty input, as go does), and prints as "/".
  Multiaddr() = default;

  /// Text form. Accepts "/ipfs/" for "/p2p/", peer ids as base58btc or CIDv1 libp2p-key, and one
  /// trailing '/'. Unknown protocols, missing or malformed values are errors.
  static Result<Multiaddr> parse(std::string_view text);
  /// Binary form. Every component must be known and complete and every value valid; nothing may
  /// follow the last component.
  static Result<Multiaddr> from_bytes(ByteView bytes);
  /// Builds an address from components, validating each value.
  static Result<Multiaddr> from_components(std::span<const Component> components);

  /// Canonical binary form.
  const Bytes& bytes() const { return bytes_; }
  /// Canonical text form: IPv6 per RFC 5952, peer ids in base58btc, certhash in base64url.
  std::string to_string() const;
  std::vector<Component> components() const;

  /// This address followed by `inner`.
  Multiaddr encapsulate(const Multiaddr& inner) const;
  /// This address with one more component. The value must be valid for the protocol (e.g. four
  /// bytes for ip4, a peer multihash for p2p, empty for quic-v1); an invalid value is a
  /// programming error: it asserts in debug builds and returns *this unchanged otherwise.
  Multiaddr with(Protocol protocol, Bytes value = {}) const;
  /// Same as with(), reporting an invalid value as an error.
  Result<Multiaddr> try_with(Protocol protocol, ByteView value) const;
  /// Convenience for tcp/udp: with(protocol, big-endian port).
  Multiaddr with_port(Protocol protocol, std::uint16_t port) const;

  /// Value (peer-id multihash bytes) of the last /p2p/ component anywhere in the address; for a
  /// circuit address /.../p2p/RELAY/p2p-circuit/p2p/DEST that is DEST, but for
  /// /.../p2p/RELAY/p2p-circuit it is RELAY.
  std::optional<Bytes> peer_id_bytes() const;
  /// The address without a trailing /p2p/ component (unchanged if the last one is not /p2p/).
  Multiaddr decapsulate_p2p() const;
  /// The address up to (not including) the last component with this protocol; unchanged if the
  /// protocol does not occur. E.g. decapsulate(p2p_circuit) on a circuit address gives the
  /// relay's address.
  Multiaddr decapsulate(Protocol protocol) const;
  bool contains(Protocol protocol) const;
  /// Value of the first component with this protocol.
  std::optional<Bytes> value_for(Protocol protocol) const;

  bool empty() const { return bytes_.empty(); }
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the synthesized "<=> 0".
  auto operator<=>(const Multiaddr&) const = default;

 private:
  explicit Multiaddr(Bytes bytes) : bytes_(std::move(bytes)) {}

  Bytes bytes_;
};

}  // namespace privstack::multiformats

template <>
struct std::hash<privstack::multiformats::Multiaddr> {
  std::size_t operator()(const privstack::multiformats::Multiaddr& addr) const noexcept;
};
