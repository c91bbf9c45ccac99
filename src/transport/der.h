// Minimal DER reader/writer: just enough ASN.1 to walk an X.509 certificate and to read and write
// the libp2p SignedKey. Every read is bounded by the view it was given; nothing here allocates on
// read.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::transport::der {

// Universal tags used by certificates and the libp2p extension.
inline constexpr std::uint8_t kBoolean = 0x01;
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kUtcTime = 0x17;
inline constexpr std::uint8_t kGeneralizedTime = 0x18;
inline constexpr std::uint8_t kSequence = 0x30;
/// Context-specific constructed tag [n], e.g. [0] version and [3] extensions of a TBSCertificate.
constexpr std::uint8_t context(std::uint8_t n) {
  return static_cast<std::uint8_t>(0xa0 | n);
}

struct Element {
  std::uint8_t tag = 0;
  ByteView content;  // the value bytes
  ByteView raw;  // tag + length + value, e.g. the exact SubjectPublicKeyInfo bytes that were signed
};

/// Sequential reader over the elements of one constructed value (or a whole document).
class Reader {
 public:
  explicit Reader(ByteView input) : rest_(input) {}

  bool empty() const { return rest_.empty(); }
  /// Tag of the next element without consuming it; 0 when empty (tag 0 is never valid DER).
  std::uint8_t peek_tag() const { return rest_.empty() ? 0 : rest_[0]; }

  /// Reads one element. Rejects multi-byte tags, indefinite lengths, non-minimal long lengths and
  /// lengths that run past the input.
  Result<Element> read();
  /// Reads one element and checks its tag.
  Result<Element> read(std::uint8_t expected_tag);

 private:
  ByteView rest_;
};

/// Appends tag, DER length and value.
void append_tlv(Bytes& out, std::uint8_t tag, ByteView value);

}  // namespace privstack::transport::der
