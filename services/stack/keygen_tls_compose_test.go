package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeygenNATSTLSAfterComposeMadeDirectories: docker compose started
// before keygen nats-tls makes an empty directory for each of the three
// files it mounts from ./certs (a missing bind mount's source is made as a
// directory). keygen nats-tls then said "has ca.crt or ca.key but not both
// ... is a directory: put the other back" (all three made), or Go's "open
// certs/tls.crt: is a directory" (the CA kept): neither says what made
// them or what to do (outside round s42, ADR 0233). It now names the
// directories, that compose made them, and the command that removes them.
func TestKeygenNATSTLSAfterComposeMadeDirectories(t *testing.T) {
	t.Parallel()
	for name, dirs := range map[string][]string{
		"all three":        {"ca.crt", "tls.crt", "tls.key"},
		"the server's two": {"tls.crt", "tls.key"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "certs")
			if len(dirs) == 2 {
				// A CA made before: a renewal that meets compose's directories.
				if err := keygen([]string{"nats-tls", "-dir", dir}, func(string) string { return "" }, &bytes.Buffer{}); err != nil {
					t.Fatal(err)
				}
				for _, f := range dirs {
					if err := os.Remove(filepath.Join(dir, f)); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, f := range dirs {
				if err := os.MkdirAll(filepath.Join(dir, f), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			err := keygen([]string{"nats-tls", "-dir", dir}, func(string) string { return "" }, &bytes.Buffer{})
			if err == nil {
				t.Fatal("keygen nats-tls over directories succeeded")
			}
			msg := err.Error()
			for _, want := range []string{"docker compose", "rmdir " + strings.Join(prefixed(dir, dirs), " "), "keygen nats-tls again"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the refusal does not say %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "put the other back") {
				t.Errorf("the refusal sends the reader to look for a lost key:\n%s", msg)
			}
		})
	}
}

func prefixed(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}
