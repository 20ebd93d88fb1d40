package ops_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// routedTo is the names of the servers s has a route to.
func routedTo(t *testing.T, s *server.Server) map[string]bool {
	t.Helper()
	rz, err := s.Routez(nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range rz.Routes {
		names[r.RemoteName] = true
	}
	return names
}

// waitMeshed waits, up to within, until each of nodes routes to every
// other: the cluster a layout's routes (with their password, and TLS
// since ADR 0230) must form before a test tries what they refuse.
func waitMeshed(t *testing.T, nodes []*server.Server, within time.Duration) {
	t.Helper()
	testutil.CheckFor(t, within, 20*time.Millisecond, func() error {
		for _, s := range nodes {
			if n := len(routedTo(t, s)); n != len(nodes)-1 {
				return fmt.Errorf("%s routes to %d nodes, want %d", s.Name(), n, len(nodes)-1)
			}
		}
		return nil
	})
}

// nodeOptions is a layout node's configuration text, written to dir as
// name.conf and read as nats-server reads it: the test fails if the
// server refuses it.
func nodeOptions(t *testing.T, dir, name, config string) *server.Options {
	t.Helper()
	path := filepath.Join(dir, name+".conf")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("%s: nats-server refuses the configuration: %v", name, err)
	}
	return opts
}

// meshNode is a NATS node of a layout started in the test process, with
// the errors it logged.
type meshNode struct {
	*server.Server
	Log *captured
}

// startMesh plans o's layout on distinct free ports, starts its NATS
// nodes in this process (each configuration read by nodeOptions, then
// changed by adjust) and waits until each listens for clients and routes.
// A port FreePort handed out is only free a moment: the kernel may hand
// it out again (to this test: 96 of 20000 rounds of 9 calls repeated a
// port here, ADR 0241), or another test's process may take it before the
// node listens. Such a node logs "Error listening" and never routes, so a
// cluster waited on for a minute answered "n1 routes to 1 nodes" (CI,
// 2026-12-07). The attempt is then shut down and the layout planned
// again on new ports, up to three times: a taken port is not what these
// tests test. Every node's errors are printed when the test fails.
func startMesh(t *testing.T, o layout.Options, adjust func(name string, opts *server.Options)) ([]meshNode, []layout.Proc, map[string]int) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		ports := map[string]int{}
		o.Ports = func(name string) int {
			for ports[name] == 0 {
				if p := testutil.FreePort(t); !slices.Contains(slices.Collect(maps.Values(ports)), p) {
					ports[name] = p
				}
			}
			return ports[name]
		}
		procs, err := layout.Plan(o)
		if err != nil {
			t.Fatal(err)
		}
		nodes, taken := startNodes(t, o.Dir, procs, adjust)
		if taken == "" {
			if len(nodes) != 3 {
				t.Fatalf("%d NATS nodes planned, want 3", len(nodes))
			}
			return nodes, procs, ports
		}
		for _, n := range nodes {
			n.Shutdown()
			n.WaitForShutdown()
		}
		if attempt == 3 {
			t.Fatalf("attempt %d: %s", attempt, taken)
		}
		t.Logf("attempt %d: %s; planning again on new ports", attempt, taken)
	}
}

// startNodes starts procs' NATS nodes and waits until each listens; taken
// says which could not listen on a port it was given, and why.
func startNodes(t *testing.T, dir string, procs []layout.Proc, adjust func(string, *server.Options)) (nodes []meshNode, taken string) {
	t.Helper()
	for _, p := range procs {
		if p.Kind != "nats" {
			continue
		}
		opts := nodeOptions(t, dir, p.Name, p.ConfigText)
		opts.NoSigs, opts.HTTPPort = true, 0
		if adjust != nil {
			adjust(p.Name, opts)
		}
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		log := &captured{}
		s.SetLogger(log, false, false)
		// A cluster that did not form says why (CI, 2026-12-07: "n1
		// routes to 1 nodes" after a minute, with no node's word).
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s's errors:\n%s", p.Name, log)
			}
		})
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		nodes = append(nodes, meshNode{s, log})
	}
	for i, n := range nodes {
		// Not a timed assert: a bound on a start that ends as soon as
		// the node listens, or says it cannot.
		deadline := time.Now().Add(60 * time.Second)
		for !n.ReadyForConnections(50 * time.Millisecond) {
			if n.Log.has("Error listening") {
				return nodes, fmt.Sprintf("node %d could not listen on a port it was given (%s)", i+1, n.Log)
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d does not listen after a minute: %s", i+1, n.Log)
			}
		}
	}
	return nodes, ""
}
