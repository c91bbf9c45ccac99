// The admission rules for inbound QUIC connections, without sockets.
#include "transport/connection_limits.h"

#include <gtest/gtest.h>

namespace privstack::transport {
namespace {

using boost::asio::ip::make_address;

TEST(SourceKey, Ipv4AddressesAreDistinct) {
  EXPECT_NE(source_key(make_address("127.0.0.1")), source_key(make_address("127.0.0.2")));
  EXPECT_EQ(source_key(make_address("192.0.2.7")), source_key(make_address("192.0.2.7")));
}

TEST(SourceKey, Ipv6CountsPerSlash64) {
  EXPECT_EQ(source_key(make_address("2001:db8:1:2::1")),
            source_key(make_address("2001:db8:1:2:ffff:1234:5678:9abc")));
  EXPECT_NE(source_key(make_address("2001:db8:1:2::1")),
            source_key(make_address("2001:db8:1:3::1")));
}

TEST(SourceKey, V4MappedIsTheIpv4Address) {
  EXPECT_EQ(source_key(make_address("::ffff:198.51.100.4")),
            source_key(make_address("198.51.100.4")));
  // An IPv6 /64 whose first bytes look like an IPv4 address is still another source.
  EXPECT_NE(source_key(make_address("c633:6404::")), source_key(make_address("198.51.100.4")));
}

TEST(SourceCounts, AddRemoveAndNeverUnderflow) {
  SourceCounts counts;
  const auto a = source_key(make_address("10.0.0.1"));
  const auto b = source_key(make_address("2001:db8::1"));
  counts.add(a);
  counts.add(a);
  counts.add(b);
  EXPECT_EQ(counts.count(a), 2u);
  EXPECT_EQ(counts.count(b), 1u);
  EXPECT_EQ(counts.sources(), 2u);
  EXPECT_EQ(counts.total(), 3u);
  counts.remove(a);
  counts.remove(b);
  counts.remove(b);  // not counted any more: no-op
  EXPECT_EQ(counts.count(a), 1u);
  EXPECT_EQ(counts.count(b), 0u);
  EXPECT_EQ(counts.sources(), 1u);
  EXPECT_EQ(counts.total(), 1u);
  counts.remove(a);
  EXPECT_EQ(counts.sources(), 0u);
  EXPECT_EQ(counts.total(), 0u);
}

TEST(Admission, TotalCapThenPerIp) {
  AdmissionLimits limits{.max_connections = 10, .max_connections_per_ip = 3};
  EXPECT_EQ(admit_source(limits, 9, 2), Admission::accept);
  EXPECT_EQ(admit_source(limits, 10, 0), Admission::refuse_total);
  EXPECT_EQ(admit_source(limits, 5, 3), Admission::refuse_per_ip);
  EXPECT_EQ(admit_source(limits, 10, 3), Admission::refuse_total);
}

TEST(Admission, ZeroMeansUnlimited) {
  AdmissionLimits limits{.max_connections = 0,
                         .max_connections_per_ip = 0,
                         .max_pending_handshakes = 0,
                         .retry_threshold = 1'000'000};
  EXPECT_EQ(admit_source(limits, 1'000'000, 1'000'000), Admission::accept);
  EXPECT_EQ(admit_handshake(limits, 999'999, false), Admission::accept);
  EXPECT_EQ(admit_handshake(limits, 5'000'000, true), Admission::accept);
}

TEST(Admission, RetryBeyondThresholdHardCapEvenWithToken) {
  AdmissionLimits limits{.max_pending_handshakes = 8, .retry_threshold = 4};
  EXPECT_EQ(admit_handshake(limits, 3, false), Admission::accept);
  EXPECT_EQ(admit_handshake(limits, 4, false), Admission::retry);
  EXPECT_EQ(admit_handshake(limits, 4, true), Admission::accept);
  EXPECT_EQ(admit_handshake(limits, 7, true), Admission::accept);
  EXPECT_EQ(admit_handshake(limits, 8, true), Admission::refuse_pending_handshakes);
  // Tokenless beyond the cap still gets the (stateless) Retry; its token meets the cap later.
  EXPECT_EQ(admit_handshake(limits, 8, false), Admission::retry);
}

TEST(Admission, RetryThresholdIsClampedToTheHardCap) {
  AdmissionLimits limits{.max_pending_handshakes = 2, .retry_threshold = 128};
  EXPECT_EQ(effective_retry_threshold(limits), 2u);
  EXPECT_EQ(admit_handshake(limits, 2, false), Admission::retry);
  limits.retry_threshold = 0;  // always Retry
  EXPECT_EQ(admit_handshake(limits, 0, false), Admission::retry);
  EXPECT_EQ(admit_handshake(limits, 0, true), Admission::accept);
}

TEST(Admission, RefusalReasonsAreMetricLabels) {
  EXPECT_STREQ(refusal_reason(Admission::refuse_total), "connections");
  EXPECT_STREQ(refusal_reason(Admission::refuse_per_ip), "per_ip");
  EXPECT_STREQ(refusal_reason(Admission::refuse_pending_handshakes), "pending_handshakes");
}

}  // namespace
}  // namespace privstack::transport
