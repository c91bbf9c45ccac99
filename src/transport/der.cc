#include "transport/der.h"

namespace privstack::transport::der {

Result<Element> Reader::read() {
  if (rest_.size() < 2) return make_error("DER: truncated header");
  const std::uint8_t tag = rest_[0];
  // Multi-byte (high-tag-number) tags never occur in the structures we parse.
  if ((tag & 0x1f) == 0x1f) return make_error("DER: unsupported tag {:#x}", tag);

  std::size_t length = rest_[1];
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t count = length & 0x7f;
    // 0x80 is BER's indefinite length; more than 4 length bytes would exceed anything we accept.
    if (count == 0 || count > 4) return make_error("DER: bad length form");
    if (rest_.size() < 2 + count) return make_error("DER: truncated length");
    length = 0;
    for (std::size_t i = 0; i < count; ++i)
      length = (length << 8) | rest_[2 + i];
    // DER requires the shortest form: long form only from 128, and no leading zero byte.
    if (length < 0x80 || rest_[2] == 0) return make_error("DER: non-minimal length");
    header += count;
  }
  if (length > rest_.size() - header) return make_error("DER: length past end");

  Element element;
  element.tag = tag;
  element.content = rest_.subspan(header, length);
  element.raw = rest_.first(header + length);
  rest_ = rest_.subspan(header + length);
  return element;
}

Result<Element> Reader::read(std::uint8_t expected_tag) {
  if (peek_tag() != expected_tag) {
    return make_error("DER: expected tag {:#x}, found {:#x}", expected_tag, peek_tag());
  }
  return read();
}

void append_tlv(Bytes& out, std::uint8_t tag, ByteView value) {
  out.push_back(tag);
  const std::size_t n = value.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    std::uint8_t digits[sizeof(std::size_t)];
    std::size_t count = 0;
    for (std::size_t v = n; v != 0; v >>= 8)
      digits[count++] = static_cast<std::uint8_t>(v & 0xff);
    out.push_back(static_cast<std::uint8_t>(0x80 | count));
    while (count > 0)
      out.push_back(digits[--count]);
  }
  out.insert(out.end(), value.begin(), value.end());
}

}  // namespace privstack::transport::der
