package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAdminPagesForbidCoordinators: every admin page answers a coordinator
// with the forbidden page (403) in the coordinator's language. The audit
// log's page answered 422 with its search form and the service's English
// "only admins may do this" as a field error, and the other admin pages
// showed that English sentence on the Swedish page (outside round,
// session 20).
func TestAdminPagesForbidCoordinators(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	e.coordinator(admin, "notadmin@example.org", org, "0880")
	b := e.browser()
	b.signIn("notadmin@example.org", password)
	b.swedish()
	for _, path := range []string{"/admin/users", "/admin/audit", "/admin/audit?user_id=x&from=2026-01-01T00:00"} {
		code, page := b.get(path)
		if code != http.StatusForbidden {
			t.Errorf("GET %s as a coordinator: %d, want 403: %s", path, code, trim(page))
		}
		if strings.Contains(page, "only admins") || !strings.Contains(page, "Bara administratörer") {
			t.Errorf("GET %s does not refuse in Swedish: %s", path, trim(page))
		}
	}
}
