package main

import (
	"os"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/deploy/ops/layout"
)

// TestSetupLinkHintOnlyForALinkThere: make up names the setup-link file
// only while the gateway left a link in it; started again on a seeded or
// used stack (the gateway removed the file) it sent the operator to a
// file that was gone (outside round s45), and with MP_ADMIN_EMAIL no link
// is made at all.
func TestSetupLinkHintOnlyForALinkThere(t *testing.T) {
	dir := t.TempDir()
	none := func(string) string { return "" }
	if got := setupLinkHint(dir, none); got != "" {
		t.Errorf("no link file: got %q, want no line", got)
	}
	file := layout.SetupLinkFile(dir)
	if err := os.WriteFile(file, []byte("http://127.0.0.1/setup?token=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := setupLinkHint(dir, none); !strings.Contains(got, file) {
		t.Errorf("a link file: got %q, want a line naming %s", got, file)
	}
	admin := func(k string) string {
		if k == "MP_ADMIN_EMAIL" {
			return "admin@example.org"
		}
		return ""
	}
	if got := setupLinkHint(dir, admin); got != "" {
		t.Errorf("MP_ADMIN_EMAIL set: got %q, want no line", got)
	}
}
