package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// slowData is Data whose reads take a while, so that two redactions of
// one object at once read the same old version unless something orders
// them (the window CI once hit by chance).
type slowData struct{ jobs.Data }

func (s slowData) Get(ctx context.Context, id string, kind jobs.Kind) ([]byte, error) {
	time.Sleep(30 * time.Millisecond)
	return s.Data.Get(ctx, id, kind)
}

// dropID is a Redactor for "id;" lists.
func dropID(_ jobs.Kind, raw []byte, id string) ([]byte, bool, error) {
	out := bytes.ReplaceAll(raw, []byte(id+";"), nil)
	return out, !bytes.Equal(out, raw), nil
}

// openRedacting opens a Manager of cfg (AckWait a second unless set) whose
// data is the object store "<name>_data", redacted by dropID, and closes
// it with the test.
func openRedacting(t *testing.T, js jetstream.JetStream, cfg jobs.Config) (*jobs.Manager, jobs.Data) {
	t.Helper()
	ctx := testutil.Context(t)
	data, err := jobs.OpenObjectData(ctx, js, cfg.Name+"_data", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = time.Second
	}
	cfg.Data, cfg.Redact = data, dropID
	m, err := jobs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m, data
}

// TestConcurrentForgetsKeepEveryRedaction: erasures handled at once, by
// one replica's handlers and by two replicas, each leave the stored
// objects without their person: no put brings back a person another
// erasure removed.
func TestConcurrentForgetsKeepEveryRedaction(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	var replicas []*jobs.Manager
	var data jobs.Data
	for range 2 {
		_, js := n.Connect(t)
		inner, err := jobs.OpenObjectData(ctx, js, "forget_race", 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		data = inner
		m, err := jobs.Open(ctx, js, jobs.Config{Name: "race", AckWait: time.Second, Data: slowData{inner}, Redact: dropID})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		replicas = append(replicas, m)
	}
	const people = 6
	var all []byte
	for i := range people {
		all = fmt.Appendf(all, "p-%d;", i)
	}
	all = append(all, "kept;"...)
	for _, id := range []string{"job-1", "job-2"} {
		if _, err := data.Put(ctx, id, jobs.ResultKind, all); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, people)
	for i := range people {
		wg.Go(func() { errs <- replicas[i%2].Forget(ctx, fmt.Sprintf("p-%d", i)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"job-1", "job-2"} {
		if raw, err := data.Get(ctx, id, jobs.ResultKind); err != nil || string(raw) != "kept;" {
			t.Errorf("result of %s = %q, %v; want kept; only", id, raw, err)
		}
	}
}

// TestForgetTakesOverALeftLock: a lock whose holder crashed (its key
// stays) holds Forget back only until it is older than the lock's TTL;
// a live one is waited for.
func TestForgetTakesOverALeftLock(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	m, data := openRedacting(t, js, jobs.Config{Name: "left"})
	jobs.SetForgetLockTTL(m, 2*time.Second)
	if _, err := data.Put(ctx, "job-1", jobs.ResultKind, []byte("p-1;p-2;")); err != nil {
		t.Fatal(err)
	}
	requests, err := js.KeyValue(ctx, "left_jobs_requests")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := requests.Create(ctx, jobs.ForgetLockKey, []byte("a crashed replica")); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if err := m.Forget(short, "p-2"); err == nil {
		t.Fatal("Forget went ahead while another holder's lock was young")
	}
	if raw, _ := data.Get(ctx, "job-1", jobs.ResultKind); string(raw) != "p-1;p-2;" {
		t.Fatalf("result changed under another's lock: %q", raw)
	}
	if err := m.Forget(ctx, "p-2"); err != nil {
		t.Fatal(err)
	}
	if raw, err := data.Get(ctx, "job-1", jobs.ResultKind); err != nil || string(raw) != "p-1;" {
		t.Errorf("result = %q, %v; want p-1; only", raw, err)
	}
	if _, err := requests.Get(ctx, jobs.ForgetLockKey); err == nil {
		t.Error("the lock is still held after Forget returned")
	}
}

// sleepyData is Data whose reads take longer than a short lock TTL.
type sleepyData struct {
	jobs.Data
	d time.Duration
}

func (s sleepyData) Get(ctx context.Context, id string, kind jobs.Kind) ([]byte, error) {
	select {
	case <-time.After(s.d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Data.Get(ctx, id, kind)
}

// TestForgetLockRenewedWhileItsHolderWorks: a Forget that takes three
// times the lock's TTL (a slow store) keeps the lock, renewing it, and
// finishes; another replica's Forget waits for it all along instead of
// taking the lock over, and both redactions stay. With a lock that lived
// a fixed TTL the holder had to stop at half of it, so a TTL short enough
// to take over a killed holder's lock in seconds would have failed every
// slow Forget; the TTL was a minute, and a runner killed while it stored
// a result stalled its programme's jobs and erasures for that minute
// (ADR 0194).
func TestForgetLockRenewedWhileItsHolderWorks(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	const ttl = time.Second
	store, err := jobs.OpenObjectData(ctx, js, "renew_data", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	open := func(d jobs.Data) *jobs.Manager {
		m, err := jobs.Open(ctx, js, jobs.Config{Name: "renew", AckWait: time.Second, Data: d, Redact: dropID})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		jobs.SetForgetLockTTL(m, ttl)
		return m
	}
	slow := open(sleepyData{store, 3 * ttl})
	other := open(store)
	if _, err := store.Put(ctx, "job-1", jobs.ResultKind, []byte("p-1;p-2;kept;")); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{}, 1)
	jobs.OnForgetLockWait(other, func() {
		select {
		case waited <- struct{}{}:
		default:
		}
	})
	slowDone := make(chan error, 1)
	go func() { slowDone <- slow.Forget(ctx, "p-1") }()
	requests, err := js.KeyValue(ctx, "renew_jobs_requests")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		_, err := requests.Get(ctx, jobs.ForgetLockKey)
		return err
	})
	if err := other.Forget(ctx, "p-2"); err != nil {
		t.Fatal(err)
	}
	if err := <-slowDone; err != nil {
		t.Fatalf("a Forget three lock TTLs long, its holder alive: %v, want it to keep the lock and finish", err)
	}
	select {
	case <-waited:
	default:
		t.Error("the other replica's Forget never waited for the live holder's lock")
	}
	if raw, err := store.Get(ctx, "job-1", jobs.ResultKind); err != nil || string(raw) != "kept;" {
		t.Errorf("result = %q, %v; want kept; only (both redactions)", raw, err)
	}
}
