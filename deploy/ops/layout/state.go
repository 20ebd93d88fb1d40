package layout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// stateLock is the file whose flock serialises every change of the state
// file: `make up`, `make restart` and `make down` each read, change and
// write state.json, and two `make restart` at once each wrote back what
// they had read before the other's pid, so one pid was lost and `make
// down` missed that process (ADR 0142). The lock file stays after `make
// down`: removing it would let a waiter lock a file nobody else opens.
const stateLock = "state.lock"

type state struct {
	Procs []stateProc `json:"procs"`
}

type stateProc struct {
	Name string `json:"name"`
	Pid  int    `json:"pid"`
	Addr string `json:"addr"`
	// Run is how the process was started, for RestartDir (`make
	// restart`). It holds the keys of keys.env, so the file is 0600 as
	// that one is.
	Run *Proc `json:"run,omitempty"`
}

// lockState takes the state file's lock of dir, waiting while another
// process holds it, and returns its release. It fails with
// os.ErrNotExist when dir does not exist (nothing was started there).
func lockState(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, stateLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", stateLock, err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}

// readState reads dir's state file; the caller holds the lock.
func readState(dir string) (state, error) {
	var s state
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", StateFile, err)
	}
	return s, nil
}

// readLocked takes dir's lock and reads its state file; the caller
// releases the lock with unlock once it is done (on an error it is not
// held). An error is os.ErrNotExist when nothing was started in dir.
func readLocked(dir string) (s state, unlock func(), err error) {
	if unlock, err = lockState(dir); err != nil {
		return s, nil, err
	}
	if s, err = readState(dir); err != nil {
		unlock()
		return s, nil, err
	}
	return s, unlock, nil
}

// writeStateFile replaces dir's state file; the caller holds the lock. It
// writes a new file and renames it over the old one, so a reader without
// the lock sees the old file or the new one, never half of one.
func writeStateFile(dir string, s state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, StateFile+".*") // mode 0600, as keys.env
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, StateFile))
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// writeState records every process of r with its pid, under the lock.
func (r *Running) writeState() error {
	var s state
	for _, p := range r.Procs {
		s.Procs = append(s.Procs, stateProc{Name: p.Name, Pid: r.Pid(p.Name), Addr: p.Addr, Run: &p})
	}
	unlock, err := lockState(r.Opts.Dir)
	if err != nil {
		return err
	}
	defer unlock()
	return writeStateFile(r.Opts.Dir, s)
}

// alive reports whether pid runs. kill(pid, 0) alone also succeeds for a
// zombie: a service killed with kill -9 whose exit its parent has not
// collected yet (make up has returned, so init collects it, in its own
// time). `make restart` right after a kill -9 then refused with "still
// runs as pid N: stop it first (kill N)", which no kill could change, and
// `make down` waited 15 s for it (ADR 0190). Linux's /proc says Z for a
// zombie; without /proc, kill's answer stands.
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// "pid (command) S ...": the command may itself hold ") ", so the
	// state is the byte after the last ") ".
	i := bytes.LastIndex(b, []byte(") "))
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
