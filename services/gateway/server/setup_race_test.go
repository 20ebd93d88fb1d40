package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/server"
)

// replica starts a second gateway on e's NATS and services, as make up
// with replicas runs them, with its own output and setup-link file; it
// returns the replica's base URL.
func (e *env) replica(setupFile string) string {
	e.t.Helper()
	cfg := e.cfg
	cfg.Out, cfg.SetupLinkFile = &strings.Builder{}, setupFile
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan server.Running, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := server.Run(ctx, cfg, e.deps, func(r server.Running) { ready <- r }); err != nil {
			e.t.Errorf("replica: %v", err)
			ready <- server.Running{}
		}
	}()
	e.t.Cleanup(func() { cancel(); <-done })
	r := <-ready
	if r.Addr == nil {
		e.t.FailNow()
	}
	return "http://" + r.Addr.String()
}

// setupToken reads the token of the setup link in file.
func setupToken(t *testing.T, file string) string {
	t.Helper()
	link, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, tok, ok := strings.Cut(strings.TrimSpace(string(link)), "/setup?token=")
	if !ok {
		t.Fatalf("%s holds %q", file, link)
	}
	return tok
}

// TestSetupLinkOnceAcrossReplicas sends the first-run form eight times at
// once, half to each of two gateways on one NATS, each with the link its
// gateway announced: exactly one admin is made, and every other form
// gets the page saying the link is used. Each gateway held its own token
// in memory and checked it before the create: every form passed, and
// eight admins were made (ADR 0214).
func TestSetupLinkOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fileA, fileB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	e := start(t, envOptions{noAdmin: true, out: &strings.Builder{}, setupFile: fileA, burst: 100})
	bases := []string{e.base, e.replica(fileB)}
	toks := []string{setupToken(t, fileA), setupToken(t, fileB)}

	const n = 8
	browsers := make([]*browser, n)
	for i := range browsers {
		b := e.browser()
		b.e = &env{t: t, base: bases[i%2]}
		if code, _ := b.get("/setup?token=" + toks[i%2]); code != http.StatusOK {
			t.Fatalf("form %d: the link: %d", i, code)
		}
		browsers[i] = b
	}
	codes, pages := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], pages[i] = b.post("/setup", url.Values{"token": {toks[i%2]}, "display_name": {fmt.Sprintf("Kim %d", i)},
				"email": {fmt.Sprintf("kim%d@example.org", i)}, "password": {"kim-testar-123456"}})
		}()
	}
	close(start)
	wg.Wait()
	made := 0
	for i := range codes {
		if codes[i] == http.StatusSeeOther {
			made++
			continue
		}
		checkSetupUsedOrTaken(t, fmt.Sprintf("form %d", i), codes[i], pages[i])
	}
	// Who can sign in, on either gateway: the accounts, not the answers.
	accounts := 0
	for i := range n {
		b := e.browser()
		b.get("/signin")
		if code, loc := b.post("/signin", url.Values{"email": {fmt.Sprintf("kim%d@example.org", i)}, "password": {"kim-testar-123456"}}); code == http.StatusSeeOther && loc == "/" {
			accounts++
		}
	}
	if made != 1 || accounts != 1 {
		t.Errorf("%d forms answered done and %d accounts sign in, want 1 and 1", made, accounts)
	}
}

// checkSetupUsedOrTaken checks the answer to a setup form whose link
// another form took: the used link's page, said in Swedish.
func checkSetupUsedOrTaken(t *testing.T, what string, code int, page string) {
	t.Helper()
	text := visibleText(page)
	if code != http.StatusNotFound || !strings.Contains(text, "Länken gäller inte längre") || strings.Contains(text, "hittades inte") {
		t.Errorf("%s: %d\n%s", what, code, trim(text))
	}
}
