package ops_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNATSRoutes_SignIn: make up's three generated node configurations,
// parsed by nats-server and started in this process, form the cluster
// (each node routes to both others) with the routes signing in as the
// route user (ADR 0226); a fourth server that routes to them without the
// route user's password, as any process that reaches the route port
// would, is refused and joins no node; one with the password joins.
func TestNATSRoutes_SignIn(t *testing.T) {
	pw, err := layout.NewNATSPasswords()
	if err != nil {
		t.Fatal(err)
	}
	o := layout.Options{Dir: t.TempDir(), Bin: t.TempDir(), NATSServer: "nats-server", NATSNodes: 3,
		Services: []string{}, NATSPasswords: pw}
	mesh, _, ports := startMesh(t, o, func(name string, opts *server.Options) {
		if opts.Cluster.Username != service.NATSRouteUser || opts.Cluster.Password != pw[service.NATSRouteUser] {
			t.Errorf("%s: the routes accept %q", name, opts.Cluster.Username)
		}
	})
	var nodes []*server.Server
	for _, n := range mesh {
		nodes = append(nodes, n.Server)
	}
	waitMeshed(t, nodes, 30*time.Second)

	// A server routing to node 1 without the password is refused (its
	// log says so); one with it, the control, joins.
	peer := func(name string, user *url.Userinfo) (*server.Server, *captured) {
		seed := &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", ports["nats-cluster-1"]), User: user}
		s, err := server.NewServer(&server.Options{ServerName: name, Host: "127.0.0.1", Port: -1, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "motesplats", Host: "127.0.0.1", Port: -1}, Routes: []*url.URL{seed}})
		if err != nil {
			t.Fatal(err)
		}
		log := &captured{}
		s.SetLogger(log, false, false)
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		return s, log
	}
	_, rogueLog := peer("rogue", nil)
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !rogueLog.has("Authorization Violation") {
			return fmt.Errorf("the route without a password is not refused yet")
		}
		return nil
	})
	peer("member", url.UserPassword(service.NATSRouteUser, pw[service.NATSRouteUser]))
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !routedTo(t, nodes[0])["member"] {
			return fmt.Errorf("the server with the route user's password has not joined")
		}
		return nil
	})
	for _, s := range nodes {
		if routedTo(t, s)["rogue"] {
			t.Errorf("%s took a route from a server without the route user's password", s.Name())
		}
	}
}

// captured is a nats-server logger that keeps the errors it is given.
type captured struct {
	mu     sync.Mutex
	errors []string
}

func (c *captured) Errorf(format string, v ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, fmt.Sprintf(format, v...))
}
func (c *captured) Noticef(string, ...any) {}
func (c *captured) Warnf(string, ...any)   {}

// Fatalf keeps what would stop a node (a port it cannot listen on) with
// the errors, for the failure message of a cluster that did not form.
func (c *captured) Fatalf(format string, v ...any) { c.Errorf("fatal: "+format, v...) }
func (c *captured) Debugf(string, ...any)          {}
func (c *captured) Tracef(string, ...any)          {}

// String is the errors so far, one a line, the last 20.
func (c *captured) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.errors[max(0, len(c.errors)-20):], "\n")
}

// has reports whether an error so far contains s.
func (c *captured) has(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.ContainsFunc(c.errors, func(e string) bool { return strings.Contains(e, s) })
}
