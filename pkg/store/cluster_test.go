package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// serverLog keeps the lines three embedded servers log, named by server,
// so a test can show what JetStream did (a replica catching up).
type serverLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *serverLog) add(name, level, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, time.Now().Format("15:04:05.000")+" "+name+" "+level+" "+fmt.Sprintf(format, v...))
}

// with returns the lines holding any of words, and forgets every line.
func (l *serverLog) with(words ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		for _, w := range words {
			if strings.Contains(line, w) {
				out = append(out, line)
				break
			}
		}
	}
	l.lines = nil
	return out
}

// nodeLogger is a server.Logger writing to a serverLog.
type nodeLogger struct {
	name string
	log  *serverLog
}

func (n nodeLogger) Noticef(format string, v ...any) { n.log.add(n.name, "INF", format, v...) }
func (n nodeLogger) Warnf(format string, v ...any)   { n.log.add(n.name, "WRN", format, v...) }
func (n nodeLogger) Fatalf(format string, v ...any)  { n.log.add(n.name, "FTL", format, v...) }
func (n nodeLogger) Errorf(format string, v ...any)  { n.log.add(n.name, "ERR", format, v...) }
func (n nodeLogger) Debugf(format string, v ...any)  { n.log.add(n.name, "DBG", format, v...) }
func (n nodeLogger) Tracef(string, ...any)           {}

// cluster3 starts three embedded JetStream servers routed to each other,
// logging into log, and returns them once the cluster places R3 buckets.
func cluster3(t *testing.T, log *serverLog) []*server.Server {
	t.Helper()
	ports := []int{testutil.FreePort(t), testutil.FreePort(t), testutil.FreePort(t)}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	var servers []*server.Server
	for i, p := range ports {
		name := fmt.Sprintf("n%d", i+1)
		s, err := server.NewServer(&server.Options{ServerName: name, Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, Debug: true,
			Cluster: server.ClusterOpts{Name: "store", Host: "127.0.0.1", Port: p},
			Routes:  server.RoutesFromStr(strings.Join(routes, ","))})
		if err != nil {
			t.Fatal(err)
		}
		s.SetLoggerV2(nodeLogger{name, log}, true, false, false)
		go s.Start()
		t.Cleanup(s.Shutdown)
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("server %s not ready", name)
		}
		servers = append(servers, s)
	}
	js := connectTo(t, servers[0])
	ctx := testutil.Context(t)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "probe", Replicas: 3})
		return err
	})
	return servers
}

// connectTo is a JetStream of a new client of s, closed when the test ends.
func connectTo(t *testing.T, s *server.Server) jetstream.JetStream {
	t.Helper()
	return testutil.MustJetStream(t, s.ClientURL())
}

// backup is a stream's snapshot as natscli's nats stream backup keeps it:
// the stream's configuration and state, and the snapshot's bytes.
type backup struct {
	Config, State json.RawMessage
	data          []byte
}

// snapshot takes stream's snapshot with JetStream's API, as natscli's
// nats stream backup does (nats.go has no call for it): the chunks come
// to an inbox, each acknowledged, until an empty one.
func snapshot(t *testing.T, nc *nats.Conn, stream string) backup {
	t.Helper()
	inbox := nats.NewInbox()
	chunks := make(chan *nats.Msg, 64)
	sub, err := nc.ChanSubscribe(inbox, chunks)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	req, _ := json.Marshal(map[string]any{"deliver_subject": inbox, "no_consumers": true})
	m, err := nc.Request("$JS.API.STREAM.SNAPSHOT."+stream, req, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var b backup
	var resp struct {
		Error         *jetstream.APIError `json:"error"`
		Config, State json.RawMessage
	}
	if err := json.Unmarshal(m.Data, &resp); err != nil || resp.Error != nil {
		t.Fatalf("snapshot of %s: %v %v", stream, err, resp.Error)
	}
	b.Config, b.State = resp.Config, resp.State
	var data bytes.Buffer
	for {
		select {
		case c := <-chunks:
			if len(c.Data) == 0 {
				if s := c.Header.Get("Status"); s != "" && s != "204" {
					t.Fatalf("snapshot of %s ended with %s %s", stream, s, c.Header.Get("Description"))
				}
				b.data = data.Bytes()
				return b
			}
			data.Write(c.Data)
			if c.Reply == "" {
				continue // the last chunk asks no ack
			}
			if err := c.Respond(nil); err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("snapshot of %s: no chunk in 30 s", stream)
		}
	}
}

// restore makes stream again from b with JetStream's API, as natscli's
// nats stream restore does: the request names the configuration and
// state, the chunks go to the subject it answers, each as a request,
// and an empty one ends it. It returns once the server answered the
// end: the stream exists, its leader holds the snapshot.
func restore(t *testing.T, nc *nats.Conn, stream string, b backup) {
	t.Helper()
	req, _ := json.Marshal(map[string]json.RawMessage{"config": b.Config, "state": b.State})
	m, err := nc.Request("$JS.API.STREAM.RESTORE."+stream, req, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Error          *jetstream.APIError `json:"error"`
		DeliverSubject string              `json:"deliver_subject"`
	}
	if err := json.Unmarshal(m.Data, &resp); err != nil || resp.Error != nil {
		t.Fatalf("restore of %s: %v %v", stream, err, resp.Error)
	}
	// The subject is the restoring server's subscription, which may not
	// have reached this client's server over the routes yet: no
	// responders is asked again, as nothing was taken.
	send := func(data []byte, wait time.Duration) *nats.Msg {
		var m *nats.Msg
		testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
			var err error
			m, err = nc.Request(resp.DeliverSubject, data, wait)
			if err != nil && !errors.Is(err, nats.ErrNoResponders) {
				t.Fatalf("restore of %s: %v", stream, err)
			}
			return err
		})
		return m
	}
	const chunk = 128 << 10
	for at := 0; at < len(b.data); at += chunk {
		send(b.data[at:min(at+chunk, len(b.data))], 10*time.Second)
	}
	m = send(nil, 30*time.Second)
	var done struct {
		Error *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(m.Data, &done); err != nil || done.Error != nil {
		t.Fatalf("restore of %s, its end: %v %v", stream, err, done.Error)
	}
}

// replicas says what each server's replica of stream holds right now,
// and the consumers it hosts with what they were yet to deliver.
func replicas(servers []*server.Server, stream string) string {
	var b strings.Builder
	for _, s := range servers {
		jsz, err := s.Jsz(&server.JSzOptions{Accounts: true, Streams: true, Consumer: true})
		if err != nil {
			fmt.Fprintf(&b, "%s: %v; ", s.Name(), err)
			continue
		}
		for _, a := range jsz.AccountDetails {
			for _, st := range a.Streams {
				if st.Name != stream {
					continue
				}
				fmt.Fprintf(&b, "%s: %d messages, last %d", s.Name(), st.State.Msgs, st.State.LastSeq)
				if st.Cluster != nil && st.Cluster.Leader == s.Name() {
					b.WriteString(" (leader)")
				}
				for _, c := range st.Consumer {
					fmt.Fprintf(&b, ", consumer %s delivered %d pending %d", c.Name, c.Delivered.Stream, c.NumPending)
				}
				b.WriteString("; ")
			}
		}
	}
	return b.String()
}
