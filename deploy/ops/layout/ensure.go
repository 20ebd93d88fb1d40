package layout

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
)

// EnsureLog is the log of the tools' step that makes every owner's key
// bucket before the services start (`stack ensure`, ADR 0244).
func EnsureLog(dir string) string { return filepath.Join(dir, "logs", "ensure.log") }

// ensureKeys runs `stack ensure` from o.Bin as the tools' user, once NATS
// answers and before any service starts: every owner's key bucket is then
// made with its owner's configuration (MP_REPLICAS as the services'),
// since a service only binds the other owners' buckets and its NATS user
// may not create them. A cluster that has just started may not place a
// stream yet ("no suitable peers"): the step is run again after a pause
// that grows, as a service that exits is started again.
func (r *Running) ensureKeys(ctx context.Context, urls string) error {
	o := r.Opts
	path := filepath.Join(o.Bin, "stack")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("layout: %s is missing (make build): it makes the key buckets before the services start: %w", path, err)
	}
	env := map[string]string{"MP_REPLICAS": strconv.Itoa(o.NATSNodes)}
	if o.NATSTLS != "" {
		env[service.NATSCAFileEnv] = NATSCAFile(o.NATSTLS)
	}
	logf, err := os.OpenFile(EnsureLog(o.Dir), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	wait := restartBackoff
	for attempt := 1; ; attempt++ {
		cmd := exec.CommandContext(ctx, path, "ensure", "-nats", urls)
		cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = environ(env, o.natsUser(service.NATSToolsUser)), logf, logf, o.Dir
		err := cmd.Run()
		if err == nil {
			return nil
		}
		if attempt == startAttempts {
			return fmt.Errorf("layout: stack ensure (the key buckets) failed %d times: %w\n%s", attempt, err, Tail(EnsureLog(o.Dir), 20))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// natsURLs are the layout's NATS nodes as a client is given them.
func natsURLs(procs []Proc) string {
	var urls []string
	for _, p := range procs {
		if p.Kind == "nats" {
			urls = append(urls, "nats://"+p.Addr)
		}
	}
	return strings.Join(urls, ",")
}
