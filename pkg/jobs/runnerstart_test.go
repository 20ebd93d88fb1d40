package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
	nc, err := nats.Connect("nats://"+proxy.Addr(), nats.PingInterval(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
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
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("Run returned while NATS was silent: %v", err)
		default:
		}
		if !strings.Contains(logs.String(), "not created yet") {
			return errors.New("no retry logged yet")
		}
		return nil
	})
	proxy.Heal()
	j, err := m.Submit(ctx, "after-silence", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, m, j.ID, jobs.Succeeded)
}
