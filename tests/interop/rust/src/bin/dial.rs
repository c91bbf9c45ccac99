//! rust-libp2p 0.56 interop dialer for the privstack-relay tests.
//!
//! Usage: dial --addr <multiaddr ending in /p2p/<peer id>> [--expect-fail] [--timeout <seconds>]
//!
//! Dials the address over QUIC v1 with a fresh Ed25519 identity, waits for the remote's identify
//! reply, pings it 3 times and prints ONE JSON line on stdout:
//!   {"ok":true,"peerId":..,"protocolVersion":..,"agentVersion":..,"protocols":[..],
//!    "listenAddrs":[..],"observedAddr":..,"rttMs":[..]}
//! or {"ok":false,"error":".."}.
//! Exit status: 0 on success, 1 on failure; with --expect-fail it is inverted.

use std::{process::ExitCode, str::FromStr, time::Duration};

use futures::StreamExt;
use libp2p::{
    identify, multiaddr::Protocol, ping, swarm::NetworkBehaviour, swarm::SwarmEvent, Multiaddr,
    PeerId,
};
use serde_json::{json, Value};

const PINGS: usize = 3;

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

struct Args {
    addr: String,
    expect_fail: bool,
    timeout: Duration,
}

fn parse_args() -> Result<Args, String> {
    let mut addr = None;
    let mut expect_fail = false;
    let mut timeout = Duration::from_secs(20);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--addr" => addr = it.next(),
            "--expect-fail" => expect_fail = true,
            "--timeout" => {
                let v = it.next().ok_or("--timeout needs a value")?;
                let secs: f64 = v.parse().map_err(|_| format!("bad --timeout {v}"))?;
                timeout = Duration::from_secs_f64(secs);
            }
            "-h" | "--help" => {
                return Err(
                    "usage: dial --addr <multiaddr/p2p/<id>> [--expect-fail] [--timeout s]".into(),
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        addr: addr.ok_or("--addr is required")?,
        expect_fail,
        timeout,
    })
}

/// What `run` is waiting for; reported if the hard timeout fires.
#[derive(Default)]
struct Progress {
    connected: bool,
    identified: bool,
    pings: usize,
}

impl Progress {
    fn stage(&self) -> String {
        if !self.connected {
            "dialing".into()
        } else if !self.identified {
            format!("waiting for identify ({} pings answered)", self.pings)
        } else {
            format!("waiting for ping {}", self.pings + 1)
        }
    }
}

async fn run(
    addr: Multiaddr,
    expected: PeerId,
    progress: &std::cell::RefCell<Progress>,
) -> Result<Value, String> {
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_quic()
        .with_behaviour(|key| Behaviour {
            identify: identify::Behaviour::new(identify::Config::new(
                "/ipfs/0.1.0".to_string(),
                key.public(),
            )),
            ping: ping::Behaviour::new(
                ping::Config::new()
                    .with_interval(Duration::from_millis(300))
                    .with_timeout(Duration::from_secs(5)),
            ),
        })
        .map_err(|e| format!("behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(30)))
        .build();

    swarm
        .dial(addr.clone())
        .map_err(|e| format!("dial {addr}: {e}"))?;

    let mut info: Option<identify::Info> = None;
    let mut rtts: Vec<f64> = Vec::new();
    let mut ping_failures = 0usize;

    loop {
        match swarm.select_next_some().await {
            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                if peer_id != expected {
                    return Err(format!("connected to {peer_id}, expected {expected}"));
                }
                progress.borrow_mut().connected = true;
            }
            SwarmEvent::OutgoingConnectionError { error, .. } => {
                return Err(format!("dial failed: {error}"));
            }
            SwarmEvent::ConnectionClosed { peer_id, cause, .. } if peer_id == expected => {
                return Err(format!(
                    "connection closed before identify+ping finished: {}",
                    cause
                        .map(|c| c.to_string())
                        .unwrap_or_else(|| "no error".into())
                ));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info: i,
                ..
            })) if peer_id == expected => {
                let from_key = i.public_key.to_peer_id();
                if from_key != expected {
                    return Err(format!(
                        "identify publicKey is {from_key}, connection peer is {expected}"
                    ));
                }
                info = Some(i);
                progress.borrow_mut().identified = true;
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Error {
                peer_id,
                error,
                ..
            })) if peer_id == expected => {
                return Err(format!("identify failed: {error}"));
            }
            SwarmEvent::Behaviour(BehaviourEvent::Ping(ping::Event { peer, result, .. }))
                if peer == expected =>
            {
                match result {
                    Ok(rtt) => {
                        rtts.push(rtt.as_secs_f64() * 1000.0);
                        progress.borrow_mut().pings = rtts.len();
                    }
                    Err(e) => {
                        ping_failures += 1;
                        if ping_failures >= 2 {
                            return Err(format!("ping failed: {e}"));
                        }
                    }
                }
            }
            _ => {}
        }
        if let Some(i) = &info {
            if rtts.len() >= PINGS {
                rtts.truncate(PINGS);
                return Ok(json!({
                    "ok": true,
                    "peerId": expected.to_string(),
                    "protocolVersion": i.protocol_version,
                    "agentVersion": i.agent_version,
                    "protocols": i.protocols.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                    "listenAddrs": i.listen_addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    "observedAddr": i.observed_addr.to_string(),
                    "rttMs": rtts,
                }));
            }
        }
    }
}

async fn main_inner(args: &Args) -> Result<Value, String> {
    let addr = Multiaddr::from_str(&args.addr).map_err(|e| format!("bad multiaddr: {e}"))?;
    let expected = match addr.iter().last() {
        Some(Protocol::P2p(id)) => id,
        _ => return Err("the address must end in /p2p/<peer id>".into()),
    };
    let progress = std::cell::RefCell::new(Progress::default());
    match tokio::time::timeout(args.timeout, run(addr, expected, &progress)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "timed out after {:?} while {}",
            args.timeout,
            progress.borrow().stage()
        )),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            // A usage error is never a "successful failure", even with --expect-fail.
            println!("{}", json!({ "ok": false, "error": e }));
            return ExitCode::from(2);
        }
    };
    let expect_fail = args.expect_fail;
    let (out, ok) = match main_inner(&args).await {
        Ok(v) => (v, true),
        Err(e) => (json!({ "ok": false, "error": e }), false),
    };
    println!("{out}");
    if ok != expect_fail {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
