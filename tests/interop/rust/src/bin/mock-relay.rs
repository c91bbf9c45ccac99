//! A stand-in for `privstack-relay`, used ONLY to self-test the interop harness (lib.sh and the
//! identify_ping_*.sh scripts) while the real relay is not ready. It is NOT a relay.
//!
//! Same CLI and observable behaviour the harness relies on:
//!   mock-relay --port <udp port> --http-port <tcp port> --identity <key file> [-v]
//! - loads the libp2p PrivateKey protobuf from --identity, or creates it (Ed25519, mode 0600);
//! - listens on QUIC v1 at 127.0.0.1 and ::1 (loopback only) with identify
//!   (protocolVersion `/privstack/relay/1.0.0`, agentVersion `privstack-relay/0.1.0`) and ping;
//! - answers every HTTP request on 127.0.0.1:<http port> with the identity JSON;
//! - prints a banner with the line `  PeerId:    <peer id>` once it listens.

use std::{
    io::{Read, Write},
    net::TcpListener,
    path::PathBuf,
    time::Duration,
};

use futures::StreamExt;
use libp2p::{
    identify, identity::Keypair, ping, swarm::NetworkBehaviour, swarm::SwarmEvent, Multiaddr,
};

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    ping: ping::Behaviour,
}

struct Args {
    port: u16,
    http_port: u16,
    identity: PathBuf,
    verbose: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut port = 4001u16;
    let mut http_port = 4002u16;
    let mut identity = PathBuf::from("relay-identity.key");
    let mut verbose = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--port" => port = val("--port")?.parse().map_err(|_| "bad --port")?,
            "--http-port" => {
                http_port = val("--http-port")?.parse().map_err(|_| "bad --http-port")?
            }
            "--identity" => identity = PathBuf::from(val("--identity")?),
            "-v" | "--verbose" => verbose = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        port,
        http_port,
        identity,
        verbose,
    })
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let args = parse_args()?;
    let key = load_or_create(&args.identity)?;
    let peer_id = key.public().to_peer_id();

    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key)
        .with_tokio()
        .with_quic()
        .with_behaviour(|key| Behaviour {
            identify: identify::Behaviour::new(
                identify::Config::new("/privstack/relay/1.0.0".into(), key.public())
                    .with_agent_version("privstack-relay/0.1.0".into()),
            ),
            // rust-libp2p 0.56's ping handler re-arms its inbound pong future without polling it,
            // so a peer that pings back-to-back on one stream (go-libp2p) can stall until the
            // handler is woken by something else (observed here; inference from handler.rs).
            // A short outbound interval keeps waking the handler. Mock-only workaround.
            ping: ping::Behaviour::new(
                ping::Config::new().with_interval(Duration::from_millis(100)),
            ),
        })
        .map_err(|e| e.to_string())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();

    let listen: Vec<Multiaddr> = vec![
        format!("/ip4/127.0.0.1/udp/{}/quic-v1", args.port)
            .parse()
            .unwrap(),
        format!("/ip6/::1/udp/{}/quic-v1", args.port)
            .parse()
            .unwrap(),
    ];
    for a in &listen {
        swarm
            .listen_on(a.clone())
            .map_err(|e| format!("listen {a}: {e}"))?;
    }

    let http = TcpListener::bind(("127.0.0.1", args.http_port))
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
                if args.verbose {
                    eprintln!("listening on {address}");
                }
            }
            SwarmEvent::ListenerError { error, .. } => return Err(format!("listener: {error}")),
            SwarmEvent::ListenerClosed { reason: Err(e), .. } => {
                return Err(format!("listener closed: {e}"))
            }
            other if args.verbose => eprintln!("{other:?}"),
            _ => {}
        }
        if !banner_printed && listening >= listen.len() {
            banner_printed = true;
            let h = http.try_clone().map_err(|e| e.to_string())?;
            let b = body.clone();
            std::thread::spawn(move || serve_http(h, b));
            println!("mock privstack-relay (interop harness self-test only)");
            println!("  PeerId:    {peer_id}");
            println!("  QUIC:      udp/{} on 127.0.0.1 and ::1", args.port);
            println!("  HTTP:      127.0.0.1:{}", args.http_port);
            let _ = std::io::stdout().flush();
        }
    }
}
