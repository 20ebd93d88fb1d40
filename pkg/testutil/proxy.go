package testutil

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Proxy stands on real TCP between clients and a server (a NATS server,
// say) so a test can break the path between them the way networks do:
// Cut holds every byte until Heal, as a partition does while both ends
// keep their connections open, and a down function given to MustProxy
// may leave out some of the server's bytes (an acknowledgement that never
// arrives). Fault tests use it instead of a fake client or server.
type Proxy struct {
	ln     net.Listener
	target string
	down   func(client io.Writer, server io.Reader) error

	mu    sync.Mutex
	cond  *sync.Cond
	cut   bool
	conns []net.Conn
}

// MustProxy listens on a free loopback port and forwards every connection
// to target. The client's bytes pass unchanged; the server's pass through
// down, which copies from server to client until either fails (nil copies
// everything). The proxy heals and closes, with every connection, at
// cleanup.
func MustProxy(tb testing.TB, target string, down func(client io.Writer, server io.Reader) error) *Proxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("proxy: %v", err)
	}
	if down == nil {
		down = func(client io.Writer, server io.Reader) error {
			_, err := io.Copy(client, server)
			return err
		}
	}
	p := &Proxy{ln: ln, target: target, down: down}
	p.cond = sync.NewCond(&p.mu)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

// Addr is where clients connect instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut holds what either side sends, without closing anything, until Heal.
func (p *Proxy) Cut() { p.set(true) }

// Heal delivers what Cut held and lets bytes through again.
func (p *Proxy) Heal() { p.set(false) }

func (p *Proxy) set(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	p.cond.Broadcast()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		// Whichever direction ends first closes both ends, as a
		// connection broken anywhere on the path does.
		go func() {
			_, _ = io.Copy(s, held{p, c})
			_ = s.Close()
			_ = c.Close()
		}()
		go func() {
			_ = p.down(c, held{p, s})
			_ = s.Close()
			_ = c.Close()
		}()
	}
}

// held reads from one end of a connection and, while the proxy is cut,
// keeps what it read until the proxy heals.
type held struct {
	p *Proxy
	r io.Reader
}

func (h held) Read(b []byte) (int, error) {
	n, err := h.r.Read(b)
	if n > 0 {
		h.p.mu.Lock()
		for h.p.cut {
			h.p.cond.Wait()
		}
		h.p.mu.Unlock()
	}
	return n, err
}

func (p *Proxy) close() {
	_ = p.ln.Close()
	p.Heal()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}

// Late is a down function for MustProxy that passes the server's bytes on
// lag late, in order: the moment a replica is behind another (its watches,
// and so its indexes, learn of the other's writes after they are stored),
// widened so a test meets it every time instead of by chance.
func Late(lag time.Duration) func(client io.Writer, server io.Reader) error {
	return func(client io.Writer, server io.Reader) error {
		type chunk struct {
			b  []byte
			at time.Time
		}
		line := make(chan chunk, 4096)
		go func() {
			for c := range line {
				time.Sleep(time.Until(c.at))
				if _, err := client.Write(c.b); err != nil {
					for range line { // drain, so the reader never blocks
					}
					return
				}
			}
		}()
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				line <- chunk{b: bytes.Clone(buf[:n]), at: time.Now().Add(lag)}
			}
			if err != nil {
				close(line)
				return err
			}
		}
	}
}

// ConnectLate opens a client connection that the test owns, as Connect
// does, through a proxy that passes the server's bytes on lag late
// (Late): a replica that sees every other replica's writes lag after
// they are stored.
func (n *NATS) ConnectLate(tb testing.TB, lag time.Duration) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	p := MustProxy(tb, n.Server.Addr().String(), Late(lag))
	nc, err := nats.Connect("nats://"+p.Addr(), nats.Name(tb.Name()+"-late"))
	return owned(tb, nc, err)
}
