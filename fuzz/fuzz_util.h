// Helpers shared by the fuzz targets: slicing the fuzzer's input into fields and messages, fixed
// peer identities, and an in-memory stream pair for driving protocol coroutines. Kept out of
// src/ because only fuzz targets use it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>

#include "common/bytes.h"
#include "crypto/peer_id.h"
#include "crypto/public_key.h"
#include "multiformats/varint.h"

namespace privstack::fuzz {

/// A property the target checks failed: abort so libFuzzer records the input as a crash.
#define PRIVSTACK_FUZZ_CHECK(cond)                                                       \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      __builtin_printf("fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

/// Reads fields off the front of the input; running out yields zeros / empty views, never UB.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : rest_(data, size) {}

  bool empty() const { return rest_.empty(); }
  std::size_t size() const { return rest_.size(); }
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    std::uint8_t b = rest_[0];
    rest_ = rest_.subspan(1);
    return b;
  }
  /// Up to `n` bytes.
  ByteView take(std::size_t n) {
    n = std::min(n, rest_.size());
    ByteView out = rest_.first(n);
    rest_ = rest_.subspan(n);
    return out;
  }
  /// One `uvarint(len) ‖ body` message, as on the wire (a short body is returned truncated).
  /// nullopt when the input is used up or the prefix is not a varint.
  std::optional<ByteView> message() {
    if (rest_.empty()) return std::nullopt;
    auto len = multiformats::consume_uvarint(rest_);
    if (!len) {
      rest_ = {};
      return std::nullopt;
    }
    return take(static_cast<std::size_t>(std::min<std::uint64_t>(*len, rest_.size())));
  }
  ByteView rest() {
    ByteView out = rest_;
    rest_ = {};
    return out;
  }

 private:
  ByteView rest_;
};

/// A fixed Ed25519 identity, so inputs can name "peer n" reproducibly (index mod 8). Built once:
/// deriving a peer id per call would dominate the cheaper targets.
inline const crypto::PeerId& fixed_peer(std::uint8_t n) {
  static const std::vector<crypto::PeerId> peers = [] {
    std::vector<crypto::PeerId> out;
    for (std::uint8_t i = 0; i < 8; ++i) {
      std::array<std::uint8_t, 32> raw{};
      raw.fill(static_cast<std::uint8_t>(0x40 + i));
      out.push_back(crypto::PeerId::from_public_key(crypto::PublicKey::ed25519(raw)));
    }
    return out;
  }();
  return peers[n % 8];
}

/// libprotobuf logs every message that lacks a proto2 `required` field to stderr; at thousands
/// of inputs a second that is most of a target's time. Silenced once per process.
inline const bool kProtobufLogsSilenced = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

/// Runs a protocol coroutine over boost::beast::test::stream: `remote` plays the peer.
struct Pipe {
  boost::asio::io_context ioc;
  boost::beast::test::stream local{ioc};
  boost::beast::test::stream remote{ioc};
  Pipe() { local.connect(remote); }

  /// The peer writes `bytes` and closes its side, so every read on `local` ends.
  void remote_sends_and_closes(ByteView bytes) {
    if (!bytes.empty()) boost::asio::write(remote, boost::asio::buffer(bytes.data(), bytes.size()));
    remote.close();
  }

  /// Runs `task` to completion. Returns nullopt if it is still waiting when nothing else can
  /// happen: with the peer closed that is a hang, which the caller reports.
  template <class T>
  std::optional<T> run(boost::asio::awaitable<T> task) {
    auto out = std::make_shared<std::optional<T>>();
    boost::asio::co_spawn(
        ioc,
        [out, task = std::move(task)]() mutable -> boost::asio::awaitable<void> {
          out->emplace(co_await std::move(task));
        },
        [](const std::exception_ptr& e) {
          if (e) std::rethrow_exception(e);
        });
    for (int i = 0; i < 1'000'000 && ioc.poll() > 0; ++i) {
    }
    ioc.restart();
    return std::move(*out);
  }
};

}  // namespace privstack::fuzz
