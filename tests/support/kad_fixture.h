// A Kademlia server host on loopback and kad client peers dialing it, for the kad service tests
// and the kad flood tests: start the server, add peers, connect, open /ipfs/kad/1.0.0 streams and
// exchange one framed request/answer. The tests derive from KadServerTest and add what they check.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "common/bytes.h"
#include "node/host.h"
#include "node/identify_service.h"
#include "node/kad/kad_service.h"
#include "protocol/kad/message.h"
#include "protocol/length_prefixed.h"
#include "support/loopback_hosts.h"

namespace privstack::test {

/// Identify with a test protocol version and `agent` (so the server learns the peer's protocols
/// and listen addresses, which is how kad peers enter its routing table).
inline node::IdentifyConfig kad_identify_config(std::string agent) {
  return node::IdentifyConfig{.protocol_version = "/test/1.0.0",
                              .agent_version = std::move(agent),
                              .request_timeout = std::chrono::seconds(10),
                              .limits = {}};
}

/// A client peer: a host listening on loopback, with identify.
struct KadPeer {
  std::shared_ptr<node::Host> host;
  std::shared_ptr<node::IdentifyService> identify;
};

class KadServerTest : public ::testing::Test {
 protected:
  // Call first in each test.
  void start(node::KadConfig config = {}) {
    server_ = loopback_host(io_);
    ASSERT_TRUE(server_);
    kad_ = node::KadService::install(server_, std::move(config));
    identify_ = node::IdentifyService::install(server_, kad_identify_config("kad-server"));
  }

  void TearDown() override {
    for (auto& p : peers_)
      p.host->close();
    if (kad_) kad_->stop();
    if (server_) server_->close();
    io_.restart();
    io_.run_for(std::chrono::milliseconds(100));
  }

  // A client peer on loopback. With `kad` it advertises /ipfs/kad/1.0.0 (its handler only
  // resets: the peers are clients, the server is under test).
  KadPeer& add_peer(bool kad = true, transport::EndpointConfig transport = {}) {
    auto host = loopback_host(io_, "127.0.0.1", std::move(transport));
    if (host && kad) {
      host->set_handler(std::string(protocol::kad::kProtocolId),
                        [](node::StreamPtr s, node::ConnectionPtr) -> boost::asio::awaitable<void> {
                          s->reset();
                          co_return;
                        });
    }
    auto identify =
        host ? node::IdentifyService::install(host, kad_identify_config("peer")) : nullptr;
    peers_.push_back(KadPeer{host, identify});
    return peers_.back();
  }

  boost::asio::awaitable<node::ConnectionPtr> connect(KadPeer& peer) {
    return dial_ok(*peer.host, *server_);
  }

  // A kad stream on `connection`, or null (not a test failure: floods expect refusals).
  boost::asio::awaitable<node::StreamPtr> open_kad_stream(KadPeer& peer,
                                                          const node::ConnectionPtr& connection) {
    auto stream =
        co_await peer.host->new_stream(connection, std::string(protocol::kad::kProtocolId));
    co_return stream.ok() ? *stream : nullptr;
  }

  // Reads one framed answer; nullopt when the server reset or ended the stream (or, with
  // `strict`, after a test failure for an oversize frame or an undecodable message).
  static boost::asio::awaitable<std::optional<protocol::kad::KadMessage>> read_kad_answer(
      const node::StreamPtr& stream, bool strict) {
    auto frame = co_await protocol::read_frame(*stream, 1 << 20);
    if (!frame || !frame->has_value()) co_return std::nullopt;
    if (strict) {
      EXPECT_LE(protocol::frame_size((*frame)->size()), protocol::kad::kRustMaxFrame);
    }
    auto decoded = protocol::kad::decode_message(**frame);
    if (strict) {
      EXPECT_TRUE(decoded.ok());
    }
    if (!decoded) co_return std::nullopt;
    co_return *decoded;
  }

  // Sends one request and reads one answer (see read_kad_answer).
  static boost::asio::awaitable<std::optional<protocol::kad::KadMessage>> ask_kad(
      const node::StreamPtr& stream, const protocol::kad::KadMessage& request, bool strict) {
    const Bytes body = protocol::kad::encode_message(request);
    auto sent = co_await protocol::write_frame(*stream, body);
    if (!sent) co_return std::nullopt;
    co_return co_await read_kad_answer(stream, strict);
  }

  static protocol::kad::KadMessage put(const std::string& key, const std::string& value) {
    return protocol::kad::KadMessage{
        .type = protocol::kad::MessageType::put_value,
        .key = to_bytes(key),
        .record = protocol::kad::KadRecord{.key = to_bytes(key), .value = to_bytes(value)}};
  }

  boost::asio::io_context io_;
  std::shared_ptr<node::Host> server_;
  std::shared_ptr<node::KadService> kad_;
  std::shared_ptr<node::IdentifyService> identify_;
  std::deque<KadPeer> peers_;
};

}  // namespace privstack::test
