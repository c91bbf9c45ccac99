// Produces a rust-libp2p legacy-format signed peer record for privstack-relay's tests.
use libp2p_core::{Multiaddr, PeerRecord};
use libp2p_identity::Keypair;

fn main() {
    // The Ed25519 private key test vector of libp2p/specs peer-ids.md.
    let key = Keypair::from_protobuf_encoding(&hex::decode(
        "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e",
    ).unwrap()).unwrap();
    let addrs: Vec<Multiaddr> = vec![
        "/ip4/127.0.0.1/udp/4001/quic-v1".parse().unwrap(),
        "/ip6/::1/udp/4001/quic-v1".parse().unwrap(),
    ];
    let record = PeerRecord::new(&key, addrs).unwrap();
    println!("peer {}", record.peer_id());
    println!("seq {}", record.seq());
    println!("legacy {}", hex::encode(record.to_signed_envelope().into_protobuf_encoding()));
}
