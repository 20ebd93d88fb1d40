package servicetest

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// A crash test runs the service in a child process (the test binary
// again, told by environment variables), kills it at a named point of a
// job and restarts it in the test on the same files. The child side is
// CrashChild and ServeChild; the parent side StartChild.
const (
	// CrashDirEnv names the child's directory: its key and NATS files.
	CrashDirEnv = "MP_CRASH_DIR"
	// CrashAtEnv names the job report to die at, "<phase>:<done>".
	CrashAtEnv = "MP_CRASH_AT"
	// CrashExitCode is the child's exit code when it died on purpose.
	CrashExitCode = 3
)

// CrashChild opens what the child runs on: the test key in dir/key and an
// embedded NATS (fsync on every write, so a kill loses nothing
// acknowledged) storing in dir/nats.
func CrashChild(dir string) (jetstream.JetStream, ed25519.PrivateKey, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "key"))
	if err != nil {
		return nil, nil, err
	}
	key, err := auth.DecodePrivateKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, nil, err
	}
	ns, err := natsembed.Start(natsembed.Options{StoreDir: filepath.Join(dir, "nats"), Port: -1, SyncAlways: true})
	if err != nil {
		return nil, nil, err
	}
	nc, err := natsembed.Connect(ns, "crash-helper")
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	return js, key, err
}

// ExitAt returns job hooks that end the process with CrashExitCode at the
// job report at names ("propose:25": the propose phase with 25 done), as a
// killed process would die.
func ExitAt(at string) *jobs.Hooks {
	phase, doneStr, _ := strings.Cut(at, ":")
	done, _ := strconv.Atoi(doneStr)
	return &jobs.Hooks{OnReport: func(_ jobs.Job, p string, d int) {
		if p == phase && d >= done {
			os.Exit(CrashExitCode)
		}
	}}
}

// ChildRun is a service's server.Run in the child, with the job hooks
// that kill it bound into its options.
type ChildRun func(ctx context.Context, addr string, d service.Deps, hooks *jobs.Hooks, ready func(net.Addr)) error

// ServeChild is the child's whole life: it opens dir (CrashChild), runs
// the service on a free port with the test key's verifier, the clock now
// (nil: the wall clock) and job hooks that die at at (ExitAt); once it
// serves, prepare loads the test's data (its tb is a testutil.ProcessTB),
// the address goes to the parent through dir/addr, and it serves until it
// dies.
func ServeChild(dir, at string, now func() time.Time, run ChildRun, prepare func(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, addr string)) error {
	js, key, err := CrashChild(dir)
	if err != nil {
		return err
	}
	d := service.Deps{JS: js, Now: now,
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{KeyID: key.Public().(ed25519.PublicKey)}, time.Now, time.Second)}.WithDefaults()
	ready := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(context.Background(), "127.0.0.1:0", d, ExitAt(at), func(a net.Addr) { ready <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-errc:
		return err
	}
	tb := &testutil.ProcessTB{}
	if prepare != nil {
		if err := prepareSafely(func() { prepare(tb, js, key, addr.String()) }); err != nil && tb.Failure == "" {
			return err
		}
	}
	if tb.Failure != "" {
		return fmt.Errorf("prepare: %s", tb.Failure)
	}
	if err := os.WriteFile(filepath.Join(dir, "addr.tmp"), []byte(addr.String()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, "addr.tmp"), filepath.Join(dir, "addr")); err != nil {
		return err
	}
	return <-errc
}

// prepareSafely runs fn, turning the panic of a ProcessTB's Fatal into an
// error so the child reports it instead of crashing without a word.
func prepareSafely(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	fn()
	return nil
}

// StartChild starts the test binary as a child that serves from dir with
// key and dies at at, and returns its address once it serves and a
// channel with its exit. The child is killed at cleanup.
func StartChild(tb testing.TB, dir, at string, key ed25519.PrivateKey, wait time.Duration) (string, <-chan error) {
	tb.Helper()
	c := StartChildProcess(tb, dir, at, key, wait)
	return c.Addr, c.Exited
}

// Child is a crash test's child process (StartChildProcess).
type Child struct {
	// Addr is where it serves; Exited gets its exit.
	Addr   string
	Exited <-chan error
	dir    string
	cmd    *exec.Cmd
}

// StartChildProcess is StartChild returning the child itself, for a test
// that kills it (Kill) where it stopped (WaitFrozen) rather than letting
// it exit at a job report.
func StartChildProcess(tb testing.TB, dir, at string, key ed25519.PrivateKey, wait time.Duration) *Child {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte(auth.EncodePrivateKey(key)), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), CrashDirEnv+"="+dir, CrashAtEnv+"="+at)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() { _ = cmd.Process.Kill() })
	c := &Child{Exited: exited, dir: dir, cmd: cmd}
	testutil.CheckFor(tb, wait, 20*time.Millisecond, func() error {
		b, err := os.ReadFile(filepath.Join(dir, "addr"))
		c.Addr = string(b)
		return err
	})
	return c
}

// Freeze, in the child, says it reached the point named (a file of that
// name in the child's directory) and blocks until the parent kills it:
// the parent's WaitFrozen and Kill then stop it exactly there, as kill -9
// would.
func Freeze(name string) {
	dir := os.Getenv(CrashDirEnv)
	if err := os.WriteFile(filepath.Join(dir, name+".tmp"), nil, 0o600); err == nil {
		_ = os.Rename(filepath.Join(dir, name+".tmp"), filepath.Join(dir, name))
	}
	select {}
}

// WaitFrozen waits until the child reached the point name (Freeze),
// failing the test if it exits first.
func (c *Child) WaitFrozen(tb testing.TB, name string, wait time.Duration) {
	tb.Helper()
	testutil.CheckFor(tb, wait, 20*time.Millisecond, func() error {
		select {
		case err := <-c.Exited:
			tb.Fatalf("child exited before %s: %v", name, err)
		default:
		}
		_, err := os.Stat(filepath.Join(c.dir, name))
		return err
	})
}

// Kill kills the child with SIGKILL and waits until it is gone.
func (c *Child) Kill(tb testing.TB) {
	tb.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		tb.Fatal(err)
	}
	<-c.Exited
}
