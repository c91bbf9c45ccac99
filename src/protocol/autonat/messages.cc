#include "protocol/autonat/messages.h"

#include <algorithm>
#include <string>

#include "autonat/autonat.pb.h"

namespace privstack::protocol::autonat {

namespace {

namespace mf = multiformats;
using PbMessage = pb::autonat::Message;

std::string to_pb_string(ByteView bytes) {
  return std::string(as_chars(bytes));
}

bool known_status(PbMessage::ResponseStatus status) {
  switch (status) {
    case PbMessage::OK:
    case PbMessage::E_DIAL_ERROR:
    case PbMessage::E_DIAL_REFUSED:
    case PbMessage::E_BAD_REQUEST:
    case PbMessage::E_INTERNAL_ERROR:
      return true;
  }
  return false;
}

// Parses a message body after the size check both directions share.
Result<PbMessage> parse_body(ByteView body) {
  if (body.size() > kMaxMessageSize) {
    return make_error("autonat message of {} bytes (limit {})", body.size(), kMaxMessageSize);
  }
  PbMessage message;
  if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return make_error("autonat message is not protobuf");
  }
  return message;
}

}  // namespace

std::string_view to_string(ResponseStatus status) {
  switch (status) {
    case ResponseStatus::ok:
      return "OK";
    case ResponseStatus::dial_error:
      return "E_DIAL_ERROR";
    case ResponseStatus::dial_refused:
      return "E_DIAL_REFUSED";
    case ResponseStatus::bad_request:
      return "E_BAD_REQUEST";
    case ResponseStatus::internal_error:
      return "E_INTERNAL_ERROR";
  }
  return "UNKNOWN_STATUS";
}

DialResponse ok_response(mf::Multiaddr addr) {
  DialResponse response;
  response.status = ResponseStatus::ok;
  response.addr = std::move(addr);
  return response;
}

DialResponse error_response(ResponseStatus status, std::string status_text) {
  DialResponse response;
  response.status = status;
  response.status_text = std::move(status_text);
  return response;
}

Bytes encode(const DialRequest& request) {
  PbMessage out;
  out.set_type(PbMessage::DIAL);
  auto& peer = *out.mutable_dial()->mutable_peer();
  peer.set_id(to_pb_string(request.peer.bytes()));
  for (const auto& addr : request.addrs)
    peer.add_addrs(to_pb_string(addr.bytes()));
  return to_bytes(out.SerializeAsString());
}

Bytes encode(const DialResponse& response) {
  PbMessage out;
  out.set_type(PbMessage::DIAL_RESPONSE);
  auto& body = *out.mutable_dialresponse();
  // set_status even for OK: proto2 then writes the 0, which rust requires.
  body.set_status(static_cast<PbMessage::ResponseStatus>(response.status));
  if (response.addr) body.set_addr(to_pb_string(response.addr->bytes()));
  if (!response.status_text.empty()) {
    // A peer-influenced text (our reasons quote nothing of theirs today) must not push the frame
    // over rust's limit: cut the text, never the status or address.
    const std::size_t fixed = frame_size(out.ByteSizeLong()) + 8;
    const std::size_t room = kMaxMessageSize > fixed ? kMaxMessageSize - fixed : 0;
    body.set_statustext(response.status_text.substr(0, std::min(room, std::size_t{256})));
  }
  return to_bytes(out.SerializeAsString());
}

Result<DialRequest> decode_request(ByteView body) {
  auto message = parse_body(body);
  if (!message) return message.error();
  if (!message->has_type() || message->type() != PbMessage::DIAL) {
    return make_error("autonat request is not a DIAL");
  }
  if (!message->has_dial() || !message->dial().has_peer()) {
    return make_error("autonat DIAL without peer info");
  }
  const auto& peer = message->dial().peer();
  if (!peer.has_id()) return make_error("autonat DIAL without peer id");
  auto id = crypto::PeerId::from_bytes(as_bytes(peer.id()));
  if (!id) return make_error("autonat DIAL peer id: {}", id.error().message);
  DialRequest request{std::move(*id), {}, 0};
  for (const auto& bytes : peer.addrs()) {
    auto addr = mf::Multiaddr::from_bytes(as_bytes(bytes));
    if (addr) {
      request.addrs.push_back(std::move(*addr));
    } else {
      ++request.skipped_addrs;  // rust skips these too; the others may still be dialable
    }
  }
  return request;
}

Result<DialResponse> decode_response(ByteView body) {
  auto message = parse_body(body);
  if (!message) return message.error();
  if (!message->has_type() || message->type() != PbMessage::DIAL_RESPONSE) {
    return make_error("autonat response is not a DIAL_RESPONSE");
  }
  if (!message->has_dialresponse()) return make_error("autonat DIAL_RESPONSE without body");
  const auto& in = message->dialresponse();
  if (!in.has_status() || !known_status(in.status())) {
    return make_error("autonat DIAL_RESPONSE without a known status");
  }
  DialResponse response;
  response.status = static_cast<ResponseStatus>(in.status());
  if (in.has_statustext()) response.status_text = in.statustext();
  if (in.has_addr()) {
    auto addr = mf::Multiaddr::from_bytes(as_bytes(in.addr()));
    if (!addr) return make_error("autonat DIAL_RESPONSE addr: {}", addr.error().message);
    response.addr = std::move(*addr);
  }
  if (response.status == ResponseStatus::ok && !response.addr) {
    return make_error("autonat OK without addr");
  }
  return response;
}

}  // namespace privstack::protocol::autonat
