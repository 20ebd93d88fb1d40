package layout

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// StateFile lists the pids of a running layout, for Stop from another
// process (`make down`).
const StateFile = "state.json"

// Running is a started layout. Its processes outlive the caller unless it
// stops them: `make up` returns and leaves them running.
type Running struct {
	Opts  Options
	Procs []Proc

	mu   sync.Mutex
	cmds map[string]*exec.Cmd
	done map[string]chan struct{} // closed when the process exits
}

// Proc returns the process named name.
func (r *Running) Proc(name string) (Proc, bool) {
	for _, p := range r.Procs {
		if p.Name == name {
			return p, true
		}
	}
	return Proc{}, false
}

// Start starts every process of the layout and waits until each answers
// its health check: NATS first (the services connect once at start),
// then Redis, `stack ensure` (every owner's key bucket, ADR 0244), the
// services, and the gateway. On failure it stops what it
// started and returns the error with the end of the failing log.
func Start(ctx context.Context, o Options) (*Running, error) {
	procs, err := Plan(o)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"logs", "conf", "redis", "nats"} {
		if err := os.MkdirAll(filepath.Join(o.Dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	if o.NATSTLS != "" {
		if err := EnsureNATSCerts(o); err != nil {
			return nil, fmt.Errorf("layout: NATS TLS: %w", err)
		}
	}
	r := &Running{Opts: o, Procs: procs, cmds: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}}
	// Phases start together and are waited for together.
	phaseOf := func(kind string) int {
		switch kind {
		case "nats", "jaeger":
			return 0
		case "redis":
			return 1
		case "gateway":
			return 3
		}
		return 2
	}
	phases := make([][]Proc, 4)
	for _, p := range procs {
		phases[phaseOf(p.Kind)] = append(phases[phaseOf(p.Kind)], p)
	}
	for i, phase := range phases {
		// Before any service: every owner's key bucket, made by the
		// tools (ADR 0244).
		if i == 2 && len(phases[2])+len(phases[3]) > 0 {
			if err := r.ensureKeys(ctx, natsURLs(procs)); err != nil {
				r.Stop()
				return nil, err
			}
		}
		// With a cluster, the services start one by one: each creates its
		// R3 streams and buckets, and a burst of those meta operations
		// from every service at once can outlast a service's start-up
		// deadline on a loaded machine.
		oneByOne := i == 2 && o.NATSNodes > 1
		for j, p := range phase {
			if err := r.start(p); err != nil {
				r.Stop()
				return nil, err
			}
			if oneByOne || j == len(phase)-1 {
				from := 0
				if oneByOne {
					from = j
				}
				for _, q := range phase[from : j+1] {
					if err := r.waitRestarting(ctx, q); err != nil {
						r.Stop()
						return nil, err
					}
				}
			}
		}
	}
	return r, r.writeState()
}

// startAttempts bounds how often waitRestarting starts a process that
// exits before it is ready; restartBackoff is the wait before the second
// start, doubled before each next one (1+2+4+8 s in all), as a container
// runtime backs off a crashing container.
const (
	startAttempts  = 5
	restartBackoff = time.Second
)

// waitRestarting waits for p and, like a container's restart policy,
// starts it again when it exits before it is ready, after a pause that
// grows: a service exits when NATS is not ready for it yet, for example
// while a cluster elects its leaders or a node has not joined the others,
// which on a loaded machine takes seconds. Started again at once, three
// starts used up 0.6 s and failed a cluster test in CI ("no suitable
// peers for placement, peer offline").
func (r *Running) waitRestarting(ctx context.Context, p Proc) error {
	var err error
	wait := restartBackoff
	for attempt := 1; attempt <= startAttempts; attempt++ {
		if err = r.WaitReady(ctx, p.Name, time.Minute); err == nil {
			return nil
		}
		if r.Pid(p.Name) != 0 || attempt == startAttempts {
			return err // still running but not ready: no restart helps
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
		if err := r.start(p); err != nil {
			return err
		}
	}
	return err
}

// Restart starts a process that was killed, with the same configuration.
func (r *Running) Restart(ctx context.Context, name string) error {
	p, ok := r.Proc(name)
	if !ok {
		return fmt.Errorf("layout: no process %s", name)
	}
	if err := r.start(p); err != nil {
		return err
	}
	if err := r.WaitReady(ctx, name, time.Minute); err != nil {
		return err
	}
	return r.writeState()
}

func (r *Running) start(p Proc) error {
	if p.Config != "" {
		if err := os.WriteFile(p.Config, []byte(p.ConfigText), 0o600); err != nil {
			return err
		}
	}
	logf, err := os.OpenFile(p.Log(r.Opts.Dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Path, p.Args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = p.Env, logf, logf
	// Its own process group: a Ctrl-C in the terminal that ran `make up`
	// does not reach it; `make down` does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("layout: start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	r.mu.Lock()
	r.cmds[p.Name], r.done[p.Name] = cmd, done
	r.mu.Unlock()
	return nil
}

// Pid is the process id of a running process, 0 when it is not running.
func (r *Running) Pid(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cmds[name]; ok && !r.exited(name) {
		return c.Process.Pid
	}
	return 0
}

func (r *Running) exited(name string) bool {
	select {
	case <-r.done[name]:
		return true
	default:
		return false
	}
}

// Kill sends SIGKILL to a process (kill -9: no shutdown code runs) and
// waits until it is gone.
func (r *Running) Kill(name string) error {
	r.mu.Lock()
	c, ok := r.cmds[name]
	done := r.done[name]
	r.mu.Unlock()
	if !ok {
		return fmt.Errorf("layout: no process %s", name)
	}
	_ = c.Process.Signal(syscall.SIGKILL)
	<-done
	return nil
}

// Stop stops every process, the gateway first and NATS last, with SIGTERM
// and, after 15 seconds, SIGKILL.
func (r *Running) Stop() {
	for i := len(r.Procs) - 1; i >= 0; i-- {
		name := r.Procs[i].Name
		r.mu.Lock()
		c, ok := r.cmds[name]
		done := r.done[name]
		r.mu.Unlock()
		if !ok {
			continue
		}
		_ = c.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = c.Process.Signal(syscall.SIGKILL)
			<-done
		}
	}
	_ = os.Remove(filepath.Join(r.Opts.Dir, StateFile))
}

// StopDir stops a layout started by another process, from its state
// file: SIGTERM in reverse start order, SIGKILL after 15 seconds.
//
// It holds the state file's lock throughout, so a `make restart` at the
// same time waits and then finds nothing started, rather than writing a
// state file back for a layout that is gone.
func StopDir(dir string, out io.Writer) error {
	s, unlock, err := readLocked(dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "nothing running in", dir)
		return nil
	}
	if err != nil {
		return err
	}
	defer unlock()
	for i := len(s.Procs) - 1; i >= 0; i-- {
		p := s.Procs[i]
		if !alive(p.Pid) {
			continue
		}
		_ = syscall.Kill(p.Pid, syscall.SIGTERM)
		deadline := time.Now().Add(15 * time.Second)
		for alive(p.Pid) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond) // polling a foreign pid: no wait(2) for a non-child
		}
		if alive(p.Pid) {
			_ = syscall.Kill(p.Pid, syscall.SIGKILL)
		}
		fmt.Fprintln(out, "stopped", p.Name)
	}
	return os.Remove(filepath.Join(dir, StateFile))
}

// WaitReady waits until a process answers its health check: NATS
// /healthz (JetStream current, a meta leader elected), Redis PING, gRPC
// health SERVING, the gateway's /readyz, Jaeger's query API. It fails early when the process
// exits, with the end of its log.
func (r *Running) WaitReady(ctx context.Context, name string, timeout time.Duration) error {
	p, ok := r.Proc(name)
	if !ok {
		return fmt.Errorf("layout: no process %s", name)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = Ready(ctx, p); last == nil {
			return nil
		}
		r.mu.Lock()
		exited := r.exited(name)
		r.mu.Unlock()
		if exited {
			return fmt.Errorf("layout: %s exited: %v\n%s", name, last, Tail(p.Log(r.Opts.Dir), 20))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("layout: %s not ready in %v: %v\n%s", name, timeout, last, Tail(p.Log(r.Opts.Dir), 20))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Ready runs one health check of p.
func Ready(ctx context.Context, p Proc) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	switch p.Kind {
	case "nats":
		return httpOK(ctx, "http://"+p.Health+"/healthz")
	case "redis":
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.Addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Write([]byte("PING\r\n")); err != nil {
			return err
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "+PONG") {
			return fmt.Errorf("redis PING: %q %v", line, err)
		}
		return nil
	case "gateway":
		return httpOK(ctx, "http://"+p.Addr+"/readyz")
	case "jaeger":
		// The query API answers once storage and the receivers are up.
		return httpOK(ctx, "http://"+p.Health+"/api/services")
	default:
		cc, err := grpc.NewClient(p.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return err
		}
		defer cc.Close()
		res, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			return err
		}
		if res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("health %s", res.GetStatus())
		}
		return nil
	}
}

func httpOK(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("%s: %s %s", url, res.Status, b)
	}
	return nil
}

// Tail is the last n lines of a log file, for error messages.
func Tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
