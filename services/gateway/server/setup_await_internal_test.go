package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// answers is a setup-link state read in turn by awaitSetup: each call
// takes the next answer; past the last it repeats the last.
type answers struct {
	mu    sync.Mutex
	calls int
	list  []setupAnswerFor
}

type setupAnswerFor struct {
	tok  string
	wait time.Duration
	err  error
}

func (a *answers) token(context.Context) (string, time.Duration, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.list[min(a.calls, len(a.list)-1)]
	a.calls++
	return r.tok, r.wait, r.err
}

// TestAwaitSetup: a gateway started while a form held the link (the form
// died with the gateway before it made the admin) gives the new link once
// the taken one is stale, into the setup-link file, without a restart;
// when an admin came of the form after all, the file's dead link goes; a
// state that could not be read is asked again; a stopped gateway stops
// waiting (ADR 0219). Before, the gateway said "restart in 59s" and gave
// no link while it ran.
func TestAwaitSetup(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	const base = "http://127.0.0.1:8080"
	for _, tt := range []struct {
		name     string
		list     []setupAnswerFor
		wantFile string // "" when the file must be gone
		calls    int
	}{
		{"the taken link went stale: a new link", []setupAnswerFor{{wait: 5 * time.Millisecond}, {tok: "new"}}, base + "/setup?token=new\n", 2},
		{"the form made the admin after all", []setupAnswerFor{{}}, "", 1},
		{"the state not read, then a new link", []setupAnswerFor{{err: errors.New("nats away")}, {tok: "new"}}, base + "/setup?token=new\n", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "setup-link")
			if err := os.WriteFile(file, []byte(base+"/setup?token=taken\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			cfg := Config{SetupLinkFile: file, Out: &out}
			a := &answers{list: tt.list}
			retry := time.Millisecond // the first wait, and the one after a failed read
			done := make(chan struct{})
			go func() { awaitSetup(context.Background(), cfg, log, a.token, base, retry, retry); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("awaitSetup did not end")
			}
			got, err := os.ReadFile(file)
			switch {
			case tt.wantFile == "" && !os.IsNotExist(err):
				t.Errorf("the file holds %q, want it gone", got)
			case tt.wantFile != "" && string(got) != tt.wantFile:
				t.Errorf("the file holds %q (%v), want %q", got, err, tt.wantFile)
			}
			if a.calls != tt.calls {
				t.Errorf("%d reads of the link's state, want %d", a.calls, tt.calls)
			}
			if tt.wantFile != "" && !strings.Contains(out.String(), file) {
				t.Errorf("the output does not say where the new link is: %q", out.String())
			}
		})
	}

	t.Run("stopped", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		a := &answers{list: []setupAnswerFor{{wait: time.Hour}}}
		done := make(chan struct{})
		go func() {
			awaitSetup(ctx, Config{Out: io.Discard}, log, a.token, base, time.Hour, time.Hour)
			close(done)
		}()
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("awaitSetup did not end with its context")
		}
		if a.calls != 0 {
			t.Errorf("%d reads after the stop, want 0", a.calls)
		}
	})
}
