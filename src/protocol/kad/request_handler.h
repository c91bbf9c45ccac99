// The Kademlia server's answers (wire-compat digest §7), as a pure function of one decoded request,
// the requester, the time and our tables — no I/O, so every rule is unit-tested without streams.
//
//   FIND_NODE     {key}            → {FIND_NODE, key, closerPeers}      (key = opaque bytes)
//   GET_VALUE     {key}            → {GET_VALUE, key, record?, closerPeers}
//   PUT_VALUE     {key, record}    → echo of the request (rust and go); the record is stored
//                                    unless `publisher` is us (rust); key ≠ record.key, no record,
//                                    or a store error (full, value too large) is an error → reset
//   ADD_PROVIDER  {key, providers} → no answer; only entries whose id is the requester are kept,
//                                    forged ones are counted and dropped (rust, go)
//   GET_PROVIDERS {key}            → {GET_PROVIDERS, key, closerPeers, providerPeers}
//   PING          {}               → echo (go does; rust closes; both are harmless)
//
// closerPeers: the K closest routing-table entries to sha256(key), never the requester, each with
// its advertised addresses and CONNECTED/NOT_CONNECTED. providerPeers: at most K, never the
// requester; a provider stored without addresses gets them from `address_lookup` (rust fills them
// from its k-buckets) and is left out when none are known.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "protocol/kad/message.h"
#include "protocol/kad/provider_store.h"
#include "protocol/kad/record_store.h"
#include "protocol/kad/routing_table.h"

namespace privstack::protocol::kad {

struct RequestHandlerConfig {
  /// Peers in closerPeers and in providerPeers.
  std::size_t max_closer_peers = kK;
  std::size_t max_provider_peers = kK;
  /// Server-side record lifetime (rust Config::record_ttl, 48 h); nullopt = only the record's own
  /// ttl applies.
  std::optional<std::chrono::seconds> record_ttl = std::chrono::seconds(48 * 3600);
};

/// What happened, for debug logs and tests.
struct HandleStats {
  std::size_t forged_providers = 0;  // ADD_PROVIDER entries for another peer
  bool stored = false;               // PUT_VALUE stored, ADD_PROVIDER added/refreshed
  std::string note;                  // why something was not stored (no error)
};

class RequestHandler {
 public:
  /// Addresses to advertise for `peer` when nothing else is known (providers stored without
  /// addresses): the service looks at the routing table, the peer registry and, for ourselves,
  /// our listen addresses. Whether `peer` is connected right now.
  using AddressLookup = std::function<std::vector<multiformats::Multiaddr>(const crypto::PeerId&)>;
  using ConnectedLookup = std::function<bool(const crypto::PeerId&)>;

  RequestHandler(RoutingTable& routing, RecordStore& records, ProviderStore& providers,
                 RequestHandlerConfig config, AddressLookup address_lookup = {},
                 ConnectedLookup connected_lookup = {});

  /// The answer to `request` from `requester`: a message to send, nullopt for "no answer"
  /// (ADD_PROVIDER), or an error, after which the stream is reset.
  Result<std::optional<KadMessage>> handle(const KadMessage& request,
                                           const crypto::PeerId& requester, Clock::time_point now,
                                           HandleStats* stats = nullptr);

  const RequestHandlerConfig& config() const { return config_; }

 private:
  std::vector<KadPeer> closer_peers(ByteView key, const crypto::PeerId& requester) const;
  std::vector<KadPeer> provider_peers(ByteView key, const crypto::PeerId& requester,
                                      Clock::time_point now) const;
  Result<std::optional<KadMessage>> put_value(const KadMessage& request, Clock::time_point now,
                                              HandleStats& stats);
  void add_provider(const KadMessage& request, const crypto::PeerId& requester,
                    Clock::time_point now, HandleStats& stats);

  RoutingTable& routing_;
  RecordStore& records_;
  ProviderStore& providers_;
  RequestHandlerConfig config_;
  AddressLookup address_lookup_;
  ConnectedLookup connected_lookup_;
};

}  // namespace privstack::protocol::kad
