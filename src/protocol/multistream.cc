#include "protocol/multistream.h"

#include <utility>

#include "multiformats/varint.h"

namespace privstack::protocol::multistream {

void append_message(Bytes& out, std::string_view text) {
  multiformats::append_uvarint(out, text.size() + 1);
  auto bytes = as_bytes(text);
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.push_back('\n');
}

Bytes encode_message(std::string_view text) {
  Bytes out;
  out.reserve(text.size() + 3);
  append_message(out, text);
  return out;
}

namespace {

// Length of the UTF-8 sequence starting with `lead`, 0 if `lead` cannot start one.
std::size_t utf8_sequence_length(std::uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;  // continuation byte, overlong 2-byte lead (c0, c1) or beyond U+10FFFF
}

}  // namespace

bool is_valid_text(std::string_view text) {
  auto bytes = as_bytes(text);
  for (std::size_t i = 0; i < bytes.size();) {
    std::uint8_t lead = bytes[i];
    std::size_t len = utf8_sequence_length(lead);
    if (len == 0 || i + len > bytes.size()) return false;
    if (len == 1) {
      // Control characters (including '\n' inside the text) have no business in a protocol id.
      if (lead < 0x20 || lead == 0x7f) return false;
    } else {
      for (std::size_t k = 1; k < len; ++k) {
        if ((bytes[i + k] & 0xc0) != 0x80) return false;
      }
      std::uint8_t second = bytes[i + 1];
      if (lead == 0xe0 && second < 0xa0) return false;  // overlong 3-byte form
      if (lead == 0xed && second > 0x9f) return false;  // UTF-16 surrogates
      if (lead == 0xf0 && second < 0x90) return false;  // overlong 4-byte form
      if (lead == 0xf4 && second > 0x8f) return false;  // above U+10FFFF
    }
    i += len;
  }
  return true;
}

Result<std::string> decode_message(ByteView body, std::size_t max_message) {
  if (body.size() > max_message) {
    return make_error("message of {} bytes exceeds the limit of {}", body.size(), max_message);
  }
  if (body.empty() || body.back() != '\n') return make_error("message does not end with a newline");
  std::string_view text = as_chars(body.first(body.size() - 1));
  if (text.empty()) return make_error("empty message");
  if (!is_valid_text(text)) return make_error("message is not printable UTF-8");
  return std::string(text);
}

// ---- Listener ----------------------------------------------------------------------------------

Listener::Listener(ProtocolMatcher supported, Limits limits)
    : supported_(std::move(supported)), limits_(limits) {}

Bytes Listener::start() const {
  return encode_message(kHeader);
}

Result<Listener::Step> Listener::on_message(std::string_view text) {
  if (!header_seen_) {
    if (text != kHeader) return make_error("multistream: expected header, got '{}'", text);
    header_seen_ = true;
    return Step{};
  }
  if (text == kNotAvailable) return make_error("multistream: dialer sent 'na'");
  // `ls` is answered like an unknown protocol: rust and go stopped listing protocols, and
  // identify already tells peers what we support.
  bool accepted = text != kList && text != kHeader && supported_ && supported_(text);
  if (accepted) return Step{encode_message(text), std::string(text)};
  if (++attempts_ > limits_.max_attempts) {
    return make_error("multistream: gave up after {} rejected proposals", limits_.max_attempts);
  }
  return Step{encode_message(kNotAvailable), std::nullopt};
}

// ---- Dialer ------------------------------------------------------------------------------------

Dialer::Dialer(std::vector<std::string> protocols) : protocols_(std::move(protocols)) {}

Bytes Dialer::start() const {
  Bytes out = encode_message(kHeader);
  if (!protocols_.empty()) append_message(out, protocols_.front());
  return out;
}

Result<Dialer::Step> Dialer::on_message(std::string_view text) {
  if (!header_seen_) {
    if (text != kHeader) return make_error("multistream: expected header, got '{}'", text);
    header_seen_ = true;
    return Step{};
  }
  if (current_ >= protocols_.size()) return make_error("multistream: negotiation already over");
  if (text == protocols_[current_]) return Step{{}, protocols_[current_]};
  if (text != kNotAvailable) {
    return make_error("multistream: unexpected answer '{}' to '{}'", text, protocols_[current_]);
  }
  if (++current_ >= protocols_.size()) {
    return make_error("multistream: protocol not supported by peer: {}", protocols_.back());
  }
  return Step{encode_message(protocols_[current_]), std::nullopt};
}

}  // namespace privstack::protocol::multistream
