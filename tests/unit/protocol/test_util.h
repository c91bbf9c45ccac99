// Runs protocol coroutines over boost::beast::test::stream, an in-memory connected pair.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "common/bytes.h"

namespace privstack::protocol::test {

namespace asio = boost::asio;
using TestStream = boost::beast::test::stream;

/// Starts `task` on `ioc`; the returned slot is filled when it finishes. (co_spawn's own result
/// handler would need a default-constructible T, which Result<T> is not.)
template <class T>
std::shared_ptr<std::optional<T>> spawn(asio::io_context& ioc, asio::awaitable<T> task) {
  auto out = std::make_shared<std::optional<T>>();
  asio::co_spawn(
      ioc,
      [out, task = std::move(task)]() mutable -> asio::awaitable<void> {
        out->emplace(co_await std::move(task));
      },
      [](const std::exception_ptr& e) {
        if (e) std::rethrow_exception(e);
      });
  return out;
}

/// Runs ready handlers until every spawned task has finished or is blocked on I/O. The in-memory
/// stream completes operations by posting, so "nothing ready" means "everyone is waiting"; a task
/// still waiting afterwards shows up as an empty result slot.
inline void run(asio::io_context& ioc) {
  for (int i = 0; i < 100000 && ioc.poll() > 0; ++i) {
  }
  ioc.restart();
}

/// A connected in-memory pair: `local` is the side under test, `remote` is driven by the test.
struct Pipe {
  asio::io_context ioc;
  TestStream local{ioc};
  TestStream remote{ioc};
  Pipe() { local.connect(remote); }

  /// The remote peer writes `bytes` in one write.
  void remote_writes(ByteView bytes) {
    asio::write(remote, asio::buffer(bytes.data(), bytes.size()));
  }
  void remote_writes(std::string_view text) { remote_writes(as_bytes(text)); }
  /// Everything the side under test wrote so far (consumed).
  Bytes remote_received() {
    std::string s = remote.str();
    remote.clear();
    return to_bytes(s);
  }
  /// Bytes still unread by the side under test.
  Bytes local_unread() const { return to_bytes(local.str()); }
};

inline Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace privstack::protocol::test
