package ops_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

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
