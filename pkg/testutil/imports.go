package testutil

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// NoImports fails tb for each import of a non-test Go file in dirs whose
// path contains one of banned ("/internal/web", "net/http"). Packages that
// must stay small (the mp CLI's words, the consent texts) hold their line
// with it. Only direct imports are read: each package checks its own.
func NoImports(tb testing.TB, banned []string, dirs ...string) {
	tb.Helper()
	read := 0
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				tb.Fatal(err)
			}
			read++
			for _, imp := range af.Imports {
				for _, b := range banned {
					if strings.Contains(imp.Path.Value, b) {
						tb.Errorf("%s imports %s", f, imp.Path.Value)
					}
				}
			}
		}
	}
	// A moved folder would leave nothing to check and nothing to fail.
	if read == 0 {
		tb.Fatalf("no Go files in %v", dirs)
	}
}
