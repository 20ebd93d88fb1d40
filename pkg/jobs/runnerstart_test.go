package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRunOutlastsASilentNATSAtStart: a runner whose consumer cannot be
// created because NATS does not answer (here a cut connection; at make up
// a loaded three-node cluster) tries again, then runs jobs, where before
// Run returned and the replica exited just after it said it was serving
// (dinners-1 in the s25 chaos round, ADR 0134).
func TestRunOutlastsASilentNATSAtStart(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	proxy := testutil.MustProxy(t, n.Server.Addr().String(), nil)
	js := proxy.ConnectNATS(t, jetstream.WithDefaultTimeout(300*time.Millisecond))
	var logs testutil.LogBuffer
	ctx := testutil.Context(t)
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "silent", AckWait: time.Second, MaxAttempts: 3,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)

	proxy.Cut()
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.Run(runCtx, func(context.Context, *jobs.Run) error { return nil })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	testutil.WaitLogged(t, &logs, "not created yet", done)
	proxy.Heal()
	j, err := m.Submit(ctx, "after-silence", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, m, j.ID, jobs.Succeeded)
}
