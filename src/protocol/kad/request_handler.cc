#include "protocol/kad/request_handler.h"

#include <algorithm>

namespace privstack::protocol::kad {

RequestHandler::RequestHandler(RoutingTable& routing, RecordStore& records,
                               ProviderStore& providers, RequestHandlerConfig config,
                               AddressLookup address_lookup, ConnectedLookup connected_lookup)
    : routing_(routing),
      records_(records),
      providers_(providers),
      config_(config),
      address_lookup_(std::move(address_lookup)),
      connected_lookup_(std::move(connected_lookup)) {}

std::vector<KadPeer> RequestHandler::closer_peers(ByteView key,
                                                  const crypto::PeerId& requester) const {
  std::vector<KadPeer> out;
  for (auto& entry :
       routing_.closest(KadKey::from_bytes(key), config_.max_closer_peers, &requester)) {
    if (entry.addresses.empty()) continue;  // go: only peers that have addresses
    out.push_back(KadPeer{
        .id = std::move(entry.peer),
        .addrs = std::move(entry.addresses),
        .connection = entry.connected ? ConnectionType::connected : ConnectionType::not_connected});
  }
  return out;
}

std::vector<KadPeer> RequestHandler::provider_peers(ByteView key, const crypto::PeerId& requester,
                                                    Clock::time_point now) const {
  std::vector<KadPeer> out;
  for (auto& record : providers_.providers(key, now)) {
    if (out.size() == config_.max_provider_peers) break;
    if (record.provider == requester) continue;  // rust leaves the requester out
    auto addrs = std::move(record.addresses);
    if (addrs.empty()) {
      if (const RoutingEntry* entry = routing_.find(record.provider)) addrs = entry->addresses;
      if (addrs.empty() && address_lookup_) addrs = address_lookup_(record.provider);
      std::erase_if(addrs, [](const auto& a) { return !is_advertisable(a); });
    }
    if (addrs.empty()) continue;  // rust's filter_map drops providers it cannot address
    const bool connected = connected_lookup_ ? connected_lookup_(record.provider) : false;
    out.push_back(KadPeer{
        .id = record.provider,
        .addrs = std::move(addrs),
        .connection = connected ? ConnectionType::connected : ConnectionType::not_connected});
  }
  return out;
}

Result<std::optional<KadMessage>> RequestHandler::put_value(const KadMessage& request,
                                                            Clock::time_point now,
                                                            HandleStats& stats) {
  if (!request.record) return make_error("PUT_VALUE without a record");
  const KadRecord& record = *request.record;
  // go rejects a mismatch; rust ignores Message.key. Rejecting keeps one key per request.
  if (request.key != record.key) return make_error("PUT_VALUE key differs from the record's key");

  if (record.publisher && *record.publisher == routing_.local_peer()) {
    // rust: the original publisher (us) is always right; replication must not change our record.
    stats.note = "publisher is the local peer: not stored";
  } else {
    const auto expires = expiry_on_receipt(
        record.ttl, config_.record_ttl,
        routing_.count_closer_than_local(KadKey::from_bytes(record.key)), routing_.config().k, now);
    StoredRecord stored{.key = record.key,
                        .value = record.value,
                        .publisher = record.publisher,
                        .expires = expires,
                        .received = now};
    if (stored.expired(now)) {
      stats.note = "record already expired: not stored";  // still answered, as rust does
    } else {
      auto put = records_.put(std::move(stored));
      if (!put) return make_error("PUT_VALUE not stored: {}", put.error().message);
      stats.stored = true;
    }
  }
  // Echo the request, as go does (rust answers key + record{key, value}; no client compares).
  KadMessage response;
  response.type = MessageType::put_value;
  response.key = request.key;
  response.record = record;
  return std::optional<KadMessage>(std::move(response));
}

void RequestHandler::add_provider(const KadMessage& request, const crypto::PeerId& requester,
                                  Clock::time_point now, HandleStats& stats) {
  for (const auto& peer : request.provider_peers) {
    if (peer.id != requester) {
      ++stats.forged_providers;
      continue;
    }
    auto added = providers_.add(request.key, peer.id, peer.addrs, now);
    if (!added) {
      stats.note = added.error().message;
    } else if (*added == AddProviderOutcome::ignored_key_full) {
      stats.note = "key already has the maximum number of providers";
    } else {
      stats.stored = true;
    }
  }
}

Result<std::optional<KadMessage>> RequestHandler::handle(const KadMessage& request,
                                                         const crypto::PeerId& requester,
                                                         Clock::time_point now,
                                                         HandleStats* stats_out) {
  HandleStats local_stats;
  HandleStats& stats = stats_out ? *stats_out : local_stats;
  KadMessage response;
  response.type = request.type;
  response.key = request.key;
  switch (request.type) {
    case MessageType::find_node:
      response.closer_peers = closer_peers(request.key, requester);
      return std::optional<KadMessage>(std::move(response));
    case MessageType::get_value:
      if (const StoredRecord* stored = records_.get(request.key, now)) {
        response.record = to_wire(*stored, now);
      }
      response.closer_peers = closer_peers(request.key, requester);
      return std::optional<KadMessage>(std::move(response));
    case MessageType::put_value:
      return put_value(request, now, stats);
    case MessageType::add_provider:
      add_provider(request, requester, now, stats);
      return std::optional<KadMessage>{};
    case MessageType::get_providers:
      response.closer_peers = closer_peers(request.key, requester);
      response.provider_peers = provider_peers(request.key, requester, now);
      return std::optional<KadMessage>(std::move(response));
    case MessageType::ping:
      return std::optional<KadMessage>(std::move(response));
  }
  return make_error("unknown message type {}", static_cast<int>(request.type));
}

}  // namespace privstack::protocol::kad
