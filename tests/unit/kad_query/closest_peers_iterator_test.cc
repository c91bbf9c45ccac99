// The lookup state machine on synthetic peer ids (sha2-256 multihashes of counters), driven with
// a fake clock: ordering, α, failures, per-peer timeouts, stall widening, termination, bounds.
#include "protocol/kad/closest_peers_iterator.h"

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

namespace privstack::protocol::kad {
namespace {

using Action = ClosestPeersIterator::Action;
using Clock = ClosestPeersIterator::Clock;
using crypto::PeerId;

PeerId synthetic_peer(std::uint32_t n) {
  Bytes multihash{0x12, 0x20};
  const auto digest =
      crypto::sha256(Bytes{static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                           static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
  multihash.insert(multihash.end(), digest.begin(), digest.end());
  return *PeerId::from_bytes(multihash);
}

std::vector<PeerId> synthetic_peers(std::uint32_t first, std::uint32_t count) {
  std::vector<PeerId> out;
  for (std::uint32_t i = 0; i < count; ++i)
    out.push_back(synthetic_peer(first + i));
  return out;
}

const KadKey kTarget = KadKey::from_bytes(Bytes{'t', 'a', 'r', 'g', 'e', 't'});

Distance distance(const PeerId& peer, const KadKey& key = kTarget) {
  return KadKey::from_peer(peer).distance(key);
}

std::vector<PeerId> sorted_by_distance(std::vector<PeerId> peers, const KadKey& key = kTarget) {
  std::sort(peers.begin(), peers.end(),
            [&](const PeerId& a, const PeerId& b) { return distance(a, key) < distance(b, key); });
  return peers;
}

TEST(ClosestPeersIterator, NoKnownPeersFinishesAtOnce) {
  ClosestPeersIterator it(kTarget, {});
  EXPECT_EQ(it.next(Clock::now()).action, Action::finished);
  EXPECT_TRUE(it.finished());
  EXPECT_TRUE(it.result().empty());
}

TEST(ClosestPeersIterator, ContactsClosestFirstUpToAlpha) {
  const auto peers = synthetic_peers(0, 8);
  ClosestPeersIterator it(kTarget, peers);
  const auto sorted = sorted_by_distance(peers);
  const auto now = Clock::now();
  for (std::size_t i = 0; i < 3; ++i) {
    auto step = it.next(now);
    ASSERT_EQ(step.action, Action::contact);
    EXPECT_EQ(*step.peer, sorted[i]);
  }
  EXPECT_EQ(it.next(now).action, Action::waiting_at_capacity);
  EXPECT_EQ(it.num_waiting(), 3u);
}

TEST(ClosestPeersIterator, StartsFromTheKClosestKnownPeers) {
  const auto peers = synthetic_peers(0, 50);
  ClosestPeersIterator it(kTarget, peers, std::nullopt, {.num_results = 5});
  EXPECT_EQ(it.tracked(), 5u);
  const auto sorted = sorted_by_distance(peers);
  auto step = it.next(Clock::now());
  EXPECT_EQ(*step.peer, sorted[0]);
}

TEST(ClosestPeersIterator, LocalPeerIsNeverTracked) {
  const auto peers = synthetic_peers(0, 3);
  ClosestPeersIterator it(kTarget, peers, peers[0]);
  EXPECT_EQ(it.tracked(), 2u);
  auto step = it.next(Clock::now());
  ASSERT_EQ(step.action, Action::contact);
  const PeerId closer_list[] = {peers[0], synthetic_peer(100)};
  EXPECT_TRUE(it.on_success(*step.peer, closer_list));
  EXPECT_EQ(it.tracked(), 3u);  // the new peer, not us
}

TEST(ClosestPeersIterator, ReportsForUnknownOrSettledPeersAreIgnored) {
  const auto peers = synthetic_peers(0, 4);
  ClosestPeersIterator it(kTarget, peers);
  const auto stranger = synthetic_peer(999);
  EXPECT_FALSE(it.on_success(stranger, {}));
  EXPECT_FALSE(it.on_failure(stranger));
  // A known peer that was never asked.
  const auto sorted = sorted_by_distance(peers);
  EXPECT_FALSE(it.on_success(sorted[3], {}));

  auto step = it.next(Clock::now());
  ASSERT_EQ(step.action, Action::contact);
  EXPECT_TRUE(it.on_success(*step.peer, {}));
  EXPECT_FALSE(it.on_success(*step.peer, {}));  // twice
  EXPECT_FALSE(it.on_failure(*step.peer));      // after success
}

TEST(ClosestPeersIterator, FailedPeersAreDroppedFromTheResult) {
  const auto peers = synthetic_peers(0, 3);
  ClosestPeersIterator it(kTarget, peers);
  const auto now = Clock::now();
  std::vector<PeerId> asked;
  for (int i = 0; i < 3; ++i)
    asked.push_back(*it.next(now).peer);
  EXPECT_TRUE(it.on_failure(asked[0]));
  EXPECT_TRUE(it.on_success(asked[1], {}));
  EXPECT_TRUE(it.on_success(asked[2], {}));
  EXPECT_EQ(it.next(now).action, Action::finished);
  EXPECT_EQ(it.result(), (std::vector<PeerId>{asked[1], asked[2]}));
}

TEST(ClosestPeersIterator, LearnedCloserPeersAreAskedNext) {
  const auto start = synthetic_peers(0, 1);
  const auto learned = synthetic_peers(10, 5);
  ClosestPeersIterator it(kTarget, start);
  const auto now = Clock::now();
  auto first = it.next(now);
  ASSERT_EQ(first.action, Action::contact);
  EXPECT_TRUE(it.on_success(*first.peer, learned));
  const auto sorted = sorted_by_distance(learned);
  std::vector<PeerId> asked;
  for (int i = 0; i < 3; ++i) {
    auto step = it.next(now);
    ASSERT_EQ(step.action, Action::contact);
    asked.push_back(*step.peer);
  }
  EXPECT_EQ(asked, (std::vector<PeerId>{sorted[0], sorted[1], sorted[2]}));
}

TEST(ClosestPeersIterator, UnresponsivePeerFreesItsSlotButMayStillAnswer) {
  const auto peers = synthetic_peers(0, 4);
  ClosestPeersIterator it(kTarget, peers, std::nullopt, {.parallelism = 1});
  auto now = Clock::now();
  auto slow = it.next(now);
  ASSERT_EQ(slow.action, Action::contact);
  EXPECT_EQ(it.next(now).action, Action::waiting_at_capacity);
  ASSERT_TRUE(it.next_deadline().has_value());
  EXPECT_EQ(*it.next_deadline(), now + std::chrono::seconds(10));

  now += std::chrono::seconds(10);
  auto step = it.next(now);
  ASSERT_EQ(step.action, Action::contact);  // the slot moved on
  EXPECT_NE(*step.peer, *slow.peer);
  EXPECT_EQ(it.num_waiting(), 1u);
  EXPECT_TRUE(it.on_success(*slow.peer, {}));  // late answer still counts
  EXPECT_EQ(it.num_waiting(), 1u);
  const auto result = it.result();
  EXPECT_NE(std::find(result.begin(), result.end(), *slow.peer), result.end());
}

TEST(ClosestPeersIterator, UnresponsivePeerThatFailsLaterIsDropped) {
  const auto peers = synthetic_peers(0, 2);
  ClosestPeersIterator it(kTarget, peers, std::nullopt, {.parallelism = 1});
  auto now = Clock::now();
  auto slow = it.next(now);
  now += std::chrono::seconds(11);
  auto other = it.next(now);
  ASSERT_EQ(other.action, Action::contact);
  EXPECT_TRUE(it.on_failure(*slow.peer));
  EXPECT_TRUE(it.on_success(*other.peer, {}));
  EXPECT_EQ(it.next(now).action, Action::finished);
  EXPECT_EQ(it.result(), std::vector<PeerId>{*other.peer});
}

TEST(ClosestPeersIterator, AllTimedOutPeersEndTheLookup) {
  const auto peers = synthetic_peers(0, 2);
  ClosestPeersIterator it(kTarget, peers);
  auto now = Clock::now();
  ASSERT_EQ(it.next(now).action, Action::contact);
  ASSERT_EQ(it.next(now).action, Action::contact);
  EXPECT_EQ(it.next(now).action, Action::waiting);  // nobody else to ask, not at α
  now += std::chrono::seconds(10);
  EXPECT_EQ(it.next(now).action, Action::finished);
  EXPECT_TRUE(it.result().empty());
}

TEST(ClosestPeersIterator, StallWidensParallelismToK) {
  // α answers in a row that bring nothing new: the lookup stalls and may then ask up to K at once.
  const auto peers = synthetic_peers(0, 20);
  ClosestPeersIterator it(kTarget, peers, std::nullopt, {.parallelism = 3, .num_results = 20});
  const auto now = Clock::now();
  std::vector<PeerId> asked;
  for (int i = 0; i < 3; ++i)
    asked.push_back(*it.next(now).peer);
  for (const auto& peer : asked)
    EXPECT_TRUE(it.on_success(peer, {}));
  // 20 tracked = K, so empty answers are not progress: stalled.
  std::size_t in_flight = 0;
  for (;;) {
    auto step = it.next(now);
    if (step.action != Action::contact) break;
    ++in_flight;
  }
  EXPECT_EQ(in_flight, 17u);  // all the rest at once, beyond α
}

TEST(ClosestPeersIterator, FinishesOnceTheKClosestAnswered) {
  // Plain iterating state (no stall): the K closest known all answered, farther ones never asked.
  const auto peers = synthetic_peers(0, 6);
  ClosestPeersIterator it(kTarget, peers, std::nullopt, {.parallelism = 2, .num_results = 2});
  const auto now = Clock::now();
  auto a = it.next(now);
  auto b = it.next(now);
  // Only the K=2 closest of the six start the lookup; a farther peer learned later is never asked.
  const auto sorted = sorted_by_distance(peers);
  std::uint32_t far = 500;
  while (distance(synthetic_peer(far)) < distance(sorted[1]))
    ++far;
  const PeerId far_away[] = {synthetic_peer(far)};
  EXPECT_TRUE(it.on_success(*a.peer, far_away));
  EXPECT_TRUE(it.on_success(*b.peer, {}));
  EXPECT_EQ(it.next(now).action, Action::finished);
  EXPECT_EQ(it.result(), (std::vector<PeerId>{sorted[0], sorted[1]}));
}

TEST(ClosestPeersIterator, FinishIsFinalAndKeepsTheAnswers) {
  const auto peers = synthetic_peers(0, 5);
  ClosestPeersIterator it(kTarget, peers);
  const auto now = Clock::now();
  auto a = it.next(now);
  auto b = it.next(now);
  EXPECT_TRUE(it.on_success(*a.peer, {}));
  it.finish();
  EXPECT_EQ(it.next(now).action, Action::finished);
  EXPECT_FALSE(it.on_success(*b.peer, {}));
  EXPECT_EQ(it.result(), std::vector<PeerId>{*a.peer});
}

TEST(ClosestPeersIterator, TrackedPeersAreBounded) {
  const auto start = synthetic_peers(0, 1);
  ClosestPeersIterator it(kTarget, start, std::nullopt,
                          {.parallelism = 3, .num_results = 20, .max_tracked_peers = 50});
  auto now = Clock::now();
  std::uint32_t next_id = 1'000;
  // Every answer brings 20 brand-new peers; the table must stay within the bound.
  for (int round = 0; round < 40; ++round) {
    auto step = it.next(now);
    if (step.action != Action::contact) break;
    auto fresh = synthetic_peers(next_id, 20);
    next_id += 20;
    EXPECT_TRUE(it.on_success(*step.peer, fresh));
    EXPECT_LE(it.tracked(), 50u);
  }
}

// A simulated network of N peers where each peer answers FIND_NODE with the K peers it knows
// closest to the target; each peer knows a random third of the network. The lookup, started from
// a few far-away peers, must find the true K closest (every peer here is reachable).
TEST(ClosestPeersIterator, ConvergesOnTheTrueClosestPeersOfASimulatedNetwork) {
  constexpr std::uint32_t kNetwork = 300;
  constexpr std::size_t kK = 20;
  const auto network = synthetic_peers(0, kNetwork);
  std::map<PeerId, std::vector<PeerId>> knows;
  for (std::uint32_t i = 0; i < kNetwork; ++i) {
    for (std::uint32_t j = 0; j < kNetwork; ++j) {
      // A fixed pseudo-random third (a multiplicative hash, so no residue classes cut the graph).
      if (i != j && ((i * 2654435761u) ^ (j * 40503u)) % 3 == 0) {
        knows[network[i]].push_back(network[j]);
      }
    }
  }
  const auto truth = sorted_by_distance(network);
  const std::vector<PeerId> start{truth[kNetwork - 1], truth[kNetwork - 2], truth[kNetwork - 3]};

  ClosestPeersIterator it(kTarget, start);
  const auto now = Clock::now();
  std::vector<PeerId> in_flight;
  std::set<PeerId> asked;
  for (int steps = 0; steps < 10'000; ++steps) {
    auto step = it.next(now);
    if (step.action == Action::finished) break;
    if (step.action == Action::contact) {
      EXPECT_TRUE(asked.insert(*step.peer).second) << "a peer was asked twice";
      in_flight.push_back(*step.peer);
      continue;
    }
    ASSERT_FALSE(in_flight.empty());
    // Answer the oldest request; every fourth peer "fails" unless it is one of the true closest,
    // to exercise failures without making the true answer unreachable.
    const PeerId peer = in_flight.front();
    in_flight.erase(in_flight.begin());
    const auto rank = std::find(truth.begin(), truth.end(), peer) - truth.begin();
    if (rank >= static_cast<long>(kK) && rank % 4 == 0) {
      EXPECT_TRUE(it.on_failure(peer));
      continue;
    }
    auto answer = sorted_by_distance(knows[peer]);
    if (answer.size() > kK) answer.erase(answer.begin() + kK, answer.end());
    EXPECT_TRUE(it.on_success(peer, answer));
  }
  ASSERT_TRUE(it.finished());
  EXPECT_EQ(it.result(), std::vector<PeerId>(truth.begin(), truth.begin() + kK));
  EXPECT_LT(asked.size(), static_cast<std::size_t>(kNetwork));  // it did not just ask everyone
}

}  // namespace
}  // namespace privstack::protocol::kad
