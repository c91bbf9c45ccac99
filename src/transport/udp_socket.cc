#include "transport/udp_socket.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include "transport/pooled_post.h"

namespace privstack::transport {

namespace {
// Largest UDP payload; anything bigger is not a datagram we could have been sent. Also the size
// of one GRO receive buffer (the kernel coalesces at most 64 KiB).
constexpr std::size_t kMaxDatagram = 65535;
// Datagrams handled per readiness event before giving other work on the io_context a turn.
constexpr int kBatch = 64;
// Receive buffers per recvmmsg call. Pages a quiet socket never fills are never touched, so idle
// sockets do not pay for them in RSS.
constexpr std::size_t kReceiveSlots = 8;
// A packet pass is at most 64 packets of at most ~1.5 KB (Connection::write).
constexpr std::size_t kTxCapacity = 128 * 1024;

// Errors by which a kernel or NIC says "no GSO here" (no checksum offload, SO_NO_CHECK, old
// kernel, IPsec); quinn and ngtcp2's examples fall back on the same set.
bool gso_unsupported(int error) {
  return error == EIO || error == EINVAL || error == EOPNOTSUPP || error == ENOPROTOOPT;
}

// A control buffer for one int/uint16 cmsg (UDP_SEGMENT or UDP_GRO).
struct alignas(cmsghdr) Control {
  char bytes[CMSG_SPACE(sizeof(int))];
};

}  // namespace

struct UdpSocket::Scratch {
  // Receive side, kReceiveSlots (or 1 without recvmmsg) of each.
  std::vector<mmsghdr> in_headers;
  std::vector<iovec> in_iovs;
  std::vector<sockaddr_storage> in_names;
  std::vector<Control> in_controls;
  // Send side, grown to the largest pass seen and then reused.
  std::vector<mmsghdr> out_headers;
  std::vector<iovec> out_iovs;
  std::vector<Control> out_controls;
  std::vector<std::size_t> out_runs;  // the TxBatch run each message belongs to
};

Result<std::shared_ptr<UdpSocket>> UdpSocket::open(asio::io_context& io, const udp::endpoint& local,
                                                   UdpOptions options) {
  boost::system::error_code ec;
  udp::socket socket(io);
  socket.open(local.protocol(), ec);
  if (ec) return make_error("open {}: {}", local.address().to_string(), ec.message());
  if (local.address().is_v6()) {
    socket.set_option(asio::ip::v6_only(true), ec);
    if (ec) return make_error("IPV6_V6ONLY: {}", ec.message());
  }
  socket.bind(local, ec);
  if (ec) {
    return make_error("bind {}:{}: {}", local.address().to_string(), local.port(), ec.message());
  }
  socket.non_blocking(true, ec);
  if (ec) return make_error("non_blocking: {}", ec.message());
  // Bigger kernel buffers absorb bursts (handshake floods, a window's worth of data) instead of
  // dropping them; the kernel caps the request at net.core.[rw]mem_max.
  socket.set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024), ec);
  socket.set_option(asio::socket_base::send_buffer_size(4 * 1024 * 1024), ec);
  const int fd = socket.native_handle();
  if (options.gro) {
    const int one = 1;
    if (::setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) != 0) {
      spdlog::debug("UDP_GRO unavailable ({}); receiving datagram by datagram",
                    std::strerror(errno));
      options.gro = false;
    }
  }
  if (options.gso) {
    // Kernels before 4.18 do not know the option at all; the NIC's verdict comes on first send.
    int size = 0;
    socklen_t length = sizeof(size);
    if (::getsockopt(fd, SOL_UDP, UDP_SEGMENT, &size, &length) != 0) {
      spdlog::debug("UDP_SEGMENT unavailable ({}); sending packet by packet", std::strerror(errno));
      options.gso = false;
    }
  }
  auto bound = socket.local_endpoint(ec);
  if (ec) return make_error("local_endpoint: {}", ec.message());
  return std::make_shared<UdpSocket>(io, std::move(socket), bound, options);
}

UdpSocket::UdpSocket(asio::io_context&, udp::socket socket, udp::endpoint local, UdpOptions options)
    : socket_(std::move(socket)),
      local_(local),
      options_(options),
      tx_(kTxCapacity, options.gso),
      scratch_(std::make_unique<Scratch>()) {
  const std::size_t slots = options_.mmsg ? kReceiveSlots : 1;
  buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(slots * kMaxDatagram);
  auto& s = *scratch_;
  s.in_headers.resize(slots);
  s.in_iovs.resize(slots);
  s.in_names.resize(slots);
  s.in_controls.resize(slots);
  for (std::size_t i = 0; i < slots; ++i) {
    s.in_iovs[i] = {buffer_.get() + i * kMaxDatagram, kMaxDatagram};
  }
}

UdpSocket::~UdpSocket() = default;

void UdpSocket::start(Receiver on_datagram, std::function<void()> on_batch_end) {
  on_datagram_ = std::move(on_datagram);
  on_batch_end_ = std::move(on_batch_end);
  wait_readable();
}

void UdpSocket::wait_readable() {
  // Pooled: one wait per receive batch (pooled_post.h).
  socket_.async_wait(udp::socket::wait_read,
                     pooled([weak = weak_from_this()](const boost::system::error_code& ec) {
                       auto self = weak.lock();
                       if (!self || ec == asio::error::operation_aborted) return;
                       if (ec) {
                         spdlog::debug("udp wait: {}", ec.message());
                       } else {
                         self->drain();
                       }
                       if (self->socket_.is_open()) self->wait_readable();
                     }));
}

void UdpSocket::drain() {
  // Keep ourselves alive: a receiver may close the endpoint (and drop its sockets) mid-batch.
  auto self = shared_from_this();
  int budget = kBatch;
  while (budget > 0 && socket_.is_open() && receive_batch(budget)) {
  }
  if (on_batch_end_) on_batch_end_();
}

// One recvmmsg (or recvmsg); false when the socket is empty or closed.
bool UdpSocket::receive_batch(int& budget) {
  auto& s = *scratch_;
  const std::size_t slots = s.in_headers.size();
  for (std::size_t i = 0; i < slots; ++i) {
    msghdr& m = s.in_headers[i].msg_hdr;
    m = {};
    m.msg_name = &s.in_names[i];
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_iov = &s.in_iovs[i];
    m.msg_iovlen = 1;
    if (options_.gro) {
      m.msg_control = s.in_controls[i].bytes;
      m.msg_controllen = sizeof(s.in_controls[i].bytes);
    }
    s.in_headers[i].msg_len = 0;
  }
  const int fd = socket_.native_handle();
  int received = 0;
  if (options_.mmsg) {
    received =
        ::recvmmsg(fd, s.in_headers.data(), static_cast<unsigned>(slots), MSG_DONTWAIT, nullptr);
  } else {
    const ssize_t n = ::recvmsg(fd, &s.in_headers[0].msg_hdr, MSG_DONTWAIT);
    if (n >= 0) s.in_headers[0].msg_len = static_cast<unsigned>(n);
    received = n >= 0 ? 1 : -1;
  }
  ++stats_.receive_calls;
  if (received < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return false;
    // ICMP errors surface here as ECONNREFUSED etc.; they concern one peer, not us.
    spdlog::debug("udp receive on port {}: {}", local_.port(), std::strerror(errno));
    --budget;
    return true;
  }
  for (int i = 0; i < received; ++i) {
    const msghdr& m = s.in_headers[static_cast<std::size_t>(i)].msg_hdr;
    const std::size_t length = s.in_headers[static_cast<std::size_t>(i)].msg_len;
    if (m.msg_flags & MSG_TRUNC) continue;  // cannot be a datagram we sent or accept
    std::size_t segment_size = 0;
    if (options_.gro) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr;
           c = CMSG_NXTHDR(const_cast<msghdr*>(&m), c)) {
        if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int size = 0;
          std::memcpy(&size, CMSG_DATA(c), sizeof(size));
          if (size > 0) segment_size = static_cast<std::size_t>(size);
        }
      }
    }
    udp::endpoint remote;
    const std::size_t name_length = std::min<std::size_t>(m.msg_namelen, remote.capacity());
    std::memcpy(remote.data(), m.msg_name, name_length);
    remote.resize(name_length);
    const ByteView data(static_cast<const std::uint8_t*>(m.msg_iov->iov_base), length);
    bool open = true;
    const std::size_t count = for_each_segment(data, segment_size, [&](ByteView datagram) {
      ++stats_.datagrams_received;
      if (on_datagram_) on_datagram_(*this, datagram, remote);
      open = socket_.is_open();
      return open;
    });
    if (count > 1) ++stats_.gro_receives;
    budget -= static_cast<int>(count);
    if (!open) return false;
  }
  return static_cast<std::size_t>(received) == slots || !options_.mmsg;
}

bool UdpSocket::send(ByteView datagram, const udp::endpoint& remote) {
  if (!socket_.is_open()) return false;
  boost::system::error_code ec;
  ++stats_.send_calls;
  socket_.send_to(asio::buffer(datagram.data(), datagram.size()), remote, 0, ec);
  if (ec) {
    ++stats_.send_drops;
    spdlog::debug("udp send to {}:{}: {}", remote.address().to_string(), remote.port(),
                  ec.message());
    return false;
  }
  ++stats_.datagrams_sent;
  return true;
}

void UdpSocket::flush() {
  if (!tx_.empty() && socket_.is_open()) send_runs(0);
  tx_.clear();
}

void UdpSocket::flush_soon() {
  if (!options_.shared_flush) {
    flush();
    return;
  }
  if (tx_.empty() || flush_posted_) return;
  flush_posted_ = true;
  post_pooled(socket_.get_executor(), [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->flush_posted_ = false;
      self->flush();
    }
  });
}

// Sends the batch's runs from `first_run` on: one message per GSO run, else one per packet; all
// in one sendmmsg when allowed. If the kernel refuses GSO, it is switched off for good and the
// rest goes again packet by packet.
void UdpSocket::send_runs(std::size_t first_run) {
  auto& s = *scratch_;
  const auto& runs = tx_.runs();
  s.out_headers.clear();
  s.out_iovs.clear();
  s.out_controls.clear();
  s.out_runs.clear();
  for (std::size_t r = first_run; r < runs.size(); ++r) {
    const auto& run = runs[r];
    const ByteView bytes = tx_.bytes(run);
    if (options_.gso && run.count > 1) {
      s.out_iovs.push_back({const_cast<std::uint8_t*>(bytes.data()), bytes.size()});
      s.out_controls.emplace_back();
      s.out_runs.push_back(r);
      continue;
    }
    for (std::size_t offset = 0; offset < run.bytes; offset += run.segment_size) {
      const std::size_t n = std::min(run.segment_size, run.bytes - offset);
      s.out_iovs.push_back({const_cast<std::uint8_t*>(bytes.data()) + offset, n});
      s.out_controls.emplace_back();
      s.out_runs.push_back(r);
    }
  }
  // Pointers last: the vectors above may have reallocated while growing.
  const std::size_t count = s.out_iovs.size();
  s.out_headers.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& run = runs[s.out_runs[i]];
    msghdr& m = s.out_headers[i].msg_hdr;
    m = {};
    m.msg_name = const_cast<sockaddr*>(run.to.data());
    m.msg_namelen = static_cast<socklen_t>(run.to.size());
    m.msg_iov = &s.out_iovs[i];
    m.msg_iovlen = 1;
    if (s.out_iovs[i].iov_len > run.segment_size) {
      m.msg_control = s.out_controls[i].bytes;
      m.msg_controllen = CMSG_SPACE(sizeof(std::uint16_t));
      cmsghdr* c = CMSG_FIRSTHDR(&m);
      c->cmsg_level = SOL_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto segment = static_cast<std::uint16_t>(run.segment_size);
      std::memcpy(CMSG_DATA(c), &segment, sizeof(segment));
    }
  }

  const int fd = socket_.native_handle();
  std::size_t i = 0;
  while (i < count) {
    int sent = 0;
    if (options_.mmsg) {
      sent = ::sendmmsg(fd, &s.out_headers[i], static_cast<unsigned>(count - i), MSG_DONTWAIT);
    } else {
      sent = ::sendmsg(fd, &s.out_headers[i].msg_hdr, MSG_DONTWAIT) >= 0 ? 1 : -1;
    }
    ++stats_.send_calls;
    if (sent > 0) {
      for (std::size_t k = i; k < i + static_cast<std::size_t>(sent); ++k) {
        const auto& run = runs[s.out_runs[k]];
        if (s.out_iovs[k].iov_len > run.segment_size) {
          ++stats_.gso_sends;
          stats_.datagrams_sent += run.count;
        } else {
          ++stats_.datagrams_sent;
        }
      }
      i += static_cast<std::size_t>(sent);
      continue;
    }
    const int error = errno;
    if (error == EINTR) continue;
    const auto& run = runs[s.out_runs[i]];
    const bool gso_message = s.out_iovs[i].iov_len > run.segment_size;
    if (gso_message && gso_unsupported(error)) {
      spdlog::info("udp port {}: kernel refused GSO ({}); sending packet by packet", local_.port(),
                   std::strerror(error));
      options_.gso = false;
      tx_.set_coalesce(false);
      send_runs(s.out_runs[i]);  // without GSO this cannot come back here
      return;
    }
    if (error == EAGAIN || error == EWOULDBLOCK) {
      // Kernel buffer full: drop the rest of the pass; loss recovery resends it.
      for (std::size_t k = i; k < count; ++k)
        stats_.send_drops += gso_message ? runs[s.out_runs[k]].count : 1;
      spdlog::debug("udp send on port {}: buffer full, {} messages dropped", local_.port(),
                    count - i);
      return;
    }
    // Concerns one destination (unreachable, too big): drop that message, send the others.
    spdlog::debug("udp send to {}: {}", endpoint_string(run.to), std::strerror(error));
    stats_.send_drops += gso_message ? run.count : 1;
    ++i;
  }
}

void UdpSocket::close() {
  flush();  // packets a pass left for flush_soon() (a CONNECTION_CLOSE among them) still go
  boost::system::error_code ec;
  // The callbacks stay: close() may be called from inside one of them.
  socket_.close(ec);
}

}  // namespace privstack::transport

namespace privstack::transport {
std::string endpoint_string(const udp::endpoint& endpoint) {
  if (endpoint.address().is_v6()) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  }
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}
}  // namespace privstack::transport
