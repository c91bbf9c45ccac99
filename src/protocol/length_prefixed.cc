#include "protocol/length_prefixed.h"

#include "multiformats/varint.h"

namespace privstack::protocol {

void append_frame(Bytes& out, ByteView body) {
  multiformats::append_uvarint(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

Bytes encode_frame(ByteView body) {
  Bytes out;
  out.reserve(frame_size(body.size()));
  append_frame(out, body);
  return out;
}

std::size_t frame_size(std::size_t body_size) {
  return multiformats::uvarint_size(body_size) + body_size;
}

Result<FrameLengthParser::Step> FrameLengthParser::feed(std::uint8_t byte) {
  if (used_ >= multiformats::kMaxVarintBytes) return make_error("frame length varint too long");
  bytes_[used_++] = byte;
  auto read = multiformats::read_uvarint(ByteView(bytes_, used_));
  switch (read.status) {
    case multiformats::VarintStatus::ok:
      if (read.value > max_len_) {
        return make_error("frame length {} exceeds the limit of {}", read.value, max_len_);
      }
      length_ = static_cast<std::size_t>(read.value);
      return Step::done;
    case multiformats::VarintStatus::incomplete:
      // A prefix already longer than the encoding of max_len can only end above the limit: stop
      // now instead of waiting for up to 9 bytes.
      if (used_ >= multiformats::uvarint_size(max_len_)) {
        return make_error("frame length exceeds the limit of {}", max_len_);
      }
      return Step::need_more;
    case multiformats::VarintStatus::overflow:
      return make_error("frame length varint overflows");
    case multiformats::VarintStatus::non_minimal:
      return make_error("frame length varint is not minimally encoded");
  }
  return make_error("frame length varint: unknown status");
}

}  // namespace privstack::protocol
