package catalog

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// appImports are the packages the words must do without.
var appImports = []string{"/internal/web", "/internal/core", "/internal/backend", "nats.go", "go-redis", "html/template"}

// TestWordsWithoutTheApp: package catalog, and the mp CLI that prints from
// it, import neither the web app nor the gateway's backends (ADR 0111: mp
// imported all of package web for its words, and grew from 30 to 38 MB).
// Only direct imports are read; catalog's own list keeps the rest out.
func TestWordsWithoutTheApp(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "../cli"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
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
				for _, b := range appImports {
					if strings.Contains(imp.Path.Value, b) {
						t.Errorf("%s imports %s", f, imp.Path.Value)
					}
				}
			}
		}
	}
}
