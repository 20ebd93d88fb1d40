package ops_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// jetStream connects to the NATS node named node for the rest of the test.
func (s *system) jetStream(t *testing.T, node string) jetstream.JetStream {
	t.Helper()
	np, ok := s.Proc(node)
	if !ok {
		t.Fatalf("no process %s", node)
	}
	return testutil.MustJetStream(t, "nats://"+np.Addr)
}

// checkOperatorStreams waits until DEADLETTER and REPLAY, asked through
// node, have want replicas, a leader, and every other replica current:
// the streams every consumer shares survive a node as the services' own
// do (events.EnsureOperatorStreams).
func (s *system) checkOperatorStreams(t *testing.T, node string, want int) {
	t.Helper()
	ctx := testutil.Context(t)
	js := s.jetStream(t, node)
	testutil.CheckFor(t, 90*time.Second, 250*time.Millisecond, func() error {
		for _, name := range []string{events.StreamDeadLetter, events.StreamReplay} {
			st, err := js.Stream(ctx, name)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			info := st.CachedInfo()
			if got := info.Config.Replicas; got != want {
				return fmt.Errorf("%s at R%d, want R%d", name, got, want)
			}
			if info.Cluster == nil || info.Cluster.Leader == "" {
				return fmt.Errorf("%s has no leader", name)
			}
			if got := len(info.Cluster.Replicas); got != want-1 {
				return fmt.Errorf("%s: leader %s and %d other replicas, want %d", name, info.Cluster.Leader, got, want-1)
			}
			for _, r := range info.Cluster.Replicas {
				if !r.Current || r.Offline {
					return fmt.Errorf("%s: replica %s not current (offline %v, lag %d)", name, r.Name, r.Offline, r.Lag)
				}
			}
		}
		return nil
	})
}

// lowerThenRestart sets DEADLETTER and REPLAY to R1, as a consumer or an
// older version made them, and restarts the service proc: its start
// raises both to the system's replicas again.
func (s *system) lowerThenRestart(t *testing.T, proc string) {
	t.Helper()
	ctx := testutil.Context(t)
	js := s.jetStream(t, "nats-1")
	for _, name := range []string{events.StreamDeadLetter, events.StreamReplay} {
		st, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		c := st.CachedInfo().Config
		c.Replicas = 1
		if _, err := js.UpdateStream(ctx, c); err != nil {
			t.Fatalf("lower %s to R1: %v", name, err)
		}
	}
	s.checkOperatorStreams(t, "nats-1", 1)
	if err := s.Kill(proc); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(ctx, proc); err != nil {
		t.Fatal(err)
	}
}
