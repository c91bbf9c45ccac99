// Admission policy without a network: every cap exactly at its value, 0 as "no limit", renewals
// and reconnects that reuse their slot, expiry, the allow-list, and slots freed on close.
#include "protocol/relay/resource_manager.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"

namespace privstack::protocol::relay {
namespace {

using namespace std::chrono_literals;
using Clock = ResourceManager::Clock;
namespace ip = boost::asio::ip;

crypto::PeerId new_peer() {
  return crypto::Ed25519Keypair::generate().peer_id();
}

Requester at(const crypto::PeerId& peer, std::uint64_t connection, std::string_view address) {
  return Requester{peer, connection, ip::make_address(std::string(address))};
}

// A policy without rate limits, so the caps can be tested alone.
RelayPolicy caps_only() {
  RelayPolicy p;
  p.reservation_rate_per_peer = {};
  p.reservation_rate_per_ip = {};
  p.circuit_rate_per_peer = {};
  p.circuit_rate_per_ip = {};
  return p;
}

class ResourceManagerTest : public ::testing::Test {
 protected:
  crypto::PeerId relay_ = new_peer();
  Clock::time_point now_ = Clock::now();
};

TEST_F(ResourceManagerTest, DefaultsAreRustLibp2ps) {
  const RelayPolicy p;
  EXPECT_EQ(p.max_reservations, 128U);
  EXPECT_EQ(p.max_reservations_per_peer, 4U);
  EXPECT_EQ(p.reservation_ttl, 1h);
  EXPECT_EQ(p.max_circuits, 16U);
  EXPECT_EQ(p.max_circuits_per_peer, 4U);
  EXPECT_EQ(p.circuit.duration, 2min);
  EXPECT_EQ(p.circuit.bytes, 131072U);
  EXPECT_EQ(p.reservation_rate_per_peer, (RateLimit{30, 120s}));
  EXPECT_EQ(p.reservation_rate_per_ip, (RateLimit{60, 60s}));
  EXPECT_EQ(p.circuit_rate_per_peer, (RateLimit{30, 120s}));
  EXPECT_EQ(p.circuit_rate_per_ip, (RateLimit{60, 60s}));
  EXPECT_EQ(p.circuit.to_wire(), (Limit{120, 131072}));
  EXPECT_FALSE(CircuitLimits{}.to_wire().has_value());
}

TEST_F(ResourceManagerTest, ExactlyFourReservationsPerPeer) {
  ResourceManager m(caps_only());
  const auto peer = new_peer();
  // Distinct IPs, so none of these is taken for a reconnect.
  for (std::uint64_t c = 1; c <= 4; ++c) {
    EXPECT_EQ(m.reserve(at(peer, c, "10.0.0." + std::to_string(c)), now_).status, Status::ok);
  }
  EXPECT_EQ(m.reserve(at(peer, 5, "10.0.0.5"), now_).status, Status::resource_limit_exceeded);
  EXPECT_EQ(m.reservations_of(peer), 4U);
}

TEST_F(ResourceManagerTest, RenewalAndReconnectReuseTheSlot) {
  auto policy = caps_only();
  policy.max_reservations_per_peer = 1;
  ResourceManager m(policy);
  const auto peer = new_peer();
  auto first = m.reserve(at(peer, 1, "10.0.0.1"), now_);
  EXPECT_EQ(first.status, Status::ok);
  EXPECT_FALSE(first.renewed);
  auto renewed = m.reserve(at(peer, 1, "10.0.0.1"), now_ + 30min);
  EXPECT_EQ(renewed.status, Status::ok);
  EXPECT_TRUE(renewed.renewed);
  EXPECT_FALSE(renewed.moved_from.has_value());
  // Same peer and IP on a new connection (new port after a NAT rebinding): the slot moves.
  auto moved = m.reserve(at(peer, 2, "10.0.0.1"), now_ + 31min);
  EXPECT_EQ(moved.status, Status::ok);
  EXPECT_EQ(moved.moved_from, 1U);
  EXPECT_EQ(m.reservations(), 1U);
  EXPECT_EQ(m.reservation_connection(peer, now_ + 31min), 2U);
  // The old connection closing later does not take the moved reservation with it.
  m.connection_closed(peer, 1);
  EXPECT_EQ(m.reservations(), 1U);
  m.connection_closed(peer, 2);
  EXPECT_EQ(m.reservations(), 0U);
}

TEST_F(ResourceManagerTest, ReservationMovesToThePeersNextConnectionAndGoesWithTheLast) {
  auto policy = caps_only();
  policy.max_reservations_per_ip = 1;
  ResourceManager m(policy);
  const auto peer = new_peer();
  EXPECT_EQ(m.reserve(at(peer, 1, "10.0.0.1"), now_).status, Status::ok);
  // Connection 1 closes while connection 2 (another IP) is open: the reservation moves there and
  // counts against the new IP.
  m.connection_closed(peer, 1, at(peer, 2, "10.0.0.2"));
  EXPECT_EQ(m.reservation_connection(peer, now_), 2U);
  EXPECT_EQ(m.reserve(at(new_peer(), 3, "10.0.0.1"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(new_peer(), 4, "10.0.0.2"), now_).status, Status::resource_limit_exceeded);
  // The last connection closes: it goes.
  m.connection_closed(peer, 2);
  EXPECT_FALSE(m.reservation_connection(peer, now_).has_value());
  EXPECT_EQ(m.reservations(), 1U);
}

TEST_F(ResourceManagerTest, GlobalAndPerIpReservationCaps) {
  auto policy = caps_only();
  policy.max_reservations = 3;
  policy.max_reservations_per_ip = 2;
  ResourceManager m(policy);
  EXPECT_EQ(m.reserve(at(new_peer(), 1, "10.0.0.1"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(new_peer(), 2, "10.0.0.1"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(new_peer(), 3, "10.0.0.1"), now_).status, Status::resource_limit_exceeded);
  EXPECT_EQ(m.reserve(at(new_peer(), 4, "10.0.0.2"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(new_peer(), 5, "10.0.0.3"), now_).status, Status::resource_limit_exceeded);
}

TEST_F(ResourceManagerTest, Ipv6CountsPer56) {
  auto policy = caps_only();
  policy.max_reservations_per_ip = 1;
  ResourceManager m(policy);
  EXPECT_EQ(m.reserve(at(new_peer(), 1, "2001:db8:0:100::1"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(new_peer(), 2, "2001:db8:0:1ff::2"), now_).status,
            Status::resource_limit_exceeded);  // same /56
  EXPECT_EQ(m.reserve(at(new_peer(), 3, "2001:db8:0:200::1"), now_).status, Status::ok);
  // IPv4-mapped counts as the IPv4 address.
  EXPECT_EQ(m.reserve(at(new_peer(), 4, "10.0.0.9"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(new_peer(), 5, "::ffff:10.0.0.9"), now_).status,
            Status::resource_limit_exceeded);
}

TEST_F(ResourceManagerTest, ZeroMeansNoLimit) {
  RelayPolicy policy = caps_only();
  policy.max_reservations = 0;
  policy.max_reservations_per_peer = 0;
  policy.max_reservations_per_ip = 0;
  policy.reservation_ttl = 0s;
  ResourceManager m(policy);
  const auto peer = new_peer();
  for (std::uint64_t c = 1; c <= 300; ++c) {
    ASSERT_EQ(
        m.reserve(at(peer, c, "10.1." + std::to_string(c / 200) + "." + std::to_string(c % 200)),
                  now_)
            .status,
        Status::ok);
  }
  EXPECT_EQ(m.reservations(), 300U);
  EXPECT_EQ(m.reservation_connection(peer, now_ + 24h * 365 * 10), 300U);  // never expires
}

TEST_F(ResourceManagerTest, ReservationsExpire) {
  ResourceManager m(caps_only());
  const auto peer = new_peer();
  EXPECT_EQ(m.reserve(at(peer, 1, "10.0.0.1"), now_).status, Status::ok);
  EXPECT_TRUE(m.reservation_connection(peer, now_ + 59min).has_value());
  EXPECT_FALSE(m.reservation_connection(peer, now_ + 60min).has_value());
  EXPECT_EQ(m.reservations(), 0U);
}

TEST_F(ResourceManagerTest, ReservationRateLimitPerPeerAndPerIp) {
  RelayPolicy policy;  // rust's rate limits
  policy.max_reservations_per_peer = 0;
  policy.max_reservations_per_ip = 0;
  policy.max_reservations = 0;
  ResourceManager m(policy);
  const auto peer = new_peer();
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(m.reserve(at(peer, 1, "10.0.0.1"), now_).status, Status::ok) << i;
  }
  EXPECT_EQ(m.reserve(at(peer, 1, "10.0.0.1"), now_).status, Status::resource_limit_exceeded);
  EXPECT_EQ(m.reserve(at(peer, 1, "10.0.0.1"), now_ + 2min).status, Status::ok);
  // Per IP: 60 tokens, one back a minute. 30 were taken at now_ (the refused request took none),
  // 2 came back by now_ + 2 min, the renewal took 1: 31 left for other peers on that address.
  int accepted = 0;
  for (int i = 0; i < 40; ++i) {
    if (m.reserve(at(new_peer(), 100 + i, "10.0.0.1"), now_ + 2min).status == Status::ok)
      ++accepted;
  }
  EXPECT_EQ(accepted, 31);
}

class CircuitTest : public ResourceManagerTest {
 protected:
  // Reserves `peer` and returns it.
  crypto::PeerId reserved(ResourceManager& m, std::uint64_t connection, std::string_view address) {
    auto peer = new_peer();
    EXPECT_EQ(m.reserve(at(peer, connection, address), now_).status, Status::ok);
    return peer;
  }
};

TEST_F(CircuitTest, NeedsAReservationAndRefusesSelf) {
  ResourceManager m(caps_only());
  const auto src = new_peer();
  EXPECT_EQ(m.open_circuit(at(src, 1, "10.0.0.1"), new_peer(), relay_, now_).status,
            Status::no_reservation);
  EXPECT_EQ(m.open_circuit(at(src, 1, "10.0.0.1"), src, relay_, now_).status,
            Status::permission_denied);
  EXPECT_EQ(m.open_circuit(at(src, 1, "10.0.0.1"), relay_, relay_, now_).status,
            Status::permission_denied);
  const auto dst = reserved(m, 7, "10.0.0.2");
  auto ok = m.open_circuit(at(src, 1, "10.0.0.1"), dst, relay_, now_);
  EXPECT_EQ(ok.status, Status::ok);
  EXPECT_EQ(ok.dst_connection, 7U);
  EXPECT_EQ(ok.limits, m.policy().circuit);
  EXPECT_EQ(m.circuits(), 1U);
  m.close_circuit(ok.id);
  m.close_circuit(ok.id);  // twice is harmless
  EXPECT_EQ(m.circuits(), 0U);
  EXPECT_EQ(m.circuits_of(src), 0U);
  EXPECT_EQ(m.circuits_of(dst), 0U);
}

TEST_F(CircuitTest, ExactlyFourPerSourceAndSixteenInAll) {
  auto policy = caps_only();
  policy.max_circuits_per_ip = 0;
  ResourceManager m(policy);
  const auto dst = reserved(m, 1, "10.0.0.1");
  const auto src = new_peer();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(m.open_circuit(at(src, 2, "10.0.0.2"), dst, relay_, now_).status, Status::ok);
  }
  // The source has opened 4: a fifth is refused (exactly 4, not rust's 5)...
  EXPECT_EQ(m.open_circuit(at(src, 2, "10.0.0.2"), dst, relay_, now_).status,
            Status::resource_limit_exceeded);
  EXPECT_EQ(m.circuits_of(src), 4U);
  // ...but the target is not capped per peer: strangers cannot fill its slots.
  EXPECT_EQ(m.open_circuit(at(new_peer(), 3, "10.0.0.3"), dst, relay_, now_).status, Status::ok);
  EXPECT_EQ(m.circuits_of(dst), 0U);
  // 16 in all.
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(m.open_circuit(at(new_peer(), 100, "10.0.2.1"), dst, relay_, now_).status,
              Status::ok);
  }
  EXPECT_EQ(m.circuits(), 16U);
  const auto last = reserved(m, 50, "10.0.3.1");
  EXPECT_EQ(m.open_circuit(at(new_peer(), 51, "10.0.4.1"), last, relay_, now_).status,
            Status::resource_limit_exceeded);
}

TEST_F(CircuitTest, PerIpCircuitCapCountsSources) {
  auto policy = caps_only();
  policy.max_circuits_per_ip = 2;
  policy.max_circuits_per_peer = 0;
  ResourceManager m(policy);
  const auto dst = reserved(m, 1, "10.0.0.1");
  EXPECT_EQ(m.open_circuit(at(new_peer(), 2, "10.9.0.1"), dst, relay_, now_).status, Status::ok);
  EXPECT_EQ(m.open_circuit(at(new_peer(), 3, "10.9.0.1"), dst, relay_, now_).status, Status::ok);
  // 10.9.0.1 opened 2 circuits: a third from it is refused, one from elsewhere is not.
  EXPECT_EQ(m.open_circuit(at(new_peer(), 4, "10.9.0.1"), dst, relay_, now_).status,
            Status::resource_limit_exceeded);
  EXPECT_EQ(m.open_circuit(at(new_peer(), 5, "10.9.0.2"), dst, relay_, now_).status, Status::ok);
}

TEST_F(CircuitTest, CircuitRateLimitPerSource) {
  auto policy = caps_only();
  policy.max_circuits = 0;
  policy.max_circuits_per_peer = 0;
  policy.max_circuits_per_ip = 0;
  policy.circuit_rate_per_peer = {2, 60s};
  ResourceManager m(policy);
  const auto dst = reserved(m, 1, "10.0.0.1");
  const auto src = new_peer();
  EXPECT_EQ(m.open_circuit(at(src, 2, "10.9.0.1"), dst, relay_, now_).status, Status::ok);
  EXPECT_EQ(m.open_circuit(at(src, 2, "10.9.0.1"), dst, relay_, now_).status, Status::ok);
  EXPECT_EQ(m.open_circuit(at(src, 2, "10.9.0.1"), dst, relay_, now_).status,
            Status::resource_limit_exceeded);
  EXPECT_EQ(m.open_circuit(at(src, 2, "10.9.0.1"), dst, relay_, now_ + 60s).status, Status::ok);
}

TEST_F(CircuitTest, AllowListedPeersGetTheirOwnLimitsAndSkipPerPeerCaps) {
  auto policy = caps_only();
  const auto vip = new_peer();
  policy.allow_peers = {vip};
  auto cidr = Cidr::parse("192.168.0.0/16");
  ASSERT_TRUE(cidr.ok());
  policy.allow_cidrs = {*cidr};
  policy.allowed_circuit = CircuitLimits{0s, 0};
  policy.max_reservations_per_peer = 1;
  ResourceManager m(policy);
  EXPECT_EQ(m.reserve(at(vip, 1, "10.0.0.1"), now_).status, Status::ok);
  EXPECT_EQ(m.reserve(at(vip, 2, "10.0.0.2"), now_).status, Status::ok);  // over the per-peer cap
  const auto src = new_peer();
  for (int i = 0; i < 6; ++i) {
    auto c = m.open_circuit(at(src, 3, "10.0.0.3"), vip, relay_, now_);
    EXPECT_EQ(c.status, Status::ok);
    EXPECT_FALSE(c.limits.to_wire().has_value());
  }
  // By CIDR: the target's reservation came from 192.168.x.
  const auto lan = new_peer();
  EXPECT_EQ(m.reserve(at(lan, 9, "192.168.1.20"), now_).status, Status::ok);
  EXPECT_EQ(m.limits_for(at(lan, 9, "192.168.1.20")), policy.allowed_circuit);
  EXPECT_EQ(m.limits_for(at(src, 3, "10.0.0.3")), policy.circuit);
  EXPECT_EQ(m.open_circuit(at(src, 3, "10.0.0.3"), lan, relay_, now_).limits,
            policy.allowed_circuit);
}

TEST(RelayCidr, ParsesAndMatches) {
  auto v4 = Cidr::parse("10.1.0.0/16");
  ASSERT_TRUE(v4.ok());
  EXPECT_TRUE(v4->contains(ip::make_address("10.1.200.3")));
  EXPECT_TRUE(v4->contains(ip::make_address("::ffff:10.1.0.1")));
  EXPECT_FALSE(v4->contains(ip::make_address("10.2.0.1")));
  auto v6 = Cidr::parse("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->contains(ip::make_address("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(ip::make_address("10.1.0.1")));
  auto host = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->to_string(), "127.0.0.1/32");
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33").ok());
  EXPECT_FALSE(Cidr::parse("nonsense").ok());
  EXPECT_FALSE(Cidr::parse("10.0.0.0/").ok());
  EXPECT_FALSE(Cidr::parse("10.0.0.0/8x").ok());
}

}  // namespace
}  // namespace privstack::protocol::relay
