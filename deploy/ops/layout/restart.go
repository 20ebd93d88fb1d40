package layout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// RestartDir starts again one process of a layout started by another
// process (`make restart P=mentoring-1` after a crash or a kill -9), as
// Start ran it: the same binary, arguments, environment and log, its own
// process group. A process that still runs is left alone: the operator
// stops it first. Before it, the only way back for one process under
// make up was make down and make up (ADR 0134).
//
// It records the new pid as soon as the process has started, under the
// state file's lock, and only then waits until the process is ready, so
// `make down` stops it even when it never gets ready (a NATS node while
// its cluster has no quorum) and two restarts at once both keep their
// pids (ADR 0142). A process that is not ready is an error, which says
// it was recorded.
func RestartDir(ctx context.Context, dir, name string, out io.Writer) error {
	r, pid, err := startRecorded(dir, name)
	if err != nil {
		return err
	}
	sp, _ := r.Proc(name)
	if err := r.WaitReady(ctx, name, time.Minute); err != nil {
		if r.Pid(name) == 0 {
			return fmt.Errorf("%s started as pid %d and exited: %w", name, pid, err)
		}
		return fmt.Errorf("%s runs as pid %d, recorded for make down, but is not ready (a NATS node needs a quorum of its cluster: restart the others): %w", name, pid, err)
	}
	fmt.Fprintf(out, "%s runs again as pid %d (log %s)\n", name, pid, sp.Log(dir))
	return nil
}

// startRecorded starts the process name of dir's state file and records
// its pid there, all under the state file's lock: no other restart reads
// the file between this one's read and write, and a second restart of the
// same name finds it running.
func startRecorded(dir, name string) (*Running, int, error) {
	s, unlock, err := readLocked(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("nothing started in %s (make up first): %w", dir, err)
	}
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	i := -1
	var names []string
	for j, p := range s.Procs {
		names = append(names, p.Name)
		if p.Name == name {
			i = j
		}
	}
	if i < 0 {
		return nil, 0, fmt.Errorf("no process %q in %s; the processes are %v", name, dir, names)
	}
	sp := s.Procs[i]
	if sp.Run == nil {
		return nil, 0, fmt.Errorf("%s was started by an older make up, which did not record how: make down and make up", name)
	}
	if alive(sp.Pid) {
		return nil, 0, fmt.Errorf("%s still runs as pid %d: stop it first (kill %d)", name, sp.Pid, sp.Pid)
	}
	r := &Running{Opts: Options{Dir: dir}, Procs: []Proc{*sp.Run}, cmds: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}}
	if err := r.start(*sp.Run); err != nil {
		return nil, 0, err
	}
	r.mu.Lock()
	pid := r.cmds[name].Process.Pid
	r.mu.Unlock()
	s.Procs[i].Pid = pid
	if err := writeStateFile(dir, s); err != nil {
		// Not recorded, make down would miss it: stop it rather than
		// leave it running unseen.
		_ = r.Kill(name)
		return nil, 0, fmt.Errorf("%s: not recorded, stopped again: %w", name, err)
	}
	return r, pid, nil
}
