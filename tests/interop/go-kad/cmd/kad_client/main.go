// Command kad_client is the go-libp2p-kad-dht client for the privstack-relay kad interop tests.
//
//	kad_client --bootstrap <multiaddr/p2p/id> [--bootstrap ...] [--mode server|client]
//	           [--provide TEXT] [--find-peer ID] [--closest-peers ID] [--find-providers TEXT]
//	           [--hold s] [--timeout s]
//
// A QUIC-only go-libp2p host listening on /ip4/127.0.0.1/udp/0/quic-v1 with a kad DHT
// (dht.ProtocolPrefix("/ipfs"), the relays as dht.BootstrapPeers). go's default record validator
// accepts only /pk and /ipns keys, so this client exercises FIND_NODE and provider records only.
//
// Steps, each only if asked for: connect to every bootstrap node and wait until it is in the DHT's
// routing table; Provide(CIDv1 raw of sha256(TEXT)); FindPeer(ID); GetClosestPeers(ID);
// FindProvidersAsync(CID). Then ONE JSON line on stdout ({"ok":true,"peerId",...} or
// {"ok":false,"error",...}); with --hold the host keeps serving the DHT for that many seconds or
// until SIGTERM. Exit 0 on success, 1 on failure, 2 on a usage error.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	ma "github.com/multiformats/go-multiaddr"
	mh "github.com/multiformats/go-multihash"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// report collects what finished so far; it is printed even when a later step fails.
type report struct {
	mu     sync.Mutex
	fields map[string]any
	stage  string
}

func (r *report) set(k string, v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fields[k] = v
}

func (r *report) setStage(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stage = s
}

func (r *report) print(ok bool, errMsg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fields["ok"] = ok
	if errMsg != "" {
		r.fields["error"] = errMsg
	}
	b, _ := json.Marshal(r.fields)
	os.Stdout.Write(append(b, '\n'))
}

type options struct {
	bootstrap     multiFlag
	mode          string
	provide       string
	findPeer      string
	closestPeers  string
	findProviders string
	hold          time.Duration
	timeout       time.Duration
}

func main() {
	var o options
	fs := flag.NewFlagSet("kad_client", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&o.bootstrap, "bootstrap", "relay multiaddr with /p2p/ (repeatable)")
	fs.StringVar(&o.mode, "mode", "server", "DHT mode: server or client")
	fs.StringVar(&o.provide, "provide", "", "provide CIDv1(raw, sha256(TEXT))")
	fs.StringVar(&o.findPeer, "find-peer", "", "FindPeer(ID)")
	fs.StringVar(&o.closestPeers, "closest-peers", "", "GetClosestPeers(ID)")
	fs.StringVar(&o.findProviders, "find-providers", "", "FindProvidersAsync(CIDv1(raw, sha256(TEXT)))")
	holdSec := fs.Float64("hold", 0, "keep serving the DHT this many seconds after the steps")
	timeoutSec := fs.Float64("timeout", 30, "hard timeout in seconds for the steps")
	err := fs.Parse(os.Args[1:])
	if err == nil && len(o.bootstrap) == 0 {
		err = fmt.Errorf("--bootstrap is required")
	}
	if err == nil && o.mode != "server" && o.mode != "client" {
		err = fmt.Errorf("--mode must be server or client")
	}
	if err != nil || fs.NArg() != 0 {
		msg := "usage: kad_client --bootstrap <multiaddr/p2p/id>... [--mode server|client] " +
			"[--provide TEXT] [--find-peer ID] [--closest-peers ID] [--find-providers TEXT] [--hold s] [--timeout s]"
		if err != nil {
			msg = err.Error() + "; " + msg
		}
		b, _ := json.Marshal(map[string]any{"ok": false, "error": msg})
		fmt.Println(string(b))
		os.Exit(2)
	}
	o.hold = time.Duration(*holdSec * float64(time.Second))
	o.timeout = time.Duration(*timeoutSec * float64(time.Second))

	rep := &report{fields: map[string]any{}, stage: "starting"}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	done := make(chan error, 1)
	var h host.Host
	var kad *dht.IpfsDHT
	go func() {
		var err error
		h, kad, err = run(ctx, &o, rep)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			rep.print(false, err.Error())
			os.Exit(1)
		}
	case <-ctx.Done():
		rep.mu.Lock()
		stage := rep.stage
		rep.mu.Unlock()
		rep.print(false, fmt.Sprintf("timed out after %v while %s", o.timeout, stage))
		os.Exit(1)
	}
	rep.print(true, "")
	if o.hold > 0 {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		select {
		case <-time.After(o.hold):
		case <-sig:
		}
	}
	if kad != nil {
		kad.Close()
	}
	if h != nil {
		h.Close()
	}
}

func cidOf(text string) (cid.Cid, error) {
	sum := sha256.Sum256([]byte(text))
	m, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		return cid.Undef, err
	}
	return cid.NewCidV1(cid.Raw, m), nil
}

func addrStrings(as []ma.Multiaddr) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.String())
	}
	return out
}

func run(ctx context.Context, o *options, rep *report) (host.Host, *dht.IpfsDHT, error) {
	var relays []peer.AddrInfo
	for _, b := range o.bootstrap {
		ai, err := peer.AddrInfoFromString(b)
		if err != nil {
			return nil, nil, fmt.Errorf("bad --bootstrap %s: %w", b, err)
		}
		relays = append(relays, *ai)
	}
	h, err := libp2p.New(
		libp2p.NoTransports,
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/udp/0/quic-v1"),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("host: %w", err)
	}
	rep.set("peerId", h.ID().String())
	rep.set("listenAddrs", addrStrings(h.Addrs()))

	mode := dht.ModeServer
	if o.mode == "client" {
		mode = dht.ModeClient
	}
	kad, err := dht.New(h, dht.Mode(mode), dht.ProtocolPrefix("/ipfs"),
		dht.BootstrapPeers(relays...))
	if err != nil {
		return h, nil, fmt.Errorf("dht: %w", err)
	}

	// Connect to the relays ourselves and wait until the DHT took each into its routing table
	// (go adds a peer once identify shows it speaks /ipfs/kad/1.0.0).
	rep.setStage("connecting to the bootstrap nodes")
	for _, ai := range relays {
		if err := h.Connect(ctx, ai); err != nil {
			return h, kad, fmt.Errorf("connect %s: %w", ai.ID, err)
		}
	}
	rep.setStage("waiting for the bootstrap nodes in the DHT routing table")
	inTable := []string{}
	for {
		inTable = inTable[:0]
		for _, ai := range relays {
			if kad.RoutingTable().Find(ai.ID) != "" {
				inTable = append(inTable, ai.ID.String())
			}
		}
		if len(inTable) == len(relays) {
			break
		}
		select {
		case <-ctx.Done():
			return h, kad, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	rep.set("bootstrapInRoutingTable", inTable)

	if o.provide != "" {
		c, err := cidOf(o.provide)
		if err != nil {
			return h, kad, err
		}
		rep.setStage("Provide " + c.String())
		if err := kad.Provide(ctx, c, true); err != nil {
			rep.set("provide", map[string]any{"ok": false, "cid": c.String(), "error": err.Error()})
			return h, kad, fmt.Errorf("provide: %w", err)
		}
		rep.set("provide", map[string]any{"ok": true, "cid": c.String()})
	}

	if o.findPeer != "" {
		id, err := peer.Decode(o.findPeer)
		if err != nil {
			return h, kad, fmt.Errorf("bad --find-peer: %w", err)
		}
		rep.setStage("FindPeer " + o.findPeer)
		ai, err := kad.FindPeer(ctx, id)
		if err != nil {
			rep.set("findPeer", map[string]any{"ok": false, "found": false, "error": err.Error()})
			return h, kad, fmt.Errorf("FindPeer: %w", err)
		}
		rep.set("findPeer", map[string]any{"ok": true, "found": ai.ID == id,
			"peer": map[string]any{"peerId": ai.ID.String(), "addrs": addrStrings(ai.Addrs)}})
	}

	if o.closestPeers != "" {
		id, err := peer.Decode(o.closestPeers)
		if err != nil {
			return h, kad, fmt.Errorf("bad --closest-peers: %w", err)
		}
		rep.setStage("GetClosestPeers " + o.closestPeers)
		peers, err := kad.GetClosestPeers(ctx, string(id))
		if err != nil {
			rep.set("closestPeers", map[string]any{"ok": false, "error": err.Error()})
			return h, kad, fmt.Errorf("GetClosestPeers: %w", err)
		}
		ids := make([]string, 0, len(peers))
		found := false
		for _, p := range peers {
			ids = append(ids, p.String())
			found = found || p == id
		}
		rep.set("closestPeers", map[string]any{"ok": true, "found": found, "peers": ids})
	}

	if o.findProviders != "" {
		c, err := cidOf(o.findProviders)
		if err != nil {
			return h, kad, err
		}
		rep.setStage("FindProvidersAsync " + c.String())
		provs := []map[string]any{}
		for ai := range kad.FindProvidersAsync(ctx, c, 20) {
			provs = append(provs, map[string]any{"peerId": ai.ID.String(), "addrs": addrStrings(ai.Addrs)})
		}
		if err := ctx.Err(); err != nil {
			return h, kad, fmt.Errorf("FindProvidersAsync: %w", err)
		}
		rep.set("findProviders", map[string]any{"ok": len(provs) > 0, "cid": c.String(), "providers": provs})
		if len(provs) == 0 {
			return h, kad, fmt.Errorf("FindProvidersAsync: no provider found")
		}
	}
	return h, kad, nil
}
