#include "app/cli.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app/announce.h"
#include "app/logging.h"
#include "app/version.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::app {

namespace {

// Ports are parsed as int so that 0 and 70000 give a clear range error rather than CLI11's generic
// conversion failure for uint16_t.
constexpr int kMinPort = 1;
constexpr int kMaxPort = 65535;

// ---- Circuit relay limits (--relay-*) ----------------------------------------------------------

// "BURST/SECONDS" (e.g. 30/120: 30 at once, then one per 120 s), or 0 for no rate limit.
std::optional<protocol::relay::RateLimit> parse_rate(const std::string& text) {
  if (text == "0") return protocol::relay::RateLimit{};
  const auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    std::size_t used = 0;
    const unsigned long burst = std::stoul(text.substr(0, slash), &used);
    if (used != slash) return std::nullopt;
    const std::string seconds_text = text.substr(slash + 1);
    const unsigned long seconds = std::stoul(seconds_text, &used);
    if (used != seconds_text.size() || burst > 1'000'000 || seconds > 86'400 * 365) {
      return std::nullopt;
    }
    if (burst == 0 || seconds == 0) return protocol::relay::RateLimit{};
    return protocol::relay::RateLimit{static_cast<std::uint32_t>(burst),
                                      std::chrono::seconds(seconds)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string format_rate(const protocol::relay::RateLimit& rate) {
  if (!rate.enabled()) return "0";
  return fmt::format("{}/{}", rate.burst, rate.interval.count());
}

// What CLI11 fills in; copied into the policy after a successful parse.
struct RelayFlags {
  std::int64_t reservation_ttl = 0;
  std::int64_t circuit_duration = 0;
  std::int64_t allow_circuit_duration = 0;
  std::string reservation_rate_per_peer;
  std::string reservation_rate_per_ip;
  std::string circuit_rate_per_peer;
  std::string circuit_rate_per_ip;
  std::vector<std::string> allow;
};

void add_relay_flags(CLI::App& cli, protocol::relay::RelayPolicy& policy, RelayFlags& flags) {
  constexpr std::int64_t kMaxSeconds = std::int64_t{86'400} * 365;  // a year
  flags.reservation_ttl = policy.reservation_ttl.count();
  flags.circuit_duration = policy.circuit.duration.count();
  flags.allow_circuit_duration = policy.allowed_circuit.duration.count();
  flags.reservation_rate_per_peer = format_rate(policy.reservation_rate_per_peer);
  flags.reservation_rate_per_ip = format_rate(policy.reservation_rate_per_ip);
  flags.circuit_rate_per_peer = format_rate(policy.circuit_rate_per_peer);
  flags.circuit_rate_per_ip = format_rate(policy.circuit_rate_per_ip);
  const auto rate_check = CLI::Validator(
      [](std::string& text) {
        return parse_rate(text) ? std::string() : "expected BURST/SECONDS (e.g. 30/120) or 0";
      },
      "BURST/SECONDS");
  const auto allow_check = CLI::Validator(
      [](std::string& text) {
        if (crypto::PeerId::parse(text) || protocol::relay::Cidr::parse(text)) return std::string();
        return "'" + text + "' is neither a peer id nor an IP address/CIDR block";
      },
      "PEER_ID|CIDR");
  const std::string relay = "Circuit relay (0 = no limit)";
  cli.add_option("--relay-max-reservations", policy.max_reservations,
                 "Reservations held at once, all peers")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-max-reservations-per-peer", policy.max_reservations_per_peer,
                 "Reservations one peer may hold (one per connection)")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-max-reservations-per-ip", policy.max_reservations_per_ip,
                 "Reservations from one IPv4 address or IPv6 /56")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-reservation-ttl", flags.reservation_ttl,
                 "Seconds a reservation lasts before it must be renewed")
      ->check(CLI::Range(std::int64_t{0}, kMaxSeconds))
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-reservation-rate-per-peer", flags.reservation_rate_per_peer,
                 "Reservation requests per peer: BURST at once, then one per SECONDS")
      ->check(rate_check)
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-reservation-rate-per-ip", flags.reservation_rate_per_ip,
                 "Reservation requests per IP: BURST at once, then one per SECONDS")
      ->check(rate_check)
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-max-circuits", policy.max_circuits, "Circuits open at once, all peers")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-max-circuits-per-peer", policy.max_circuits_per_peer,
                 "Concurrent circuits one peer may open (as source)")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-max-circuits-per-ip", policy.max_circuits_per_ip,
                 "Concurrent circuits opened from one IPv4 address or IPv6 /56")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-circuit-duration", flags.circuit_duration,
                 "Seconds a circuit may stay open (sent to peers as its Limit)")
      ->check(CLI::Range(std::int64_t{0}, kMaxSeconds))
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-circuit-bytes", policy.circuit.bytes,
                 "Bytes a circuit may carry, both directions summed (sent as its Limit)")
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-circuit-rate-per-peer", flags.circuit_rate_per_peer,
                 "Circuit requests per source peer: BURST at once, then one per SECONDS")
      ->check(rate_check)
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-circuit-rate-per-ip", flags.circuit_rate_per_ip,
                 "Circuit requests per source IP: BURST at once, then one per SECONDS")
      ->check(rate_check)
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-allow", flags.allow,
                 "Allow-listed peer id or IP/CIDR (repeatable): no per-peer/per-IP caps or rate "
                 "limits, and the --relay-allow-circuit-* limits")
      ->check(allow_check)
      ->group(relay);
  cli.add_option("--relay-allow-circuit-duration", flags.allow_circuit_duration,
                 "Seconds an allow-listed circuit may stay open")
      ->check(CLI::Range(std::int64_t{0}, kMaxSeconds))
      ->group(relay)
      ->capture_default_str();
  cli.add_option("--relay-allow-circuit-bytes", policy.allowed_circuit.bytes,
                 "Bytes an allow-listed circuit may carry")
      ->group(relay)
      ->capture_default_str();
}

// Values were validated by CLI11; this only converts them.
void apply_relay_flags(const RelayFlags& flags, protocol::relay::RelayPolicy& policy) {
  policy.reservation_ttl = std::chrono::seconds(flags.reservation_ttl);
  policy.circuit.duration = std::chrono::seconds(flags.circuit_duration);
  policy.allowed_circuit.duration = std::chrono::seconds(flags.allow_circuit_duration);
  policy.reservation_rate_per_peer =
      parse_rate(flags.reservation_rate_per_peer).value_or(policy.reservation_rate_per_peer);
  policy.reservation_rate_per_ip =
      parse_rate(flags.reservation_rate_per_ip).value_or(policy.reservation_rate_per_ip);
  policy.circuit_rate_per_peer =
      parse_rate(flags.circuit_rate_per_peer).value_or(policy.circuit_rate_per_peer);
  policy.circuit_rate_per_ip =
      parse_rate(flags.circuit_rate_per_ip).value_or(policy.circuit_rate_per_ip);
  for (const auto& entry : flags.allow) {
    if (auto peer = crypto::PeerId::parse(entry)) {
      policy.allow_peers.push_back(std::move(*peer));
    } else if (auto cidr = protocol::relay::Cidr::parse(entry)) {
      policy.allow_cidrs.push_back(std::move(*cidr));
    }
  }
}

// ---- Kademlia (--kad-*, --bootstrap) -----------------------------------------------------------

// A bootstrap peer must be a multiaddr that names the peer (/p2p/<id>): we dial it expecting that
// identity, as rust's `add_address` + bootstrap does.
std::string check_bootstrap(const std::string& text) {
  auto address = multiformats::Multiaddr::parse(text);
  if (!address) return "'" + text + "' is not a multiaddr: " + address.error().message;
  auto peer = address->peer_id_bytes();
  if (!peer || !crypto::PeerId::from_bytes(*peer)) {
    return "'" + text + "' has no /p2p/<peer id> component";
  }
  return {};
}

void add_kad_flags(CLI::App& cli, node::KadConfig& kad, std::vector<std::string>& bootstrap) {
  const std::string group = "Kademlia DHT (0 = no limit)";
  cli.add_option("--bootstrap", bootstrap,
                 "Peer to join the DHT through, e.g. /ip4/1.2.3.4/udp/4001/quic-v1/p2p/12D3KooW... "
                 "(repeatable)")
      ->check(CLI::Validator([](std::string& text) { return check_bootstrap(text); }, "MULTIADDR"))
      ->group(group);
  cli.add_option("--kad-max-records", kad.records.max_records, "Records stored at once")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--kad-max-value-bytes", kad.records.max_value_bytes,
                 "Largest record value accepted, in bytes")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--kad-max-provider-keys", kad.providers.max_provided_keys,
                 "Keys with provider records stored at once")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--kad-max-providers-per-key", kad.providers.max_providers_per_key,
                 "Providers kept per key (later ones are ignored)")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
}

// Values were validated by CLI11; this only converts them.
void apply_kad_flags(const std::vector<std::string>& bootstrap, node::KadConfig& kad) {
  for (const auto& text : bootstrap) {
    if (auto address = multiformats::Multiaddr::parse(text)) kad.bootstrap.push_back(*address);
  }
}

// ---- DHT participation (--kad-query-timeout, --kad-*-interval; kad-query) ----------------------

// Whole seconds on the command line; CLI11 fills these, apply_kad_dht_flags converts them.
struct KadDhtFlags {
  std::int64_t query_timeout = 0;
  std::int64_t refresh_interval = 0;
  std::int64_t replication_interval = 0;
  std::int64_t replication_check = 0;
};

void add_kad_dht_flags(CLI::App& cli, const node::KadDhtConfig& dht, KadDhtFlags& flags) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  constexpr std::int64_t kMaxSeconds = std::int64_t{86'400} * 365;
  flags.query_timeout = duration_cast<seconds>(dht.query_timeout).count();
  flags.refresh_interval = duration_cast<seconds>(dht.refresh_interval).count();
  flags.replication_interval = duration_cast<seconds>(dht.replication_interval).count();
  flags.replication_check = duration_cast<seconds>(dht.replication_check).count();
  const std::string group = "Kademlia DHT participation (seconds; 0 = off)";
  cli.add_option("--kad-query-timeout", flags.query_timeout,
                 "A DHT lookup ends after this with what answered")
      ->check(CLI::Range(std::int64_t{1}, kMaxSeconds))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--kad-refresh-interval", flags.refresh_interval,
                 "Self lookup and bucket refresh period")
      ->check(CLI::Range(std::int64_t{0}, kMaxSeconds))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--kad-replication-interval", flags.replication_interval,
                 "Re-put of every stored record to the K closest peers")
      ->check(CLI::Range(std::int64_t{0}, kMaxSeconds))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--kad-replication-check", flags.replication_check,
                 "How often records new since the last check are replicated")
      ->check(CLI::Range(std::int64_t{0}, kMaxSeconds))
      ->group(group)
      ->capture_default_str();
}

void apply_kad_dht_flags(const KadDhtFlags& flags, node::KadDhtConfig& dht) {
  dht.query_timeout = std::chrono::seconds(flags.query_timeout);
  dht.refresh_interval = std::chrono::seconds(flags.refresh_interval);
  dht.replication_interval = std::chrono::seconds(flags.replication_interval);
  dht.replication_check = std::chrono::seconds(flags.replication_check);
}

// ---- Operations (--announce, --external-ip, --shutdown-timeout, --log-format) -----------------

struct OpsFlags {
  std::vector<std::string> announce;
  std::vector<std::string> external_ip;
  std::int64_t shutdown_timeout = 0;
  std::string log_format = "text";
};

void add_ops_flags(CLI::App& cli, const Options& options, OpsFlags& flags) {
  flags.shutdown_timeout = options.shutdown_timeout.count();
  const std::string group = "Operations";
  cli.add_option("--announce", flags.announce,
                 "Address clients can dial, advertised instead of the interface addresses, e.g. "
                 "/ip4/203.0.113.7/udp/4001/quic-v1 or /dns4/relay.example.com/udp/4001/quic-v1 "
                 "(repeatable; a trailing /p2p/ must be this relay's id)")
      ->check(CLI::Validator(
          [](std::string& text) {
            auto parsed = parse_announce(text);
            return parsed ? std::string() : parsed.error().message;
          },
          "MULTIADDR"))
      ->group(group);
  cli.add_option("--external-ip", flags.external_ip,
                 "Public IP to announce as /ip4|ip6/<IP>/udp/<port>/quic-v1 (repeatable)")
      ->check(CLI::Validator(
          [](std::string& text) {
            auto parsed = external_ip_address(text, 1);
            return parsed ? std::string() : parsed.error().message;
          },
          "IP"))
      ->group(group);
  cli.add_option("--shutdown-timeout", flags.shutdown_timeout,
                 "Seconds SIGTERM/SIGINT waits for connections to close before exiting (a second "
                 "signal exits at once)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{3600}))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--log-format", flags.log_format,
                 "Log lines on stderr: text, or json (one object per line: ts, level, logger, msg)")
      ->check(CLI::IsMember({"text", "json"}))
      ->group(group)
      ->capture_default_str();
}

// Values were validated by CLI11; this only converts them (--external-ip needs the final port).
void apply_ops_flags(const OpsFlags& flags, Options& options) {
  for (const auto& text : flags.announce) {
    if (auto address = parse_announce(text)) options.announce.push_back(std::move(*address));
  }
  for (const auto& text : flags.external_ip) {
    if (auto address = external_ip_address(text, options.port))
      options.announce.push_back(std::move(*address));
  }
  options.shutdown_timeout = std::chrono::seconds(flags.shutdown_timeout);
  options.log_format = parse_log_format(flags.log_format).value_or(LogFormat::text);
}

// ---- Metrics (--metrics-listen, --metrics-on-http-port, --stats-interval) ---------------------

struct MetricsFlags {
  std::string listen = "127.0.0.1:9464";
  std::int64_t stats_interval = 0;
};

void add_metrics_flags(CLI::App& cli, Options& options, MetricsFlags& flags) {
  flags.stats_interval = options.metrics.stats_interval.count();
  const std::string group = "Metrics";
  cli.add_option("--metrics-listen", flags.listen,
                 "Address of the Prometheus /metrics listener, IP:PORT or [IPv6]:PORT, or off. "
                 "Loopback by default so a public relay does not publish its load")
      ->check(CLI::Validator(
          [](std::string& text) {
            if (text == "off") return std::string();
            auto parsed = parse_listen_address(text);
            return parsed ? std::string() : parsed.error().message;
          },
          "ADDRESS|off"))
      ->group(group)
      ->capture_default_str();
  cli.add_flag("--metrics-on-http-port", options.metrics_on_http_port,
               "Also serve /metrics on the public HTTP port (--http-port)")
      ->group(group);
  cli.add_option("--stats-interval", flags.stats_interval,
                 "Seconds between log lines with the peers_served and relayed_connections "
                 "counters (0 = only at shutdown)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{86'400} * 365))
      ->group(group)
      ->capture_default_str();
}

// Values were validated by CLI11; this only converts them.
void apply_metrics_flags(const MetricsFlags& flags, Options& options) {
  if (flags.listen == "off") {
    options.metrics.listen.reset();
  } else if (auto endpoint = parse_listen_address(flags.listen)) {
    options.metrics.listen = *endpoint;
  }
  options.metrics.stats_interval = std::chrono::seconds(flags.stats_interval);
}

// ---- AutoNAT v1 server (--no-autonat, --autonat-*) ---------------------------------------------

// Whole seconds on the command line; CLI11 fills these, apply_autonat_flags converts them.
struct AutonatFlags {
  bool disabled = false;
  bool allow_private = false;
  std::int64_t throttle_period = 0;
  std::int64_t dial_timeout = 0;
};

void add_autonat_flags(CLI::App& cli, node::AutonatConfig& autonat, AutonatFlags& flags) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  flags.throttle_period = duration_cast<seconds>(autonat.throttle.period).count();
  flags.dial_timeout = duration_cast<seconds>(autonat.dial_timeout).count();
  const std::string group = "AutoNAT v1 server (0 = no limit)";
  cli.add_flag("--no-autonat", flags.disabled,
               "Do not answer /libp2p/autonat/1.0.0 (clients then cannot learn their reachability "
               "from this relay)")
      ->group(group);
  cli.add_flag("--autonat-allow-private", flags.allow_private,
               "Also dial back clients observed at non-global IPs (LAN, loopback, CGNAT); off as "
               "in rust-libp2p")
      ->group(group);
  cli.add_option("--autonat-max-addresses", autonat.addresses.max_addresses,
                 "Addresses dialed back per request")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--autonat-throttle-global", autonat.throttle.global_max,
                 "Dial-back requests served per throttle period, all peers")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--autonat-throttle-peer", autonat.throttle.peer_max,
                 "Dial-back requests served per throttle period for one peer")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--autonat-throttle-period", flags.throttle_period,
                 "Seconds a served request counts against the throttles")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86'400}))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--autonat-dial-timeout", flags.dial_timeout,
                 "Seconds after which no further dial-back address is tried")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{25}))
      ->group(group)
      ->capture_default_str();
}

void apply_autonat_flags(const AutonatFlags& flags, Options& options) {
  options.autonat = !flags.disabled;
  options.autonat_config.addresses.only_global_ips = !flags.allow_private;
  options.autonat_config.throttle.period = std::chrono::seconds(flags.throttle_period);
  options.autonat_config.dial_timeout = std::chrono::seconds(flags.dial_timeout);
}

// ---- QUIC transport limits (--max-connections, --max-connections-per-ip, ...) ----------------

void add_transport_flags(CLI::App& cli, Options& options) {
  const std::string group = "QUIC connections (issue 8)";
  cli.add_option("--max-connections", options.max_connections,
                 "QUIC connections in any state (handshaking, open, closing), inbound and "
                 "outbound; further clients are refused with CONNECTION_REFUSED (0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--max-connections-per-ip", options.max_connections_per_ip,
                 "Inbound QUIC connections in any state from one IPv4 address or one IPv6 /64 "
                 "(0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--max-pending-handshakes", options.max_pending_handshakes,
                 "Inbound QUIC handshakes in progress, even with a valid Retry token; from "
                 "--retry-threshold on (or this limit if lower) "
                 "new clients must first answer a Retry (0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->group(group)
      ->capture_default_str();
  cli.add_option("--max-streams-per-connection", options.max_streams_per_connection,
                 "Concurrent streams a peer may open on one QUIC connection (QUIC stream credit; "
                 "at least 1)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->group(group)
      ->capture_default_str();
}

// ---- QUIC/libp2p timeouts (--retry-threshold, --handshake-timeout, --negotiation-timeout) -----

// Whole seconds on the command line; CLI11 fills them, apply_transport_timeout_flags converts.
struct TransportTimeoutFlags {
  std::int64_t handshake_timeout = 0;
  std::int64_t negotiation_timeout = 0;
};

// Bounds: a handshake over a lossy mobile path needs a few RTTs plus PTO backoff, so 1 s is the
// least that is not a foot-gun; beyond 60 s a half-open handshake holds a pending slot for longer
// than any client waits. Negotiation gets up to 5 minutes (slow peers, debugging), not forever:
// an unnegotiated stream holds QUIC stream credit until its deadline.
constexpr std::int64_t kMaxHandshakeSeconds = 60;
constexpr std::int64_t kMaxNegotiationSeconds = 300;
// More handshakes in progress than this is never reasonable to allow without address validation.
constexpr std::size_t kMaxRetryThreshold = 1'000'000;

void add_transport_timeout_flags(CLI::App& cli, Options& options, TransportTimeoutFlags& flags) {
  flags.handshake_timeout = options.handshake_timeout.count();
  flags.negotiation_timeout = options.negotiation_timeout.count();
  const std::string group = "QUIC connections (issue 8)";
  cli.add_option("--retry-threshold", options.retry_threshold,
                 "From this many inbound QUIC handshakes in progress on, a new client must first "
                 "answer a Retry (address validation); capped by --max-pending-handshakes (0 = "
                 "always Retry)")
      ->check(CLI::Range(std::size_t{0}, kMaxRetryThreshold))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--handshake-timeout", flags.handshake_timeout,
                 "Seconds a QUIC handshake may take; an unfinished one is dropped and frees its "
                 "pending slot")
      ->check(CLI::Range(std::int64_t{1}, kMaxHandshakeSeconds))
      ->group(group)
      ->capture_default_str();
  cli.add_option("--negotiation-timeout", flags.negotiation_timeout,
                 "Seconds a peer has to agree on a protocol (multistream-select) for a new stream "
                 "before it is reset")
      ->check(CLI::Range(std::int64_t{1}, kMaxNegotiationSeconds))
      ->group(group)
      ->capture_default_str();
}

// Values were validated by CLI11; this only converts them.
void apply_transport_timeout_flags(const TransportTimeoutFlags& flags, Options& options) {
  options.handshake_timeout = std::chrono::seconds(flags.handshake_timeout);
  options.negotiation_timeout = std::chrono::seconds(flags.negotiation_timeout);
}

}  // namespace

CliOutcome parse_command_line(int argc, const char* const* argv) {
  CLI::App cli{"PrivStack P2P relay and bootstrap node", std::string(kProgramName)};
  cli.set_version_flag("--version", fmt::format("{} {}", kProgramName, kProgramVersion));

  Options options;
  int port = options.port;
  int http_port = options.http_port;
  std::string identity = options.identity.string();
  cli.add_option("-p,--port", port, "UDP port to listen on (QUIC v1, IPv4 and IPv6)")
      ->check(CLI::Range(kMinPort, kMaxPort))
      ->capture_default_str();
  cli.add_option("--http-port", http_port, "TCP port of the HTTP identity API")
      ->check(CLI::Range(kMinPort, kMaxPort))
      ->capture_default_str();
  cli.add_option("--http-max-connections", options.http_max_connections,
                 "Concurrent HTTP connections (0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cli.add_option("--http-max-connections-per-ip", options.http_max_connections_per_ip,
                 "Concurrent HTTP connections from one IP (IPv6: one /56; 0 = no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cli.add_option("-i,--identity", identity, "Path to the Ed25519 identity key file")
      ->capture_default_str();
  cli.add_flag("-v,--verbose", options.verbose, "Enable debug-level logging");
  RelayFlags relay_flags;
  add_relay_flags(cli, options.relay, relay_flags);
  std::vector<std::string> bootstrap;
  add_kad_flags(cli, options.kad, bootstrap);
  KadDhtFlags dht_flags;
  add_kad_dht_flags(cli, options.kad_dht, dht_flags);
  OpsFlags ops_flags;
  add_ops_flags(cli, options, ops_flags);

  MetricsFlags metrics_flags;
  add_metrics_flags(cli, options, metrics_flags);
  AutonatFlags autonat_flags;
  add_autonat_flags(cli, options.autonat_config, autonat_flags);
  add_transport_flags(cli, options);
  TransportTimeoutFlags timeout_flags;
  add_transport_timeout_flags(cli, options, timeout_flags);

  CliOutcome outcome;
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // also --help and --version, which CLI11 reports this way
    std::ostringstream out;
    std::ostringstream err;
    // CLI11 numbers its errors from 100; scripts expect the conventional 2 for a usage error.
    outcome.exit_code = cli.exit(e, out, err) == 0 ? 0 : 2;
    outcome.output = out.str() + err.str();
    return outcome;
  }
  options.port = static_cast<std::uint16_t>(port);
  options.http_port = static_cast<std::uint16_t>(http_port);
  options.identity = identity;
  apply_relay_flags(relay_flags, options.relay);
  apply_kad_flags(bootstrap, options.kad);
  apply_kad_dht_flags(dht_flags, options.kad_dht);
  apply_ops_flags(ops_flags, options);
  apply_metrics_flags(metrics_flags, options);
  apply_autonat_flags(autonat_flags, options);
  apply_transport_timeout_flags(timeout_flags, options);
  outcome.options = options;
  return outcome;
}

}  // namespace privstack::app
