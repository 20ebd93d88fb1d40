package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The browser tests' accessibility check, one runner for all of them
// (the coordinator walk, the answer, dinners and dead-letter pages):
// axe-core on the page shown, failing the test on any serious or critical
// violation (on any violation at all where axeSpotless is used) and
// logging the others.

// axePath is axe-core's script as `make axe` installs it.
func axePath(t *testing.T) string {
	if p := os.Getenv("MP_AXE_JS"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", ".tmp", "axe", "node_modules", "axe-core", "axe.min.js")
}

// mustAxe reads axe-core's script, or fails t saying how to install it.
func mustAxe(t *testing.T) []byte {
	t.Helper()
	axe, err := os.ReadFile(axePath(t))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make axe", err)
	}
	return axe
}

// axeViolation is one rule axe-core found broken, as its result names it.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct{ Target []string }
}

// axeImpacts orders axe-core's impacts, least first.
var axeImpacts = map[string]int{"minor": 1, "moderate": 2, "serious": 3, "critical": 4}

// axeRun runs axe (the script mustAxe read) on the page ctx shows and
// returns every violation it found, one line each, with its impact.
func axeRun(ctx context.Context, axe []byte) ([]axeViolation, error) {
	var raw json.RawMessage
	if err := chromedp.Run(ctx, chromedp.Evaluate(string(axe), nil),
		chromedp.Evaluate(`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, &raw,
			func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
		return nil, err
	}
	var s string
	var vs []axeViolation
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		return nil, err
	}
	return vs, nil
}

// axeCheck runs axe on the page ctx shows and reports each serious or
// critical violation as an error of t, the page called name; lesser ones
// are logged. It returns an error only when axe-core could not run.
func axeCheck(ctx context.Context, t *testing.T, axe []byte, name string) error {
	return axeCheckFrom(ctx, t, axe, name, "serious")
}

// axeCheckFrom is axeCheck failing on violations of impact least or
// worse ("minor": on any violation).
func axeCheckFrom(ctx context.Context, t *testing.T, axe []byte, name, least string) error {
	vs, err := axeRun(ctx, axe)
	if err != nil {
		return fmt.Errorf("axe-core on %s: %w", name, err)
	}
	t.Logf("%s: axe-core found %d violations of any impact", name, len(vs))
	for _, v := range vs {
		line := fmt.Sprintf("%s: axe-core %s %s (%s) at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
		if axeImpacts[v.Impact] >= axeImpacts[least] {
			t.Error(line)
		} else {
			t.Log(line)
		}
	}
	return nil
}

// axeClean is axeCheck as a browser action, for a list of steps.
func axeClean(t *testing.T, axe []byte, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error { return axeCheck(ctx, t, axe, name) })
}

// axeSpotless is axeClean failing on a violation of any impact, minor
// ones included, for the pages kept free of them all.
func axeSpotless(t *testing.T, axe []byte, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error { return axeCheckFrom(ctx, t, axe, name, "minor") })
}
