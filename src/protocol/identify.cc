#include "protocol/identify.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "identify/identify.pb.h"
#include "protocol/multistream.h"

namespace privstack::protocol::identify {

namespace {

std::string to_string(ByteView bytes) {
  return std::string(as_chars(bytes));
}

ByteView view(const std::string& s) {
  return as_bytes(s);
}

// A protocol id we are willing to keep: what multistream could negotiate, bounded.
bool is_acceptable_protocol(const std::string& p, std::size_t max_length) {
  return !p.empty() && p.front() == '/' && p.size() <= max_length && multistream::is_valid_text(p);
}

}  // namespace

// ---- Sending -----------------------------------------------------------------------------------

Result<EncodedIdentify> encode_identify(const LocalInfo& local,
                                        const std::optional<multiformats::Multiaddr>& observed,
                                        std::size_t max_frame) {
  pb::Identify msg;
  msg.set_protocolversion(local.protocol_version);
  msg.set_agentversion(local.agent_version);
  msg.set_publickey(to_string(local.public_key.to_protobuf()));
  for (const auto& addr : local.listen_addrs)
    msg.add_listenaddrs(to_string(addr.bytes()));
  if (observed && !observed->empty()) msg.set_observedaddr(to_string(observed->bytes()));
  for (const auto& p : local.protocols)
    msg.add_protocols(p);
  if (local.signed_peer_record) msg.set_signedpeerrecord(to_string(*local.signed_peer_record));

  EncodedIdentify out;
  std::size_t size = msg.ByteSizeLong();
  auto fits = [&] { return frame_size(size) <= max_frame; };
  // The record goes first: it duplicates listenAddrs, and rust (the strict reader) ignores it.
  if (!fits() && msg.has_signedpeerrecord()) {
    msg.clear_signedpeerrecord();
    out.record_dropped = true;
    size = msg.ByteSizeLong();
  }
  while (!fits() && msg.listenaddrs_size() > 0) {
    msg.mutable_listenaddrs()->RemoveLast();
    ++out.addrs_dropped;
    size = msg.ByteSizeLong();
  }
  if (!fits()) {
    return make_error("identify: message of {} bytes does not fit {} even without addresses", size,
                      max_frame);
  }
  if (out.record_dropped || out.addrs_dropped != 0) {
    spdlog::debug("identify: trimmed to fit {} bytes (record dropped: {}, addresses dropped: {})",
                  max_frame, out.record_dropped, out.addrs_dropped);
  }
  out.body.resize(size);
  if (!msg.SerializeToArray(out.body.data(), static_cast<int>(out.body.size()))) {
    return make_error("identify: serialization failed");
  }
  return out;
}

// ---- Receiving ---------------------------------------------------------------------------------

bool IdentifyInfo::supports(std::string_view protocol) const {
  return std::find(protocols.begin(), protocols.end(), protocol) != protocols.end();
}

Result<IdentifyInfo> decode_identify(std::span<const Bytes> frames, const crypto::PeerId& expected,
                                     const ReceiveLimits& limits) {
  if (frames.empty()) return make_error("identify: no message");
  if (frames.size() > limits.max_messages) {
    return make_error("identify: {} messages exceed the limit of {}", frames.size(),
                      limits.max_messages);
  }
  // go's readAllIDMessages: proto.Merge of every part, so go's two-part message (everything, then
  // just the record) comes back together.
  pb::Identify msg;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Bytes& frame = frames[i];
    if (frame.size() > limits.max_message) {
      return make_error("identify: message {} of {} bytes exceeds the limit of {}", i, frame.size(),
                        limits.max_message);
    }
    pb::Identify part;
    if (!part.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
      return make_error("identify: message {} is not a valid Identify protobuf", i);
    }
    msg.MergeFrom(part);
  }

  IdentifyInfo info;
  if (msg.has_publickey()) {
    auto key = crypto::PublicKey::from_protobuf(view(msg.publickey()));
    if (!key) return make_error("identify: invalid publicKey: {}", key.error().message);
    auto peer = crypto::PeerId::from_public_key(*key);
    if (peer != expected) {
      return make_error("identify: publicKey belongs to {}, not to the connection's peer {}", peer,
                        expected);
    }
    info.public_key = std::move(*key);
    info.peer_id = std::move(peer);
  }

  for (const auto& raw : msg.listenaddrs()) {
    auto addr = multiformats::Multiaddr::from_bytes(view(raw));
    if (addr) {
      info.listen_addrs.push_back(std::move(*addr));
    } else {
      ++info.skipped_addrs;
    }
  }
  if (msg.has_observedaddr()) {
    auto addr = multiformats::Multiaddr::from_bytes(view(msg.observedaddr()));
    if (addr) {
      info.observed_addr = std::move(*addr);
    } else {
      ++info.skipped_addrs;
    }
  }

  std::set<std::string_view> seen;
  for (const auto& p : msg.protocols()) {
    if (!is_acceptable_protocol(p, limits.max_protocol_length)) {
      ++info.skipped_protocols;
    } else if (seen.insert(p).second) {
      info.protocols.push_back(p);
    }
  }
  // Free-form strings: kept only when printable UTF-8, so logs and the HTTP API stay clean.
  if (multistream::is_valid_text(msg.protocolversion())) {
    info.protocol_version = msg.protocolversion();
  }
  if (multistream::is_valid_text(msg.agentversion())) info.agent_version = msg.agentversion();

  if (msg.has_signedpeerrecord()) {
    auto record = crypto::open_peer_record(view(msg.signedpeerrecord()));
    if (!record) {
      info.record_rejected = true;
      spdlog::debug("identify: ignoring signedPeerRecord from {}: {}", expected,
                    record.error().message);
    } else if (record->record.peer_id != expected) {
      info.record_rejected = true;
      spdlog::debug("identify: ignoring signedPeerRecord from {}: it is for {}", expected,
                    record->record.peer_id);
    } else {
      // The spec: a verified record's addresses replace the unsigned listenAddrs.
      info.listen_addrs = record->record.addresses;
      info.signed_record = std::move(*record);
    }
  }

  if (info.skipped_addrs != 0 || info.skipped_protocols != 0) {
    spdlog::debug("identify: from {} skipped {} invalid addresses and {} invalid protocols",
                  expected, info.skipped_addrs, info.skipped_protocols);
  }
  return info;
}

void apply_push(IdentifyInfo& known, const IdentifyInfo& push) {
  if (push.public_key) known.public_key = push.public_key;
  if (push.peer_id) known.peer_id = push.peer_id;
  if (!push.listen_addrs.empty()) known.listen_addrs = push.listen_addrs;
  if (push.observed_addr) known.observed_addr = push.observed_addr;
  if (!push.protocols.empty()) known.protocols = push.protocols;
  if (!push.protocol_version.empty()) known.protocol_version = push.protocol_version;
  if (!push.agent_version.empty()) known.agent_version = push.agent_version;
  if (push.signed_record) known.signed_record = push.signed_record;
  known.skipped_addrs += push.skipped_addrs;
  known.skipped_protocols += push.skipped_protocols;
  known.record_rejected = known.record_rejected || push.record_rejected;
}

}  // namespace privstack::protocol::identify
