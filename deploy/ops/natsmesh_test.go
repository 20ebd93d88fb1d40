package ops_test

import (
	"fmt"
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
