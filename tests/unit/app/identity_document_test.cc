#include "app/identity_document.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace privstack::app {
namespace {

TEST(IdentityDocument, SerializesTheOriginalsFieldsInOrder) {
  IdentityDocument document{"12D3KooWTest", wildcard_listen_addresses(4001),
                            "/privstack/relay/1.0.0", "privstack-relay/0.1.0"};
  EXPECT_EQ(to_json(document),
            R"({"peer_id":"12D3KooWTest","addresses":["/ip4/0.0.0.0/udp/4001/quic-v1",)"
            R"("/ip6/::/udp/4001/quic-v1"],"protocol_version":"/privstack/relay/1.0.0",)"
            R"("agent_version":"privstack-relay/0.1.0"})");
}

TEST(IdentityDocument, EscapesStrings) {
  IdentityDocument document{"a\"b", {}, "p", "a"};
  auto parsed = boost::json::parse(to_json(document));
  EXPECT_EQ(parsed.at("peer_id").as_string(), "a\"b");
}

}  // namespace
}  // namespace privstack::app
