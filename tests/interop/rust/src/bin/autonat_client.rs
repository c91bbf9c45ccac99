//! rust-libp2p 0.56 AutoNAT v1 client (`autonat::v1::Behaviour`) for the privstack-relay interop
//! tests: it asks the relay (added with `add_server`) to dial it back and reports the outcome.
//!
//!   autonat_client --server <relay multiaddr/p2p/<id>> [--listen-ip IP] [--no-listen]
//!                  [--candidate <multiaddr>]... [--timeout S]
//!
//! By default it listens on QUIC at --listen-ip (127.0.0.1, port 0): its listen address is the
//! dial-back candidate, and QUIC dials from that socket, so the relay observes the same port.
//! --no-listen: no listener, only the --candidate addresses are offered (an unreachable port
//! makes the relay's dial-back fail).
//!
//! `only_global_ips` is off (everything is on loopback), the first probe goes out after one
//! second (the listener is up by then), a retry after ten.
//! Prints ONE JSON line for the first probe the server answered:
//!   {"ok":true,"result":"public","address":..,"natStatus":"public"}
//!   {"ok":true,"result":"dial_error","natStatus":"private"}
//!   {"ok":true,"result":"dial_refused"|"bad_request"|"internal_error","natStatus":..}
//!   or {"ok":false,"error":".."} (timeout, connection failure); exit 0 / 1.

use std::{net::IpAddr, str::FromStr, time::Duration};

use futures::StreamExt;
use libp2p::{
    autonat::v1::{
        Behaviour, Config, Event, NatStatus, OutboundProbeError, OutboundProbeEvent, ResponseError,
    },
    multiaddr::Protocol,
    swarm::SwarmEvent,
    Multiaddr, PeerId,
};
use serde_json::json;

struct Args {
    server: Multiaddr,
    server_id: PeerId,
    listen_ip: IpAddr,
    listen: bool,
    candidates: Vec<Multiaddr>,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut server = None;
    let mut listen_ip: IpAddr = "127.0.0.1".parse().unwrap();
    let mut listen = true;
    let mut candidates = Vec::new();
    let mut timeout = Duration::from_secs(40);
    while let Some(flag) = it.next() {
        if flag == "--no-listen" {
            listen = false;
            continue;
        }
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |_| format!("bad value for {flag}: {v}");
        match flag.as_str() {
            "--server" => server = Some(Multiaddr::from_str(&v).map_err(|_| bad(()))?),
            "--listen-ip" => listen_ip = v.parse().map_err(|_| bad(()))?,
            "--candidate" => candidates.push(Multiaddr::from_str(&v).map_err(|_| bad(()))?),
            "--timeout" => timeout = Duration::from_secs_f64(v.parse().map_err(|_| bad(()))?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let server = server.ok_or("--server is required")?;
    let server_id = match server.iter().last() {
        Some(Protocol::P2p(id)) => id,
        _ => return Err("--server must end in /p2p/<relay id>".into()),
    };
    if !listen && candidates.is_empty() {
        return Err("--no-listen needs at least one --candidate".into());
    }
    Ok(Args {
        server,
        server_id,
        listen_ip,
        listen,
        candidates,
        timeout,
    })
}

fn nat_status_name(status: &NatStatus) -> &'static str {
    match status {
        NatStatus::Public(_) => "public",
        NatStatus::Private => "private",
        NatStatus::Unknown => "unknown",
    }
}

fn response_error_name(error: &ResponseError) -> &'static str {
    match error {
        ResponseError::DialError => "dial_error",
        ResponseError::DialRefused => "dial_refused",
        ResponseError::BadRequest => "bad_request",
        ResponseError::InternalError => "internal_error",
    }
}

async fn run(args: Args) -> Result<serde_json::Value, String> {
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_quic()
        .with_behaviour(|key| {
            let config = Config {
                boot_delay: Duration::from_secs(1),
                // Longer than one dial-back to a dead port (the relay's 5 s QUIC handshake
                // timeout): a second probe while the first is pending would be refused as
                // "dial-back already ongoing", by rust's server as by ours.
                retry_interval: Duration::from_secs(10),
                throttle_server_period: Duration::ZERO,
                use_connected: false,
                only_global_ips: false,
                ..Config::default()
            };
            Behaviour::new(key.public().to_peer_id(), config)
        })
        .map_err(|e| format!("behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();

    if args.listen {
        let listen = Multiaddr::empty()
            .with(args.listen_ip.into())
            .with(Protocol::Udp(0))
            .with(Protocol::QuicV1);
        swarm
            .listen_on(listen)
            .map_err(|e| format!("listen: {e}"))?;
    }
    for candidate in &args.candidates {
        swarm.behaviour_mut().probe_address(candidate.clone());
    }
    let server_addr: Multiaddr = args
        .server
        .iter()
        .filter(|p| !matches!(p, Protocol::P2p(_)))
        .collect();
    swarm
        .behaviour_mut()
        .add_server(args.server_id, Some(server_addr));

    let deadline = tokio::time::sleep(args.timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline => return Err("timed out waiting for an autonat answer".into()),
            event = swarm.select_next_some() => match event {
                SwarmEvent::Behaviour(Event::OutboundProbe(OutboundProbeEvent::Response {
                    address, ..
                })) => {
                    let status = swarm.behaviour().nat_status();
                    return Ok(json!({"ok": true, "result": "public", "address": address.to_string(),
                                     "natStatus": nat_status_name(&status)}));
                }
                SwarmEvent::Behaviour(Event::OutboundProbe(OutboundProbeEvent::Error {
                    error: OutboundProbeError::Response(error), ..
                })) => {
                    let status = swarm.behaviour().nat_status();
                    return Ok(json!({"ok": true, "result": response_error_name(&error),
                                     "natStatus": nat_status_name(&status)}));
                }
                SwarmEvent::Behaviour(Event::OutboundProbe(OutboundProbeEvent::Error {
                    error: OutboundProbeError::OutboundRequest(error), ..
                })) => {
                    return Err(format!("dial request failed: {error}"));
                }
                // NoServer / NoAddresses before the listener is up: the next probe retries.
                _ => {}
            }
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            println!("{}", json!({"ok": false, "error": e}));
            std::process::exit(2);
        }
    };
    match run(args).await {
        Ok(v) => println!("{v}"),
        Err(e) => {
            println!("{}", json!({"ok": false, "error": e}));
            std::process::exit(1);
        }
    }
}
