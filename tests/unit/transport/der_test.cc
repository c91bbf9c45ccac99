#include "transport/der.h"

#include <gtest/gtest.h>

namespace privstack::transport::der {
namespace {

TEST(Der, ShortAndLongLengthsRoundTrip) {
  for (std::size_t n : {0u, 1u, 127u, 128u, 255u, 256u, 70000u}) {
    Bytes value(n, 0xab);
    Bytes out;
    append_tlv(out, kOctetString, value);
    Reader reader(out);
    auto e = reader.read(kOctetString);
    ASSERT_TRUE(e) << n;
    EXPECT_EQ(e->content.size(), n);
    EXPECT_EQ(e->raw.size(), out.size());
    EXPECT_TRUE(reader.empty());
  }
}

TEST(Der, RejectsMalformedLengths) {
  const Bytes cases[] = {
      {0x04},                    // no length
      {0x04, 0x80},              // indefinite
      {0x04, 0x81, 0x05, 1, 2},  // long form for a short length
      {0x04, 0x82, 0x00, 0x90},  // leading zero length byte
      {0x04, 0x85, 1, 1, 1, 1, 1},
      {0x04, 0x03, 1, 2},  // past end
      {0x1f, 0x01, 0x00},  // multi-byte tag
  };
  for (const auto& c : cases) {
    Reader reader(c);
    EXPECT_FALSE(reader.read()) << to_hex(c);
  }
}

TEST(Der, WrongTagIsAnError) {
  const Bytes in = {0x02, 0x01, 0x05};
  Reader reader(in);
  EXPECT_FALSE(reader.read(kSequence));
  EXPECT_TRUE(reader.read(kInteger));
}

}  // namespace
}  // namespace privstack::transport::der
