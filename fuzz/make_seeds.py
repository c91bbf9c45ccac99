#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/<target>/ (checked in; rerun only to change the seeds).

Seeds are small valid inputs in each target's input layout (see the comment at the top of each
*_fuzzer.cc): a leading mode/shape byte where the target has one, then wire bytes. Signed
envelopes are made with the `cryptography` package (Ed25519), so mutations reach the signature
checks and the record/voucher decoders.
"""
import hashlib
import pathlib
import shutil
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

ROOT = pathlib.Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
FIXTURES = ROOT.parent / "tests" / "unit" / "transport" / "fixtures"


def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, value):
    """Protobuf field: bytes for length-delimited, int for varint."""
    if isinstance(value, int):
        return uvarint(num << 3) + uvarint(value)
    return uvarint((num << 3) | 2) + uvarint(len(value)) + value


def frame(body):
    return uvarint(len(body)) + body


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(data):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def ed25519_key(seed_byte):
    return Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32)


def raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pubkey_proto(raw, key_type=1):
    return field(1, key_type) + field(2, raw)


def peer_id(raw):
    proto = pubkey_proto(raw)
    return b"\x00" + uvarint(len(proto)) + proto  # identity multihash


def fixed_peer(n):
    """fuzz_util.h's fixed_peer(n): an Ed25519 public key of 32 bytes 0x40+n (not a real point)."""
    return peer_id(bytes([0x40 + n % 8]) * 32)


def seal(key, domain, payload_type, payload):
    signing = b"".join(uvarint(len(x)) + x for x in (domain, payload_type, payload))
    return (field(1, pubkey_proto(raw_public(key))) + field(2, payload_type) + field(3, payload)
            + field(5, key.sign(signing)))


def ip4_quic(a, port, pid=None):
    out = b"\x04" + bytes(a) + b"\x91\x02" + struct.pack(">H", port) + b"\xcc\x03"
    if pid is not None:
        out += b"\xa5\x03" + uvarint(len(pid)) + pid
    return out


RELAY_KEY = ed25519_key(1)
RELAY_ID = peer_id(raw_public(RELAY_KEY))
OTHER_ID = peer_id(raw_public(ed25519_key(2)))
SHA_ID = b"\x12\x20" + hashlib.sha256(b"rsa key").digest()
ADDR = ip4_quic([127, 0, 0, 1], 4001, RELAY_ID)
ADDR6 = b"\x29" + bytes(15) + b"\x01" + b"\x91\x02\x0f\xa1\xcc\x03"
CIRCUIT = ADDR + b"\xa2\x02" + b"\xa5\x03" + uvarint(len(OTHER_ID)) + OTHER_ID


def seeds():
    s = {}
    s["varint"] = {
        "empty_frame": b"\x10\x00",
        "hello": b"\x10\x05hello",
        "two_byte_len": b"\xff" + uvarint(300) + bytes(300),
        "max_varint": b"\x01" + b"\xff" * 8 + b"\x7f",
        "non_minimal": b"\x01\x80\x00",
        "truncated": b"\x20\x85",
    }
    texts = ["/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + b58(RELAY_ID),
             "/ip6/::1/udp/4001/quic-v1",
             "/ip6/2001:db8::1/tcp/443/tls/sni/example.com/ws",
             "/dns4/relay.example.com/udp/4001/quic-v1/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE6g",
             "/ip4/1.2.3.4/udp/4001/quic-v1/p2p/" + b58(RELAY_ID) + "/p2p-circuit/p2p/" + b58(OTHER_ID),
             "/ipfs/" + b58(SHA_ID),
             "/unix/tmp%2Fsock", "/dnsaddr/bootstrap.libp2p.io", "/ip4/10.0.0.1/tcp/0/"]
    s["multiaddr"] = {f"text_{i}": b"\x01" + t.encode() for i, t in enumerate(texts)}
    s["multiaddr"].update({"bin_quic": b"\x00" + ADDR, "bin_ip6": b"\x00" + ADDR6,
                           "bin_circuit": b"\x00" + CIRCUIT})
    cid = b"\x01\x72" + RELAY_ID
    s["multibase"] = {
        "mb_base58": b"\x00z" + b58(b"hello world").encode(),
        "mb_base16": b"\x00f68656c6c6f", "mb_base32": b"\x00bnbswy3dp",
        "mb_base36": b"\x00k2lcpzo5yikidynfl", "mb_base64url": b"\x00uaGVsbG8",
        "b58_peer": b"\x01" + b58(RELAY_ID).encode(), "b58_zeros": b"\x0111112",
        "bin_multihash": b"\x02" + SHA_ID, "bin_cid": b"\x02" + cid,
        "text_cid_v0": b"\x03" + b58(SHA_ID).encode(),
        "text_cid_v1": b"\x03bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe",
    }
    ecdsa = bytes.fromhex(
        "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab"
        "44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62")
    secp = bytes.fromhex("08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99")
    s["peer_id"] = {
        "key_ed25519": b"\x00" + pubkey_proto(raw_public(RELAY_KEY)),
        "key_ecdsa": b"\x00" + ecdsa, "key_secp256k1": b"\x00" + secp,
        "bin_identity": b"\x01" + RELAY_ID, "bin_sha256": b"\x01" + SHA_ID,
        "text_b58": b"\x02" + b58(RELAY_ID).encode(),
        "text_qm": b"\x02QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
        "text_cid": b"\x02bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe",
    }
    record = field(1, RELAY_ID) + field(2, 1700000000000) + field(3, field(1, ADDR)) + field(3, field(1, ADDR6))
    voucher = field(1, RELAY_ID) + field(2, OTHER_ID) + field(3, 1900000000)
    s["envelope"] = {
        "peer_record": seal(RELAY_KEY, b"libp2p-peer-record", b"\x03\x01", record),
        "peer_record_rust_legacy": seal(RELAY_KEY, b"libp2p-routing-state",
                                        b"/libp2p/routing-state-record", record),
        "voucher": seal(RELAY_KEY, b"libp2p-relay-rsvp", b"\x03\x02", voucher),
    }
    s["certificate"] = {}
    if FIXTURES.is_dir():
        for der in sorted(FIXTURES.glob("*.der")):
            s["certificate"]["verify_" + der.stem] = b"\x02" + der.read_bytes()
            s["certificate"]["walk_" + der.stem] = b"\x00" + der.read_bytes()
    inner = (b"\x04" + bytes([len(pubkey_proto(raw_public(RELAY_KEY)))]) + pubkey_proto(raw_public(RELAY_KEY))
             + b"\x04\x40" + bytes(64))
    signed_key = b"\x30" + bytes([len(inner)]) + inner
    s["certificate"]["signed_key"] = b"\x01" + signed_key

    def ms(text):
        return frame(text.encode() + b"\n")
    header = ms("/multistream/1.0.0")
    s["multistream"] = {
        "line": b"\x00" + b"/ipfs/id/1.0.0\n",
        "listen_rust": b"\x01" + header + ms("/ipfs/id/1.0.0"),
        "listen_go_lazy": b"\x01" + header + ms("/ipfs/kad/1.0.0") + frame(b"\x08\x04"),
        "listen_na_then_ok": b"\x01" + header + ms("/foo/1.0.0") + ms("ls") + ms("/ipfs/ping/1.0.0"),
        "dial_ok": b"\x02" + header + ms("/libp2p/circuit/relay/0.2.0/stop"),
        "dial_na": b"\x02" + header + ms("na") + ms("/ipfs/id/1.0.0"),
    }
    expected_key = pubkey_proto(bytes([0x40]) * 32)
    peer_record_env = s["envelope"]["peer_record"]
    ident = (field(5, b"ipfs/0.1.0") + field(6, b"rust-libp2p/0.56") + field(1, expected_key)
             + field(2, ADDR[:-len(RELAY_ID) - 3]) + field(2, ADDR6) + field(4, ADDR6)
             + field(3, b"/ipfs/id/1.0.0") + field(3, b"/ipfs/kad/1.0.0")
             + field(3, b"/libp2p/circuit/relay/0.2.0/hop") + field(8, peer_record_env))
    push = field(3, b"/ipfs/ping/1.0.0") + field(2, ADDR6)
    s["identify"] = {
        "single": b"\x01" + frame(ident),
        "go_split": b"\x02" + frame(ident[:40]) + frame(ident[40:]),
        "with_push": b"\x01" + frame(ident) + frame(push),
        "no_key": b"\x01" + frame(field(3, b"/ipfs/id/1.0.0")),
    }
    peer = field(1, fixed_peer(1)) + field(2, ip4_quic([10, 0, 0, 1], 4001)) + field(3, 1)
    peer2 = field(1, fixed_peer(2)) + field(2, ip4_quic([10, 0, 0, 2], 4001))
    rec = field(1, b"/v/key") + field(2, b"value") + field(666, fixed_peer(3)) + field(777, 3600)
    kad = {
        "find_node": field(1, 4) + field(2, fixed_peer(4)) + field(8, peer) + field(8, peer2),
        "put_value": field(1, 0) + field(2, b"/v/key") + field(3, rec),
        "get_value": field(1, 1) + field(2, b"/v/key"),
        "add_provider": field(1, 2) + field(2, b"cid-key") + field(9, peer),
        "get_providers": field(1, 3) + field(2, b"cid-key"),
        "ping": field(1, 5) + field(10, 0),
    }
    s["kad"] = {k: b"\x11" + frame(v) for k, v in kad.items()}
    s["kad"]["sequence"] = (b"\x11" + frame(kad["find_node"]) + b"\x01" + frame(kad["add_provider"])
                            + b"\x22" + frame(kad["put_value"]) + b"\x03" + frame(kad["get_providers"])
                            + b"\x94" + frame(kad["get_value"]))
    limit = field(1, 120) + field(2, 131072)
    reservation = field(1, 1900000000) + field(2, ADDR) + field(3, s["envelope"]["voucher"])
    s["relay_messages"] = {
        "hop_reserve": b"\x00" + field(1, 0),
        "hop_connect": b"\x00" + field(1, 1) + field(2, field(1, OTHER_ID)),
        "hop_status_ok": b"\x00" + field(1, 2) + field(3, reservation) + field(4, limit) + field(5, 100),
        "hop_status_refused": b"\x00" + field(1, 2) + field(5, 200),
        "stop_connect": b"\x01" + field(1, 0) + field(2, field(1, RELAY_ID) + field(2, ADDR)) + field(3, limit),
        "stop_status": b"\x01" + field(1, 1) + field(4, 100),
    }
    s["relay_resources"] = {
        "reserve_then_connect": bytes([0xff, 0x00, 0x00, 0x01, 0x08, 0x02, 0x09, 0x01, 0x04, 0x00]),
        "many_reserves": bytes([0x05, 0x01] + [x for i in range(16) for x in (0x08, i * 9)]),
        "churn": bytes([0x55, 0x00, 0x00, 0x20, 0x02, 0x21, 0x01, 0x05, 0x20, 0x01, 0xf3, 0x00, 0x04, 0x00]),
    }
    get = b"GET /api/v1/identity HTTP/1.1\r\nHost: relay\r\n\r\n"
    s["http"] = {
        "get": get,
        "keep_alive_twice": get + b"HEAD /api/v1/identity?x=1 HTTP/1.1\r\nHost: relay\r\n\r\n",
        "http10": b"GET /api/v1/identity HTTP/1.0\r\n\r\n",
        "post_body": b"POST /api/v1/identity HTTP/1.1\r\nHost: r\r\nContent-Length: 5\r\n\r\nhello",
        "chunked": b"PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "not_found": b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n",
    }
    return s


def main():
    for target, files in seeds().items():
        out = CORPUS / target
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for name, data in files.items():
            (out / name).write_bytes(data)
        print(f"{target}: {len(files)} seeds")


if __name__ == "__main__":
    main()
