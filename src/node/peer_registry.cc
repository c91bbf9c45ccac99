#include "node/peer_registry.h"

#include <algorithm>

namespace privstack::node {

bool PeerRecord::supports(std::string_view protocol) const {
  return std::find(protocols.begin(), protocols.end(), protocol) != protocols.end();
}

void PeerRegistry::add_connection(const crypto::PeerId& peer, ConnectionRecord connection) {
  auto it = peers_.try_emplace(peer, peer).first;
  it->second.connections.push_back(std::move(connection));
  ++open_connections_;
  served_.add(std::hash<crypto::PeerId>{}(peer));
  for (const auto& handler : connected_)
    handler(it->second, it->second.connections.back());
}

void PeerRegistry::remove_connection(const crypto::PeerId& peer, std::uint64_t connection_id) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  auto& connections = it->second.connections;
  auto found = std::find_if(connections.begin(), connections.end(),
                            [&](const ConnectionRecord& c) { return c.id == connection_id; });
  if (found == connections.end()) return;
  ConnectionRecord closed = std::move(*found);
  connections.erase(found);
  --open_connections_;
  for (const auto& handler : disconnected_)
    handler(it->second, closed);
  if (connections.empty()) peers_.erase(it);
}

void PeerRegistry::update_identify(const crypto::PeerId& peer, IdentifyUpdate update) {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  PeerRecord& record = it->second;
  record.identified = true;
  record.listen_addresses = std::move(update.listen_addresses);
  record.protocols = std::move(update.protocols);
  record.agent_version = std::move(update.agent_version);
  record.protocol_version = std::move(update.protocol_version);
  for (const auto& handler : identified_)
    handler(record);
}

const PeerRecord* PeerRegistry::find(const crypto::PeerId& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? nullptr : &it->second;
}

}  // namespace privstack::node
