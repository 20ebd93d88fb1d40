//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDataDir takes the data directory for this stack alone and returns
// what gives it back (at the stack's end, after NATS has stopped). A
// second make run on the same ./data with other ports (as the README
// says to run beside another stack) started, and two embedded NATS
// servers wrote one JetStream store: a newcomer registered through the
// first was gone after a restart and the first one's Ctrl-C hung in the
// file store (found from outside, ADR 0223). The lock is flock(2) on
// <dir>/stack.lock, which the kernel lets go when the process ends, also
// by kill -9: a stale file never stops a start. The file holds the
// holder's pid, for the refusal.
func lockDataDir(dir string) (func(), error) {
	path := filepath.Join(dir, "stack.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		held, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			by := ""
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(held))); perr == nil && pid > 0 {
				by = fmt.Sprintf(" (pid %d)", pid)
			}
			return nil, fmt.Errorf("the data directory %s is in use by another stack%s: stop that one (Ctrl-C in its terminal), "+
				"or give this one a directory of its own (MP_DATA_DIR); two stacks on one directory lose data", dir, by)
		}
		return nil, fmt.Errorf("data dir: lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { _ = f.Close() }, nil
}
