// Signed envelopes (RFC 0002) and what is carried in them: peer records (both the go/js and the
// rust-legacy format) and relay reservation vouchers. Random bytes exercise the protobuf parsing;
// the seeds are validly signed, so mutations of the payload reach the record/voucher decoders
// (whose signatures then fail) and mutations elsewhere reach the signature checks.
#include <cstddef>
#include <cstdint>

#include "crypto/peer_record.h"
#include "crypto/signed_envelope.h"
#include "crypto/voucher.h"
#include "fuzz/fuzz_util.h"

namespace crypto = privstack::crypto;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const privstack::ByteView bytes(data, size);
  auto envelope = crypto::SignedEnvelope::decode(bytes);
  if (envelope) {
    (void)envelope->verify(crypto::kPeerRecordDomain);
    (void)envelope->verify(crypto::kVoucherDomain);
  }
  auto opened = crypto::open(bytes, crypto::kPeerRecordDomain);
  if (opened) PRIVSTACK_FUZZ_CHECK(envelope.ok() && opened->peer_id.matches(opened->public_key));

  auto record = crypto::open_peer_record(bytes);
  if (record) {
    PRIVSTACK_FUZZ_CHECK(record->record.peer_id.matches(record->public_key));
    // Re-encoding the payload keeps the record's fields.
    auto payload = crypto::encode_peer_record(record->record.peer_id, record->record.seq,
                                              record->record.addresses);
    PRIVSTACK_FUZZ_CHECK(!payload.empty());
  }
  auto voucher = crypto::open_voucher(bytes);
  if (voucher) PRIVSTACK_FUZZ_CHECK(envelope.ok());
  return 0;
}
