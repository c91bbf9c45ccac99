// privstack_interop_dial: dials a libp2p peer with our node layer over QUIC v1 + libp2p TLS, reads
// its identify, pings it 3 times on one stream and prints ONE JSON line on stdout, as the js, rust
// and go dialers of tests/interop do:
//
//   privstack_interop_dial --addr /ip4/127.0.0.1/udp/N/quic-v1/p2p/<id> [--expect-fail]
//                          [--timeout 20]
//
// {"ok":true,"peerId","protocolVersion","agentVersion","protocols":[],"listenAddrs":[],
//  "observedAddr","rttMs":[]} or {"ok":false,"error":"..."}. Exit 0 on success, 1 on failure
// (swapped by --expect-fail), 2 on usage errors. --timeout is a hard limit; the error then names
// the stage that hung. Logs go to stderr so stdout carries only the JSON line (INTEROP_DIAL_LOG=
// debug shows the node layer's).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "crypto/ed25519.h"
#include "multiformats/multiaddr.h"
#include "node/address.h"
#include "node/host.h"
#include "node/identify_service.h"
#include "protocol/identify.h"
#include "protocol/ping.h"

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace privstack;

constexpr int kPings = 3;
constexpr std::string_view kAgentVersion = "privstack-interop-dial/0.1.0";
constexpr std::string_view kProtocolVersion = "/privstack/relay/1.0.0";

struct Options {
  std::string addr;
  bool expect_fail = false;
  int timeout_seconds = 20;
};

std::optional<Options> parse_args(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--expect-fail") {
      options.expect_fail = true;
    } else if (arg == "--addr" && i + 1 < argc) {
      options.addr = argv[++i];
    } else if (arg == "--timeout" && i + 1 < argc) {
      try {
        options.timeout_seconds = std::stoi(argv[++i]);
      } catch (const std::exception&) {
        return std::nullopt;
      }
      if (options.timeout_seconds <= 0) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (options.addr.empty()) return std::nullopt;
  return options;
}

/// Where the run is; named in the timeout error.
struct Progress {
  std::string stage = "start";
};

asio::awaitable<Result<json::object>> dial_identify_ping(std::shared_ptr<node::Host> host,
                                                         multiformats::Multiaddr address,
                                                         std::shared_ptr<Progress> progress) {
  progress->stage = "dial";
  auto connection = co_await host->dial(address);
  if (!connection) co_return make_error("dial: {}", connection.error().message);
  const node::ConnectionPtr conn = *connection;

  progress->stage = "identify stream";
  auto id_stream = co_await host->new_stream(conn, std::string(protocol::identify::kProtocolId));
  if (!id_stream) co_return make_error("identify stream: {}", id_stream.error().message);
  progress->stage = "identify";
  auto info = co_await protocol::identify::read_identify(**id_stream, conn->remote_peer());
  if (!info) co_return make_error("identify: {}", info.error().message);

  progress->stage = "ping stream";
  auto ping_stream = co_await host->new_stream(conn, std::string(protocol::ping::kProtocolId));
  if (!ping_stream) co_return make_error("ping stream: {}", ping_stream.error().message);
  json::array rtts;
  for (int i = 0; i < kPings; ++i) {
    progress->stage = "ping " + std::to_string(i + 1);
    auto rtt = co_await protocol::ping::ping(**ping_stream);
    if (!rtt) co_return make_error("ping {}: {}", i + 1, rtt.error().message);
    rtts.push_back(std::chrono::duration<double, std::milli>(*rtt).count());
  }
  (*ping_stream)->close_write();
  progress->stage = "done";

  json::object out;
  out["ok"] = true;
  out["peerId"] = conn->remote_peer().to_string();
  out["protocolVersion"] = info->protocol_version;
  out["agentVersion"] = info->agent_version;
  json::array protocols;
  for (const auto& p : info->protocols)
    protocols.emplace_back(p);
  out["protocols"] = std::move(protocols);
  json::array listen;
  for (const auto& a : info->listen_addrs)
    listen.emplace_back(a.to_string());
  out["listenAddrs"] = std::move(listen);
  if (info->observed_addr) {
    out["observedAddr"] = info->observed_addr->to_string();
  } else {
    out["observedAddr"] = nullptr;
  }
  out["rttMs"] = std::move(rtts);
  conn->close(0, "done");
  co_return out;
}

/// Answers /ipfs/id/1.0.0 so the js peer can identify us. Not node::IdentifyService: that also
/// requests the peer's identify on every new connection, and js-libp2p allows ONE inbound identify
/// stream per connection (maxInboundStreams: 1), so our own read_identify stream below would race
/// the service's and get reset.
void install_identify_responder(const std::shared_ptr<node::Host>& host) {
  auto local = std::make_shared<protocol::identify::LocalInfo>(
      protocol::identify::LocalInfo{.public_key = host->keypair().public_key(),
                                    .protocol_version = std::string(kProtocolVersion),
                                    .agent_version = std::string(kAgentVersion),
                                    .listen_addrs = host->listen_addresses(),
                                    .protocols = {},
                                    .signed_peer_record = std::nullopt});
  host->set_handler(
      std::string(protocol::identify::kProtocolId),
      [local](node::StreamPtr stream, node::ConnectionPtr connection) -> asio::awaitable<void> {
        auto encoded = protocol::identify::encode_identify(
            *local, node::quic_multiaddr(connection->remote_endpoint()));
        if (!encoded) {
          spdlog::warn("identify: cannot encode: {}", encoded.error().message);
          stream->reset();
          co_return;
        }
        auto sent = co_await protocol::identify::respond_identify(*stream, encoded->body);
        if (!sent) stream->reset();
      });
  local->protocols = host->protocols();  // after every set_handler, so id and ping are listed
}

json::object failure(std::string message) {
  json::object out;
  out["ok"] = false;
  out["error"] = std::move(message);
  return out;
}

/// co_spawn needs a default-constructible result; Result<T> is not, so failures become objects.
asio::awaitable<json::object> run(std::shared_ptr<node::Host> host, multiformats::Multiaddr address,
                                  std::shared_ptr<Progress> progress) {
  auto r = co_await dial_identify_ping(std::move(host), std::move(address), std::move(progress));
  if (!r) co_return failure(r.error().message);
  co_return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_args(argc, argv);
  if (!options) {
    std::printf("%s\n",
                json::serialize(failure("usage: --addr <multiaddr with /p2p/<id>> [--expect-fail] "
                                        "[--timeout <seconds>]"))
                    .c_str());
    return 2;
  }
  // stdout is for the JSON line only.
  spdlog::set_default_logger(spdlog::stderr_color_mt("interop-dial"));
  // INTEROP_DIAL_LOG=debug (any spdlog level name) for the node layer's logs.
  const char* level = std::getenv("INTEROP_DIAL_LOG");
  spdlog::set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::warn);

  json::object result;
  {
    asio::io_context io;
    auto address = multiformats::Multiaddr::parse(options->addr);
    if (!address) {
      result = failure("bad address: " + address.error().message);
    } else if (auto host = node::Host::create(io, crypto::Ed25519Keypair::generate(), {}); !host) {
      result = failure("host: " + host.error().message);
    } else {
      node::install_ping(**host);
      install_identify_responder(*host);
      auto progress = std::make_shared<Progress>();
      std::optional<json::object> outcome;
      asio::co_spawn(io, run(*host, *address, progress),
                     [&](std::exception_ptr error, json::object r) {
                       if (outcome) return;  // finished only while draining after a timeout
                       if (error) {
                         try {
                           std::rethrow_exception(error);
                         } catch (const std::exception& e) {
                           outcome = failure(std::string("exception: ") + e.what());
                         } catch (...) {
                           outcome = failure("unknown exception");
                         }
                       } else {
                         outcome = std::move(r);
                       }
                       io.stop();
                     });
      io.run_for(std::chrono::seconds(options->timeout_seconds));
      if (!outcome) {
        outcome = failure("timeout after " + std::to_string(options->timeout_seconds) + " s in " +
                          progress->stage);
      }
      result = std::move(*outcome);
      // Drain: closing the host fails whatever is still pending, so the coroutines finish and
      // free their frames (and ASan sees no leaks at exit).
      (*host)->close();
      io.restart();
      io.run_for(std::chrono::seconds(2));
    }
  }
  const bool ok = result.at("ok").as_bool();
  std::printf("%s\n", json::serialize(result).c_str());
  std::fflush(stdout);
  if (options->expect_fail) return ok ? 1 : 0;
  return ok ? 0 : 1;
}
