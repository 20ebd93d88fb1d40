package layout

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWaitRestartingBacksOff: a process that exits at start-up because
// what it needs is not ready yet (a service while its NATS cluster has no
// placement peers) is started again after pauses that grow, so a
// dependency that takes seconds is waited for. Started again at once, the
// three starts were used up in 0.6 s and a cluster test failed in CI.
func TestWaitRestartingBacksOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	ready := filepath.Join(dir, "ready")
	// The dependency is ready 1.5 s after the first start.
	time.AfterFunc(1500*time.Millisecond, func() { _ = os.WriteFile(ready, nil, 0o600) })
	health := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := os.Stat(ready); err != nil {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
		}
	}))
	defer health.Close()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	p := Proc{Name: "svc", Kind: "nats", Path: sh, Health: strings.TrimPrefix(health.URL, "http://"),
		Args: []string{"-c", `[ -e "$READY" ] || exit 1; exec sleep 300`}, Env: []string{"READY=" + ready}}
	r := &Running{Opts: Options{Dir: dir}, Procs: []Proc{p}, cmds: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}}
	if err := r.start(p); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if pid := r.Pid("svc"); pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	if err := r.waitRestarting(context.Background(), p); err != nil {
		t.Fatalf("a process whose dependency is ready 1.5 s later: %v, want it started again until ready", err)
	}
}
