package server

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// TestForgetSetupLink: the setup-link file goes only when it holds a dead
// link: the token just used, or (at start, when no link works) any setup
// link. Another replica's newer link and a file that is no link stay
// (ADR 0218).
func TestForgetSetupLink(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		name, content, tok string
		gone               bool
	}{
		{"the link just used", "http://127.0.0.1:8080/setup?token=abc\n", "abc", true},
		{"the link just used, behind a public URL", "https://mp.example.org/mp/setup?token=abc\n", "abc", true},
		{"another replica's newer link", "http://127.0.0.1:8080/setup?token=newer\n", "abc", false},
		{"a link that only starts with the token", "http://127.0.0.1:8080/setup?token=abcd\n", "abc", false},
		{"any setup link at start, when none works", "http://127.0.0.1:8080/setup?token=old\n", "", true},
		{"a file that holds no link", "MP_ADMIN_EMAIL=a@example.org\n", "", false},
		{"another page's link", "http://127.0.0.1:8080/signin?token=abc\n", "abc", false},
		{"an empty file", "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "setup-link")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			forgetSetupLink(log, path, tt.tok)
			_, err := os.Stat(path)
			if gone := os.IsNotExist(err); gone != tt.gone {
				t.Errorf("removed %v, want %v", gone, tt.gone)
			}
		})
	}
	// No file, or none configured: nothing to do, nothing logged as wrong.
	forgetSetupLink(log, filepath.Join(t.TempDir(), "none"), "abc")
	forgetSetupLink(log, "", "abc")
}
