#include "multiformats/multihash.h"

#include "multiformats/varint.h"

namespace privstack::multiformats {

Bytes Multihash::encode() const {
  Bytes out;
  out.reserve(uvarint_size(code) + uvarint_size(digest.size()) + digest.size());
  append_uvarint(out, code);
  append_uvarint(out, digest.size());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Result<Multihash> Multihash::decode(ByteView in) {
  auto code = consume_uvarint(in);
  if (!code) return make_error("multihash code: {}", code.error().message);
  auto length = consume_uvarint(in);
  if (!length) return make_error("multihash length: {}", length.error().message);
  if (*length > kMaxDigestLength) {
    return make_error("multihash digest length {} exceeds {}", *length, kMaxDigestLength);
  }
  if (*length != in.size()) {
    return make_error("multihash declares {} digest bytes but {} follow", *length, in.size());
  }
  if (*code == multicodec::sha2_256 && *length != 32) {
    return make_error("sha2-256 multihash with {}-byte digest", *length);
  }
  return Multihash{*code, Bytes(in.begin(), in.end())};
}

}  // namespace privstack::multiformats
