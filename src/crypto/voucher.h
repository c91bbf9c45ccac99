// Circuit relay v2 reservation voucher (libp2p/specs relay/circuit-v2.md): the relay's signed
// statement that `peer` holds a reservation until `expiration`.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "crypto/peer_id.h"

namespace privstack::crypto {

inline constexpr std::string_view kVoucherDomain = "libp2p-relay-rsvp";
/// Multicodec 0x0302 as two raw bytes, like the peer record's 03 01.
inline constexpr std::array<std::uint8_t, 2> kVoucherPayloadType = {0x03, 0x02};

struct Voucher {
  PeerId relay;
  PeerId peer;
  std::uint64_t expiration = 0;  // Unix seconds
};

/// The sealed envelope the relay puts in a reservation's `voucher` field; signed by the relay.
Bytes make_voucher(const Ed25519Keypair& relay_key, const PeerId& peer,
                   std::uint64_t expiration_unix_seconds);

/// Opens and verifies a voucher envelope; `relay` must be the signer's peer id and all three
/// fields must be present. Expiry is not checked (the caller knows the time).
Result<Voucher> open_voucher(ByteView envelope);

}  // namespace privstack::crypto
