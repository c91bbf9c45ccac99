// multistream-select line reading and both negotiation state machines, driven the way the node
// drives them: the coroutine adapters over an in-memory stream whose peer sends the fuzz input and
// closes. Properties: negotiation always ends (success or error, never a hang), a selected
// protocol is one we offered, and decode_message only accepts printable UTF-8 lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "protocol/multistream.h"

namespace ms = privstack::protocol::multistream;
using privstack::ByteView;
using privstack::fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t mode = in.byte() % 3;
  const ByteView rest = in.rest();
  const ms::Limits limits{.max_message = 1024, .max_attempts = 16};
  switch (mode) {
    case 0: {
      auto text = ms::decode_message(rest, limits.max_message);
      if (text) {
        PRIVSTACK_FUZZ_CHECK(ms::is_valid_text(*text) && !text->empty());
        PRIVSTACK_FUZZ_CHECK(text->find('\n') == std::string::npos);
        auto again = ms::encode_message(*text);
        auto decoded_again =
            ms::decode_message(ByteView(again).subspan(again.size() - rest.size()));
        PRIVSTACK_FUZZ_CHECK(decoded_again.ok() && *decoded_again == *text);
      }
      break;
    }
    case 1: {
      // Listener (every inbound stream of the relay).
      privstack::fuzz::Pipe pipe;
      pipe.remote_sends_and_closes(rest);
      ms::ProtocolSet supported{"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/ipfs/kad/1.0.0"};
      auto selected = pipe.run(ms::listen(pipe.local, supported, limits));
      PRIVSTACK_FUZZ_CHECK(selected.has_value());
      if (selected->ok()) PRIVSTACK_FUZZ_CHECK(supported.contains(selected->value()));
      break;
    }
    default: {
      // Dialer (our outbound streams: stop, identify push, kad queries).
      privstack::fuzz::Pipe pipe;
      pipe.remote_sends_and_closes(rest);
      std::vector<std::string> proposals{"/libp2p/circuit/relay/0.2.0/stop", "/ipfs/id/1.0.0"};
      auto selected = pipe.run(ms::select(pipe.local, proposals, limits));
      PRIVSTACK_FUZZ_CHECK(selected.has_value());
      if (selected->ok()) {
        PRIVSTACK_FUZZ_CHECK(selected->value() == proposals[0] ||
                             selected->value() == proposals[1]);
      }
      break;
    }
  }
  return 0;
}
