package consent

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestTextsWithoutTheApp: package consent imports neither the web app,
// the backends nor templates, so mp, which records and prints the texts,
// stays as small as ADR 0111 made it (the page is package consentpage).
func TestTextsWithoutTheApp(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			for _, banned := range []string{"/internal/web", "/internal/core", "/internal/backend", "nats.go", "go-redis", "html/template", "net/http"} {
				if strings.Contains(imp.Path.Value, banned) {
					t.Errorf("%s imports %s", f, imp.Path.Value)
				}
			}
		}
	}
}
