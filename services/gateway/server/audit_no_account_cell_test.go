package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAuditNoAccountRowHasNoEmptyUser: a sign-in refused for an address
// no account has is in the audit log without a user, and its row on the
// audit page says so in words ("inget konto") without an empty code
// element where a user's id would be (ADR 0227's finding: the row showed
// `<code></code>`).
func TestAuditNoAccountRowHasNoEmptyUser(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	stranger := e.browser()
	stranger.get("/signin")
	if code, _ := stranger.post("/signin", url.Values{"email": {"ingen@example.org"}, "password": {"fel-losenord-1234"}}); code != http.StatusUnauthorized {
		t.Fatalf("a sign-in at an address no account has: %d", code)
	}
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	var page string
	// The refusal is written off the answer's path (ADR 0221).
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if _, page = b.get("/admin/audit"); !strings.Contains(page, "inget konto") {
			return errors.New("the refusal is not on the audit page")
		}
		return nil
	})
	if strings.Contains(page, "<code></code>") {
		t.Errorf("a row without a user shows an empty user cell's code: %s", trim(page))
	}
}
