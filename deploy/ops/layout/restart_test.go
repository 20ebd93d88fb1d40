package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRestartDir: `make restart P=name` starts a process of the state file
// that died, as make up ran it (its arguments and environment), records
// the new pid for make down, and refuses one that still runs.
func TestRestartDir(t *testing.T) {
	t.Parallel()
	// A "nats" kind is ready when its monitor's /healthz answers 200.
	mon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer mon.Close()
	dir, dead := deadLayout(t, map[string]string{"nats-2": mon.URL})
	run := readStateT(t, dir).Procs[0].Run
	var out bytes.Buffer
	if err := RestartDir(context.Background(), dir, "nats-2", &out); err != nil {
		t.Fatal(err)
	}
	runningPid(t, dir, "nats-2", dead)
	if !strings.Contains(out.String(), "nats-2 runs again") {
		t.Errorf("output %q does not say it runs again", out.String())
	}
	if err := RestartDir(context.Background(), dir, "nats-2", &out); err == nil || !strings.Contains(err.Error(), "still runs") {
		t.Errorf("restart of a running process: %v, want refused", err)
	}
	if err := RestartDir(context.Background(), dir, "nats-9", &out); err == nil || !strings.Contains(err.Error(), "nats-2") {
		t.Errorf("unknown name: %v, want an error listing the processes", err)
	}
	// The restart returns once the process is ready (here its monitor
	// answers at once), which can be before the shell has written its
	// line: read the log until it has (CI once read it first), and stop
	// the process only then.
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if log, _ := os.ReadFile(run.Log(dir)); !strings.Contains(string(log), "started with from-make-up") {
			return fmt.Errorf("log %q: want the process's output with make up's environment", log)
		}
		return nil
	})
	if err := StopDir(dir, &out); err != nil {
		t.Fatal(err)
	}
}

// TestRestartDir_NotReadyStillRecorded: a NATS node restarted while its
// cluster has no quorum starts but never gets ready. `make restart` says
// so and fails, and still records the pid, so `make down` stops the node
// (it used to record nothing and make down missed it; ADR 0142).
func TestRestartDir_NotReadyStillRecorded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// No quorum: /healthz answers 503. Once asked, the process has been
	// started, and the operator gives up (Ctrl-C or make's own timeout).
	mon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "JetStream has no meta leader", http.StatusServiceUnavailable)
		cancel()
	}))
	defer mon.Close()
	dir, dead := deadLayout(t, map[string]string{"nats-2": mon.URL})
	var out bytes.Buffer
	err := RestartDir(ctx, dir, "nats-2", &out)
	if err == nil || !strings.Contains(err.Error(), "recorded for make down") || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("restart of a node that is not ready: %v, want an error saying it is not ready and recorded", err)
	}
	pid := runningPid(t, dir, "nats-2", dead)
	if err := StopDir(dir, &out); err != nil {
		t.Fatal(err)
	}
	// A stopped child this test process has not reaped yet is a zombie:
	// stopped, as make down (alive) sees it.
	if alive(pid) {
		t.Errorf("pid %d still runs after make down", pid)
	}
}

// TestRestartDir_Concurrent: two `make restart` at once each record their
// pid. Neither node is ready until both have been asked, so both are
// started before either is ready: a restart that read state.json before
// it started and wrote it back once ready lost the other's pid, and make
// down missed that process (ADR 0142).
func TestRestartDir_Concurrent(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	asked := map[string]bool{}
	health := func(name string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			asked[name] = true
			if len(asked) < 2 {
				http.Error(w, "waiting for the other", http.StatusServiceUnavailable)
			}
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	dir, dead := deadLayout(t, map[string]string{"nats-1": health("nats-1"), "nats-2": health("nats-2")})
	errs := make(chan error, 2)
	for _, name := range []string{"nats-1", "nats-2"} {
		go func() { errs <- RestartDir(context.Background(), dir, name, io.Discard) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	pids := []int{runningPid(t, dir, "nats-1", dead), runningPid(t, dir, "nats-2", dead)}
	if err := StopDir(dir, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if alive(pid) {
			t.Errorf("pid %d still runs after make down", pid)
		}
	}
}

// TestRestartDir_RightAfterKillNine: `make restart` at once after a kill
// -9, while the killed process is a zombie nobody has collected yet (make
// up has returned; init collects it in its own time), starts it again.
// It refused with "still runs as pid N: stop it first (kill N)", which no
// kill could change (ADR 0190), and make down waited 15 s for the zombie.
func TestRestartDir_RightAfterKillNine(t *testing.T) {
	t.Parallel()
	mon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer mon.Close()
	dir, _ := deadLayout(t, map[string]string{"nats-2": mon.URL})
	// A zombie: this test is its parent and collects it only at the end.
	killed := exec.Command("sleep", "300")
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = killed.Wait() })
	zombie := killed.Process.Pid
	if err := syscall.Kill(zombie, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		if alive(zombie) {
			return fmt.Errorf("pid %d not yet a zombie", zombie)
		}
		return nil
	})
	if syscall.Kill(zombie, 0) != nil {
		t.Fatalf("pid %d was collected: the test proves nothing", zombie)
	}
	s := readStateT(t, dir)
	s.Procs[0].Pid = zombie
	if err := writeStateFile(dir, s); err != nil {
		t.Fatal(err)
	}
	if err := RestartDir(context.Background(), dir, "nats-2", io.Discard); err != nil {
		t.Fatalf("restart right after a kill -9: %v", err)
	}
	runningPid(t, dir, "nats-2", zombie)
	if err := StopDir(dir, io.Discard); err != nil {
		t.Fatal(err)
	}
}

// deadLayout writes a state file of "nats" processes (name -> monitor
// URL) as make up would, each recorded with the pid of a process that has
// exited, and returns its directory and that pid.
func deadLayout(t *testing.T, monitors map[string]string) (dir string, dead int) {
	t.Helper()
	dir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	var s state
	for _, name := range slices.Sorted(maps.Keys(monitors)) {
		run := &Proc{Name: name, Kind: "nats", Path: sh, Args: []string{"-c", `echo "started with $MP_MARK"; exec sleep 300`},
			Env: []string{"MP_MARK=from-make-up"}, Health: strings.TrimPrefix(monitors[name], "http://")}
		s.Procs = append(s.Procs, stateProc{Name: name, Pid: exited.Process.Pid, Run: run})
	}
	b, _ := json.Marshal(s)
	if err := os.WriteFile(filepath.Join(dir, StateFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, exited.Process.Pid
}

func readStateT(t *testing.T, dir string) state {
	t.Helper()
	s, err := readState(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// runningPid is the pid state.json records for name, which must be a
// running process other than dead; the test kills it at its end.
func runningPid(t *testing.T, dir, name string, dead int) int {
	t.Helper()
	for _, p := range readStateT(t, dir).Procs {
		if p.Name != name {
			continue
		}
		if p.Pid == dead || p.Pid <= 0 || syscall.Kill(p.Pid, 0) != nil {
			t.Fatalf("state pid of %s %d after the restart, want the new running process (was %d)", name, p.Pid, dead)
		}
		t.Cleanup(func() { _ = syscall.Kill(p.Pid, syscall.SIGKILL) })
		return p.Pid
	}
	t.Fatalf("no %s in the state file", name)
	return 0
}
