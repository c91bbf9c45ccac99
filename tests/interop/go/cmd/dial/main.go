// Command dial is the go-libp2p interop dialer for the privstack-relay tests.
//
//	dial --addr <multiaddr ending in /p2p/<peer id>> [--expect-fail] [--timeout <seconds>]
//
// It dials over QUIC v1 only (no listener), waits for identify of the remote, pings it 3 times and
// prints ONE JSON line on stdout: {"ok":true,"peerId":...,"rttMs":[...]} or {"ok":false,"error":"..."}.
// Exit 0 on success, 1 on failure; with --expect-fail the two are swapped. Usage errors exit 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	ma "github.com/multiformats/go-multiaddr"
)

const pings = 3

// result is the one JSON line printed. On success every field is present (empty lists as []);
// on failure only "ok" and "error".
type result struct {
	OK    bool
	Error string
	Info  *okInfo
}

type okInfo struct {
	OK              bool      `json:"ok"`
	PeerID          string    `json:"peerId"`
	ProtocolVersion string    `json:"protocolVersion"`
	AgentVersion    string    `json:"agentVersion"`
	Protocols       []string  `json:"protocols"`
	ListenAddrs     []string  `json:"listenAddrs"`
	ObservedAddr    *string   `json:"observedAddr"`
	RttMs           []float64 `json:"rttMs"`
}

func (r result) MarshalJSON() ([]byte, error) {
	if r.OK && r.Info != nil {
		return json.Marshal(r.Info)
	}
	return json.Marshal(struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}{false, r.Error})
}

func main() {
	fs := flag.NewFlagSet("dial", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "", "multiaddr ending in /p2p/<peer id>")
	expectFail := fs.Bool("expect-fail", false, "succeed only if the dial fails")
	timeoutSec := fs.Float64("timeout", 20, "hard timeout in seconds")
	if err := fs.Parse(os.Args[1:]); err != nil || *addr == "" || fs.NArg() != 0 {
		msg := "usage: dial --addr <multiaddr/p2p/<id>> [--expect-fail] [--timeout s]"
		if err != nil {
			msg = err.Error() + "; " + msg
		}
		emit(result{OK: false, Error: msg})
		os.Exit(2)
	}

	timeout := time.Duration(*timeoutSec * float64(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	done := make(chan result, 1)
	go func() { done <- run(ctx, *addr) }()

	var res result
	select {
	case res = <-done:
	case <-time.After(timeout + 2*time.Second):
		// run() should have returned on ctx; this is the last-resort guard against a hang.
		res = result{OK: false, Error: fmt.Sprintf("timed out after %s", timeout)}
	}
	emit(res)
	if res.OK != *expectFail {
		os.Exit(0)
	}
	os.Exit(1)
}

func emit(r result) {
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
}

func fail(err error) result { return result{OK: false, Error: err.Error()} }

func run(ctx context.Context, addrStr string) result {
	target, err := ma.NewMultiaddr(addrStr)
	if err != nil {
		return fail(fmt.Errorf("bad multiaddr: %w", err))
	}
	info, err := peer.AddrInfoFromP2pAddr(target)
	if err != nil {
		return fail(fmt.Errorf("the address must end in /p2p/<peer id>: %w", err))
	}

	h, err := libp2p.New(
		libp2p.NoListenAddrs,
		libp2p.NoTransports,
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		return fail(fmt.Errorf("host: %w", err))
	}
	defer h.Close()

	sub, err := h.EventBus().Subscribe([]any{
		new(event.EvtPeerIdentificationCompleted),
		new(event.EvtPeerIdentificationFailed),
	})
	if err != nil {
		return fail(fmt.Errorf("subscribe: %w", err))
	}
	defer sub.Close()

	if err := h.Connect(ctx, *info); err != nil {
		return fail(fmt.Errorf("dial failed: %w", err))
	}
	if h.Network().Connectedness(info.ID) != network.Connected {
		return fail(errors.New("not connected after dial"))
	}

	var id event.EvtPeerIdentificationCompleted
wait:
	for {
		select {
		case <-ctx.Done():
			return fail(fmt.Errorf("waiting for identify: %w", ctx.Err()))
		case ev, ok := <-sub.Out():
			if !ok {
				return fail(errors.New("event bus closed"))
			}
			switch e := ev.(type) {
			case event.EvtPeerIdentificationCompleted:
				if e.Peer == info.ID {
					id = e
					break wait
				}
			case event.EvtPeerIdentificationFailed:
				if e.Peer == info.ID {
					return fail(fmt.Errorf("identify failed: %w", e.Reason))
				}
			}
		}
	}

	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	var rtts []float64
	for r := range ping.Ping(pctx, h, info.ID) {
		if r.Error != nil {
			return fail(fmt.Errorf("ping failed: %w", r.Error))
		}
		rtts = append(rtts, float64(r.RTT.Microseconds())/1000.0)
		if len(rtts) == pings {
			pcancel()
			break
		}
	}
	if len(rtts) < pings {
		return fail(fmt.Errorf("ping: only %d of %d replies (%v)", len(rtts), pings, ctx.Err()))
	}

	protocols := make([]string, 0, len(id.Protocols))
	for _, p := range id.Protocols {
		protocols = append(protocols, string(p))
	}
	listen := make([]string, 0, len(id.ListenAddrs))
	for _, a := range id.ListenAddrs {
		listen = append(listen, a.String())
	}
	var observed *string
	if id.ObservedAddr != nil {
		s := id.ObservedAddr.String()
		observed = &s
	}
	return result{OK: true, Info: &okInfo{
		OK:              true,
		PeerID:          id.Peer.String(),
		ProtocolVersion: id.ProtocolVersion,
		AgentVersion:    id.AgentVersion,
		Protocols:       protocols,
		ListenAddrs:     listen,
		ObservedAddr:    observed,
		RttMs:           rtts,
	}}
}
