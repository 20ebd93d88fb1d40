// Package kvwatchtest holds a watch's first delivery back on its way to
// the client, so a test can remove the bucket's messages between the
// watch's start and the end of its first pass (ADR 0243).
package kvwatchtest

import (
	"bytes"
	"io"
	"sync"
)

// Hold is a down function for testutil.MustProxy: it passes the server's
// bytes until the first message of bucket the server delivers (a watch's,
// "MSG $KV.<bucket>."), then holds that message and everything after it
// until Release. The watch has begun then, and the server sends it no
// more than its flow control allows (2 MB) without the client's reply,
// which cannot come: what the test removes meanwhile is never delivered.
type Hold struct {
	marker  []byte
	held    chan struct{}
	release chan struct{}
	once    sync.Once
}

// NewHold holds the first delivery of a message of bucket.
func NewHold(bucket string) *Hold {
	return &Hold{marker: []byte("MSG $KV." + bucket + "."), held: make(chan struct{}), release: make(chan struct{})}
}

// Held is closed once the first delivery is held.
func (h *Hold) Held() <-chan struct{} { return h.held }

// Release lets everything held, and all after, through.
func (h *Hold) Release() { h.once.Do(func() { close(h.release) }) }

// Down copies server to client, holding as described on Hold.
func (h *Hold) Down(client io.Writer, server io.Reader) error {
	buf := make([]byte, 32<<10)
	var tail []byte // the end of what was sent, for a marker split across reads
	for {
		n, err := server.Read(buf)
		if n > 0 {
			data := append(tail, buf[:n]...)
			if i := bytes.Index(data, h.marker); i >= 0 {
				at := max(i-len(tail), 0)
				if _, werr := client.Write(buf[:at]); werr != nil {
					return werr
				}
				close(h.held)
				<-h.release
				if _, werr := client.Write(buf[at:n]); werr != nil {
					return werr
				}
				_, err := io.Copy(client, server)
				return err
			}
			if _, werr := client.Write(buf[:n]); werr != nil {
				return werr
			}
			keep := min(len(h.marker)-1, len(data))
			tail = append(tail[:0], data[len(data)-keep:]...)
		}
		if err != nil {
			return err
		}
	}
}
