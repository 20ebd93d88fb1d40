package layout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// RestartDir starts again one process of a layout started by another
// process (`make restart P=mentoring-1` after a crash or a kill -9), as
// Start ran it: the same binary, arguments, environment and log, its own
// process group. It waits until the process is ready and records its new
// pid, so `make down` stops it. A process that still runs is left alone:
// the operator stops it first. Before it, the only way back for one
// process under make up was make down and make up (ADR 0134).
func RestartDir(ctx context.Context, dir, name string, out io.Writer) error {
	path := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("nothing started in %s (make up first): %w", dir, err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", StateFile, err)
	}
	i := -1
	var names []string
	for j, p := range s.Procs {
		names = append(names, p.Name)
		if p.Name == name {
			i = j
		}
	}
	if i < 0 {
		return fmt.Errorf("no process %q in %s; the processes are %v", name, dir, names)
	}
	sp := s.Procs[i]
	if sp.Run == nil {
		return fmt.Errorf("%s was started by an older make up, which did not record how: make down and make up", name)
	}
	if sp.Pid > 0 && syscall.Kill(sp.Pid, 0) == nil {
		return fmt.Errorf("%s still runs as pid %d: stop it first (kill %d)", name, sp.Pid, sp.Pid)
	}
	r := &Running{Opts: Options{Dir: dir}, Procs: []Proc{*sp.Run}, cmds: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}}
	if err := r.start(*sp.Run); err != nil {
		return err
	}
	if err := r.WaitReady(ctx, name, time.Minute); err != nil {
		return err
	}
	s.Procs[i].Pid = r.Pid(name)
	if b, err = json.MarshalIndent(s, "", "  "); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s runs again as pid %d (log %s)\n", name, s.Procs[i].Pid, sp.Run.Log(dir))
	return nil
}
