#include "protocol/ping.h"

#include "crypto/random.h"

namespace privstack::protocol::ping {

Payload make_payload() {
  Payload payload{};
  crypto::random_bytes(payload);
  return payload;
}

}  // namespace privstack::protocol::ping
