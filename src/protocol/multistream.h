// multistream-select 1.0 (libp2p specs, connections/README.md): every message is
// `uvarint(len) ‖ UTF-8 text ‖ '\n'`, the '\n' counted in len. Both sides send the header
// `/multistream/1.0.0`; the dialer proposes protocol ids, the listener echoes the one it accepts
// or answers `na`.
//
// The file has two parts: a pure codec with the two negotiation state machines (no I/O, tested
// byte by byte), and thin coroutine adapters that drive them over any AsyncStream.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "protocol/length_prefixed.h"
#include "protocol/stream_io.h"

namespace privstack::protocol::multistream {

inline constexpr std::string_view kHeader = "/multistream/1.0.0";
inline constexpr std::string_view kNotAvailable = "na";
inline constexpr std::string_view kList = "ls";

struct Limits {
  /// Longest message accepted, '\n' included. js caps protocol ids at 1024 bytes; rust's frame
  /// limit is 16383. Real ids are < 100 bytes, so 1024 only bounds memory.
  std::size_t max_message = 1024;
  /// Proposals (and `ls` requests) a listener answers with `na` before it gives up, so a peer
  /// cannot keep a stream busy forever.
  std::size_t max_attempts = 16;
};

// ---- Pure codec --------------------------------------------------------------------------------

/// `uvarint(len(text) + 1) ‖ text ‖ '\n'`. `text` must not contain '\n' (our own constants).
Bytes encode_message(std::string_view text);
void append_message(Bytes& out, std::string_view text);

/// Validates one received message body (the bytes after the length prefix) and returns its text
/// without the trailing '\n'. Rejects: a body over `max_message`, a missing final '\n', an
/// empty text, an embedded '\n' or other control character, and invalid UTF-8.
Result<std::string> decode_message(ByteView body, std::size_t max_message = Limits{}.max_message);

/// True if `text` is well-formed UTF-8 without control characters (what decode_message accepts).
bool is_valid_text(std::string_view text);

using ProtocolMatcher = std::function<bool(std::string_view)>;
using ProtocolSet = std::set<std::string, std::less<>>;

/// Listener side. start() gives our header, which the adapter sends at once, before reading
/// anything: the dialer may already have sent header + proposal (rust) or header + proposal + data
/// (go's lazy select) and is waiting for it.
class Listener {
 public:
  Listener(ProtocolMatcher supported, Limits limits);

  struct Step {
    Bytes reply;                          // bytes to write now (may be empty)
    std::optional<std::string> selected;  // set once a proposal was accepted: negotiation over
  };

  Bytes start() const;
  /// Handles one decoded message text from the dialer.
  Result<Step> on_message(std::string_view text);

 private:
  ProtocolMatcher supported_;
  Limits limits_;
  bool header_seen_ = false;
  std::size_t attempts_ = 0;
};

/// Dialer side: proposes `protocols` in order until one is accepted. start() returns the header
/// and the first proposal together (as rust does), saving a round trip.
class Dialer {
 public:
  explicit Dialer(std::vector<std::string> protocols);

  struct Step {
    Bytes send;                           // the next proposal after an `na` (may be empty)
    std::optional<std::string> selected;  // the listener echoed this proposal
  };

  Bytes start() const;
  /// Handles one decoded message text from the listener.
  Result<Step> on_message(std::string_view text);

 private:
  std::vector<std::string> protocols_;
  std::size_t current_ = 0;
  bool header_seen_ = false;
};

// ---- Coroutine adapters ------------------------------------------------------------------------

namespace detail {
template <AsyncStream S>
asio::awaitable<Result<std::string>> read_message(S& s, const Limits& limits) {
  auto frame = co_await read_frame(s, limits.max_message);
  if (!frame) co_return make_error("multistream: {}", frame.error().message);
  if (!frame->has_value()) co_return make_error("multistream: stream closed during negotiation");
  auto text = decode_message(**frame, limits.max_message);
  if (!text) co_return make_error("multistream: {}", text.error().message);
  co_return std::move(*text);
}
}  // namespace detail

/// Listener: answers our header, then proposals until one is supported; returns its id. Reads
/// exactly the negotiation messages, so data the dialer sent right after its proposal (go's lazy
/// select) is still in the stream for the protocol handler.
template <AsyncStream S>
asio::awaitable<Result<std::string>> listen(S& s, ProtocolMatcher supported, Limits limits = {}) {
  Listener listener(std::move(supported), limits);
  if (auto sent = co_await write_all(s, listener.start(), "multistream: write header"); !sent) {
    co_return sent.error();
  }
  for (;;) {
    auto text = co_await detail::read_message(s, limits);
    if (!text) co_return text.error();
    auto step = listener.on_message(*text);
    if (!step) co_return step.error();
    if (!step->reply.empty()) {
      if (auto sent = co_await write_all(s, step->reply, "multistream: write reply"); !sent) {
        co_return sent.error();
      }
    }
    if (step->selected) co_return std::move(*step->selected);
  }
}

/// Listener over a fixed set. Not a coroutine: the set is copied into the matcher, so the
/// awaitable does not depend on the caller's set staying alive (the predicate overload lets a
/// router avoid the copy).
template <AsyncStream S>
asio::awaitable<Result<std::string>> listen(S& s, ProtocolSet supported, Limits limits = {}) {
  return listen(s, ProtocolMatcher([set = std::move(supported)](std::string_view p) {
                  return set.contains(p);
                }),
                limits);
}

/// Dialer: proposes `protocols` in order; returns the one the listener accepted, or an error if
/// it refused all of them.
template <AsyncStream S>
asio::awaitable<Result<std::string>> select(S& s, std::vector<std::string> protocols,
                                            Limits limits = {}) {
  if (protocols.empty()) co_return make_error("multistream: nothing to propose");
  Dialer dialer(std::move(protocols));
  if (auto sent = co_await write_all(s, dialer.start(), "multistream: write proposal"); !sent) {
    co_return sent.error();
  }
  for (;;) {
    auto text = co_await detail::read_message(s, limits);
    if (!text) co_return text.error();
    auto step = dialer.on_message(*text);
    if (!step) co_return step.error();
    if (step->selected) co_return std::move(*step->selected);
    if (!step->send.empty()) {
      if (auto sent = co_await write_all(s, step->send, "multistream: write proposal"); !sent) {
        co_return sent.error();
      }
    }
  }
}

namespace detail {
template <AsyncStream S>
asio::awaitable<Result<void>> select_one(S& s, std::string protocol, Limits limits) {
  // Built outside the co_await expression: GCC 12 fails on an initializer_list's backing array
  // living across a suspension point ("array used as initializer").
  std::vector<std::string> protocols;
  protocols.push_back(std::move(protocol));
  auto selected = co_await select(s, std::move(protocols), limits);
  if (!selected) co_return selected.error();
  co_return Result<void>{};
}
}  // namespace detail

/// Dialer for a single protocol. Not itself a coroutine: the id is copied into the coroutine frame
/// as a std::string, so a temporary argument cannot dangle while the negotiation runs.
template <AsyncStream S>
asio::awaitable<Result<void>> select(S& s, std::string_view protocol, Limits limits = {}) {
  return detail::select_one(s, std::string(protocol), limits);
}

}  // namespace privstack::protocol::multistream
