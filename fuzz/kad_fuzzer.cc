// Kademlia: the message decoder and the pure request handler. Each input is a sequence of
// uvarint-prefixed messages (as on the wire, each at most rust's 16 KiB frame), each preceded by a
// byte naming the requester (one of 8 fixed peers) and a time step. Every decoded message is fed
// to a RequestHandler over a fresh, small routing table and record/provider stores, so state built
// by one message (stored records, providers, routing entries) is exercised by the next.
// Properties: decode(encode(m)) == m for every decoded m; answers encode and decode again; memory
// stays within the store limits.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "protocol/kad/message.h"
#include "protocol/kad/provider_store.h"
#include "protocol/kad/record_store.h"
#include "protocol/kad/request_handler.h"
#include "protocol/kad/routing_table.h"
#include "protocol/length_prefixed.h"

namespace kad = privstack::protocol::kad;
using privstack::fuzz::fixed_peer;
using privstack::fuzz::Input;

namespace {

void check_round_trip(const kad::KadMessage& message) {
  auto encoded = kad::encode_message(message);
  auto decoded = kad::decode_message(encoded);
  PRIVSTACK_FUZZ_CHECK(decoded.ok());
  PRIVSTACK_FUZZ_CHECK(*decoded == message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const auto local = fixed_peer(7);
  kad::RoutingTable routing(local);
  kad::RecordStore records(kad::RecordStoreLimits{.max_records = 16, .max_value_bytes = 4096});
  kad::ProviderStore providers(kad::ProviderStoreLimits{.max_provided_keys = 16});
  kad::RequestHandler handler(
      routing, records, providers, kad::RequestHandlerConfig{},
      [&](const privstack::crypto::PeerId& p) {
        const auto* entry = routing.find(p);
        return entry ? entry->addresses : std::vector<privstack::multiformats::Multiaddr>{};
      },
      [&](const privstack::crypto::PeerId& p) { return routing.find(p) != nullptr; });
  auto now = kad::Clock::time_point{} + std::chrono::hours(1000);

  for (int i = 0; i < 32 && !in.empty(); ++i) {
    const std::uint8_t who = in.byte();
    now += std::chrono::seconds(std::int64_t{1} << (who >> 4));  // 1 s .. 9 h steps: expiry
    auto body = in.message();
    if (!body) break;
    if (body->size() > kad::kRustMaxFrame) continue;
    kad::DecodeStats stats;
    auto message = kad::decode_message(*body, kad::DecodeLimits{}, &stats);
    if (!message) continue;
    PRIVSTACK_FUZZ_CHECK(message->closer_peers.size() <= kad::DecodeLimits{}.max_peers);
    PRIVSTACK_FUZZ_CHECK(message->provider_peers.size() <= kad::DecodeLimits{}.max_peers);
    check_round_trip(*message);

    const auto requester = fixed_peer(who & 7);
    // Peers we hear from join the routing table, as the service does for connected peers.
    for (const auto& peer : message->closer_peers) {
      routing.upsert(peer.id, peer.addrs, (who & 8) != 0, now);
    }
    kad::HandleStats handle_stats;
    auto answer = handler.handle(*message, requester, now, &handle_stats);
    if (answer && answer->has_value()) {
      check_round_trip(**answer);
      auto fitted = kad::encode_fitting(**answer);
      if (fitted.fits) {
        PRIVSTACK_FUZZ_CHECK(privstack::protocol::frame_size(fitted.body.size()) <=
                             kad::kRustMaxFrame);
        PRIVSTACK_FUZZ_CHECK(kad::decode_message(fitted.body).ok());
      }
    }
    PRIVSTACK_FUZZ_CHECK(records.size() <= 16);
  }
  return 0;
}
