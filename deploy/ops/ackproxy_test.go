package ops_test

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// ackProxy stands between one NATS client and its server on real TCP and,
// while dropping, leaves out the server's acknowledgements of publishes
// to one stream: the server stored the message and the client never
// hears so. That is the outcome a client sees when its node or the
// stream's leader is cut off between storing a write and answering it,
// forced at will instead of hoped for in a partition.
type ackProxy struct {
	proxy *testutil.Proxy

	dropping atomic.Pointer[[]string] // the streams whose acknowledgements are dropped
	dropped  atomic.Int64

	countMu  sync.Mutex
	byStream map[string]int64 // acknowledgements dropped per stream
}

// mustAckProxy listens on a free loopback port and forwards every
// connection to target; the acknowledgements from the streams Drop names
// are dropped. It closes at cleanup.
func mustAckProxy(t *testing.T, target string) *ackProxy {
	t.Helper()
	p := &ackProxy{byStream: map[string]int64{}}
	p.proxy = testutil.MustProxy(t, target, p.down)
	return p
}

// Addr is where the client connects.
func (p *ackProxy) Addr() string { return p.proxy.Addr() }

// Drop drops from now on the acknowledgements of publishes to streams,
// and only those: none when streams is empty.
func (p *ackProxy) Drop(streams ...string) { p.dropping.Store(&streams) }

// DroppedFrom counts the acknowledgements from stream dropped so far.
func (p *ackProxy) DroppedFrom(stream string) int64 {
	p.countMu.Lock()
	defer p.countMu.Unlock()
	return p.byStream[stream]
}

// drops reports whether payload is an acknowledgement to drop: a
// successful one (one that reports an error is not ambiguous) from a
// stream Drop named.
func (p *ackProxy) drops(payload []byte) bool {
	streams := p.dropping.Load()
	if streams == nil || bytes.Contains(payload, []byte(`"error"`)) {
		return false
	}
	for _, s := range *streams {
		if bytes.HasPrefix(payload, []byte(`{"stream":`+strconv.Quote(s)+`,`)) {
			p.countMu.Lock()
			p.byStream[s]++
			p.countMu.Unlock()
			return true
		}
	}
	return false
}

// Dropped counts the acknowledgements dropped so far.
func (p *ackProxy) Dropped() int64 { return p.dropped.Load() }

// down copies the server's protocol to the client one operation at a
// time: a line, and after MSG or HMSG the payload its size announces. A
// plain MSG that drops accepts is left out.
func (p *ackProxy) down(client io.Writer, server io.Reader) error {
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
			if isMsg && p.drops(payload) {
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
