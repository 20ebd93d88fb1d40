// Package testutil starts the real dependencies that integration tests need:
// an embedded NATS server with JetStream on a temporary directory and a real
// redis-server on a free port. Nothing here is a fake.
package testutil

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/natsembed"
)

// NATS is a running embedded server with one client connection.
type NATS struct {
	Server *server.Server
	Conn   *nats.Conn
	JS     jetstream.JetStream
	// Dir is the JetStream store directory, kept for restart tests.
	Dir string
}

// MustNATS starts an embedded JetStream server on a free port with its
// store in tb.TempDir(), and stops it when the test ends.
func MustNATS(tb testing.TB) *NATS {
	tb.Helper()
	return MustNATSDir(tb, tb.TempDir())
}

// MustNATSDir is MustNATS with a given store directory, so a test can stop a
// server and start another on the same data.
func MustNATSDir(tb testing.TB, dir string) *NATS {
	tb.Helper()
	s, err := natsembed.Start(natsembed.Options{StoreDir: dir, Port: -1})
	if err != nil {
		tb.Fatalf("start nats: %v", err)
	}
	nc, err := natsembed.Connect(s, tb.Name())
	if err != nil {
		s.Shutdown()
		tb.Fatalf("connect nats: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	n := &NATS{Server: s, Conn: nc, JS: js, Dir: dir}
	tb.Cleanup(n.Stop)
	return n
}

// Stop closes the connection and shuts the server down; it is safe to call
// more than once.
func (n *NATS) Stop() {
	n.Conn.Close()
	n.Server.Shutdown()
	n.Server.WaitForShutdown()
}

// Connect opens another client connection that the test owns, as a second
// replica or service would.
func (n *NATS) Connect(tb testing.TB) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	nc, err := natsembed.Connect(n.Server, tb.Name())
	return owned(tb, nc, err)
}

// MustJetStream connects to the NATS at url (opts: a name, credentials)
// for the rest of the test and returns JetStream on that connection: a
// test's client of a server it did not start in process (a layout's node,
// a cluster's, a stack's).
func MustJetStream(tb testing.TB, url string, opts ...nats.Option) jetstream.JetStream {
	tb.Helper()
	nc, err := nats.Connect(url, opts...)
	_, js := owned(tb, nc, err)
	return js
}

// owned closes nc when the test ends and returns it with its JetStream,
// failing the test when the connection (err) or JetStream failed.
func owned(tb testing.TB, nc *nats.Conn, err error) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("connect nats: %v", err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("jetstream: %v", err)
	}
	return nc, js
}

// MustRedis starts redis-server on a free loopback port, without persistence,
// and returns its address (host:port). `make test` installs Debian's
// redis-server when it is absent; a test that needs Redis fails rather than
// skips without it, so missing coverage is never hidden.
func MustRedis(tb testing.TB) string {
	tb.Helper()
	return MustRedisServer(tb).Addr
}

// Redis is a running redis-server that a test may kill, pause and start
// again, to see what its clients do when Redis dies or hangs.
type Redis struct {
	// Addr is host:port; it stays the same across Restart.
	Addr string
	tb   testing.TB
	path string
	port int
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// MustRedisServer is MustRedis returning the process handle.
func MustRedisServer(tb testing.TB) *Redis {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatalf("redis-server not found: run `make test` (it installs it) or `apt-get install redis-server`")
	}
	port := FreePort(tb)
	r := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), tb: tb, path: path, port: port, dir: tb.TempDir()}
	tb.Cleanup(r.Kill)
	r.start()
	return r
}

func (r *Redis) start() {
	r.tb.Helper()
	cmd := exec.Command(r.path,
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes",
		"--dir", r.dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		r.tb.Fatalf("redis stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		r.tb.Fatalf("start redis-server: %v", err)
	}
	r.mu.Lock()
	r.cmd = cmd
	r.mu.Unlock()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		r.tb.Fatalf("redis-server on port %d not ready within 10s", r.port)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would; its data is
// gone. It is safe to call more than once.
func (r *Redis) Kill() {
	r.mu.Lock()
	cmd := r.cmd
	r.cmd = nil
	r.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

// Pause stops the process (SIGSTOP): connections stay open and requests
// get no answer, as with a hung or overloaded server.
func (r *Redis) Pause() { r.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (r *Redis) Resume() { r.signal(syscall.SIGCONT) }

func (r *Redis) signal(sig syscall.Signal) {
	r.tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		r.tb.Fatalf("redis-server on port %d is not running", r.port)
	}
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.tb.Fatalf("signal redis-server: %v", err)
	}
}

// Restart starts a new, empty server on the same address after Kill.
func (r *Redis) Restart() {
	r.tb.Helper()
	r.Kill()
	r.start()
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// CheckFor calls fn every interval until it returns nil or timeout passes,
// then fails the test with fn's last error. Use it instead of time.Sleep to
// wait for asynchronous effects.
func CheckFor(tb testing.TB, timeout, interval time.Duration, fn func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = fn(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("condition not met after %v: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}

// Context returns a context cancelled when the test ends.
func Context(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	return ctx
}

// FilesContaining walks dir and returns the files whose bytes contain
// needle: tests that prove data is gone from disk grep every file the
// server wrote, not only the ones they expect. Stop the server first, so
// buffered writes are in the files.
func FilesContaining(tb testing.TB, dir string, needle []byte) []string {
	tb.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", dir, err)
	}
	return found
}

// CheckNoConsumers waits until stream has no consumer left and fails the
// test with the names of those still there after ten seconds: a reader
// that stopped must not leave one for the server to drop later (ADR 0138).
func CheckNoConsumers(tb testing.TB, js jetstream.JetStream, stream string) {
	tb.Helper()
	ctx := Context(tb)
	st, err := js.Stream(ctx, stream)
	if err != nil {
		tb.Fatal(err)
	}
	CheckFor(tb, 10*time.Second, 50*time.Millisecond, func() error {
		var left []string
		for c := range st.ListConsumers(ctx).Info() {
			left = append(left, c.Name)
		}
		if len(left) > 0 {
			return fmt.Errorf("consumers on %s: %v, want none", stream, left)
		}
		return nil
	})
}
