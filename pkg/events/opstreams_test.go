package events_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEnsureOperatorStreams: a process's start creates DEADLETTER and
// REPLAY at the system's replicas with their retention, a second start
// changes nothing, and an existing stream keeps what an operator set on
// it (only fewer replicas than the system's are raised; raising R1 to R3
// is shown on three real nodes in deploy/ops TestCluster_NodeLoss).
func TestEnsureOperatorStreams(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)

	// The operator made REPLAY already, with a shorter max age.
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: events.StreamReplay, Subjects: []string{events.ReplaySubjects},
		Storage: jetstream.FileStorage, Retention: jetstream.WorkQueuePolicy, MaxAge: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := events.EnsureOperatorStreams(ctx, js, 1); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		retention jetstream.RetentionPolicy
		maxAge    time.Duration
	}{
		{events.StreamDeadLetter, jetstream.LimitsPolicy, events.DeadLetterMaxAge},
		{events.StreamReplay, jetstream.WorkQueuePolicy, time.Hour},
	}
	for _, tt := range tests {
		s, err := js.Stream(ctx, tt.name)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		c := s.CachedInfo().Config
		if c.Replicas != 1 || c.Retention != tt.retention || c.MaxAge != tt.maxAge || c.Storage != jetstream.FileStorage {
			t.Errorf("%s: replicas %d, retention %v, max age %v, storage %v; want 1, %v, %v, file",
				tt.name, c.Replicas, c.Retention, c.MaxAge, c.Storage, tt.retention, tt.maxAge)
		}
	}
	// Three replicas cannot be placed on one server: the start fails
	// rather than running with fewer than the system asks for.
	if err := events.EnsureOperatorStreams(ctx, js, 3); err == nil {
		t.Error("R3 on a single server accepted")
	}
}

// TestCreateOperatorStreams: a start of a process other than the streams'
// owner creates DEADLETTER and REPLAY when absent, as the owner's would,
// and never changes them once they exist: asked for three replicas on one
// server, where the owner's raise fails, it leaves both as they are, so
// its NATS user needs no update right (ADR 0234).
func TestCreateOperatorStreams(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)

	if err := events.CreateOperatorStreams(ctx, js, 1); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		retention jetstream.RetentionPolicy
	}{{events.StreamDeadLetter, jetstream.LimitsPolicy}, {events.StreamReplay, jetstream.WorkQueuePolicy}} {
		s, err := js.Stream(ctx, tt.name)
		if err != nil {
			t.Fatalf("%s not created: %v", tt.name, err)
		}
		if c := s.CachedInfo().Config; c.Retention != tt.retention || c.MaxAge != events.DeadLetterMaxAge {
			t.Errorf("%s: retention %v, max age %v; want %v, %v", tt.name, c.Retention, c.MaxAge, tt.retention, events.DeadLetterMaxAge)
		}
	}
	if err := events.CreateOperatorStreams(ctx, js, 3); err != nil {
		t.Fatalf("existing streams, more replicas asked: %v, want them left alone", err)
	}
	for _, name := range []string{events.StreamDeadLetter, events.StreamReplay} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if r := s.CachedInfo().Config.Replicas; r != 1 {
			t.Errorf("%s at R%d, want R1 as it was", name, r)
		}
	}
}
