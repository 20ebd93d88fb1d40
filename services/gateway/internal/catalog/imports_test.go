package catalog

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// appImports are the packages the words must do without.
var appImports = []string{"/internal/web", "/internal/core", "/internal/backend", "nats.go", "go-redis", "html/template"}

// TestWordsWithoutTheApp: package catalog, and the mp CLI that prints from
// it, import neither the web app nor the gateway's backends (ADR 0111: mp
// imported all of package web for its words, and grew from 30 to 38 MB).
// Only direct imports are read; catalog's own list keeps the rest out.
func TestWordsWithoutTheApp(t *testing.T) {
	t.Parallel()
	testutil.NoImports(t, appImports, ".", "../cli")
}
