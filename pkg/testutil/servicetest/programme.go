package servicetest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// ProgrammeRun is a matching programme's server.Run: every programme
// takes the kit's options (service.ProgrammeOptions), so one harness
// starts any of them.
type ProgrammeRun func(ctx context.Context, addr string, d service.Deps, o service.ProgrammeOptions, ready func(net.Addr)) error

// Fast fills the options a test leaves unset with quick timings: a job
// silent for 2s is taken over, and offers are expired every 100ms.
func Fast(o service.ProgrammeOptions) service.ProgrammeOptions {
	if o.JobAckWait == 0 {
		o.JobAckWait = 2 * time.Second
	}
	if o.SweepEvery == 0 {
		o.SweepEvery = 100 * time.Millisecond
	}
	return o
}

// StartProgramme runs one replica of a programme (Start) with o made
// Fast, and returns its address once it serves.
func StartProgramme(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, now func() time.Time, run ProgrammeRun, o service.ProgrammeOptions) string {
	tb.Helper()
	o = Fast(o)
	return Start(tb, js, key, now, func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error {
		return run(ctx, addr, d, o, ready)
	})
}

// Replica is what a programme's test harness starts each replica with
// (its env.start): the three programmes' harnesses started them with the
// same lines (ADR 0253).
type Replica struct {
	// NATS is the test's server; each replica gets a connection of its own.
	NATS *testutil.NATS
	// Key signs the test's tokens; the replica's verifier trusts it.
	Key ed25519.PrivateKey
	// Now is the replica's service clock.
	Now func() time.Time
	// Pools is the env's pools, where the replica's pool sides are added;
	// *Pools is made on the first start, as an env a crash test builds
	// for its restart has none.
	Pools **Pools
	// Keyring seals the replica's records; nil keeps them in clear.
	Keyring *seal.Keyring
}

// Start runs one replica of the programme run (its server.Run) with o
// made Fast, stopped at the end of the test, and returns its address
// once it serves.
func (r Replica) Start(tb testing.TB, run ProgrammeRun, o service.ProgrammeOptions) string {
	tb.Helper()
	_, js := r.NATS.Connect(tb)
	if *r.Pools == nil {
		*r.Pools = &Pools{}
	}
	o.Pools = (*r.Pools).Add
	return StartProgramme(tb, js, r.Key, r.Now, func(ctx context.Context, addr string, d service.Deps, o service.ProgrammeOptions, ready func(net.Addr)) error {
		d.Keyring = r.Keyring
		return run(ctx, addr, d, o, ready)
	}, o)
}

// SlotHolders lists who holds resource's places in the proposal kit's
// slot bucket (pkg/proposal: a dinner's seats, a mentor's slots, a guide
// unit's places): what the programmes' tests read to see a hold taken, or
// released once its person is erased.
func SlotHolders(ctx context.Context, tb testing.TB, js jetstream.JetStream, bucket, resource string) []string {
	tb.Helper()
	s, err := proposal.OpenSlots(ctx, js, bucket, 1, nil)
	if err != nil {
		tb.Fatal(err)
	}
	h, err := s.Holders(ctx, resource)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// CrashMain is a crash test's TestMain: with CrashDirEnv set the test
// binary is the child a crash test kills, and child (ServeProgrammeChild,
// usually) is its whole life; otherwise it runs the tests.
func CrashMain(m *testing.M, child func(dir, at string) error) {
	if dir := os.Getenv(CrashDirEnv); dir != "" {
		if err := child(dir, os.Getenv(CrashAtEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// ServeProgrammeChild is ServeChild for a programme: it runs run with o,
// its job hooks set to die at at.
func ServeProgrammeChild(dir, at string, now func() time.Time, run ProgrammeRun, o service.ProgrammeOptions,
	prepare func(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, addr string)) error {
	return ServeChild(dir, at, now, func(ctx context.Context, addr string, d service.Deps, hooks *jobs.Hooks, ready func(net.Addr)) error {
		o.JobHooks = hooks
		return run(ctx, addr, d, o, ready)
	}, prepare)
}

// WaitExit waits until a child (StartChild) exits, and fails the test
// unless it died on purpose (CrashExitCode) within a minute; what names
// where it should have died.
func WaitExit(tb testing.TB, exited <-chan error, what string) {
	tb.Helper()
	select {
	case werr := <-exited:
		if ee, ok := werr.(*exec.ExitError); !ok || ee.ExitCode() != CrashExitCode {
			tb.Fatalf("helper exit: %v, want code %d", werr, CrashExitCode)
		}
	case <-time.After(time.Minute):
		tb.Fatal("helper did not die at " + what)
	}
}

// State is a programme's job state enum.
type State interface {
	~int32
	String() string
}

// Job is what WaitJob reads of a programme's job message (each programme
// has its own Job and JobState types).
type Job[S State] interface {
	GetState() S
	GetProgressPercent() int32
	GetErrorMessage() string
}

// WaitJob polls get until the job is in state done or failed and returns
// it; failed fails the test with the job's error unless done == failed.
// Every programme's tests wait for their jobs this way.
func WaitJob[S State, J Job[S]](tb testing.TB, timeout time.Duration, get func() (J, error), done, failed S) J {
	tb.Helper()
	job := WaitJobEnd(tb, timeout, get, done, failed)
	if job.GetState() != done {
		tb.Fatalf("job failed: %s", job.GetErrorMessage())
	}
	return job
}

// WaitJobEnd is WaitJob for a test that expects either end: it returns
// the job once it is in state done or failed.
func WaitJobEnd[S State, J Job[S]](tb testing.TB, timeout time.Duration, get func() (J, error), done, failed S) J {
	tb.Helper()
	var job J
	testutil.CheckFor(tb, timeout, 50*time.Millisecond, func() error {
		j, err := get()
		if err != nil {
			return err
		}
		job = j
		if s := job.GetState(); s != done && s != failed {
			return fmt.Errorf("job %s at %d%%", s, job.GetProgressPercent())
		}
		return nil
	})
	return job
}

// All reads every page of a listing: list gets a page token ("" first)
// and returns the page's items and the next token ("" after the last).
// A listing's error fails the test.
func All[T any](tb testing.TB, list func(token string) ([]T, string, error)) []T {
	tb.Helper()
	var out []T
	tok := ""
	for {
		items, next, err := list(tok)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, items...)
		if tok = next; tok == "" {
			return out
		}
	}
}

// CountSubject counts the messages on stream under subject.> once the
// count stops changing between two reads (the outbox relay may still be
// publishing).
func CountSubject(ctx context.Context, tb testing.TB, js jetstream.JetStream, stream, subject string) int {
	tb.Helper()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		tb.Fatal(err)
	}
	n, last := 0, -1
	testutil.CheckFor(tb, 10*time.Second, 100*time.Millisecond, func() error {
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject+".>"))
		if err != nil {
			return err
		}
		n = 0
		for _, c := range info.State.Subjects {
			n += int(c)
		}
		if n != last {
			last = n
			return fmt.Errorf("still changing: %d", n)
		}
		return nil
	})
	return n
}

// WaitKeys waits until a KV bucket holds n keys.
func WaitKeys(ctx context.Context, tb testing.TB, js jetstream.JetStream, bucket string, n int) {
	tb.Helper()
	testutil.CheckFor(tb, 20*time.Second, 50*time.Millisecond, func() error {
		if got := CountKeys(ctx, js, bucket); got != n {
			return fmt.Errorf("%s has %d keys, want %d", bucket, got, n)
		}
		return nil
	})
}
