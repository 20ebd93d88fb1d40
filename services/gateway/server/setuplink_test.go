package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetupLinkFileGoesWhenDone: the setup-link file held a link that no
// longer works once the admin existed, for the operator to find (ADR
// 0214's link, 0218). Two gateways on one NATS announce one link, each in
// its own file. The form is sent to the second: its file is gone when the
// answer comes; the first gateway's stays until it starts again, and
// goes then; a replica started with a file that holds no link leaves it.
func TestSetupLinkFileGoesWhenDone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fileA, fileB, other := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "other")
	e := start(t, envOptions{noAdmin: true, out: &strings.Builder{}, setupFile: fileA})
	baseB := e.replica(fileB)
	tok := setupToken(t, fileB)
	if a := setupToken(t, fileA); a != tok {
		t.Fatalf("the gateways announced two links: %q and %q", a, tok)
	}
	b := e.browser()
	b.e = &env{t: t, base: baseB}
	if code, _ := b.get("/setup?token=" + tok); code != http.StatusOK {
		t.Fatalf("the link: %d", code)
	}
	if code, loc := b.post("/setup", url.Values{"token": {tok}, "display_name": {"Kim"}, "email": {"kim@example.org"},
		"password": {"kim-testar-123456"}}); code != http.StatusSeeOther {
		t.Fatalf("the form: %d %s", code, loc)
	}
	if _, err := os.Stat(fileB); !os.IsNotExist(err) {
		t.Errorf("the file of the gateway that made the admin is still there (%v)", err)
	}
	if _, err := os.Stat(fileA); err != nil {
		t.Errorf("the other gateway's file, before it starts again: %v", err)
	}
	// A start with no link open: the file's dead link goes; a file that
	// holds something else stays.
	e.replica(fileA)
	if _, err := os.Stat(fileA); !os.IsNotExist(err) {
		t.Errorf("a start after the setup left the dead link's file (%v)", err)
	}
	if err := os.WriteFile(other, []byte("not a link\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.replica(other)
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that holds no link: %v", err)
	}
}
