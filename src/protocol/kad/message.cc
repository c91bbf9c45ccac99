#include "protocol/kad/message.h"

#include <algorithm>
#include <limits>

#include "kad/dht.pb.h"
#include "protocol/length_prefixed.h"

namespace privstack::protocol::kad {

namespace pb = privstack::pb::kad;
using multiformats::Multiaddr;

std::string_view to_string(MessageType type) {
  switch (type) {
    case MessageType::put_value:
      return "PUT_VALUE";
    case MessageType::get_value:
      return "GET_VALUE";
    case MessageType::add_provider:
      return "ADD_PROVIDER";
    case MessageType::get_providers:
      return "GET_PROVIDERS";
    case MessageType::find_node:
      return "FIND_NODE";
    case MessageType::ping:
      return "PING";
  }
  return "UNKNOWN";
}

namespace {

Bytes to_byte_vector(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

std::string to_std_string(ByteView b) {
  return std::string(as_chars(b));
}

// One Peer entry; nullopt when its id is not a peer id (rust skips such peers too).
std::optional<KadPeer> decode_peer(const pb::Message::Peer& in, const DecodeLimits& limits,
                                   DecodeStats& stats) {
  auto id = crypto::PeerId::from_bytes(as_bytes(in.id()));
  if (!id) {
    ++stats.invalid_peers;
    return std::nullopt;
  }
  KadPeer peer{.id = std::move(*id), .addrs = {}, .connection = ConnectionType::not_connected};
  if (in.has_connection()) peer.connection = static_cast<ConnectionType>(in.connection());
  for (const auto& raw : in.addrs()) {
    if (peer.addrs.size() == limits.max_addrs_per_peer) {
      ++stats.dropped_addrs;
      continue;
    }
    auto addr = Multiaddr::from_bytes(as_bytes(raw));
    if (!addr) {
      ++stats.invalid_addrs;
      continue;
    }
    // rust drops addresses that name another peer (KadPeer::try_from).
    if (auto named = addr->peer_id_bytes(); named && *named != peer.id.bytes()) {
      ++stats.invalid_addrs;
      continue;
    }
    peer.addrs.push_back(std::move(*addr));
  }
  return peer;
}

void decode_peers(const google::protobuf::RepeatedPtrField<pb::Message::Peer>& in,
                  std::vector<KadPeer>& out, const DecodeLimits& limits, DecodeStats& stats) {
  for (const auto& p : in) {
    if (out.size() == limits.max_peers) {
      ++stats.dropped_peers;
      continue;
    }
    if (auto peer = decode_peer(p, limits, stats)) out.push_back(std::move(*peer));
  }
}

void encode_peer(const KadPeer& peer, pb::Message::Peer& out) {
  out.set_id(to_std_string(peer.id.bytes()));
  for (const auto& addr : peer.addrs)
    out.add_addrs(to_std_string(addr.bytes()));
  out.set_connection(static_cast<pb::Message::ConnectionType>(peer.connection));
}

}  // namespace

Result<KadMessage> decode_message(ByteView body, const DecodeLimits& limits, DecodeStats* stats) {
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return make_error("kad: message too large");
  }
  pb::Message msg;
  if (!msg.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return make_error("kad: malformed protobuf ({} bytes)", body.size());
  }
  // Absent means 0 = PUT_VALUE: proto3 encoders (rust's) omit a zero enum.
  const std::int32_t type = msg.has_type() ? msg.type() : 0;
  if (type < 0 || type > static_cast<std::int32_t>(MessageType::ping)) {
    return make_error("kad: unknown message type {}", type);
  }

  DecodeStats local_stats;
  DecodeStats& st = stats ? *stats : local_stats;
  KadMessage out;
  out.type = static_cast<MessageType>(type);
  out.key = to_byte_vector(msg.key());
  if (msg.has_clusterlevelraw()) out.cluster_level = msg.clusterlevelraw();
  if (msg.has_record()) {
    const auto& r = msg.record();
    KadRecord record;
    record.key = to_byte_vector(r.key());
    record.value = to_byte_vector(r.value());
    record.time_received = to_byte_vector(r.timereceived());
    record.ttl = r.ttl();
    // rust rejects the whole message when a non-empty publisher is not a peer id.
    if (!r.publisher().empty()) {
      auto publisher = crypto::PeerId::from_bytes(as_bytes(r.publisher()));
      if (!publisher) {
        return make_error("kad: record publisher is not a peer id: {}", publisher.error().message);
      }
      record.publisher = std::move(*publisher);
    }
    out.record = std::move(record);
  }
  decode_peers(msg.closerpeers(), out.closer_peers, limits, st);
  decode_peers(msg.providerpeers(), out.provider_peers, limits, st);
  return out;
}

Bytes encode_message(const KadMessage& message) {
  pb::Message msg;
  msg.set_type(static_cast<std::int32_t>(message.type));
  if (message.cluster_level) msg.set_clusterlevelraw(*message.cluster_level);
  if (!message.key.empty()) msg.set_key(to_std_string(message.key));
  if (message.record) {
    auto* r = msg.mutable_record();
    r->set_key(to_std_string(message.record->key));
    r->set_value(to_std_string(message.record->value));
    if (!message.record->time_received.empty()) {
      r->set_timereceived(to_std_string(message.record->time_received));
    }
    if (message.record->publisher)
      r->set_publisher(to_std_string(message.record->publisher->bytes()));
    if (message.record->ttl != 0) r->set_ttl(message.record->ttl);
  }
  for (const auto& peer : message.closer_peers)
    encode_peer(peer, *msg.add_closerpeers());
  for (const auto& peer : message.provider_peers)
    encode_peer(peer, *msg.add_providerpeers());
  std::string out;
  msg.SerializeToString(&out);
  return to_byte_vector(out);
}

FitResult encode_fitting(KadMessage message, std::size_t max_frame,
                         std::size_t max_addrs_per_peer) {
  FitResult result;
  auto cap_addrs = [&](std::size_t cap) {
    for (auto* list : {&message.closer_peers, &message.provider_peers}) {
      for (auto& peer : *list) {
        if (peer.addrs.size() > cap) {
          result.dropped_addrs += peer.addrs.size() - cap;
          peer.addrs.resize(cap);
        }
      }
    }
  };
  cap_addrs(max_addrs_per_peer);
  std::size_t cap = max_addrs_per_peer;
  for (;;) {
    result.body = encode_message(message);
    if (frame_size(result.body.size()) <= max_frame) return result;
    if (cap > 1) {
      cap /= 2;
      cap_addrs(cap);
    } else if (!message.closer_peers.empty()) {
      message.closer_peers.pop_back();
      ++result.dropped_peers;
    } else if (!message.provider_peers.empty()) {
      message.provider_peers.pop_back();
      ++result.dropped_peers;
    } else {
      result.fits = false;
      return result;
    }
  }
}

}  // namespace privstack::protocol::kad
