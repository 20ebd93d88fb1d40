package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/dinners/server"
)

// TestMain lets the test binary double as the process the crash test
// kills: with MP_CRASH_DIR set it runs a dinners service on an embedded
// NATS in that directory, and dies at the job report MP_CRASH_AT names
// ("<phase>:<done>").
func TestMain(m *testing.M) {
	if dir := os.Getenv("MP_CRASH_DIR"); dir != "" {
		if err := crashHelper(dir, os.Getenv("MP_CRASH_AT")); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const crashExitCode = 3

// crashCity is matched by every crash run and the crash-free run.
func crashCity() city { return newCity(5, 150, 30, 2) }

// crashExtras sign up after the crash; a fresh snapshot would seat some.
func crashExtras() city {
	c := newCity(6, 20, 0, 0)
	for k, s := range c.signUps {
		s.ParticipantId = fmt.Sprintf("g-late-%02d", k)
		c.guests[k] = s.GetParticipantId()
	}
	return c
}

func crashHelper(dir, at string) error {
	phase, doneStr, _ := strings.Cut(at, ":")
	done, _ := strconv.Atoi(doneStr)
	raw, err := os.ReadFile(filepath.Join(dir, "key"))
	if err != nil {
		return err
	}
	key, err := auth.DecodePrivateKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return err
	}
	ns, err := natsembed.Start(natsembed.Options{StoreDir: filepath.Join(dir, "nats"), Port: -1, SyncAlways: true})
	if err != nil {
		return err
	}
	nc, err := natsembed.Connect(ns, "crash-helper")
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	hooks := &jobs.Hooks{OnReport: func(_ jobs.Job, p string, d int) {
		if p == phase && d >= done {
			os.Exit(crashExitCode) // die mid-job, as a killed process would
		}
	}}
	d := service.Deps{JS: js, Now: func() time.Time { return day0 },
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{"k1": key.Public().(ed25519.PublicKey)}, time.Now, time.Second)}.WithDefaults()
	ready := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- server.Run(ctx, "127.0.0.1:0", d, server.Options{JobAckWait: 2 * time.Second, JobHooks: hooks}, func(a net.Addr) { ready <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-errc:
		return err
	}
	// Load the city before telling the test where to call.
	t := &helperTB{}
	e := &env{t: t, nats: &testutil.NATS{JS: js}, addrs: []string{addr.String()}, key: key, signer: auth.NewSigner(key, "k1", time.Now)}
	e.load(ctx, crashCity())
	if t.failed != "" {
		return fmt.Errorf("load: %s", t.failed)
	}
	if err := os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(addr.String()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr")); err != nil {
		return err
	}
	return <-errc
}

// helperTB lets test helpers run in the crash helper process.
type helperTB struct {
	testing.TB
	failed string
}

func (h *helperTB) Helper()                   {}
func (h *helperTB) Cleanup(func())            {}
func (h *helperTB) Fatal(args ...any)         { h.failed = fmt.Sprint(args...); panic(h.failed) }
func (h *helperTB) Fatalf(f string, a ...any) { h.Fatal(fmt.Sprintf(f, a...)) }
func (h *helperTB) Errorf(f string, a ...any) { h.failed = fmt.Sprintf(f, a...) }

// seatingKeys renders a job's seatings as sorted
// "guest/host/date/size/score" (sign-up and offer ids differ per run).
func seatingKeys(ps []*pb.Seating) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s/%s/%s/%d/%d", p.GetParticipantId(), p.GetVolunteerId(), p.GetDate(), p.GetPartySize(), p.GetScore()))
	}
	slices.Sort(out)
	return out
}

var baseline struct {
	once sync.Once
	keys []string
}

// crashFreeKeys runs the job once without faults.
func crashFreeKeys(t *testing.T) []string {
	baseline.once.Do(func() {
		e := startEnv(t, 1, serverOptions())
		ctx := context.Background()
		e.load(ctx, crashCity())
		c := e.as(admin)
		job := e.runJob(ctx, c, "crash-free", "0180", "0184")
		baseline.keys = seatingKeys(seatingsOf(ctx, t, c, job.GetId()))
	})
	if len(baseline.keys) < 30 {
		t.Fatalf("crash-free run made %d proposals; the crash points need more", len(baseline.keys))
	}
	return baseline.keys
}

// TestCrashDuringJob kills a real dinners process at several points of a
// matching job and restarts it on the same files: the job resumes and its
// seatings equal a crash-free run's, none duplicated, one proposed event
// each.
func TestCrashDuringJob(t *testing.T) {
	want := crashFreeKeys(t)
	for _, at := range []string{"snapshot:0", "build:0", "solve:0", "propose:25", "result:0"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			key, err := auth.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "key"), []byte(auth.EncodePrivateKey(key)), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "MP_CRASH_DIR="+dir, "MP_CRASH_AT="+at)
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			var addr string
			testutil.CheckFor(t, 90*time.Second, 20*time.Millisecond, func() error {
				b, err := os.ReadFile(filepath.Join(dir, "addr"))
				addr = string(b)
				return err
			})
			ctx := context.Background()
			first := &env{t: t, addrs: []string{addr}, key: key, signer: auth.NewSigner(key, "k1", time.Now)}
			res, err := first.as(admin).StartMatchingJob(ctx, &pb.StartMatchingJobRequest{
				RequestId: "crash", OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0184"}})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case werr := <-exited:
				if ee, ok := werr.(*exec.ExitError); !ok || ee.ExitCode() != crashExitCode {
					t.Fatalf("helper exit: %v, want code %d", werr, crashExitCode)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("helper did not die at " + at)
			}

			// Restart on the same files. Once the job has its snapshot,
			// more parties sign up before it resumes: they would change
			// the seatings if the restart took a new snapshot.
			e := &env{t: t, nats: testutil.MustNATSDir(t, filepath.Join(dir, "nats")), key: key,
				signer: auth.NewSigner(key, "k1", time.Now), clock: testutil.NewClock(day0)}
			changePool := at != "snapshot:0"
			poolReady := make(chan struct{})
			var o server.Options
			if changePool {
				o.JobHooks = &jobs.Hooks{OnReport: func(jobs.Job, string, int) { <-poolReady }}
			}
			e.addrs = append(e.addrs, e.start(o))
			var closeOnce sync.Once
			release := func() { closeOnce.Do(func() { close(poolReady) }) }
			t.Cleanup(release)
			if changePool {
				e.load(ctx, crashExtras())
				release()
			}
			c := e.as(admin)
			job := e.waitJob(ctx, c, res.GetJob().GetId())
			if job.GetAttempts() < 2 {
				t.Errorf("job attempts %d, want a second attempt after the crash", job.GetAttempts())
			}
			got := seatingKeys(seatingsOf(ctx, t, c, job.GetId()))
			if !slices.Equal(got, want) {
				t.Fatalf("after a crash at %s: %d seatings, crash-free %d; they differ", at, len(got), len(want))
			}
			if n := countSubject(ctx, t, e, events.SeatingProposed); n != len(want) {
				t.Errorf("proposed events %d, want %d", n, len(want))
			}
		})
	}
}

func countSubject(ctx context.Context, t testing.TB, e *env, subject string) int {
	t.Helper()
	s, err := e.nats.JS.Stream(ctx, events.StreamDinners)
	if err != nil {
		t.Fatal(err)
	}
	n, last := 0, -1
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
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
