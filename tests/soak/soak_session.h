// One churn session of the soak client: a fresh identity and connection to the relay, a few
// random operations on it (reserve and echo what arrives on circuits, CONNECT through the relay to
// another worker and verify the echo, PUT_VALUE then GET_VALUE and verify), then a disconnect that
// the scheduler performs (graceful close, or abrupt: the session's io_context is frozen so the
// relay sees silence and must idle-time the connection out).
//
// Each session has its own io_context so that an abrupt drop can stop answering on the wire
// without closing anything; all io_contexts are polled by one thread (soak_client.cc), so the
// shared state below needs no locking.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "node/host.h"

namespace privstack::soak {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

/// What happened, over all sessions. A *race* is a CONNECT or echo that failed because its target
/// had already left (its reservation window ended or its session disconnected): legitimate under
/// churn, so it is counted apart from failures.
struct Counts {
  std::uint64_t sessions = 0;
  std::uint64_t dial_ok = 0, dial_failed = 0;
  std::uint64_t reserve_ok = 0, reserve_failed = 0;
  std::uint64_t circuit_ok = 0, circuit_failed = 0, circuit_races = 0, circuit_skipped = 0;
  std::uint64_t circuits_served = 0, echo_bytes = 0;
  std::uint64_t kad_ok = 0, kad_failed = 0;
  std::uint64_t graceful = 0, abrupt = 0;
  std::string last_error;

  std::uint64_t attempts() const {
    return dial_ok + dial_failed + reserve_ok + reserve_failed + circuit_ok + circuit_failed +
           kad_ok + kad_failed;
  }
  std::uint64_t failures() const {
    return dial_failed + reserve_failed + circuit_failed + kad_failed;
  }
};

/// A worker currently holding a reservation, so others can CONNECT to it.
struct Reserved {
  crypto::PeerId peer;
  std::uint64_t session = 0;
};

struct Shared {
  multiformats::Multiaddr relay_address;
  crypto::PeerId relay_peer;
  Clock::time_point deadline;  // no new operation starts after it
  std::mt19937_64 rng;
  std::map<std::size_t, Reserved> reserved;  // by worker slot
  Counts counts;
  /// Keys per worker: worker w only writes /privstack/soak/<w * keys_per_worker + i>, so its GET
  /// must return exactly what it PUT, and the relay's store stays bounded (flat RSS).
  std::size_t keys_per_worker = 16;
};

struct Session {
  Session(std::size_t worker_slot, std::uint64_t session_id) : slot(worker_slot), id(session_id) {}
  std::size_t slot;
  std::uint64_t id;
  bool finished = false;
  bool abrupt = false;              // the scheduler freezes instead of closing
  std::size_t active_circuits = 0;  // circuits this session is echoing now
  // Declared last: destroyed first (the host before its io_context, whose pending coroutine
  // frames may still refer to the fields above).
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::shared_ptr<node::Host> host;
};

/// The session's coroutine (spawned on session.io once session.host exists): dial, 1–5 random
/// operations, then sets finished (and abrupt, by `abrupt_percent`).
asio::awaitable<void> run_session(Session& session, Shared& shared, unsigned abrupt_percent);

}  // namespace privstack::soak
