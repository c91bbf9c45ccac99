#include "protocol/relay/messages.h"

#include <string>

#include "relay/circuit.pb.h"

namespace privstack::protocol::relay {

namespace {

namespace mf = multiformats;

std::string to_pb_string(ByteView bytes) {
  return std::string(as_chars(bytes));
}

void fill_peer(pb::relay::Peer& out, const PeerInfo& peer) {
  out.set_id(to_pb_string(peer.id.bytes()));
  for (const auto& addr : peer.addrs)
    out.add_addrs(to_pb_string(addr.bytes()));
}

void fill_limit(pb::relay::Limit& out, const Limit& limit) {
  if (limit.duration_seconds) out.set_duration(*limit.duration_seconds);
  if (limit.data_bytes) out.set_data(*limit.data_bytes);
}

// Parses every entry; an unparseable one is skipped and counted (go skips, rust fails the whole
// message only on the client side, where it is not our concern).
std::vector<mf::Multiaddr> parse_addrs(const google::protobuf::RepeatedPtrField<std::string>& in,
                                       std::size_t& skipped) {
  std::vector<mf::Multiaddr> out;
  for (const auto& bytes : in) {
    auto addr = mf::Multiaddr::from_bytes(as_bytes(bytes));
    if (addr) {
      out.push_back(std::move(*addr));
    } else {
      ++skipped;
    }
  }
  return out;
}

Result<PeerInfo> parse_peer(const pb::relay::Peer& in, std::size_t& skipped) {
  if (!in.has_id()) return make_error("peer without id");
  auto id = crypto::PeerId::from_bytes(as_bytes(in.id()));
  if (!id) return make_error("peer id: {}", id.error().message);
  return PeerInfo{std::move(*id), parse_addrs(in.addrs(), skipped)};
}

Limit parse_limit(const pb::relay::Limit& in) {
  Limit out;
  if (in.has_duration()) out.duration_seconds = in.duration();
  if (in.has_data()) out.data_bytes = in.data();
  return out;
}

std::optional<Status> parse_status(bool present, pb::relay::Status value) {
  if (!present) return std::nullopt;
  return static_cast<Status>(value);
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::ok:
      return "OK";
    case Status::reservation_refused:
      return "RESERVATION_REFUSED";
    case Status::resource_limit_exceeded:
      return "RESOURCE_LIMIT_EXCEEDED";
    case Status::permission_denied:
      return "PERMISSION_DENIED";
    case Status::connection_failed:
      return "CONNECTION_FAILED";
    case Status::no_reservation:
      return "NO_RESERVATION";
    case Status::malformed_message:
      return "MALFORMED_MESSAGE";
    case Status::unexpected_message:
      return "UNEXPECTED_MESSAGE";
  }
  return "UNKNOWN_STATUS";
}

Bytes encode(const HopMessage& message) {
  pb::relay::HopMessage out;
  out.set_type(static_cast<pb::relay::HopMessage::Type>(message.type));
  if (message.peer) fill_peer(*out.mutable_peer(), *message.peer);
  if (message.reservation) {
    auto& reservation = *out.mutable_reservation();
    reservation.set_expire(message.reservation->expire);
    for (const auto& addr : message.reservation->addrs)
      reservation.add_addrs(to_pb_string(addr.bytes()));
    if (message.reservation->voucher) {
      reservation.set_voucher(to_pb_string(*message.reservation->voucher));
    }
  }
  if (message.limit && !message.limit->unlimited())
    fill_limit(*out.mutable_limit(), *message.limit);
  if (message.status) out.set_status(static_cast<pb::relay::Status>(*message.status));
  return to_bytes(out.SerializeAsString());
}

Bytes encode(const StopMessage& message) {
  pb::relay::StopMessage out;
  out.set_type(static_cast<pb::relay::StopMessage::Type>(message.type));
  if (message.peer) fill_peer(*out.mutable_peer(), *message.peer);
  if (message.limit && !message.limit->unlimited())
    fill_limit(*out.mutable_limit(), *message.limit);
  if (message.status) out.set_status(static_cast<pb::relay::Status>(*message.status));
  return to_bytes(out.SerializeAsString());
}

HopMessage hop_status(Status status, std::optional<Limit> limit) {
  HopMessage message;
  message.type = HopType::status;
  message.status = status;
  message.limit = std::move(limit);
  return message;
}

std::size_t fit_to_frame(HopMessage& message) {
  std::size_t dropped = 0;
  while (message.reservation && message.reservation->addrs.size() > 1 &&
         frame_size(encode(message).size()) > kMaxMessageSize) {
    message.reservation->addrs.pop_back();
    ++dropped;
  }
  return dropped;
}

StopMessage stop_status(Status status) {
  StopMessage message;
  message.type = StopType::status;
  message.status = status;
  return message;
}

Result<HopMessage> decode_hop(ByteView body) {
  if (body.size() > kMaxMessageSize) return make_error("hop message of {} bytes", body.size());
  pb::relay::HopMessage in;
  if (!in.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return make_error("hop message is not a valid protobuf");
  }
  if (!in.has_type()) return make_error("hop message without a (known) type");
  HopMessage out;
  out.type = static_cast<HopType>(in.type());
  if (in.has_peer()) {
    auto peer = parse_peer(in.peer(), out.skipped_addrs);
    if (!peer) return make_error("hop message: {}", peer.error().message);
    out.peer = std::move(*peer);
  }
  if (in.has_reservation()) {
    const auto& r = in.reservation();
    if (!r.has_expire()) return make_error("hop reservation without expire");
    Reservation reservation;
    reservation.expire = r.expire();
    reservation.addrs = parse_addrs(r.addrs(), out.skipped_addrs);
    if (r.has_voucher()) reservation.voucher = to_bytes(r.voucher());
    out.reservation = std::move(reservation);
  }
  if (in.has_limit()) out.limit = parse_limit(in.limit());
  out.status = parse_status(in.has_status(), in.status());
  return out;
}

Result<StopMessage> decode_stop(ByteView body) {
  if (body.size() > kMaxMessageSize) return make_error("stop message of {} bytes", body.size());
  pb::relay::StopMessage in;
  if (!in.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return make_error("stop message is not a valid protobuf");
  }
  if (!in.has_type()) return make_error("stop message without a (known) type");
  StopMessage out;
  out.type = static_cast<StopType>(in.type());
  if (in.has_peer()) {
    auto peer = parse_peer(in.peer(), out.skipped_addrs);
    if (!peer) return make_error("stop message: {}", peer.error().message);
    out.peer = std::move(*peer);
  }
  if (in.has_limit()) out.limit = parse_limit(in.limit());
  out.status = parse_status(in.has_status(), in.status());
  return out;
}

}  // namespace privstack::protocol::relay
