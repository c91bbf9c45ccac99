// go-libp2p circuit relay v2 client (p2p/protocol/circuitv2/client) for the privstack-relay
// interop tests.
//
//	relay_peer listen --relay <relay multiaddr/p2p/<id>> [--timeout 120]
//	relay_peer dial   --relay <relay multiaddr/p2p/<id>> --target <peer id> [--bytes 32768] [--timeout 30]
//
// listen: connects to the relay and reserves a slot with client.Reserve (which also verifies the
// voucher if the relay sends one: signed envelope, domain libp2p-relay-rsvp, relay and peer ids),
// then serves an echo protocol. Prints JSON lines: {"event":"reserved","peerId","circuitAddr",
// "expire","limitDurationS","limitData","voucher":{...}|null}, then {"event":"echo","bytes":N,
// "limited":bool} per echo stream, until SIGTERM or the timeout.
// dial: connects to <relay>/p2p-circuit/p2p/<target>, opens the echo protocol on that (limited)
// connection, sends --bytes random bytes, half-closes and reads the echo back. Prints ONE JSON
// line {"ok","relayed","limited","remoteAddr","echoBytes","received","echoOk","elapsedMs","error"};
// exit 0/1.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/protocol/circuitv2/client"
	libp2pquic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	ma "github.com/multiformats/go-multiaddr"
)

const echoProtocol = "/privstack-interop/echo/1.0.0"

func emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func fail(code int, format string, a ...any) {
	emit(map[string]any{"ok": false, "error": fmt.Sprintf(format, a...)})
	os.Exit(code)
}

func newHost() (host.Host, error) {
	// QUIC for the relay; the circuit transport (on by default) upgrades the relayed byte pipe
	// with go-libp2p's default security (TLS, noise) and muxer (yamux).
	return libp2p.New(
		libp2p.NoListenAddrs,
		libp2p.Transport(libp2pquic.NewTransport),
		libp2p.EnableRelay(),
	)
}

func isRelayed(c network.Conn) bool {
	_, err := c.RemoteMultiaddr().ValueForProtocol(ma.P_CIRCUIT)
	return err == nil
}

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "listen" && os.Args[1] != "dial") {
		fail(2, "usage: relay_peer listen|dial --relay <addr> [...]")
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	relayStr := fs.String("relay", "", "relay multiaddr ending in /p2p/<id>")
	targetStr := fs.String("target", "", "peer id to dial through the relay")
	nBytes := fs.Int("bytes", 32768, "echo payload size")
	defTimeout := 30.0
	if mode == "listen" {
		defTimeout = 120
	}
	timeoutS := fs.Float64("timeout", defTimeout, "hard limit in seconds")
	if err := fs.Parse(os.Args[2:]); err != nil {
		fail(2, "usage: %v", err)
	}
	relayInfo, err := peer.AddrInfoFromString(*relayStr)
	if err != nil {
		fail(2, "usage: --relay: %v", err)
	}
	timeout := time.Duration(*timeoutS * float64(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	h, err := newHost()
	if err != nil {
		fail(1, "host: %v", err)
	}
	defer h.Close()

	if mode == "listen" {
		listen(ctx, h, *relayInfo)
		return
	}
	target, err := peer.Decode(*targetStr)
	if err != nil {
		fail(2, "usage: --target: %v", err)
	}
	dial(ctx, h, *relayInfo, target, *nBytes)
}

func listen(ctx context.Context, h host.Host, relay peer.AddrInfo) {
	h.SetStreamHandler(echoProtocol, func(s network.Stream) {
		defer s.Close()
		n, err := io.Copy(s, s)
		if err != nil {
			s.Reset()
			return
		}
		_ = s.CloseWrite()
		emit(map[string]any{"event": "echo", "bytes": n, "relayed": isRelayed(s.Conn()),
			"limited": s.Conn().Stat().Limited})
	})
	if err := h.Connect(ctx, relay); err != nil {
		fail(1, "connect to the relay: %v", err)
	}
	rsvp, err := client.Reserve(ctx, h, relay)
	if err != nil {
		fail(1, "reserve: %v", err)
	}
	var voucher any
	if rsvp.Voucher != nil {
		voucher = map[string]any{"relay": rsvp.Voucher.Relay.String(), "peer": rsvp.Voucher.Peer.String(),
			"expiration": rsvp.Voucher.Expiration.Unix()}
	}
	addrs := make([]string, 0, len(rsvp.Addrs))
	for _, a := range rsvp.Addrs {
		addrs = append(addrs, a.String())
	}
	circuit := relay.Addrs[0].String() + "/p2p/" + relay.ID.String() + "/p2p-circuit/p2p/" + h.ID().String()
	emit(map[string]any{"event": "reserved", "peerId": h.ID().String(), "circuitAddr": circuit,
		"expire": rsvp.Expiration.Unix(), "addrs": addrs, "limitDurationS": rsvp.LimitDuration.Seconds(),
		"limitData": rsvp.LimitData, "voucher": voucher})

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
		emit(map[string]any{"event": "exit", "reason": "signal", "ok": true})
	case <-ctx.Done():
		emit(map[string]any{"event": "exit", "reason": "timeout", "ok": true})
	}
}

func dial(ctx context.Context, h host.Host, relay peer.AddrInfo, target peer.ID, n int) {
	res := map[string]any{"ok": false, "echoBytes": n, "received": 0, "echoOk": false}
	done := func(stage string, err error) {
		if err != nil {
			res["error"] = fmt.Sprintf("%s: %v", stage, err)
		}
		emit(res)
		// os.Exit skips deferred calls: close the host first so the relay sees the QUIC
		// CONNECTION_CLOSE now rather than after its idle timeout.
		_ = h.Close()
		if res["ok"] == true {
			os.Exit(0)
		}
		os.Exit(1)
	}
	circuit, err := ma.NewMultiaddr(relay.Addrs[0].String() + "/p2p/" + relay.ID.String() + "/p2p-circuit")
	if err != nil {
		done("circuit address", err)
	}
	if err := h.Connect(ctx, peer.AddrInfo{ID: target, Addrs: []ma.Multiaddr{circuit}}); err != nil {
		done("connect through the relay", err)
	}
	conns := h.Network().ConnsToPeer(target)
	if len(conns) == 0 {
		done("connect through the relay", errors.New("no connection after Connect"))
	}
	res["relayed"] = isRelayed(conns[0])
	res["limited"] = conns[0].Stat().Limited
	res["remoteAddr"] = conns[0].RemoteMultiaddr().String()

	start := time.Now()
	s, err := h.NewStream(network.WithAllowLimitedConn(ctx, "interop echo"), target, echoProtocol)
	if err != nil {
		done("open echo stream", err)
	}
	defer s.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	payload := make([]byte, n)
	_, _ = rand.Read(payload)
	writeErr := make(chan error, 1)
	go func() {
		_, err := s.Write(payload)
		if err == nil {
			err = s.CloseWrite()
		}
		writeErr <- err
	}()
	got, err := io.ReadAll(s)
	res["received"] = len(got)
	if err != nil {
		done("read echo", err)
	}
	if err := <-writeErr; err != nil {
		done("write payload", err)
	}
	// Stream open to last echoed byte: a rough round-trip throughput figure, not asserted.
	res["elapsedMs"] = time.Since(start).Milliseconds()
	res["echoOk"] = bytes.Equal(got, payload)
	res["ok"] = res["echoOk"] == true && res["relayed"] == true &&
		strings.Contains(res["remoteAddr"].(string), "/p2p-circuit")
	done("", nil)
}
