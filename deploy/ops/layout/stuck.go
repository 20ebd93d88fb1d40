package layout

import (
	"bufio"
	"os"
	"strings"
	"syscall"
	"time"
)

// quit stops a process that did not become ready in its time with
// SIGQUIT, so the Go runtime writes every goroutine's stack into its log,
// and returns the lines of those stacks that are this repository's code
// (each goroutine's header and its frames of ours): a start that waits
// for ever otherwise leaves nothing in the log to say on what (ADR 0238's
// addendum). The caller stops everything after a failed start anyway.
func (r *Running) quit(name, log string) string {
	r.mu.Lock()
	c, ok := r.cmds[name]
	done := r.done[name]
	r.mu.Unlock()
	if !ok || c.Process == nil || r.exitedLocked(name) {
		return ""
	}
	_ = c.Process.Signal(syscall.SIGQUIT)
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		return ""
	}
	return ourStacks(log, 120)
}

// exitedLocked is exited under r.mu.
func (r *Running) exitedLocked(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.exited(name)
}

// ourStacks returns, from a Go stack dump in the file at path, each
// goroutine's header line followed by its frames in this repository,
// for goroutines that have such frames; at most max lines.
func ourStacks(path string, max int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var out []string
	header, shown := "", false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() && len(out) < max {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "goroutine "):
			header, shown = line, false
		case strings.Contains(line, "github.com/motesplats/motesplats/") && header != "":
			if !shown {
				out = append(out, header)
				shown = true
			}
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "its goroutines in our code (SIGQUIT):\n" + strings.Join(out, "\n") + "\n"
}
