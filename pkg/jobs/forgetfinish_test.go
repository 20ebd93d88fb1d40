package jobs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// writer names who calls a gatedData method (a context value).
type writer struct{}

// gate is a channel closed once.
type gate struct {
	once sync.Once
	ch   chan struct{}
}

func newGate() *gate                    { return &gate{ch: make(chan struct{})} }
func (g *gate) open()                   { g.once.Do(func() { close(g.ch) }) }
func (g *gate) opened() <-chan struct{} { return g.ch }

// gatedData is the object store under SealedData, recording every
// version written and ordering one Forget's and one finish's calls the
// way that lost a shred: the finish reads the old version, the Forget
// writes the new one, the finish deletes it, and the Forget's own
// clean-up then finds nothing. Each wait also ends when the finish is
// waiting for the Forget lock, which is the fix.
type gatedData struct {
	jobs.Data
	mu       sync.Mutex
	versions [][]byte

	forgetRead, finishRead, finishWaits, putDone, finishDeleted *gate
}

func (d *gatedData) Get(ctx context.Context, id string, kind jobs.Kind) ([]byte, error) {
	switch ctx.Value(writer{}) {
	case "forget":
		d.forgetRead.open()
		select {
		case <-d.putDone.opened():
			// The Forget's clean-up read: after the finish's delete.
			select {
			case <-d.finishDeleted.opened():
			case <-d.finishWaits.opened():
			}
		default:
		}
	case "finish":
		d.finishRead.open()
	}
	return d.Data.Get(ctx, id, kind)
}

func (d *gatedData) Put(ctx context.Context, id string, kind jobs.Kind, raw []byte) (string, error) {
	d.mu.Lock()
	d.versions = append(d.versions, raw)
	d.mu.Unlock()
	if ctx.Value(writer{}) == "forget" {
		select {
		case <-d.finishRead.opened():
		case <-d.finishWaits.opened():
		}
		defer d.putDone.open()
	}
	return d.Data.Put(ctx, id, kind, raw)
}

func (d *gatedData) Delete(ctx context.Context, id string, kind jobs.Kind) error {
	if ctx.Value(writer{}) == "finish" {
		<-d.putDone.opened()
		defer d.finishDeleted.open()
	}
	return d.Data.Delete(ctx, id, kind)
}

// oneObject is Data holding one stored version, to ask whether its key
// still opens it.
type oneObject struct {
	jobs.Data
	raw []byte
}

func (o oneObject) Get(context.Context, string, jobs.Kind) ([]byte, error) { return o.raw, nil }

// TestForgetAndFinishLeaveNoReadableVersion: an erasure rewriting a job's
// snapshot while the job succeeds and drops it leaves no version of the
// snapshot whose key still opens it. Both read the old version's key, the
// finish deleted the Forget's new version and shredded the old key, and
// the new version's key stayed: its copy in the store's blocks (and
// backups) stayed readable, naming everyone else in the snapshot. The
// finish now takes the Forget lock.
func TestForgetAndFinishLeaveNoReadableVersion(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	keys := sealtest.Keyring(t, n.JS)
	inner, err := jobs.OpenObjectData(ctx, n.JS, "forget_finish", 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &gatedData{Data: inner, forgetRead: newGate(), finishRead: newGate(), finishWaits: newGate(),
		putDone: newGate(), finishDeleted: newGate()}
	sealed := jobs.NewSealedData(d, keys)
	m, err := jobs.Open(ctx, n.JS, jobs.Config{Name: "forgetfinish", AckWait: time.Second, Data: sealed, Redact: dropID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	jobs.OnForgetLockWait(m, d.finishWaits.open)
	if _, err := sealed.Put(ctx, "job-1", jobs.SnapshotKind, []byte("p-1;p-2;")); err != nil {
		t.Fatal(err)
	}

	forgot := make(chan error, 1)
	go func() { forgot <- m.Forget(context.WithValue(ctx, writer{}, "forget"), "p-2") }()
	<-d.forgetRead.opened() // the Forget holds the lock and has read the snapshot
	finished := make(chan error, 1)
	go func() {
		finished <- jobs.Finish(context.WithValue(ctx, writer{}, "finish"), m, jobs.Job{ID: "job-1", State: jobs.Succeeded})
	}()
	if err := <-finished; err != nil {
		t.Errorf("finish: %v", err)
	}
	t.Logf("forget: %v", <-forgot)

	if _, err := sealed.Get(ctx, "job-1", jobs.SnapshotKind); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the succeeded job's snapshot is still there: %v", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.versions) < 2 {
		t.Fatalf("%d versions written, want the snapshot and its redaction", len(d.versions))
	}
	for k, raw := range d.versions {
		if got, err := jobs.NewSealedData(oneObject{raw: raw}, keys).Get(ctx, "job-1", jobs.SnapshotKind); apperr.ErrorCode(err) != apperr.NotFound {
			t.Errorf("version %d of the dropped snapshot still opens (%q, %v)", k, got, err)
		}
	}
}
