// UdpSocket on loopback with every data-path switch combination: what one side sends in a batch
// arrives intact and in order, GSO runs leave in fewer syscalls than datagrams, and a kernel that
// refuses GSO (SO_NO_CHECK makes Linux answer EINVAL) turns it off without losing the packets.
#include "transport/udp_socket.h"

#include <sys/socket.h>

#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

namespace privstack::transport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const udp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

struct Pair {
  asio::io_context io;
  std::shared_ptr<UdpSocket> sender;
  std::shared_ptr<UdpSocket> receiver;
  std::vector<Bytes> received;

  explicit Pair(UdpOptions options) {
    sender = UdpSocket::open(io, kLoopback, options).value();
    receiver = UdpSocket::open(io, kLoopback, options).value();
    receiver->start([this](UdpSocket&, ByteView d,
                           const udp::endpoint&) { received.emplace_back(d.begin(), d.end()); },
                    nullptr);
  }
  ~Pair() {
    sender->close();
    receiver->close();
  }

  // Queues `sizes` packets (packet i filled with byte i) and flushes them.
  void send(const std::vector<std::size_t>& sizes) {
    auto& tx = sender->tx_batch();
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      auto slot = tx.slot(1452);
      ASSERT_FALSE(slot.empty());
      std::fill_n(slot.begin(), sizes[i], static_cast<std::uint8_t>(i));
      tx.commit(sizes[i], receiver->local_endpoint());
    }
    sender->flush();
  }

  // Runs until `n` datagrams arrived (bounded: fails on a hang, asserts no timing).
  void wait_for(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (received.size() < n && std::chrono::steady_clock::now() < deadline)
      io.run_for(10ms);
  }
};

void expect_packets(const std::vector<Bytes>& got, const std::vector<std::size_t>& sizes) {
  ASSERT_EQ(got.size(), sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_EQ(got[i].size(), sizes[i]) << "packet " << i;
    EXPECT_EQ(got[i].front(), static_cast<std::uint8_t>(i)) << "packet " << i << " out of order";
  }
}

class UdpSocketOptions : public ::testing::TestWithParam<int> {};

TEST_P(UdpSocketOptions, DeliversABatchIntactAndInOrder) {
  const int bits = GetParam();
  Pair pair(UdpOptions{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0});
  const std::vector<std::size_t> sizes = {1200, 1200, 1200, 1200, 500, 1300, 1300, 80, 1452};
  pair.send(sizes);
  pair.wait_for(sizes.size());
  expect_packets(pair.received, sizes);
  const auto& stats = pair.sender->stats();
  EXPECT_EQ(stats.datagrams_sent, sizes.size());
  EXPECT_EQ(stats.send_drops, 0u);
  if (pair.sender->options().gso) {
    EXPECT_EQ(stats.gso_sends, 2u) << "runs {1200 x4, 500} and {1300, 1300, 80}";
  } else {
    EXPECT_EQ(stats.gso_sends, 0u);
  }
  if (pair.sender->options().mmsg) {
    EXPECT_EQ(stats.send_calls, 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(AllSwitches, UdpSocketOptions, ::testing::Range(0, 8));

TEST(UdpSocket, GsoRefusedByTheKernelFallsBackWithoutLosingPackets) {
  Pair pair(UdpOptions{true, false, true});
  if (!pair.sender->options().gso) GTEST_SKIP() << "kernel without UDP_SEGMENT";
  // Linux refuses GSO on a socket without UDP checksums (EINVAL), like a NIC without offload.
  const int one = 1;
  ASSERT_EQ(::setsockopt(pair.sender->native_handle(), SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)),
            0);
  const std::vector<std::size_t> sizes = {1000, 1000, 1000, 400};
  pair.send(sizes);
  pair.wait_for(sizes.size());
  expect_packets(pair.received, sizes);
  EXPECT_FALSE(pair.sender->options().gso);
  EXPECT_FALSE(pair.sender->tx_batch().coalesce());
  EXPECT_EQ(pair.sender->stats().gso_sends, 0u);
  // And it stays off: the next batch goes packet by packet at once.
  pair.received.clear();
  pair.send(sizes);
  pair.wait_for(sizes.size());
  expect_packets(pair.received, sizes);
}

TEST(UdpSocket, GroReceivesATrainAsOneBufferAndSplitsIt) {
  Pair pair(UdpOptions{true, true, true});
  if (!pair.sender->options().gso || !pair.receiver->options().gro) {
    GTEST_SKIP() << "kernel without UDP GSO/GRO";
  }
  std::vector<std::size_t> sizes(20, 1200);
  sizes.push_back(300);
  pair.send(sizes);
  pair.wait_for(sizes.size());
  expect_packets(pair.received, sizes);
  // On loopback the GSO super-packet reaches a GRO socket unsplit: far fewer receives than
  // datagrams. (Counts, not timings.)
  EXPECT_LT(pair.receiver->stats().receive_calls, sizes.size());
  EXPECT_GE(pair.receiver->stats().gro_receives, 1u);
}

TEST(UdpSocket, FlushOnAClosedSocketDropsTheBatch) {
  Pair pair(UdpOptions{});
  auto& tx = pair.sender->tx_batch();
  auto slot = tx.slot(1452);
  tx.commit(100, pair.receiver->local_endpoint());
  (void)slot;
  pair.sender->close();
  pair.sender->flush();
  EXPECT_TRUE(tx.empty());
}

}  // namespace
}  // namespace privstack::transport
