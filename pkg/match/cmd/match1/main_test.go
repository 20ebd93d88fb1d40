package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name     string
		instance string
		wantLine string // regexp for the printed line
		wantFile string // matching file, "" to skip
		wantErr  string
	}{
		{
			name:     "unit",
			instance: "p match 2 2 3\nh 0 1\nh 1 1\ne 0 0 5\ne 0 1 3\ne 1 0 7\n",
			wantLine: `^objective=10 matched=2 solve_s=[0-9.]+\n$`,
			wantFile: "s 10\nm 0 1\nm 1 0\n",
		},
		{
			name:     "households print a bound",
			instance: "p match 2 1 2\nn 0 2\nn 1 1\nh 0 2\ne 0 0 5\ne 1 0 4\n",
			wantLine: `^objective=5 matched=1 solve_s=[0-9.]+ bound=6\n$`,
		},
		{
			name:     "syntax error names the line",
			instance: "p match 1 1 1\nh 0 1\ne 0 0 zero\n",
			wantErr:  "line 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".txt")
			out := in + ".out"
			if err := os.WriteFile(in, []byte(tt.instance), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			err := run([]string{"-o", out, in}, &stdout)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(tt.wantLine).MatchString(stdout.String()) {
				t.Fatalf("got %q, want %s", stdout.String(), tt.wantLine)
			}
			if tt.wantFile != "" {
				got, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.wantFile {
					t.Fatalf("matching file %q, want %q", got, tt.wantFile)
				}
			}
		})
	}
}
