#include "soak_session.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "node/kad/kad_client.h"
#include "node/relay/relay_client.h"
#include "node/stream_deadline.h"
#include "protocol/kad/message.h"
#include "protocol/stream_io.h"

namespace privstack::soak {

namespace {

using namespace std::chrono_literals;
namespace kad = protocol::kad;
namespace relay = protocol::relay;
using protocol::kUseTuple;

// Every wait is bounded: a hang is a failure, never a stuck soak.
constexpr auto kRequestTimeout = std::chrono::milliseconds(10'000);
constexpr auto kEchoTimeout = std::chrono::milliseconds(20'000);
// The relay's default circuit limit is 128 KiB both directions summed; a push of at most 32 KiB
// (64 KiB with its echo) stays inside it, so a cut circuit is a real failure.
constexpr std::size_t kMaxPushKiB = 32;
constexpr std::size_t kChunk = 4096;

asio::awaitable<void> sleep_for(asio::io_context& io, Clock::duration duration) {
  asio::steady_timer timer(io, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

std::size_t pick(Shared& shared, std::size_t n) {
  return static_cast<std::size_t>(shared.rng() % n);
}

void fail(Shared& shared, std::uint64_t& counter, std::string message) {
  ++counter;
  shared.counts.last_error = std::move(message);
}

// Target side of a circuit: echo every byte back; at the source's FIN, FIN back.
asio::awaitable<void> echo(node::StreamPtr stream, Session& session, Shared& shared) {
  ++session.active_circuits;
  ++shared.counts.circuits_served;
  struct Leave {
    Session& session;
    ~Leave() { --session.active_circuits; }
  } leave{session};
  auto deadline = node::reset_stream_after(session.io, stream, kEchoTimeout);
  std::vector<std::uint8_t> buffer(kChunk);
  for (;;) {
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), kUseTuple);
    if (ec) {
      if (protocol::is_eof(ec)) stream->close_write();
      break;
    }
    auto [write_ec, written] =
        co_await asio::async_write(*stream, asio::buffer(buffer.data(), n), kUseTuple);
    if (write_ec) break;
  }
  deadline->cancel();
}

// (a) Reserve, stay reachable for 0.5–2.5 s, then leave the directory and let late circuits finish.
asio::awaitable<void> reserve_op(Session& session, Shared& shared, node::ConnectionPtr relay) {
  auto reply = co_await node::relay_client::reserve(*session.host, relay, kRequestTimeout);
  if (!reply) {
    fail(shared, shared.counts.reserve_failed, "reserve: " + reply.error().message);
    co_return;
  }
  if (reply->status != relay::Status::ok) {
    fail(shared, shared.counts.reserve_failed,
         fmt::format("reserve: status {}", relay::to_string(reply->status)));
    co_return;
  }
  ++shared.counts.reserve_ok;
  shared.reserved.insert_or_assign(session.slot, Reserved{session.host->peer_id(), session.id});
  co_await sleep_for(session.io, std::chrono::milliseconds(500 + pick(shared, 2000)));
  shared.reserved.erase(session.slot);
  // A source that picked us just before we left may still be on its way: give it a moment, then
  // wait (bounded) for the circuits in progress.
  co_await sleep_for(session.io, 500ms);
  for (int i = 0; i < 50 && session.active_circuits > 0; ++i)
    co_await sleep_for(session.io, 100ms);
}

// Pushes `total` bytes in chunks, reading each chunk's echo before the next (no flow-control
// deadlock whatever the windows), then FIN and the target's FIN. Empty string on success.
asio::awaitable<std::string> push_and_verify(node::StreamPtr stream, Session& session,
                                             Shared& shared, std::size_t total) {
  auto deadline = node::reset_stream_after(session.io, stream, kEchoTimeout);
  std::vector<std::uint8_t> out(kChunk);
  std::vector<std::uint8_t> back(kChunk);
  std::string error;
  for (std::size_t sent = 0; sent < total && error.empty();) {
    const std::size_t n = std::min(kChunk, total - sent);
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<std::uint8_t>(shared.rng());
    auto [ec, written] =
        co_await asio::async_write(*stream, asio::buffer(out.data(), n), kUseTuple);
    if (ec) {
      error = "circuit write: " + ec.message();
      break;
    }
    auto [read_ec, read] =
        co_await asio::async_read(*stream, asio::buffer(back.data(), n), kUseTuple);
    if (read_ec) {
      error = "circuit read: " + read_ec.message();
    } else if (!std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n),
                           back.begin())) {
      error = "circuit echo differs";
    }
    sent += n;
  }
  if (error.empty()) {
    stream->close_write();
    std::uint8_t byte = 0;
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(&byte, 1), kUseTuple);
    if (!protocol::is_eof(ec) || n != 0) error = "circuit: no FIN after the echo";
  }
  deadline->cancel();
  co_return error;
}

// (b) CONNECT to a worker that holds a reservation, push 1–32 KiB and verify the echo.
asio::awaitable<void> connect_op(Session& session, Shared& shared, node::ConnectionPtr relay) {
  std::vector<std::pair<std::size_t, Reserved>> targets;
  for (const auto& [slot, reserved] : shared.reserved) {
    if (slot != session.slot) targets.emplace_back(slot, reserved);
  }
  if (targets.empty()) {
    ++shared.counts.circuit_skipped;
    co_return;
  }
  const auto [slot, target] = targets[pick(shared, targets.size())];
  // The target left (or is leaving) when its directory entry is gone or is a newer session's.
  auto target_left = [&shared, slot = slot, id = target.session] {
    auto found = shared.reserved.find(slot);
    return found == shared.reserved.end() || found->second.session != id;
  };
  auto settle = [&](std::string error) {
    if (target_left()) {
      ++shared.counts.circuit_races;
    } else {
      fail(shared, shared.counts.circuit_failed, std::move(error));
    }
  };
  auto reply =
      co_await node::relay_client::connect(*session.host, relay, target.peer, kRequestTimeout);
  if (!reply) {
    settle("connect: " + reply.error().message);
    co_return;
  }
  if (reply->status != relay::Status::ok || !reply->stream) {
    settle(fmt::format("connect: status {}", relay::to_string(reply->status)));
    co_return;
  }
  const std::size_t total = (1 + pick(shared, kMaxPushKiB)) * 1024;
  auto error = co_await push_and_verify(reply->stream, session, shared, total);
  if (!error.empty()) {
    settle(std::move(error));
    co_return;
  }
  ++shared.counts.circuit_ok;
  shared.counts.echo_bytes += total;
}

// (c) PUT_VALUE then GET_VALUE of one of this worker's keys; the GET must return what we PUT.
asio::awaitable<void> kad_op(Session& session, Shared& shared) {
  const std::size_t n =
      session.slot * shared.keys_per_worker + pick(shared, shared.keys_per_worker);
  const Bytes key = to_bytes(fmt::format("/privstack/soak/{}", n));
  Bytes value(16 + pick(shared, 1009));
  for (auto& byte : value)
    byte = static_cast<std::uint8_t>(shared.rng());
  // Named locals: GCC 12 may destroy aggregate temporaries inside co_await twice.
  const kad::KadMessage put{.type = kad::MessageType::put_value,
                            .key = key,
                            .record = kad::KadRecord{.key = key, .value = value}};
  const std::vector<multiformats::Multiaddr> addresses{shared.relay_address};
  auto stored = co_await node::send_request(*session.host, shared.relay_peer, addresses, put);
  if (!stored) {
    fail(shared, shared.counts.kad_failed, "put: " + stored.error().message);
    co_return;
  }
  const kad::KadMessage get{.type = kad::MessageType::get_value, .key = key};
  auto got = co_await node::send_request(*session.host, shared.relay_peer, addresses, get);
  if (!got) {
    fail(shared, shared.counts.kad_failed, "get: " + got.error().message);
  } else if (!*got || !(*got)->record || (*got)->record->value != value) {
    fail(shared, shared.counts.kad_failed, "get: not the value we put");
  } else {
    ++shared.counts.kad_ok;
  }
}

}  // namespace

asio::awaitable<void> run_session(Session& session, Shared& shared, unsigned abrupt_percent) {
  ++shared.counts.sessions;
  node::relay_client::install_stop_handler(
      *session.host,
      [&session, &shared](node::StreamPtr stream, crypto::PeerId, std::optional<relay::Limit>)
          -> asio::awaitable<void> { co_await echo(std::move(stream), session, shared); },
      kRequestTimeout);
  auto relay = co_await session.host->dial(shared.relay_address);
  if (!relay) {
    fail(shared, shared.counts.dial_failed, "dial: " + relay.error().message);
  } else {
    ++shared.counts.dial_ok;
    const std::size_t operations = 1 + pick(shared, 5);
    for (std::size_t i = 0; i < operations && Clock::now() < shared.deadline; ++i) {
      switch (pick(shared, 3)) {
        case 0:
          co_await reserve_op(session, shared, *relay);
          break;
        case 1:
          co_await connect_op(session, shared, *relay);
          break;
        default:
          co_await kad_op(session, shared);
          break;
      }
    }
  }
  session.abrupt = pick(shared, 100) < abrupt_percent;
  session.finished = true;
}

}  // namespace privstack::soak
