// UdpSocket::flush_soon (UdpOptions::shared_flush): the write passes of several connections in one
// event-loop turn leave in one sendmmsg, nothing is sent before the turn's queued work has run,
// close() still sends what was left, and with the switch off flush_soon is a plain flush.
#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>

#include "transport/udp_socket.h"

namespace privstack::transport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

const udp::endpoint kLoopback(asio::ip::make_address("127.0.0.1"), 0);

// One sender, two receivers (two destinations: what two connections' passes look like).
struct Sockets {
  asio::io_context io;
  std::shared_ptr<UdpSocket> sender;
  std::shared_ptr<UdpSocket> a;
  std::shared_ptr<UdpSocket> b;
  std::vector<Bytes> at_a;
  std::vector<Bytes> at_b;

  explicit Sockets(UdpOptions options) {
    sender = UdpSocket::open(io, kLoopback, options).value();
    a = UdpSocket::open(io, kLoopback, options).value();
    b = UdpSocket::open(io, kLoopback, options).value();
    a->start([this](UdpSocket&, ByteView d,
                    const udp::endpoint&) { at_a.emplace_back(d.begin(), d.end()); },
             nullptr);
    b->start([this](UdpSocket&, ByteView d,
                    const udp::endpoint&) { at_b.emplace_back(d.begin(), d.end()); },
             nullptr);
  }
  ~Sockets() {
    sender->close();
    a->close();
    b->close();
  }

  // One "write pass": `count` packets of `size` bytes (filled with `fill`) for `to`.
  void pass(const udp::endpoint& to, std::size_t count, std::size_t size, std::uint8_t fill) {
    auto& tx = sender->tx_batch();
    for (std::size_t i = 0; i < count; ++i) {
      auto slot = tx.slot(1452);
      ASSERT_FALSE(slot.empty());
      std::fill_n(slot.begin(), size, fill);
      tx.commit(size, to);
    }
    sender->flush_soon();
  }

  // Runs until both receivers have their datagrams (bounded: fails on a hang, no timing asserted).
  void wait_for(std::size_t n_a, std::size_t n_b) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while ((at_a.size() < n_a || at_b.size() < n_b) && std::chrono::steady_clock::now() < deadline)
      io.run_for(10ms);
  }
};

TEST(UdpSharedFlush, PassesOfOneTurnLeaveTogetherAfterTheQueuedWork) {
  Sockets s(UdpOptions{});
  ASSERT_TRUE(s.sender->options().shared_flush);
  bool queued_work_ran = false;
  bool sent_before_queued_work = false;
  // Work queued before the passes (other connections' write passes, in the relay) runs before the
  // flush, so its packets can join the same sendmmsg.
  asio::post(s.io, [&] {
    queued_work_ran = true;
    sent_before_queued_work = s.sender->stats().datagrams_sent != 0;
  });
  s.pass(s.a->local_endpoint(), 3, 1000, 0xa1);
  s.pass(s.b->local_endpoint(), 2, 700, 0xb2);
  EXPECT_EQ(s.sender->stats().datagrams_sent, 0u) << "flush_soon must not send at once";
  EXPECT_EQ(s.sender->stats().send_calls, 0u);
  s.wait_for(3, 2);
  EXPECT_TRUE(queued_work_ran);
  EXPECT_FALSE(sent_before_queued_work);
  ASSERT_EQ(s.at_a.size(), 3u);
  ASSERT_EQ(s.at_b.size(), 2u);
  for (const auto& d : s.at_a) {
    EXPECT_EQ(d.size(), 1000u);
    EXPECT_EQ(d.front(), 0xa1);
  }
  for (const auto& d : s.at_b) {
    EXPECT_EQ(d.size(), 700u);
    EXPECT_EQ(d.front(), 0xb2);
  }
  EXPECT_EQ(s.sender->stats().datagrams_sent, 5u);
  // Both passes in one flush: with mmsg that is one sendmmsg (each run one GSO message).
  if (s.sender->options().mmsg) {
    EXPECT_EQ(s.sender->stats().send_calls, 1u);
  }
  EXPECT_TRUE(s.sender->tx_batch().empty());
}

TEST(UdpSharedFlush, SwitchedOffFlushesAtOnce) {
  UdpOptions options;
  options.shared_flush = false;
  Sockets s(options);
  s.pass(s.a->local_endpoint(), 2, 900, 0x11);
  EXPECT_EQ(s.sender->stats().datagrams_sent, 2u);
  EXPECT_TRUE(s.sender->tx_batch().empty());
  s.pass(s.b->local_endpoint(), 1, 900, 0x22);
  EXPECT_EQ(s.sender->stats().datagrams_sent, 3u);
  EXPECT_EQ(s.sender->stats().send_calls, 2u);  // one per pass
  s.wait_for(2, 1);
  EXPECT_EQ(s.at_a.size(), 2u);
  EXPECT_EQ(s.at_b.size(), 1u);
}

TEST(UdpSharedFlush, CloseSendsWhatWasLeft) {
  Sockets s(UdpOptions{});
  s.pass(s.a->local_endpoint(), 2, 600, 0x33);  // e.g. a CONNECTION_CLOSE right before shutdown
  EXPECT_EQ(s.sender->stats().datagrams_sent, 0u);
  s.sender->close();
  EXPECT_EQ(s.sender->stats().datagrams_sent, 2u);
  s.wait_for(2, 0);
  EXPECT_EQ(s.at_a.size(), 2u);
  // The flush posted earlier finds the socket closed and an empty batch: nothing happens twice.
  s.io.poll();
  EXPECT_EQ(s.sender->stats().datagrams_sent, 2u);
}

TEST(UdpSharedFlush, EmptyBatchPostsNothing) {
  Sockets s(UdpOptions{});
  s.sender->flush_soon();
  EXPECT_EQ(s.io.poll(), 0u);  // no flush handler queued for an empty batch
  EXPECT_EQ(s.sender->stats().send_calls, 0u);
}

}  // namespace
}  // namespace privstack::transport
