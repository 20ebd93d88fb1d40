package ops_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// ackProxy stands between one NATS client and its server on real TCP and,
// while dropping, leaves out the server's acknowledgements of publishes
// to one stream: the server stored the message and the client never
// hears so. That is the outcome a client sees when its node or the
// stream's leader is cut off between storing a write and answering it,
// forced at will instead of hoped for in a partition.
type ackProxy struct {
	ln     net.Listener
	target string
	ack    []byte // the start of an acknowledgement from the stream

	dropping atomic.Bool
	dropped  atomic.Int64

	mu    sync.Mutex
	conns []net.Conn
}

// mustAckProxy listens on a free loopback port and forwards every
// connection to target; acknowledgements from stream are dropped while
// Drop is on. It closes at cleanup.
func mustAckProxy(t *testing.T, target, stream string) *ackProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &ackProxy{ln: ln, target: target, ack: []byte(`{"stream":` + strconv.Quote(stream) + `,`)}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Addr is where the client connects.
func (p *ackProxy) Addr() string { return p.ln.Addr().String() }

// Drop starts or stops dropping acknowledgements.
func (p *ackProxy) Drop(on bool) { p.dropping.Store(on) }

// Dropped counts the acknowledgements dropped so far.
func (p *ackProxy) Dropped() int64 { return p.dropped.Load() }

func (p *ackProxy) serve() {
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
		go func() {
			_, _ = io.Copy(s, c) // the client's side passes unchanged
			_ = s.Close()
			_ = c.Close()
		}()
		go func() {
			_ = p.down(c, s)
			_ = s.Close()
			_ = c.Close()
		}()
	}
}

// down copies the server's protocol to the client one operation at a
// time: a line, and after MSG or HMSG the payload its size announces. A
// plain MSG whose payload is a successful acknowledgement from the stream
// is left out while dropping (an acknowledgement that reports an error
// passes: that outcome is not ambiguous).
func (p *ackProxy) down(client, server net.Conn) error {
	r := bufio.NewReaderSize(server, 64<<10)
	w := bufio.NewWriterSize(client, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return err
		}
		var payload []byte
		isMsg := bytes.HasPrefix(line, []byte("MSG "))
		if isMsg || bytes.HasPrefix(line, []byte("HMSG ")) {
			f := bytes.Fields(line)
			n, err := strconv.Atoi(string(f[len(f)-1]))
			if err != nil {
				return err
			}
			payload = make([]byte, n+2) // and its CRLF
			if _, err := io.ReadFull(r, payload); err != nil {
				return err
			}
			if isMsg && p.dropping.Load() && bytes.HasPrefix(payload, p.ack) && !bytes.Contains(payload, []byte(`"error"`)) {
				p.dropped.Add(1)
				continue
			}
		}
		if _, err := w.Write(line); err != nil {
			return err
		}
		if _, err := w.Write(payload); err != nil {
			return err
		}
		// Each operation goes out at once: the next read may wait on the
		// server, which may be waiting on the client's answer to this one.
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

func (p *ackProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
}
