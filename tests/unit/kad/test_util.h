// Helpers shared by the kad tests: fresh peer ids and addresses.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::protocol::kad::test {

inline crypto::PeerId random_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

inline multiformats::Multiaddr addr(const std::string& text) {
  auto parsed = multiformats::Multiaddr::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : multiformats::Multiaddr();
}

inline multiformats::Multiaddr quic(int last_octet, int port = 4001) {
  return addr("/ip4/10.0.0." + std::to_string(last_octet) + "/udp/" + std::to_string(port) +
              "/quic-v1");
}

}  // namespace privstack::protocol::kad::test
