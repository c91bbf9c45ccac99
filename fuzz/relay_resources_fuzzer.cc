// The relay resource manager under arbitrary sequences of reserve / connect / close / connection
// closed from a small set of peers, connections and IPs, with time moving forward. Properties:
// counts never exceed the policy caps, a circuit is only admitted to a peer with a reservation,
// and closing everything returns the manager to empty.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <boost/asio/ip/address_v4.hpp>

#include "fuzz/fuzz_util.h"
#include "protocol/relay/resource_manager.h"

namespace relay = privstack::protocol::relay;
using privstack::fuzz::fixed_peer;
using privstack::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  relay::RelayPolicy policy;
  // Small caps so the fuzzer reaches them; the first byte varies the per-peer/IP caps.
  const std::uint8_t shape = in.byte();
  policy.max_reservations = 6;
  policy.max_reservations_per_peer = shape & 3;
  policy.max_reservations_per_ip = (shape >> 2) & 7;
  policy.max_circuits = 5;
  policy.max_circuits_per_peer = (shape >> 5) & 3;
  policy.reservation_ttl = std::chrono::seconds((shape & 0x80) ? 0 : 600);
  if (in.byte() & 1) policy.allow_peers.push_back(fixed_peer(5));
  relay::ResourceManager manager(policy);
  const auto relay_id = fixed_peer(7);
  auto now = relay::ResourceManager::Clock::time_point{} + std::chrono::hours(1);
  std::vector<std::uint64_t> open_circuits;

  auto requester = [](std::uint8_t b) {
    // peer 0..7, connection 0..3 of that peer, IP one of 4 (so IP groups are shared).
    return relay::Requester{fixed_peer(b & 7), std::uint64_t{(b & 7u) * 4u + ((b >> 3) & 3u)},
                            boost::asio::ip::address_v4(0x0a000000u + ((b >> 5) & 3u))};
  };

  while (!in.empty() && open_circuits.size() < 256) {
    const std::uint8_t op = in.byte();
    const std::uint8_t arg = in.byte();
    now += std::chrono::seconds(op >> 3);
    switch (op & 7) {
      case 0:
      case 1: {
        auto outcome = manager.reserve(requester(arg), now);
        if (outcome.status == relay::Status::ok) {
          PRIVSTACK_FUZZ_CHECK(
              manager.reservation_connection(requester(arg).peer, now).has_value());
        }
        break;
      }
      case 2:
      case 3: {
        const auto dst = fixed_peer(in.byte());
        const bool dst_reserved = manager.reservation_connection(dst, now).has_value();
        auto outcome = manager.open_circuit(requester(arg), dst, relay_id, now);
        if (outcome.status == relay::Status::ok) {
          PRIVSTACK_FUZZ_CHECK(dst_reserved);
          open_circuits.push_back(outcome.id);
        }
        break;
      }
      case 4:
        if (!open_circuits.empty()) {
          const std::size_t i = arg % open_circuits.size();
          manager.close_circuit(open_circuits[i]);
          manager.close_circuit(open_circuits[i]);  // closing twice is harmless
          open_circuits.erase(open_circuits.begin() + static_cast<std::ptrdiff_t>(i));
        }
        break;
      case 5: {
        auto who = requester(arg);
        std::optional<relay::Requester> successor;
        if (in.byte() & 1) successor = requester(static_cast<std::uint8_t>(arg ^ 0x08));
        manager.connection_closed(who.peer, who.connection, successor);
        break;
      }
      default:
        (void)manager.limits_for(requester(arg));
        (void)manager.allow_listed(requester(arg).peer, requester(arg).ip);
        break;
    }
    PRIVSTACK_FUZZ_CHECK(manager.reservations() <= policy.max_reservations);
    PRIVSTACK_FUZZ_CHECK(manager.circuits() <= policy.max_circuits);
    PRIVSTACK_FUZZ_CHECK(manager.circuits() == open_circuits.size());
    for (std::uint8_t p = 0; p < 8; ++p) {
      if (policy.max_reservations_per_peer != 0 && p != 5) {
        PRIVSTACK_FUZZ_CHECK(manager.reservations_of(fixed_peer(p)) <=
                             policy.max_reservations_per_peer);
      }
    }
  }
  for (auto id : open_circuits)
    manager.close_circuit(id);
  PRIVSTACK_FUZZ_CHECK(manager.circuits() == 0);
  return 0;
}
