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
// violation.

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

// axeSerious runs axe (the script mustAxe read) on the page ctx shows and
// returns its serious and critical violations, one line each, and how
// many violations of any impact it found.
func axeSerious(ctx context.Context, axe []byte) (serious []string, all int, err error) {
	var raw json.RawMessage
	if err := chromedp.Run(ctx, chromedp.Evaluate(string(axe), nil),
		chromedp.Evaluate(`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, &raw,
			func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
		return nil, 0, err
	}
	var s string
	var vs []axeViolation
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		return nil, 0, err
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			serious = append(serious, fmt.Sprintf("%s %s (%s) at %v", v.Impact, v.ID, v.Help, v.Nodes))
		}
	}
	return serious, len(vs), nil
}

// axeCheck runs axe on the page ctx shows and reports each serious or
// critical violation as an error of t, the page called name. It returns
// an error only when axe-core could not run.
func axeCheck(ctx context.Context, t *testing.T, axe []byte, name string) error {
	serious, all, err := axeSerious(ctx, axe)
	if err != nil {
		return fmt.Errorf("axe-core on %s: %w", name, err)
	}
	t.Logf("%s: axe-core found %d violations of any impact", name, all)
	for _, v := range serious {
		t.Errorf("%s: axe-core %s", name, v)
	}
	return nil
}

// axeClean is axeCheck as a browser action, for a list of steps.
func axeClean(t *testing.T, axe []byte, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error { return axeCheck(ctx, t, axe, name) })
}
