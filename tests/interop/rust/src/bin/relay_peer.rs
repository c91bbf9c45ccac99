//! rust-libp2p 0.56 circuit relay v2 client (relay::client + dcutr + identify + ping + an echo
//! request/response) for the privstack-relay interop tests.
//!
//!   relay_peer listen --relay <relay multiaddr/p2p/<id>> [--listen-ip IP] [--timeout S]
//!   relay_peer dial   --relay <relay multiaddr/p2p/<id>> --target <peer id> [--listen-ip IP]
//!                     [--bytes N] [--wait-direct S] [--no-dcutr] [--timeout S]
//!
//! Both also listen directly on QUIC at --listen-ip (default 127.0.0.1, port 0): dcutr needs a
//! socket that is both the dial source and a listener (QUIC reuses the listening socket for dials,
//! which keeps the NAT mapping the relay observed).
//!
//! listen: reserves a slot on the relay and listens on `<relay>/p2p-circuit`; prints JSON lines
//!   {"event":"reserved","peerId":..,"circuitAddr":..,"listenAddrs":[direct addresses]}, then one
//!   line per interesting event ({"event":"connected","peer":..,"relayed":bool},
//!   {"event":"dcutr",..}, {"event":"echo",..});
//!   serves echo + ping until the timeout (default 120 s) or SIGTERM.
//! dial: connects to the relay, then to `<relay>/p2p-circuit/p2p/<target>`; over that relayed
//!   connection it waits for a ping and sends --bytes (default 16384) random bytes through the
//!   echo protocol; with --wait-direct it then waits that long for dcutr to upgrade to a direct
//!   connection (--no-dcutr: no dcutr at all, so the remote's attempt fails and traffic stays
//!   relayed). Prints ONE JSON line:
//!   {"ok":true,"relayed":true,"pingRttMs":..,"echoBytes":N,"echoOk":true,"echoRelayed":bool,
//!    "dcutr":"..","direct":bool,"directAddr":..}
//!   or {"ok":false,"error":".."}; exit 0 / 1.

use std::{
    net::IpAddr,
    str::FromStr,
    time::{Duration, Instant},
};

use futures::StreamExt;
use libp2p::{
    dcutr, identify,
    multiaddr::Protocol,
    ping, relay,
    request_response::{self, ProtocolSupport},
    swarm::{behaviour::toggle::Toggle, ConnectionId, NetworkBehaviour, SwarmEvent},
    tls, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use serde_json::json;

const ECHO_PROTOCOL: StreamProtocol = StreamProtocol::new("/privstack-interop/echo/1.0.0");

#[derive(NetworkBehaviour)]
struct Behaviour {
    relay_client: relay::client::Behaviour,
    // Off with --no-dcutr: then the remote's upgrade attempt finds no protocol and traffic stays
    // on the circuit, which is what the relayed-path checks need.
    dcutr: Toggle<dcutr::Behaviour>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    // Payloads travel as hex strings: the json codec has no compact form for bytes.
    echo: request_response::json::Behaviour<String, String>,
}

struct Args {
    mode: String,
    relay: Multiaddr,
    relay_id: PeerId,
    target: Option<PeerId>,
    listen_ip: IpAddr,
    bytes: usize,
    wait_direct: Duration,
    timeout: Duration,
    dcutr: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mode = it
        .next()
        .ok_or("usage: relay_peer listen|dial --relay <addr> ...")?;
    if mode != "listen" && mode != "dial" {
        return Err(format!("unknown mode {mode} (listen|dial)"));
    }
    let mut relay = None;
    let mut target = None;
    let mut listen_ip: IpAddr = "127.0.0.1".parse().unwrap();
    let mut bytes = 16384usize;
    let mut wait_direct = Duration::ZERO;
    let mut timeout = Duration::from_secs(if mode == "listen" { 120 } else { 30 });
    let mut dcutr = true;
    while let Some(flag) = it.next() {
        if flag == "--no-dcutr" {
            dcutr = false;
            continue;
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("bad value for {flag}: {v}");
        match flag.as_str() {
            "--relay" => relay = Some(Multiaddr::from_str(&v).map_err(|_| bad(()))?),
            "--target" => target = Some(PeerId::from_str(&v).map_err(|_| bad(()))?),
            "--listen-ip" => listen_ip = v.parse().map_err(|_| bad(()))?,
            "--bytes" => bytes = v.parse().map_err(|_| bad(()))?,
            "--wait-direct" => {
                wait_direct = Duration::from_secs_f64(v.parse().map_err(|_| bad(()))?)
            }
            "--timeout" => timeout = Duration::from_secs_f64(v.parse().map_err(|_| bad(()))?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let relay = relay.ok_or("--relay is required")?;
    let relay_id = match relay.iter().last() {
        Some(Protocol::P2p(id)) => id,
        _ => return Err("--relay must end in /p2p/<relay id>".into()),
    };
    if mode == "dial" && target.is_none() {
        return Err("dial needs --target".into());
    }
    Ok(Args {
        mode,
        relay,
        relay_id,
        target,
        listen_ip,
        bytes,
        wait_direct,
        timeout,
        dcutr,
    })
}

fn emit(v: serde_json::Value) {
    println!("{v}");
}

fn random_hex(n: usize) -> String {
    // Not cryptographic: the bytes only need to differ from run to run and from zero.
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    let mut s = String::with_capacity(2 * n);
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push_str(&format!("{:02x}", x as u8));
    }
    s
}

fn build_swarm(with_dcutr: bool) -> Result<Swarm<Behaviour>, String> {
    Ok(libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_quic()
        // The circuit is a plain byte pipe: it needs its own security and muxer upgrade.
        .with_relay_client(tls::Config::new, yamux::Config::default)
        .map_err(|e| e.to_string())?
        .with_behaviour(|key, relay_client| Behaviour {
            relay_client,
            dcutr: Toggle::from(
                with_dcutr.then(|| dcutr::Behaviour::new(key.public().to_peer_id())),
            ),
            identify: identify::Behaviour::new(identify::Config::new(
                "/privstack-interop/1.0.0".into(),
                key.public(),
            )),
            ping: ping::Behaviour::new(ping::Config::new().with_interval(Duration::from_secs(1))),
            echo: request_response::json::Behaviour::new(
                [(ECHO_PROTOCOL, ProtocolSupport::Full)],
                request_response::Config::default().with_request_timeout(Duration::from_secs(20)),
            ),
        })
        .map_err(|e| e.to_string())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build())
}

fn is_relayed(e: &libp2p::core::ConnectedPoint) -> bool {
    e.is_relayed()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            emit(json!({"ok": false, "error": format!("usage: {e}")}));
            return std::process::ExitCode::from(2);
        }
    };
    let result = match args.mode.as_str() {
        "listen" => run_listen(&args).await,
        _ => run_dial(&args).await,
    };
    match result {
        Ok(v) => {
            emit(v);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            emit(json!({"ok": false, "error": e}));
            std::process::ExitCode::FAILURE
        }
    }
}

fn direct_listen_addr(ip: IpAddr) -> Multiaddr {
    Multiaddr::empty()
        .with(ip.into())
        .with(Protocol::Udp(0))
        .with(Protocol::QuicV1)
}

async fn run_listen(args: &Args) -> Result<serde_json::Value, String> {
    let mut swarm = build_swarm(args.dcutr)?;
    let me = *swarm.local_peer_id();
    swarm
        .listen_on(direct_listen_addr(args.listen_ip))
        .map_err(|e| format!("listen: {e}"))?;
    let circuit = args.relay.clone().with(Protocol::P2pCircuit);
    swarm
        .listen_on(circuit.clone())
        .map_err(|e| format!("listen on {circuit}: {e}"))?;
    let deadline = tokio::time::sleep(args.timeout);
    tokio::pin!(deadline);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| e.to_string())?;
    let mut reserved = false;
    let mut relayed = std::collections::HashSet::<ConnectionId>::new();
    let mut direct_addrs: Vec<String> = Vec::new();
    loop {
        let ev = tokio::select! {
            ev = swarm.select_next_some() => ev,
            _ = &mut deadline => return Ok(json!({"event": "exit", "reason": "timeout", "ok": reserved})),
            _ = term.recv() => return Ok(json!({"event": "exit", "reason": "SIGTERM", "ok": reserved})),
        };
        match ev {
            SwarmEvent::Behaviour(BehaviourEvent::RelayClient(
                relay::client::Event::ReservationReqAccepted { renewal, limit, .. },
            )) => {
                if !renewal {
                    reserved = true;
                    emit(json!({
                        "event": "reserved",
                        "peerId": me.to_string(),
                        "circuitAddr": circuit.clone().with(Protocol::P2p(me)).to_string(),
                        "listenAddrs": direct_addrs,
                        "limit": limit.map(|l| json!({
                            "durationS": l.duration().map(|d| d.as_secs()),
                            "bytes": l.data_in_bytes(),
                        })),
                    }));
                }
            }
            SwarmEvent::ListenerClosed {
                addresses, reason, ..
            } if addresses
                .iter()
                .any(|a| a.iter().any(|p| p == Protocol::P2pCircuit))
                || !reserved =>
            {
                return Err(format!("relay listener closed: {reason:?}"));
            }
            SwarmEvent::ListenerError { error, .. } => {
                emit(json!({"event": "listener-error", "error": error.to_string()}));
            }
            SwarmEvent::NewListenAddr { address, .. }
                if !address.iter().any(|p| p == Protocol::P2pCircuit) =>
            {
                direct_addrs.push(address.to_string());
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                connection_id,
                ..
            } if peer_id != args.relay_id => {
                if is_relayed(&endpoint) {
                    relayed.insert(connection_id);
                }
                emit(json!({
                    "event": "connected", "peer": peer_id.to_string(),
                    "relayed": is_relayed(&endpoint),
                    "remoteAddr": endpoint.get_remote_address().to_string(),
                }));
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                endpoint,
                cause,
                ..
            } if peer_id != args.relay_id => {
                emit(json!({
                    "event": "closed", "peer": peer_id.to_string(), "relayed": is_relayed(&endpoint),
                    "cause": cause.map(|c| c.to_string()),
                }));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event {
                remote_peer_id,
                result,
            })) => {
                emit(json!({
                    "event": "dcutr", "peer": remote_peer_id.to_string(),
                    "ok": result.is_ok(),
                    "detail": match &result { Ok(c) => format!("{c:?}"), Err(e) => e.to_string() },
                }));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Echo(request_response::Event::Message {
                peer,
                connection_id,
                message:
                    request_response::Message::Request {
                        request, channel, ..
                    },
            })) => {
                emit(json!({
                    "event": "echo", "peer": peer.to_string(), "bytes": request.len() / 2,
                    "relayed": relayed.contains(&connection_id),
                }));
                let _ = swarm.behaviour_mut().echo.send_response(channel, request);
            }
            _ => {}
        }
    }
}

#[derive(Default)]
struct DialState {
    relay_connected: bool,
    relayed_conn: Option<ConnectionId>,
    echo_relayed: bool,
    ping_rtt_ms: Option<f64>,
    echo_ok: Option<bool>,
    dcutr: Option<String>,
    direct: bool,
    direct_addr: Option<String>,
}

impl DialState {
    fn stage(&self) -> &'static str {
        if !self.relay_connected {
            "connecting to the relay"
        } else if self.relayed_conn.is_none() {
            "dialing through the relay"
        } else if self.ping_rtt_ms.is_none() || self.echo_ok.is_none() {
            "waiting for ping and echo over the circuit"
        } else {
            "waiting for a direct connection (dcutr)"
        }
    }
}

async fn run_dial(args: &Args) -> Result<serde_json::Value, String> {
    let target = args.target.expect("checked in parse_args");
    let mut swarm = build_swarm(args.dcutr)?;
    swarm
        .listen_on(direct_listen_addr(args.listen_ip))
        .map_err(|e| format!("listen: {e}"))?;
    swarm
        .dial(args.relay.clone())
        .map_err(|e| format!("dial relay: {e}"))?;
    let circuit = args
        .relay
        .clone()
        .with(Protocol::P2pCircuit)
        .with(Protocol::P2p(target));
    let payload = random_hex(args.bytes);
    let start = Instant::now();
    let mut st = DialState::default();
    let mut circuit_dialed = false;
    let mut echo_sent = false;
    let mut direct_deadline: Option<Instant> = None;
    loop {
        if st.ping_rtt_ms.is_some() && st.echo_ok.is_some() {
            let done_waiting = args.wait_direct.is_zero()
                || st.direct
                || direct_deadline.is_some_and(|d| Instant::now() >= d);
            if direct_deadline.is_none() {
                direct_deadline = Some(Instant::now() + args.wait_direct);
            }
            if done_waiting {
                return if st.echo_ok == Some(true) {
                    Ok(json!({
                        "ok": true, "relayed": st.relayed_conn.is_some(), "echoRelayed": st.echo_relayed, "pingRttMs": st.ping_rtt_ms,
                        "echoBytes": args.bytes, "echoOk": true,
                        "dcutr": st.dcutr.clone().unwrap_or_else(|| "no event".into()),
                        "direct": st.direct, "directAddr": st.direct_addr,
                    }))
                } else {
                    Err("echo over the circuit returned different bytes".into())
                };
            }
        }
        let remaining = args.timeout.saturating_sub(start.elapsed());
        let tick = Duration::from_millis(200).min(remaining);
        let ev = match tokio::time::timeout(tick, swarm.select_next_some()).await {
            Ok(ev) => ev,
            Err(_) if remaining.is_zero() || tick.is_zero() => {
                return Err(format!(
                    "timed out after {:?} while {}",
                    args.timeout,
                    st.stage()
                ))
            }
            Err(_) => continue,
        };
        match ev {
            SwarmEvent::ConnectionEstablished {
                peer_id,
                endpoint,
                connection_id,
                ..
            } => {
                if peer_id == args.relay_id && !endpoint.is_relayed() {
                    st.relay_connected = true;
                } else if peer_id == target {
                    if endpoint.is_relayed() {
                        st.relayed_conn.get_or_insert(connection_id);
                    } else {
                        st.direct = true;
                        st.direct_addr = Some(endpoint.get_remote_address().to_string());
                    }
                }
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                if peer_id == Some(args.relay_id) && !st.relay_connected {
                    return Err(format!("dial relay: {error}"));
                }
                if peer_id == Some(target) && st.relayed_conn.is_none() {
                    return Err(format!("dial through the relay: {error}"));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                endpoint,
                cause,
                ..
            } if peer_id == target
                && endpoint.is_relayed()
                && (st.ping_rtt_ms.is_none() || st.echo_ok.is_none()) =>
            {
                return Err(format!("relayed connection closed early: {cause:?}"));
            }
            // Identify from the relay confirms our observed address, which dcutr needs; dial
            // the circuit after it so both have happened in a fixed order.
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                ..
            })) if peer_id == args.relay_id && !circuit_dialed => {
                circuit_dialed = true;
                swarm
                    .dial(circuit.clone())
                    .map_err(|e| format!("dial {circuit}: {e}"))?;
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event {
                peer,
                result: Ok(rtt),
                connection,
            })) if peer == target
                && st.ping_rtt_ms.is_none()
                && Some(connection) == st.relayed_conn =>
            {
                st.ping_rtt_ms = Some(rtt.as_secs_f64() * 1000.0);
                if !echo_sent {
                    echo_sent = true;
                    swarm
                        .behaviour_mut()
                        .echo
                        .send_request(&target, payload.clone());
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Echo(request_response::Event::Message {
                message: request_response::Message::Response { response, .. },
                connection_id,
                ..
            })) => {
                st.echo_relayed = Some(connection_id) == st.relayed_conn;
                st.echo_ok = Some(response == payload);
            }
            SwarmEvent::Behaviour(BehaviourEvent::Echo(
                request_response::Event::OutboundFailure { error, .. },
            )) => return Err(format!("echo request failed: {error}")),
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event {
                remote_peer_id,
                result,
            })) if remote_peer_id == target => {
                st.dcutr = Some(match result {
                    Ok(c) => format!("ok ({c:?})"),
                    Err(e) => format!("error: {e}"),
                });
            }
            _ => {}
        }
    }
}
