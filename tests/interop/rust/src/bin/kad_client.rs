//! rust-libp2p 0.56 Kademlia client for the privstack-relay kad interop tests. It behaves like
//! PrivStack's sync client: kad with a `MemoryStore` forced into server mode, identify, QUIC v1, the
//! relay as the only bootstrap node (added to the routing table and dialed).
//!
//! Usage:
//!   kad_client --bootstrap <multiaddr/p2p/<id>> [--bootstrap ...]
//!              [--put-key K --value V] [--value-size N] [--device-name NAME] [--max-packet N] [--get-key K] [--find-peer ID]
//!              [--provide K] [--find-providers K] [--expect-provider ID]
//!              [--listen <multiaddr>] [--hold <s>] [--timeout <s>]
//!
//! Steps, in this order, each only if asked for: dial every bootstrap node and wait for its
//! identify; put_record(K, V, Quorum::One); start_providing(K); get_record(K) (collects every
//! FoundRecord until the query ends); get_closest_peers(ID); get_providers(K). Then it prints ONE
//! JSON line on stdout:
//!   {"ok":true,"peerId":..,"listenAddrs":[..],"put":{..},"get":{..},"findPeer":{..},..}
//! or {"ok":false,"error":"..", ...what finished so far}.
//! With --hold it then keeps serving the DHT (so other clients can reach it) for that many seconds
//! or until it is killed. Exit status: 0 on success, 1 on failure, 2 on a usage error.
//!
//! `--device-name NAME` instead of `--value` puts the value PrivStack's sync client publishes:
//! `{"device_name":NAME,"addresses":[our listen addresses with /p2p/],"timestamp":<unix s>}`.
//! `--put-to-bootstrap-only` stores the record on the bootstrap nodes alone (put_record_to, every
//! one must accept it) instead of the K closest peers: the multi-relay test uses it to see that
//! the relays replicate among themselves.
//! `--value-size N` puts N bytes of 'x'. `--max-packet N` raises kad's 16 KiB frame limit (to send oversized records to the relay).
//!
//! Record keys are passed verbatim (the test computes `/privstack/syncgroup/<sha256 hex>`).

use std::{cell::RefCell, collections::HashSet, process::ExitCode, str::FromStr, time::Duration};

use futures::StreamExt;
use libp2p::{
    identify,
    kad::{
        self,
        store::{MemoryStore, MemoryStoreConfig},
        GetClosestPeersOk, GetProvidersOk, GetRecordOk, Mode, QueryResult, Quorum, Record,
        RecordKey,
    },
    multiaddr::Protocol,
    swarm::{NetworkBehaviour, SwarmEvent},
    Multiaddr, PeerId, StreamProtocol, Swarm,
};
use serde_json::{json, Map, Value};

#[derive(NetworkBehaviour)]
struct Behaviour {
    identify: identify::Behaviour,
    kad: kad::Behaviour<MemoryStore>,
}

#[derive(Default)]
struct Args {
    bootstrap: Vec<String>,
    put_key: Option<String>,
    value: Option<String>,
    device_name: Option<String>,
    max_packet: Option<usize>,
    put_to_bootstrap_only: bool,
    get_key: Option<String>,
    find_peer: Option<String>,
    provide: Option<String>,
    find_providers: Option<String>,
    listen: Option<String>,
    hold: Duration,
    timeout: Duration,
}

const USAGE: &str = "usage: kad_client --bootstrap <multiaddr/p2p/id>... [--put-key K --value V] \
[--get-key K] [--find-peer ID] [--provide K] [--find-providers K] [--listen MA] [--hold s] \
[--timeout s]";

fn parse_secs(v: Option<String>, name: &str) -> Result<Duration, String> {
    let v = v.ok_or(format!("{name} needs a value"))?;
    let secs: f64 = v.parse().map_err(|_| format!("bad {name} {v}"))?;
    Ok(Duration::from_secs_f64(secs))
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--bootstrap" => a.bootstrap.push(val("--bootstrap")?),
            "--put-key" => a.put_key = Some(val("--put-key")?),
            "--value" => a.value = Some(val("--value")?),
            "--value-size" => {
                let v = val("--value-size")?;
                let n: usize = v.parse().map_err(|_| format!("bad --value-size {v}"))?;
                a.value = Some("x".repeat(n));
            }
            "--put-to-bootstrap-only" => a.put_to_bootstrap_only = true,
            "--device-name" => a.device_name = Some(val("--device-name")?),
            "--max-packet" => {
                let v = val("--max-packet")?;
                a.max_packet = Some(v.parse().map_err(|_| format!("bad --max-packet {v}"))?);
            }
            "--get-key" => a.get_key = Some(val("--get-key")?),
            "--find-peer" => a.find_peer = Some(val("--find-peer")?),
            "--provide" => a.provide = Some(val("--provide")?),
            "--find-providers" => a.find_providers = Some(val("--find-providers")?),
            "--listen" => a.listen = Some(val("--listen")?),
            "--hold" => a.hold = parse_secs(it.next(), "--hold")?,
            "--timeout" => a.timeout = parse_secs(it.next(), "--timeout")?,
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}; {USAGE}")),
        }
    }
    if a.bootstrap.is_empty() {
        return Err(format!("--bootstrap is required; {USAGE}"));
    }
    if a.put_key.is_some() != (a.value.is_some() || a.device_name.is_some()) {
        return Err("--put-key needs --value or --device-name (and they need --put-key)".into());
    }
    Ok(a)
}

fn peer_of(addr: &Multiaddr) -> Result<PeerId, String> {
    match addr.iter().last() {
        Some(Protocol::P2p(id)) => Ok(id),
        _ => Err(format!("{addr}: the address must end in /p2p/<peer id>")),
    }
}

/// Everything the run found out so far; printed even when a later step fails or times out.
struct Report {
    fields: Map<String, Value>,
    stage: String,
}

impl Report {
    fn set(&mut self, k: &str, v: Value) {
        self.fields.insert(k.into(), v);
    }
}

fn build_swarm(max_packet: Option<usize>) -> Result<Swarm<Behaviour>, String> {
    let swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_quic()
        .with_behaviour(|key| {
            let local = key.public().to_peer_id();
            let mut cfg = kad::Config::new(StreamProtocol::new("/ipfs/kad/1.0.0"));
            // The product's relay uses a 60 s query timeout; the test's own --timeout bounds the run.
            cfg.set_query_timeout(Duration::from_secs(60));
            let mut store_cfg = MemoryStoreConfig::default();
            if let Some(n) = max_packet {
                // Oversize tests: let our own store keep what we then send.
                cfg.set_max_packet_size(n);
                store_cfg.max_value_bytes = n;
            }
            let store = MemoryStore::with_config(local, store_cfg);
            Behaviour {
                identify: identify::Behaviour::new(identify::Config::new(
                    "/privstack/1.0.0".to_string(),
                    key.public(),
                )),
                kad: kad::Behaviour::with_config(local, store, cfg),
            }
        })
        .map_err(|e| format!("behaviour: {e}"))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    Ok(swarm)
}

/// What a finished query handed back; `None` while it is still running.
enum Done {
    Put(Result<(), String>),
    Provide(Result<(), String>),
    Get(Result<(), String>),
    Closest(Result<Vec<kad::PeerInfo>, String>),
    Providers(Result<(), String>),
}

/// Polls the swarm until the query `id` finishes. Collects FoundRecord / FoundProviders progress
/// into `records` / `providers`. Identify listen addresses of DHT servers are fed to kad the way
/// PrivStack's client does (kad does not consume identify itself).
async fn drive(
    swarm: &mut Swarm<Behaviour>,
    id: kad::QueryId,
    records: &mut Vec<Value>,
    providers: &mut HashSet<PeerId>,
) -> Done {
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => add_identified(swarm, peer_id, &info),
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                id: qid,
                result,
                step,
                ..
            })) if qid == id => match result {
                QueryResult::PutRecord(r) => {
                    return Done::Put(r.map(|_| ()).map_err(|e| format!("{e}: {e:?}")))
                }
                QueryResult::StartProviding(r) => {
                    return Done::Provide(r.map(|_| ()).map_err(|e| format!("{e}: {e:?}")))
                }
                QueryResult::GetRecord(Ok(GetRecordOk::FoundRecord(pr))) => {
                    records.push(record_json(&pr.peer, &pr.record));
                    if step.last {
                        return Done::Get(Ok(()));
                    }
                }
                QueryResult::GetRecord(Ok(GetRecordOk::FinishedWithNoAdditionalRecord {
                    ..
                })) => return Done::Get(Ok(())),
                QueryResult::GetRecord(Err(e)) => {
                    // NotFound after some FoundRecord cannot happen; report the error as is.
                    return Done::Get(Err(format!("{e}")));
                }
                QueryResult::GetClosestPeers(Ok(GetClosestPeersOk { peers, .. })) => {
                    return Done::Closest(Ok(peers))
                }
                QueryResult::GetClosestPeers(Err(e)) => return Done::Closest(Err(format!("{e}"))),
                QueryResult::GetProviders(Ok(GetProvidersOk::FoundProviders {
                    providers: p,
                    ..
                })) => {
                    providers.extend(p);
                    if step.last {
                        return Done::Providers(Ok(()));
                    }
                }
                QueryResult::GetProviders(Ok(GetProvidersOk::FinishedWithNoAdditionalRecord {
                    ..
                })) => return Done::Providers(Ok(())),
                QueryResult::GetProviders(Err(e)) => return Done::Providers(Err(format!("{e}"))),
                _ => {}
            },
            _ => {}
        }
    }
}

fn add_identified(swarm: &mut Swarm<Behaviour>, peer: PeerId, info: &identify::Info) {
    let kad_proto = StreamProtocol::new("/ipfs/kad/1.0.0");
    if !info.protocols.contains(&kad_proto) {
        return;
    }
    for a in &info.listen_addrs {
        swarm.behaviour_mut().kad.add_address(&peer, a.clone());
    }
}

fn record_json(peer: &Option<PeerId>, r: &Record) -> Value {
    json!({
        "from": peer.map(|p| p.to_string()),
        "key": String::from_utf8_lossy(r.key.as_ref()),
        "value": String::from_utf8_lossy(&r.value),
        "publisher": r.publisher.map(|p| p.to_string()),
        // From the wire `ttl` (rust field 777): seconds left, null if the record carried none.
        "expiresInSecs": r.expires.map(|e| e.saturating_duration_since(std::time::Instant::now()).as_secs()),
    })
}

async fn run(args: &Args, report: &RefCell<Report>) -> Result<(), String> {
    let mut swarm = build_swarm(args.max_packet)?;
    // PrivStack's client forces server mode: without a confirmed external address rust would stay a
    // client and not answer (or advertise) kad.
    swarm.behaviour_mut().kad.set_mode(Some(Mode::Server));
    report
        .borrow_mut()
        .set("peerId", json!(swarm.local_peer_id().to_string()));

    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| "/ip4/127.0.0.1/udp/0/quic-v1".into());
    let listen: Multiaddr = listen.parse().map_err(|e| format!("bad --listen: {e}"))?;
    swarm
        .listen_on(listen)
        .map_err(|e| format!("listen: {e}"))?;

    // Bootstrap: add each relay to the routing table and dial it; wait for the connection, the
    // relay's identify and our own listen address (so identify tells the relay where we are).
    let mut waiting: HashSet<PeerId> = HashSet::new();
    for b in &args.bootstrap {
        let addr = Multiaddr::from_str(b).map_err(|e| format!("bad --bootstrap {b}: {e}"))?;
        let peer = peer_of(&addr)?;
        let mut plain = addr.clone();
        plain.pop();
        swarm.behaviour_mut().kad.add_address(&peer, plain);
        swarm
            .dial(addr.clone())
            .map_err(|e| format!("dial {addr}: {e}"))?;
        waiting.insert(peer);
    }
    let bootstrap_ids: Vec<PeerId> = waiting.iter().copied().collect();
    report.borrow_mut().stage = "bootstrapping (dial + identify of the relays)".into();
    let mut listen_addrs: Vec<String> = Vec::new();
    let mut relay_protocols = Map::new();
    while !waiting.is_empty() || listen_addrs.is_empty() {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { address, .. } => listen_addrs.push(address.to_string()),
            SwarmEvent::OutgoingConnectionError {
                peer_id: Some(p),
                error,
                ..
            } if waiting.contains(&p) => return Err(format!("dial {p} failed: {error}")),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                add_identified(&mut swarm, peer_id, &info);
                if waiting.remove(&peer_id) {
                    let has_kad = info
                        .protocols
                        .contains(&StreamProtocol::new("/ipfs/kad/1.0.0"));
                    relay_protocols.insert(peer_id.to_string(), json!(has_kad));
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Error {
                peer_id,
                error,
                ..
            })) if waiting.contains(&peer_id) => {
                return Err(format!("identify of {peer_id} failed: {error}"))
            }
            _ => {}
        }
    }
    {
        let mut r = report.borrow_mut();
        r.set("listenAddrs", json!(listen_addrs));
        r.set("bootstrapAdvertisesKad", Value::Object(relay_protocols));
    }

    let mut records = Vec::new();
    let mut providers = HashSet::new();

    if let Some(k) = &args.put_key {
        report.borrow_mut().stage = format!("put_record {k}");
        let v = match (&args.value, &args.device_name) {
            (Some(v), _) => v.clone(),
            (None, name) => {
                let me = *swarm.local_peer_id();
                let addrs: Vec<String> = listen_addrs
                    .iter()
                    .map(|a| format!("{a}/p2p/{me}"))
                    .collect();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                json!({"device_name": name, "addresses": addrs, "timestamp": now}).to_string()
            }
        };
        let rec = Record::new(RecordKey::new(k), v.as_bytes().to_vec());
        // Report the size, not the value, when it is large (the flood/oversize test).
        let shown = if v.len() > 1024 {
            format!("<{} bytes>", v.len())
        } else {
            v.clone()
        };
        let qid = if args.put_to_bootstrap_only {
            let mut rec = rec;
            // put_record_to does not stamp the publisher (put_record does); PrivStack's records
            // always carry it.
            rec.publisher = Some(*swarm.local_peer_id());
            let to = bootstrap_ids.clone();
            swarm
                .behaviour_mut()
                .kad
                .put_record_to(rec, to.into_iter(), Quorum::All)
        } else {
            swarm
                .behaviour_mut()
                .kad
                .put_record(rec, Quorum::One)
                .map_err(|e| format!("put_record (local store): {e}"))?
        };
        let res = match drive(&mut swarm, qid, &mut records, &mut providers).await {
            Done::Put(r) => r,
            _ => unreachable!(),
        };
        report.borrow_mut().set(
            "put",
            json!({"ok": res.is_ok(), "key": k, "value": shown, "error": res.as_ref().err()}),
        );
        res.map_err(|e| format!("put_record: {e}"))?;
    }

    if let Some(k) = &args.provide {
        report.borrow_mut().stage = format!("start_providing {k}");
        let qid = swarm
            .behaviour_mut()
            .kad
            .start_providing(RecordKey::new(k))
            .map_err(|e| format!("start_providing (local store): {e}"))?;
        let res = match drive(&mut swarm, qid, &mut records, &mut providers).await {
            Done::Provide(r) => r,
            _ => unreachable!(),
        };
        report.borrow_mut().set(
            "provide",
            json!({"ok": res.is_ok(), "error": res.as_ref().err()}),
        );
        res.map_err(|e| format!("start_providing: {e}"))?;
    }

    if let Some(k) = &args.get_key {
        report.borrow_mut().stage = format!("get_record {k}");
        records.clear();
        let qid = swarm.behaviour_mut().kad.get_record(RecordKey::new(k));
        let res = match drive(&mut swarm, qid, &mut records, &mut providers).await {
            Done::Get(r) => r,
            _ => unreachable!(),
        };
        report.borrow_mut().set(
            "get",
            json!({"ok": res.is_ok(), "records": records, "error": res.as_ref().err()}),
        );
        res.map_err(|e| format!("get_record: {e}"))?;
    }

    if let Some(p) = &args.find_peer {
        report.borrow_mut().stage = format!("get_closest_peers {p}");
        let target = PeerId::from_str(p).map_err(|e| format!("bad --find-peer: {e}"))?;
        let qid = swarm.behaviour_mut().kad.get_closest_peers(target);
        let res = match drive(&mut swarm, qid, &mut records, &mut providers).await {
            Done::Closest(r) => r,
            _ => unreachable!(),
        };
        let peers: Vec<Value> = res
            .as_ref()
            .map(|ps| {
                ps.iter()
                    .map(|pi| {
                        json!({"peerId": pi.peer_id.to_string(),
                               "addrs": pi.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>()})
                    })
                    .collect()
            })
            .unwrap_or_default();
        let found = res
            .as_ref()
            .map(|ps| ps.iter().any(|pi| pi.peer_id == target))
            .unwrap_or(false);
        report.borrow_mut().set(
            "findPeer",
            json!({"ok": res.is_ok(), "found": found, "peers": peers, "error": res.as_ref().err()}),
        );
        res.map_err(|e| format!("get_closest_peers: {e}"))?;
    }

    if let Some(k) = &args.find_providers {
        report.borrow_mut().stage = format!("get_providers {k}");
        providers.clear();
        let qid = swarm.behaviour_mut().kad.get_providers(RecordKey::new(k));
        let res = match drive(&mut swarm, qid, &mut records, &mut providers).await {
            Done::Providers(r) => r,
            _ => unreachable!(),
        };
        let list: Vec<String> = providers.iter().map(|p| p.to_string()).collect();
        report.borrow_mut().set(
            "findProviders",
            json!({"ok": res.is_ok(), "providers": list, "error": res.as_ref().err()}),
        );
        res.map_err(|e| format!("get_providers: {e}"))?;
    }

    // Print now (the test reads this line while we keep serving), then hold.
    {
        let mut r = report.borrow_mut();
        r.set("ok", json!(true));
        println!("{}", Value::Object(r.fields.clone()));
        r.stage = "holding".into();
    }
    if !args.hold.is_zero() {
        let hold = tokio::time::sleep(args.hold);
        tokio::pin!(hold);
        loop {
            tokio::select! {
                _ = &mut hold => break,
                ev = swarm.select_next_some() => {
                    if let SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                        peer_id, info, ..
                    })) = ev {
                        add_identified(&mut swarm, peer_id, &info);
                    }
                }
            }
        }
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            println!("{}", json!({ "ok": false, "error": e }));
            return ExitCode::from(2);
        }
    };
    let report = RefCell::new(Report {
        fields: Map::new(),
        stage: "starting".into(),
    });
    // The hold time is on top of the work's timeout.
    let res = tokio::time::timeout(args.timeout + args.hold, run(&args, &report)).await;
    let err = match res {
        Ok(Ok(())) => return ExitCode::SUCCESS,
        Ok(Err(e)) => e,
        Err(_) => {
            let r = report.borrow();
            if r.stage == "holding" {
                return ExitCode::SUCCESS;
            }
            format!("timed out after {:?} while {}", args.timeout, r.stage)
        }
    };
    let mut r = report.borrow_mut();
    r.set("ok", json!(false));
    r.set("error", json!(err));
    println!("{}", Value::Object(r.fields.clone()));
    ExitCode::FAILURE
}
