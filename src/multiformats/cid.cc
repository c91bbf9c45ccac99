#include "multiformats/cid.h"

#include "multiformats/base58.h"
#include "multiformats/varint.h"

namespace privstack::multiformats {

namespace {
constexpr std::size_t kCidV0Bytes = 34;       // 0x12 0x20 + 32-byte digest
constexpr std::size_t kCidV0TextLength = 46;  // base58btc of 34 bytes starting 0x12 0x20
}  // namespace

Bytes Cid::encode() const {
  if (version == 0) return hash.encode();
  Bytes out;
  append_uvarint(out, 1);
  append_uvarint(out, codec);
  const Bytes mh = hash.encode();
  out.insert(out.end(), mh.begin(), mh.end());
  return out;
}

std::string Cid::to_string() const {
  return to_string(Multibase::base32);
}

std::string Cid::to_string(Multibase base) const {
  if (version == 0) return base58btc_encode(hash.encode());
  return multibase_encode(base, encode());
}

Result<Cid> Cid::decode(ByteView in) {
  if (in.size() > kMaxCidBytes) return make_error("CID too long ({} bytes)", in.size());
  if (in.size() == kCidV0Bytes && in[0] == multicodec::sha2_256 && in[1] == 32) {
    auto hash = Multihash::decode(in);
    if (!hash) return hash.error();
    return Cid{multicodec::dag_pb, std::move(hash).value(), 0};
  }
  auto version = consume_uvarint(in);
  if (!version) return make_error("CID version: {}", version.error().message);
  if (*version != 1) return make_error("unsupported CID version {}", *version);
  auto codec = consume_uvarint(in);
  if (!codec) return make_error("CID codec: {}", codec.error().message);
  auto hash = Multihash::decode(in);
  if (!hash) return make_error("CID {}", hash.error().message);
  return Cid{*codec, std::move(hash).value(), 1};
}

Result<Cid> Cid::parse(std::string_view text) {
  if (text.size() > kMaxCidTextLength) return make_error("CID text too long ({})", text.size());
  if (text.size() == kCidV0TextLength && text.starts_with("Qm")) {
    auto bytes = base58btc_decode(text);
    if (!bytes) return bytes.error();
    auto cid = decode(*bytes);
    if (!cid) return cid.error();
    if (cid->version != 0) return make_error("'Qm' CID is not a CIDv0");
    return cid;
  }
  auto bytes = multibase_decode(text);
  if (!bytes) return make_error("CID text: {}", bytes.error().message);
  // CID spec: a CIDv0 is never multibase-encoded, and no CIDv18 exists to make 0x12 ambiguous.
  if (!bytes->empty() && bytes->front() == multicodec::sha2_256) {
    return make_error("multibase-encoded CIDv0");
  }
  return decode(*bytes);
}

}  // namespace privstack::multiformats
