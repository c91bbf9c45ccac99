// The dial-back throttle with rust-libp2p's as_server.rs rules: one dial-back per peer at a time,
// global and per-peer caps within a period, entries forgotten after the period.
#include "protocol/autonat/client_throttle.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"

namespace privstack::protocol::autonat {
namespace {

using namespace std::chrono_literals;
using Clock = ClientThrottle::Clock;

crypto::PeerId some_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

TEST(AutonatThrottle, OneDialBackPerPeerAtATime) {
  ClientThrottle throttle({30, 3, 1000ms});
  const auto peer = some_peer();
  const auto now = Clock::now();
  ASSERT_EQ(throttle.check(peer, now), Admission::admitted);
  throttle.start(peer, now);
  EXPECT_EQ(throttle.check(peer, now), Admission::ongoing);
  EXPECT_EQ(throttle.check(some_peer(), now), Admission::admitted);
  throttle.finish(peer);
  EXPECT_EQ(throttle.check(peer, now), Admission::admitted);
}

TEST(AutonatThrottle, PerPeerCapWithinThePeriod) {
  ClientThrottle throttle({30, 3, 1000ms});
  const auto peer = some_peer();
  auto now = Clock::now();
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(throttle.check(peer, now), Admission::admitted);
    throttle.start(peer, now);
    throttle.finish(peer);
  }
  EXPECT_EQ(throttle.check(peer, now), Admission::peer_limit);
  EXPECT_EQ(throttle.check(some_peer(), now), Admission::admitted);
  now += 1000ms;  // exactly one period old still counts, as in rust
  EXPECT_EQ(throttle.check(peer, now), Admission::peer_limit);
  now += 1ms;
  EXPECT_EQ(throttle.check(peer, now), Admission::admitted);
  EXPECT_EQ(throttle.recent(), 0U);
}

TEST(AutonatThrottle, GlobalCapWithinThePeriod) {
  ClientThrottle throttle({30, 3, 1000ms});
  auto now = Clock::now();
  for (int i = 0; i < 30; ++i) {
    const auto peer = some_peer();
    ASSERT_EQ(throttle.check(peer, now), Admission::admitted);
    throttle.start(peer, now);
    throttle.finish(peer);
  }
  EXPECT_EQ(throttle.check(some_peer(), now), Admission::global_limit);
  now += 1001ms;
  EXPECT_EQ(throttle.check(some_peer(), now), Admission::admitted);
}

TEST(AutonatThrottle, ZeroDisablesTheCaps) {
  ClientThrottle throttle({0, 0, 1000ms});
  const auto peer = some_peer();
  const auto now = Clock::now();
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(throttle.check(peer, now), Admission::admitted);
    throttle.start(peer, now);
    throttle.finish(peer);
  }
}

}  // namespace
}  // namespace privstack::protocol::autonat
