//! A stand-in for `privstack-relay` built from rust-libp2p 0.56: the Rust original's
//! `RelayBehaviour` (relay::Behaviour + kad::Behaviour<MemoryStore> in server mode + identify),
//! plus ping. The interop harness uses it to develop and self-test the client scripts without
//! our relay, and the benchmarks use it as the reference to compare against.
//!
//!   mock-relay --port <udp port> --http-port <tcp port> --identity <key file> [-v]
//!              [--listen-ip <ip>]... [--unlimited] [--relay-* <n>]...
//!              [--idle-connection-timeout SECS] [--ping-interval-ms MS] [--peer-id-file FILE]
//!
//! - loads the libp2p PrivateKey protobuf from --identity, or creates it (Ed25519, mode 0600);
//! - listens on QUIC v1 at 127.0.0.1 and ::1 (loopback only) unless --listen-ip is given (the
//!   two-NAT test passes an address inside its own network namespace); every listen address is
//!   also an external address, because relay::Behaviour puts only external addresses into a
//!   reservation and rust clients reject a reservation without addresses;
//! - identify: protocolVersion `/privstack/relay/1.0.0`, agentVersion `privstack-relay/0.1.0`;
//! - kad in server mode, 60 s query timeout, peers added with their identify listen addresses
//!   when they speak `/ipfs/kad/1.0.0` (what the original does with identify info);
//! - relay limits: rust-libp2p's defaults (as the original) unless overridden; `--unlimited`
//!   lifts every cap and removes the rate limiters (for benchmarks), and also lifts the kad
//!   MemoryStore caps (record count, value size, provider counts) and the swarm's idle-connection
//!   timeout (so idle benchmark connections are not closed by the relay);
//! - `--idle-connection-timeout SECS` (default 60; rust-libp2p 0.56's own default is 10) and
//!   `--ping-interval-ms MS` (default 100, see the ping comment in main) are for benchmarks;
//! - `--peer-id-file FILE` writes the peer id to FILE.tmp and renames it to FILE once listening;
//! - answers every HTTP request on the first listen IPv4 address's <http port> with the identity JSON;
//! - prints a banner with the line `  PeerId:    <peer id>` once it listens.

use std::{
    io::{Read, Write},
    net::{IpAddr, TcpListener},
    num::NonZeroU32,
    path::PathBuf,
    time::Duration,
};

use futures::StreamExt;
use libp2p::{
    identify,
    identity::Keypair,
    kad::{self, store::MemoryStore},
    multiaddr::Protocol,
    ping, relay,
    swarm::{NetworkBehaviour, SwarmEvent},
    Multiaddr,
};

#[derive(NetworkBehaviour)]
struct Behaviour {
    relay: relay::Behaviour,
    kademlia: kad::Behaviour<MemoryStore>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

/// Relay limits; `None` keeps rust-libp2p's default for that field.
#[derive(Default)]
struct RelayLimits {
    unlimited: bool,
    max_reservations: Option<usize>,
    max_reservations_per_peer: Option<usize>,
    reservation_ttl_secs: Option<u64>,
    max_circuits: Option<usize>,
    max_circuits_per_peer: Option<usize>,
    circuit_duration_secs: Option<u64>,
    circuit_bytes: Option<u64>,
    /// "BURST/SECONDS" rate limits as privstack-relay takes them; `Some(None)` = "0" = none.
    reservation_rate_per_peer: Option<Option<(u32, u64)>>,
    reservation_rate_per_ip: Option<Option<(u32, u64)>>,
    circuit_rate_per_peer: Option<Option<(u32, u64)>>,
    circuit_rate_per_ip: Option<Option<(u32, u64)>>,
}

struct Args {
    port: u16,
    http_port: u16,
    identity: PathBuf,
    verbose: bool,
    listen_ips: Vec<IpAddr>,
    limits: RelayLimits,
    /// None: 60 s, or no timeout with --unlimited.
    idle_connection_timeout_secs: Option<u64>,
    ping_interval_ms: u64,
    peer_id_file: Option<PathBuf>,
}

// The --relay-* flags are privstack-relay's (same names, 0 = no limit). The per-IP caps have no
// rust-libp2p equivalent: they are accepted and ignored.
const USAGE: &str =
    "mock-relay [--port N] [--http-port N] [--identity FILE] [-v] [--listen-ip IP]...
  [--unlimited] [--relay-max-reservations N] [--relay-max-reservations-per-peer N]
  [--relay-reservation-ttl SECS] [--relay-max-circuits N] [--relay-max-circuits-per-peer N]
  [--relay-circuit-duration SECS] [--relay-circuit-bytes BYTES]
  [--relay-{reservation,circuit}-rate-per-{peer,ip} BURST/SECONDS|0]
  [--relay-max-reservations-per-ip N] [--relay-max-circuits-per-ip N] (ignored)
  [--idle-connection-timeout SECS] [--ping-interval-ms MS] [--peer-id-file FILE]";

fn parse_rate(name: &str, v: &str) -> Result<Option<(u32, u64)>, String> {
    if v == "0" {
        return Ok(None);
    }
    let bad = || format!("bad value for {name}: {v} (BURST/SECONDS or 0)");
    let (b, s) = v.split_once('/').ok_or_else(bad)?;
    let burst: u32 = b.parse().map_err(|_| bad())?;
    let secs: u64 = s.parse().map_err(|_| bad())?;
    Ok((burst > 0 && secs > 0).then_some((burst, secs)))
}

fn parse_args() -> Result<Args, String> {
    fn num<T: std::str::FromStr>(name: &str, v: String) -> Result<T, String> {
        v.parse().map_err(|_| format!("bad value for {name}: {v}"))
    }
    let mut a = Args {
        port: 4001,
        http_port: 4002,
        identity: PathBuf::from("relay-identity.key"),
        verbose: false,
        listen_ips: Vec::new(),
        limits: RelayLimits::default(),
        idle_connection_timeout_secs: None,
        ping_interval_ms: 100,
        peer_id_file: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        let l = &mut a.limits;
        match flag.as_str() {
            "--port" | "-p" => a.port = num(&flag, val()?)?,
            "--http-port" => a.http_port = num(&flag, val()?)?,
            "--identity" | "-i" => a.identity = PathBuf::from(val()?),
            "--listen-ip" => a.listen_ips.push(num(&flag, val()?)?),
            "-v" | "--verbose" => a.verbose = true,
            "--unlimited" => l.unlimited = true,
            "--idle-connection-timeout" => {
                a.idle_connection_timeout_secs = Some(num(&flag, val()?)?)
            }
            "--ping-interval-ms" => a.ping_interval_ms = num(&flag, val()?)?,
            "--peer-id-file" => a.peer_id_file = Some(PathBuf::from(val()?)),
            "--relay-max-reservations" => l.max_reservations = Some(num(&flag, val()?)?),
            "--relay-max-reservations-per-peer" => {
                l.max_reservations_per_peer = Some(num(&flag, val()?)?)
            }
            "--relay-reservation-ttl" => l.reservation_ttl_secs = Some(num(&flag, val()?)?),
            "--relay-max-circuits" => l.max_circuits = Some(num(&flag, val()?)?),
            "--relay-max-circuits-per-peer" => l.max_circuits_per_peer = Some(num(&flag, val()?)?),
            "--relay-circuit-duration" => l.circuit_duration_secs = Some(num(&flag, val()?)?),
            "--relay-circuit-bytes" => l.circuit_bytes = Some(num(&flag, val()?)?),
            "--relay-reservation-rate-per-peer" => {
                l.reservation_rate_per_peer = Some(parse_rate(&flag, &val()?)?)
            }
            "--relay-reservation-rate-per-ip" => {
                l.reservation_rate_per_ip = Some(parse_rate(&flag, &val()?)?)
            }
            "--relay-circuit-rate-per-peer" => {
                l.circuit_rate_per_peer = Some(parse_rate(&flag, &val()?)?)
            }
            "--relay-circuit-rate-per-ip" => {
                l.circuit_rate_per_ip = Some(parse_rate(&flag, &val()?)?)
            }
            "--relay-max-reservations-per-ip" | "--relay-max-circuits-per-ip" => {
                let _: u64 = num(&flag, val()?)?;
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.listen_ips.is_empty() {
        a.listen_ips = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
    }
    Ok(a)
}

fn relay_config(l: &RelayLimits) -> relay::Config {
    let mut c = relay::Config::default();
    if l.unlimited {
        // Large but finite: the limits still travel in the Limit message, and the duration is
        // sent as u32 seconds.
        c.max_reservations = usize::MAX / 2;
        c.max_reservations_per_peer = usize::MAX / 2;
        c.max_circuits = usize::MAX / 2;
        c.max_circuits_per_peer = usize::MAX / 2;
        c.max_circuit_duration = Duration::from_secs(u64::from(u32::MAX));
        c.max_circuit_bytes = u64::MAX;
        c.reservation_rate_limiters.clear();
        c.circuit_src_rate_limiters.clear();
    }
    // privstack-relay's convention: 0 = no limit.
    let count = |v: usize| if v == 0 { usize::MAX / 2 } else { v };
    if let Some(v) = l.max_reservations {
        c.max_reservations = count(v);
    }
    if let Some(v) = l.max_reservations_per_peer {
        c.max_reservations_per_peer = count(v);
    }
    if let Some(v) = l.reservation_ttl_secs {
        c.reservation_duration = Duration::from_secs(if v == 0 { u64::from(u32::MAX) } else { v });
    }
    if let Some(v) = l.max_circuits {
        c.max_circuits = count(v);
    }
    if let Some(v) = l.max_circuits_per_peer {
        c.max_circuits_per_peer = count(v);
    }
    if let Some(v) = l.circuit_duration_secs {
        c.max_circuit_duration = Duration::from_secs(if v == 0 { u64::from(u32::MAX) } else { v });
    }
    if let Some(v) = l.circuit_bytes {
        c.max_circuit_bytes = if v == 0 { u64::MAX } else { v };
    }
    // rust-libp2p keeps one list per kind with per-peer and per-IP limiters mixed; rebuild both
    // lists when any rate flag is given (a kind not given keeps rust's default).
    fn rates(
        peer: Option<Option<(u32, u64)>>,
        ip: Option<Option<(u32, u64)>>,
        default_peer: (u32, u64),
        default_ip: (u32, u64),
    ) -> [Option<(u32, u64)>; 2] {
        [
            peer.unwrap_or(Some(default_peer)),
            ip.unwrap_or(Some(default_ip)),
        ]
    }
    let nz = |n: u32| NonZeroU32::new(n).expect("checked > 0");
    if l.reservation_rate_per_peer.is_some() || l.reservation_rate_per_ip.is_some() {
        let [p, i] = rates(
            l.reservation_rate_per_peer,
            l.reservation_rate_per_ip,
            (30, 120),
            (60, 60),
        );
        let mut r = relay::Config {
            reservation_rate_limiters: Vec::new(),
            ..relay::Config::default()
        };
        if let Some((b, s)) = p {
            r = r.reservation_rate_per_peer(nz(b), Duration::from_secs(s));
        }
        if let Some((b, s)) = i {
            r = r.reservation_rate_per_ip(nz(b), Duration::from_secs(s));
        }
        c.reservation_rate_limiters = r.reservation_rate_limiters;
    }
    if l.circuit_rate_per_peer.is_some() || l.circuit_rate_per_ip.is_some() {
        let [p, i] = rates(
            l.circuit_rate_per_peer,
            l.circuit_rate_per_ip,
            (30, 120),
            (60, 60),
        );
        let mut r = relay::Config {
            circuit_src_rate_limiters: Vec::new(),
            ..relay::Config::default()
        };
        if let Some((b, s)) = p {
            r = r.circuit_src_per_peer(nz(b), Duration::from_secs(s));
        }
        if let Some((b, s)) = i {
            r = r.circuit_src_per_ip(nz(b), Duration::from_secs(s));
        }
        c.circuit_src_rate_limiters = r.circuit_src_rate_limiters;
    }
    c
}

/// The kad record store: rust-libp2p's MemoryStore defaults (as the original), or with every
/// cap lifted for benchmarks (record counts, value size, provider counts).
fn memory_store(id: libp2p::PeerId, unlimited: bool) -> MemoryStore {
    if !unlimited {
        return MemoryStore::new(id);
    }
    let cfg = kad::store::MemoryStoreConfig {
        max_records: usize::MAX,
        max_value_bytes: usize::MAX,
        max_providers_per_key: usize::MAX,
        max_provided_keys: usize::MAX,
    };
    MemoryStore::with_config(id, cfg)
}

/// Writes the peer id to `<path>.tmp` then renames it, so a reader never sees a partial file.
fn write_peer_id_file(path: &PathBuf, peer_id: &libp2p::PeerId) -> Result<(), String> {
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    std::fs::write(&tmp, format!("{peer_id}\n")).map_err(|e| format!("write peer id: {e}"))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("rename peer id file: {e}"))
}

fn load_or_create(path: &PathBuf) -> Result<Keypair, String> {
    if path.exists() {
        let bytes = std::fs::read(path).map_err(|e| format!("read {}: {e}", path.display()))?;
        return Keypair::from_protobuf_encoding(&bytes).map_err(|e| format!("decode key: {e}"));
    }
    let key = Keypair::generate_ed25519();
    let bytes = key
        .to_protobuf_encoding()
        .map_err(|e| format!("encode key: {e}"))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("create {}: {e}", path.display()))?;
    f.write_all(&bytes).map_err(|e| format!("write key: {e}"))?;
    Ok(key)
}

fn serve_http(listener: TcpListener, body: String) {
    for conn in listener.incoming() {
        let Ok(mut s) = conn else { continue };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
            body.len(),
            body
        );
        let _ = s.write_all(resp.as_bytes());
    }
}

/// True for addresses worth putting into kad: not relayed, not unspecified.
fn routable(a: &Multiaddr) -> bool {
    !a.iter().any(|p| match p {
        Protocol::P2pCircuit => true,
        Protocol::Ip4(ip) => ip.is_unspecified(),
        Protocol::Ip6(ip) => ip.is_unspecified(),
        _ => false,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    let key = load_or_create(&args.identity)?;
    let peer_id = key.public().to_peer_id();
    let relay_cfg = relay_config(&args.limits);
    let unlimited = args.limits.unlimited;
    // u32::MAX seconds (136 years) stands for "never": swarm idle timers are plain Durations.
    let idle_timeout =
        Duration::from_secs(args.idle_connection_timeout_secs.unwrap_or(if unlimited {
            u64::from(u32::MAX)
        } else {
            60
        }));
    let ping_interval = Duration::from_millis(args.ping_interval_ms.max(1));
    if args.verbose {
        eprintln!("relay config: {relay_cfg:?}");
    }

    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_quic()
        .with_behaviour(|key| {
            let id = key.public().to_peer_id();
            let mut kad_cfg = kad::Config::new(kad::PROTOCOL_NAME);
            kad_cfg.set_query_timeout(Duration::from_secs(60));
            let mut kademlia =
                kad::Behaviour::with_config(id, memory_store(id, unlimited), kad_cfg);
            kademlia.set_mode(Some(kad::Mode::Server));
            Behaviour {
                relay: relay::Behaviour::new(id, relay_cfg),
                kademlia,
                identify: identify::Behaviour::new(
                    identify::Config::new("/privstack/relay/1.0.0".into(), key.public())
                        .with_agent_version("privstack-relay/0.1.0".into()),
                ),
                // rust-libp2p 0.56's ping handler re-arms its inbound pong future without polling
                // it, so a peer that pings back-to-back on one stream (go-libp2p) can stall until
                // the handler is woken by something else (observed here; inference from
                // handler.rs). A short outbound interval keeps waking the handler. Mock-only;
                // benchmarks pass rust-libp2p's default (15 s) with --ping-interval-ms, as
                // 100 ms pings on thousands of idle connections would be most of the load.
                ping: ping::Behaviour::new(ping::Config::new().with_interval(ping_interval)),
            }
        })
        .map_err(|e| e.to_string())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(idle_timeout))
        .build();

    let listen: Vec<Multiaddr> = args
        .listen_ips
        .iter()
        .map(|ip| {
            Multiaddr::empty()
                .with((*ip).into())
                .with(Protocol::Udp(args.port))
                .with(Protocol::QuicV1)
        })
        .collect();
    for a in &listen {
        swarm
            .listen_on(a.clone())
            .map_err(|e| format!("listen {a}: {e}"))?;
    }

    let http_ip = args
        .listen_ips
        .iter()
        .find(|ip| ip.is_ipv4())
        .copied()
        .unwrap_or(args.listen_ips[0]);
    let http = TcpListener::bind((http_ip, args.http_port))
        .map_err(|e| format!("http bind {}: {e}", args.http_port))?;
    let body = serde_json::json!({
        "peer_id": peer_id.to_string(),
        "addresses": listen.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        "protocol_version": "/privstack/relay/1.0.0",
        "agent_version": "privstack-relay/0.1.0",
    })
    .to_string();

    let mut listening = 0;
    let mut banner_printed = false;
    loop {
        let ev = swarm.select_next_some().await;
        match &ev {
            SwarmEvent::NewListenAddr { address, .. } => {
                listening += 1;
                swarm.add_external_address(address.clone());
                if args.verbose {
                    eprintln!("listening on {address}");
                }
            }
            SwarmEvent::ListenerError { error, .. } => return Err(format!("listener: {error}")),
            SwarmEvent::ListenerClosed { reason: Err(e), .. } => {
                return Err(format!("listener closed: {e}"))
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id: peer,
                info,
                ..
            })) => {
                if info.protocols.contains(&kad::PROTOCOL_NAME) {
                    for a in info.listen_addrs.iter().filter(|a| routable(a)) {
                        swarm.behaviour_mut().kademlia.add_address(peer, a.clone());
                    }
                }
                if args.verbose {
                    eprintln!("{ev:?}");
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Relay(e)) => {
                // Relay events are what the limit tests look at in the log.
                eprintln!("relay: {e:?}");
            }
            other if args.verbose => eprintln!("{other:?}"),
            _ => {}
        }
        if !banner_printed && listening >= listen.len() {
            banner_printed = true;
            let h = http.try_clone().map_err(|e| e.to_string())?;
            let b = body.clone();
            std::thread::spawn(move || serve_http(h, b));
            println!("mock privstack-relay (rust-libp2p 0.56 RelayBehaviour, interop tests only)");
            println!("  PeerId:    {peer_id}");
            for a in &listen {
                println!("  Listen:    {a}");
            }
            println!("  HTTP:      {http_ip}:{}", args.http_port);
            let _ = std::io::stdout().flush();
            if let Some(p) = &args.peer_id_file {
                write_peer_id_file(p, &peer_id)?;
            }
        }
    }
}
