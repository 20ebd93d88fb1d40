package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// holdingSteps is a programme whose snapshot is "id;" for each newcomer
// and whose result lists every newcomer (the host serves no one's diet)
// the same way, so dropID redacts both. The step named by hold signals on
// held and waits for release before it returns, which lets a test erase
// someone while the job is in the middle; Build fails when failBuild is
// set. mu orders the test's changes with the runner's reads: the job's
// record, which the test waits on, passes through NATS.
type holdingSteps struct {
	held, release chan struct{}

	mu             sync.Mutex
	newcomers      []string
	hold           string // "snapshot" or "result"
	failBuild      bool
	snapshotsTaken int
}

func newHoldingSteps(hold string, failBuild bool, newcomers ...string) *holdingSteps {
	return &holdingSteps{held: make(chan struct{}), release: make(chan struct{}), hold: hold, failBuild: failBuild, newcomers: newcomers}
}

// set changes what the next job does.
func (h *holdingSteps) set(hold string, failBuild bool, newcomers ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hold, h.failBuild, h.newcomers = hold, failBuild, newcomers
}

func (h *holdingSteps) taken() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.snapshotsTaken
}

func (h *holdingSteps) pause(step string) {
	h.mu.Lock()
	hold := h.hold == step
	h.mu.Unlock()
	if hold {
		h.held <- struct{}{}
		<-h.release
	}
}

// waitHeld waits until the job is held in its step.
func (h *holdingSteps) waitHeld(ctx context.Context, t *testing.T) {
	t.Helper()
	select {
	case <-h.held:
	case <-ctx.Done():
		t.Fatal("the job never reached the step it is held in")
	}
}

func (h *holdingSteps) steps() jobs.Steps {
	return jobs.Steps{
		Snapshot: func(ctx context.Context, j jobs.Job) (jobs.Snapshot, error) {
			h.mu.Lock()
			h.snapshotsTaken++
			raw := []byte(strings.Join(h.newcomers, ";") + ";")
			h.mu.Unlock()
			h.pause("snapshot") // read, not yet stored
			return jobs.Snapshot{Raw: raw, Version: "v1"}, nil
		},
		Build: func(ctx context.Context, j jobs.Job, raw []byte) (jobs.Plan, error) {
			h.mu.Lock()
			fail := h.failBuild
			h.mu.Unlock()
			if fail {
				return jobs.Plan{}, errors.New("build refused by the test")
			}
			var ns []match.Person
			for _, id := range strings.Split(strings.TrimSuffix(string(raw), ";"), ";") {
				ns = append(ns, match.Person{ID: id, Diet: []string{"halal"}})
			}
			hosts := []match.Person{{ID: "host", Capacity: 1}}
			b, err := match.Build(ns, hosts, match.StandardRules(match.Weights{match.RuleBase: 10}, 0), nil)
			if err != nil {
				return jobs.Plan{}, err
			}
			var out []byte
			return jobs.Plan{
				Built:     b,
				Propose:   func(context.Context, match.Explanation) (bool, error) { return false, nil },
				Unmatched: func(x match.Explanation) { out = append(out, b.NewcomerIDs[x.Newcomer]+";"...) },
				Result: func() ([]byte, map[string]int64, error) {
					h.pause("result") // encoded, not yet stored
					return out, nil, nil
				},
			}, nil
		},
	}
}

// forgetWhileHeld waits for the job to be held, has m forget id, and lets
// the job go on.
func (h *holdingSteps) forgetWhileHeld(ctx context.Context, t *testing.T, m *jobs.Manager, id string) {
	t.Helper()
	h.waitHeld(ctx, t)
	if err := m.Forget(ctx, id); err != nil {
		t.Fatal(err)
	}
	h.release <- struct{}{}
}

// forgetReplicas opens two managers of one kind over one NATS, the job
// data and a runner of steps on the first, and returns them with the data
// and the second's connection.
func forgetReplicas(t *testing.T, name string, steps jobs.Steps) (runner, other *jobs.Manager, data jobs.Data, js jetstream.JetStream) {
	t.Helper()
	n := testutil.MustNATS(t)
	var ms []*jobs.Manager
	for range 2 {
		_, js = n.Connect(t)
		var m *jobs.Manager
		m, data = openRedacting(t, js, jobs.Config{Name: name, MaxAttempts: 1})
		ms = append(ms, m)
	}
	runIn(t, ms[0], ms[0].Pipeline(steps))
	return ms[0], ms[1], data, js
}

func stored(ctx context.Context, t *testing.T, data jobs.Data, id string, kind jobs.Kind) []byte {
	t.Helper()
	raw, err := data.Get(ctx, id, kind)
	if err != nil {
		t.Fatalf("read %s: %v", kind, err)
	}
	return raw
}

// TestResultLeavesOutWhoWasForgottenMidRun: a job has stored its snapshot
// and encoded its result when a person is erased and Forget (on another
// replica) finds nothing else to redact; the result the job then stores
// does not name them. Then a failed job, resumed, reads its stored
// snapshot, someone in it is forgotten mid-run, and the resumed job's
// result leaves them out too.
func TestResultLeavesOutWhoWasForgottenMidRun(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	h := newHoldingSteps("result", false, "p-1", "p-2", "p-3")
	runner, other, data, _ := forgetReplicas(t, "midrun", h.steps())

	j, err := runner.Submit(ctx, "one", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	h.waitHeld(ctx, t)
	if raw := stored(ctx, t, data, j.ID, jobs.SnapshotKind); string(raw) != "p-1;p-2;p-3;" {
		t.Fatalf("stored snapshot = %q before the erasure", raw)
	}
	if err := other.Forget(ctx, "p-2"); err != nil {
		t.Fatal(err)
	}
	h.release <- struct{}{}
	waitState(t, runner, j.ID, jobs.Succeeded)
	if raw := stored(ctx, t, data, j.ID, jobs.ResultKind); string(raw) != "p-1;p-3;" {
		t.Errorf("stored result = %q; want p-1;p-3; (p-2 was forgotten before it was written)", raw)
	}

	// A resumed job: its first attempt stores the snapshot (p-2 has left
	// the live input, as an erased person leaves the pool) and fails.
	h.set("", true, "p-1", "p-3")
	j, err = runner.Submit(ctx, "two", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, runner, j.ID, jobs.Failed)
	h.set("result", false, "p-1", "p-3")
	taken := h.taken()
	if _, err := runner.Resume(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	h.forgetWhileHeld(ctx, t, other, "p-3")
	waitState(t, runner, j.ID, jobs.Succeeded)
	if h.taken() != taken {
		t.Fatal("the resumed job took a new snapshot instead of its stored one")
	}
	if raw := stored(ctx, t, data, j.ID, jobs.ResultKind); string(raw) != "p-1;" {
		t.Errorf("resumed job's result = %q; want p-1; (p-3 forgotten while it ran)", raw)
	}
}

// TestSnapshotLeavesOutWhoWasForgottenMidRead: a job reads its input, a
// person in it is erased and Forget finds no object yet, then the job
// stores the snapshot, which a failed job keeps for a resume: it does not
// name them.
func TestSnapshotLeavesOutWhoWasForgottenMidRead(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	h := newHoldingSteps("snapshot", true, "p-1", "p-2", "p-3")
	runner, other, data, _ := forgetReplicas(t, "midread", h.steps())

	j, err := runner.Submit(ctx, "one", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	h.forgetWhileHeld(ctx, t, other, "p-2")
	waitState(t, runner, j.ID, jobs.Failed)
	if raw := stored(ctx, t, data, j.ID, jobs.SnapshotKind); !bytes.Equal(raw, []byte("p-1;p-3;")) {
		t.Errorf("kept snapshot = %q; want p-1;p-3; (p-2 was forgotten before it was written)", raw)
	}
}

// TestWriteRefusesALogMadeAnew: when the forgotten log no longer holds
// every id since the attempt's mark (here made anew under a running job,
// as a restore would), the job's write fails rather than guess, and the
// attempt is the job's last (MaxAttempts 1), so the job fails saying so.
func TestWriteRefusesALogMadeAnew(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	h := newHoldingSteps("result", false, "p-1", "p-2")
	runner, other, data, js := forgetReplicas(t, "anew", h.steps())
	if err := other.Forget(ctx, "p-0"); err != nil { // the mark is past 0
		t.Fatal(err)
	}
	j, err := runner.Submit(ctx, "one", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	h.waitHeld(ctx, t)
	s, err := js.Stream(ctx, "JOBS_ANEW_FORGOTTEN")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, "JOBS_ANEW_FORGOTTEN"); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, info.Config); err != nil {
		t.Fatal(err)
	}
	h.release <- struct{}{}
	got := waitState(t, runner, j.ID, jobs.Failed)
	if !strings.Contains(got.Error, "forgotten log") {
		t.Errorf("job failed with %q; want the forgotten log's refusal", got.Error)
	}
	if _, err := data.Get(ctx, j.ID, jobs.ResultKind); err == nil {
		t.Error("a result was stored although the write could not tell whom to leave out")
	}
}

// TestForgottenLogHoldsIDsOnly: Forget's log entry is the bare id, in the
// job kind's own stream, and a Manager without Redact has no log.
func TestForgottenLogHoldsIDsOnly(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	m, d := openRedacting(t, js, jobs.Config{Name: "logged"})
	if err := m.Forget(ctx, "p-9"); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, "JOBS_LOGGED_FORGOTTEN")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetLastMsgForSubject(ctx, "jobs.logged.forgotten")
	if err != nil || string(msg.Data) != "p-9" {
		t.Errorf("last entry = %v, %v; want p-9", msg, err)
	}
	plain, err := jobs.Open(ctx, js, jobs.Config{Name: "plain", Data: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(plain.Close)
	if _, err := js.Stream(ctx, "JOBS_PLAIN_FORGOTTEN"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("a Manager without Redact opened a forgotten log: %v", err)
	}
}

// BenchmarkJobDataPut measures what leaving out the forgotten costs one
// put of a 10 KB result: "plain" is a Manager without Redact (the put as
// before ADR 0130), "none" one with Redact whose log gained nothing since
// the mark (the common path: the lock and one read of the log), "three"
// one that finds three ids and redacts them.
func BenchmarkJobDataPut(b *testing.B) {
	n := testutil.MustNATS(b)
	_, js := n.Connect(b)
	ctx := context.Background()
	raw := bytes.Repeat([]byte("p-0123456789;"), 800)
	for _, c := range []struct {
		name   string
		redact jobs.Redactor
		ids    int
	}{{"plain", nil, 0}, {"none", dropID, 0}, {"three", dropID, 3}} {
		b.Run(c.name, func(b *testing.B) {
			d, err := jobs.OpenObjectData(ctx, js, "bench_"+c.name, 1, 0)
			if err != nil {
				b.Fatal(err)
			}
			m, err := jobs.Open(ctx, js, jobs.Config{Name: "bench_" + c.name, Data: d, Redact: c.redact})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(m.Close)
			mark, err := jobs.ForgottenMark(ctx, m)
			if err != nil {
				b.Fatal(err)
			}
			for i := range c.ids {
				if err := m.Forget(ctx, "gone-"+string(rune('a'+i))); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if _, _, err := jobs.PutData(ctx, m, mark, "job-1", jobs.ResultKind, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
