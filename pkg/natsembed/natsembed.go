// Package natsembed starts a NATS server with JetStream inside the current
// process. The embedded stack (`make run`) and every integration test use it,
// so tests exercise the same server code that production runs.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Options configures an embedded server.
type Options struct {
	// StoreDir holds the JetStream file store. Required.
	StoreDir string
	// Host and Port to listen on; Port -1 picks a free port.
	Host string
	Port int
	// SyncAlways fsyncs every write. JetStream's default (a sync every two
	// minutes) can lose acknowledged writes on power loss, which the design
	// forbids for the stack; tests may turn it off for speed.
	SyncAlways bool
	// ServerName names the server in logs and cluster views.
	ServerName string
	// User and Password, when User is set, are the one user the server
	// accepts (in the global account, where JetStream data has always
	// been); empty accepts any local client (ADR 0225).
	User, Password string
}

// PortInUseError says the port the server should listen on is taken, by
// another NATS or an earlier run of the stack. The NATS server itself only
// logs this and never becomes ready, so Start checks first and says so.
type PortInUseError struct {
	Host string
	Port int
	Err  error
}

// Error implements error.
func (e *PortInUseError) Error() string {
	return fmt.Sprintf("natsembed: port %d on %s is already in use (another NATS server or running stack?)", e.Port, e.Host)
}

// Unwrap returns the listen error.
func (e *PortInUseError) Unwrap() error { return e.Err }

// checkPort returns a *PortInUseError when host:port cannot be listened on.
// The port is free again when it returns; a process taking it in between is
// caught by the readiness wait, with a slower and vaguer error.
func checkPort(host string, port int) error {
	if port < 0 {
		return nil // any free port
	}
	if port == 0 {
		port = server.DEFAULT_PORT
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return &PortInUseError{Host: host, Port: port, Err: err}
	}
	return l.Close()
}

// Start starts a server and waits until it accepts connections. Returns a
// *PortInUseError when Port is taken.
func Start(o Options) (*server.Server, error) {
	if o.StoreDir == "" {
		return nil, errors.New("natsembed: StoreDir is required")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if err := checkPort(o.Host, o.Port); err != nil {
		return nil, err
	}
	if o.ServerName == "" {
		o.ServerName = "motesplats-embedded"
	}
	opts := &server.Options{
		ServerName: o.ServerName,
		Host:       o.Host,
		Port:       o.Port,
		JetStream:  true,
		StoreDir:   o.StoreDir,
		SyncAlways: o.SyncAlways,
		NoLog:      true,
		NoSigs:     true,
		// Room for protobuf records and event bursts; the defaults suit
		// production clusters, not a single laptop process.
		MaxPayload: 8 << 20,
	}
	if o.User != "" {
		opts.Username, opts.Password = o.User, o.Password
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsembed: new server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		if err := checkPort(o.Host, o.Port); err != nil {
			return nil, err // taken after the first check
		}
		return nil, fmt.Errorf("natsembed: server not ready within 10s on %s:%d", o.Host, o.Port)
	}
	return s, nil
}

// Connect opens a client connection to s with reconnects that suit a local
// server (it never goes away while the process lives). opts add to them:
// nats.UserInfo for a server started with a User.
func Connect(s *server.Server, name string, opts ...nats.Option) (*nats.Conn, error) {
	nc, err := nats.Connect(s.ClientURL(), append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("natsembed: connect: %w", err)
	}
	return nc, nil
}
