package testutil

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestNoImports: a file importing a banned path is reported, test files
// are not read, and a folder without Go files fails rather than passes.
func TestNoImports(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, src string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.go", "package a\n\nimport (\n\t\"net/http\"\n\t\"strings\"\n)\n")
	write("a_test.go", "package a\n\nimport \"html/template\"\n")
	r := &recorder{TB: t}
	NoImports(r, []string{"net/http", "html/template"}, dir)
	if len(r.errs) != 1 || r.errs[0] != filepath.Join(dir, "a.go")+` imports "net/http"` {
		t.Errorf("reported %q, want a.go's net/http only", r.errs)
	}
	r = &recorder{TB: t}
	NoImports(r, []string{"strings2"}, dir)
	if len(r.errs) != 0 {
		t.Errorf("reported %q for an allowed import", r.errs)
	}
	r = &recorder{TB: t}
	NoImports(r, []string{"net/http"}, t.TempDir())
	if !r.fatal {
		t.Error("an empty folder passed")
	}
}

// recorder is a testing.TB that keeps what it is told is wrong, so a
// check can be shown to fail.
type recorder struct {
	testing.TB
	errs  []string
	fatal bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = true }

func (r *recorder) Fatal(args ...any) { r.fatal = true }
