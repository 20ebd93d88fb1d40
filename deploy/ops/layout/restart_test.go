package layout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A "nats" kind is ready when its monitor's /healthz answers 200.
	mon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer mon.Close()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	run := &Proc{Name: "nats-2", Kind: "nats", Path: sh, Args: []string{"-c", `echo "started with $MP_MARK"; exec sleep 300`},
		Env: []string{"MP_MARK=from-make-up"}, Health: strings.TrimPrefix(mon.URL, "http://")}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(state{Procs: []stateProc{{Name: "nats-2", Pid: dead.Process.Pid, Run: run}}})
	if err := os.WriteFile(filepath.Join(dir, StateFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RestartDir(context.Background(), dir, "nats-2", &out); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(dir, StateFile))
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	pid := s.Procs[0].Pid
	if pid == dead.Process.Pid || pid <= 0 || syscall.Kill(pid, 0) != nil {
		t.Fatalf("state pid %d after the restart, want the new running process (was %d)", pid, dead.Process.Pid)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
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
