#include "crypto/peer_id.h"

#include "crypto/hash.h"
#include "multiformats/base58.h"
#include "multiformats/cid.h"
#include "multiformats/multihash.h"

namespace privstack::crypto {

namespace mf = multiformats;

namespace {

// identity(42-byte key) is 44 bytes and sha2-256 is 34; nothing valid is longer.
constexpr std::size_t kMaxPeerIdBytes = 64;
// The longest valid text is a base32 CID of an inline key (~75 characters); the bound keeps
// quadratic base58 decoding of hostile input cheap.
constexpr std::size_t kMaxPeerIdText = 128;

}  // namespace

PeerId PeerId::from_public_key(const PublicKey& key) {
  Bytes encoded = key.to_protobuf();
  mf::Multihash hash;
  if (encoded.size() <= kMaxInlineKeyLength) {
    hash.code = mf::multicodec::identity;
    hash.digest = std::move(encoded);
  } else {
    const Sha256Digest digest = sha256(encoded);
    hash.code = mf::multicodec::sha2_256;
    hash.digest.assign(digest.begin(), digest.end());
  }
  return PeerId(hash.encode());
}

Result<PeerId> PeerId::from_bytes(ByteView multihash) {
  if (multihash.size() > kMaxPeerIdBytes) {
    return make_error("peer id too long ({} bytes)", multihash.size());
  }
  auto decoded = mf::Multihash::decode(multihash);
  if (!decoded) return make_error("peer id is not a multihash: {}", decoded.error().message);
  switch (decoded->code) {
    case mf::multicodec::sha2_256:
      if (decoded->digest.size() != kSha256Size) {
        return make_error("sha2-256 peer id with a {}-byte digest", decoded->digest.size());
      }
      break;
    case mf::multicodec::identity: {
      if (decoded->digest.size() > kMaxInlineKeyLength) {
        return make_error("identity peer id of {} bytes exceeds {}", decoded->digest.size(),
                          kMaxInlineKeyLength);
      }
      auto key = PublicKey::from_protobuf(decoded->digest);
      if (!key) return make_error("identity peer id without a valid key: {}", key.error().message);
      break;
    }
    default:
      return make_error("peer id multihash code {:#x} is neither identity nor sha2-256",
                        decoded->code);
  }
  return PeerId(Bytes(multihash.begin(), multihash.end()));
}

Result<PeerId> PeerId::parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxPeerIdText) {
    return make_error("peer id text of {} characters", text.size());
  }
  // The spec's decoding rule: a leading '1' or "Qm" is a bare base58btc multihash (these are never
  // multibase prefixes); anything else must be a multibase CID.
  if (text.front() == '1' || text.starts_with("Qm")) {
    auto bytes = mf::base58btc_decode(text);
    if (!bytes) return make_error("peer id '{}' is not base58btc: {}", text, bytes.error().message);
    return from_bytes(*bytes);
  }
  auto cid = mf::Cid::parse(text);
  if (!cid) {
    return make_error("peer id '{}' is neither base58 nor a CID: {}", text, cid.error().message);
  }
  if (cid->version != 1 || cid->codec != mf::multicodec::libp2p_key) {
    return make_error("CID '{}' is not a CIDv1 with the libp2p-key codec (codec {:#x})", text,
                      cid->codec);
  }
  return from_bytes(cid->hash.encode());
}

std::string PeerId::to_base58() const {
  return mf::base58btc_encode(bytes_);
}

std::string PeerId::to_cid() const {
  // bytes_ was validated (or built) as a multihash, so decoding cannot fail.
  auto hash = mf::Multihash::decode(bytes_);
  if (!hash) return {};
  mf::Cid cid{.codec = mf::multicodec::libp2p_key, .hash = std::move(*hash), .version = 1};
  return cid.to_string();
}

std::optional<PublicKey> PeerId::inline_public_key() const {
  auto hash = mf::Multihash::decode(bytes_);
  if (!hash || hash->code != mf::multicodec::identity) return std::nullopt;
  auto key = PublicKey::from_protobuf(hash->digest);
  if (!key) return std::nullopt;
  return std::move(*key);
}

}  // namespace privstack::crypto
