// Produces test vectors for privstack-relay's crypto layer with go-libp2p itself.
package main

import (
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/record"
	circuit "github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/proto"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func main() {
	// Relay key: the Ed25519 private key test vector of libp2p/specs peer-ids.md.
	relayKey := must(crypto.UnmarshalPrivateKey(must(hex.DecodeString(
		"080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"))))
	relayID := must(peer.IDFromPrivateKey(relayKey))
	// Reserving peer: 12D3KooWLqLxEfJ9nDdEe8Kh8PFvNPQRYDQBwyL7CMM7HhVd5LsX (js go-key-ed25519 fixture).
	peerID := must(peer.Decode("12D3KooWLqLxEfJ9nDdEe8Kh8PFvNPQRYDQBwyL7CMM7HhVd5LsX"))
	voucher := &circuit.ReservationVoucher{Relay: relayID, Peer: peerID, Expiration: time.Unix(1700000000, 0)}
	env := must(record.Seal(voucher, relayKey))
	fmt.Println("relay", relayID)
	fmt.Println("voucher", hex.EncodeToString(must(env.Marshal())))

	msg := []byte("Libp2p is the _best_!")
	for _, c := range []elliptic.Curve{elliptic.P384(), elliptic.P521()} {
		priv, pub := must2(crypto.GenerateECDSAKeyPairWithCurve(c, rand.Reader))
		pubBytes := must(crypto.MarshalPublicKey(pub))
		sig := must(priv.Sign(msg))
		fmt.Println(c.Params().Name, "pub", hex.EncodeToString(pubBytes))
		fmt.Println(c.Params().Name, "sig", hex.EncodeToString(sig))
		fmt.Println(c.Params().Name, "id", must(peer.IDFromPublicKey(pub)))
	}
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}
