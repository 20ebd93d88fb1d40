package consent

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestTextsWithoutTheApp: package consent imports neither the web app,
// the backends nor templates, so mp, which records and prints the texts,
// stays as small as ADR 0111 made it (the page is package consentpage).
func TestTextsWithoutTheApp(t *testing.T) {
	t.Parallel()
	testutil.NoImports(t, []string{"/internal/web", "/internal/core", "/internal/backend", "nats.go", "go-redis", "html/template", "net/http"}, ".")
}
