package testutil

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConnectNATS opens a JetStream client to NATS through p. It pings once a
// minute, so a Cut looks like a silent server (missed heartbeats, timed
// out requests: a node lost, a quorum re-elected) and not like a lost
// connection, which the client would handle by reconnecting.
func (p *Proxy) ConnectNATS(tb testing.TB, opts ...jetstream.JetStreamOpt) jetstream.JetStream {
	tb.Helper()
	nc, err := nats.Connect("nats://"+p.Addr(), nats.Name(tb.Name()+"-proxied"), nats.PingInterval(time.Minute))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return js
}

// WaitLogged waits until logs holds text, and fails at once when done
// delivers first: the loop under test returned where it should have
// ridden the silence out (what it returned is put back for the cleanup).
func WaitLogged(tb testing.TB, logs *LogBuffer, text string, done chan error) {
	tb.Helper()
	CheckFor(tb, 30*time.Second, 20*time.Millisecond, func() error {
		select {
		case err := <-done:
			done <- err
			tb.Fatalf("returned while NATS was silent: %v", err)
		default:
		}
		if !strings.Contains(logs.String(), text) {
			return errors.New("not logged yet: " + text)
		}
		return nil
	})
}
