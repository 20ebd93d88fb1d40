package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestMalformedIDNamesNothing: a job's id of 200 characters answered
// 422 "Postens id: är inget giltigt id." on the unseated page while "xyz"
// answered the 404 page, "Sidan eller posten hittades inte" (outside
// round s43, ADR 0240): two answers for one kind of wrong address. An
// address's id that names nothing, whatever its length or form, now
// answers as "xyz" does, on the job pages of the three programmes, a
// record's page and a form's post.
func TestMalformedIDNamesNothing(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Fel adresser", "0180")
	e.coordinator(admin, "feladress@example.org", org, "0180")
	b := e.swedishBrowser("feladress@example.org")
	malformed := []string{
		strings.Repeat("a", 200), strings.Repeat("7", 65), "a.b", "a%2Fb", "%E2%80%AEabc", "a%20b", "j%C3%B6b", "a*",
	}
	for _, page := range []string{"/dinners/jobs/%s/unseated", "/dinners/jobs/%s", "/matching/jobs/%s/unmatched",
		"/guides/jobs/%s/unassigned", "/participants/%s"} {
		code, body := b.get(strings.Replace(page, "%s", "xyz", 1))
		want := trim(visibleText(mainOf(body)))
		if code != http.StatusNotFound || !strings.Contains(want, "hittades inte") {
			t.Fatalf("%s with xyz: %d %s, want the 404 page", page, code, want)
		}
		for _, id := range malformed {
			path := strings.Replace(page, "%s", id, 1)
			code, body := b.get(path)
			if got := trim(visibleText(mainOf(body))); code != http.StatusNotFound || got != want {
				t.Errorf("%s: %d %q, want 404 %q as for xyz", trim(path), code, got, want)
			}
		}
	}
	for _, id := range malformed {
		path := "/pairs/" + id + "/approve"
		if code, body := b.post(path, nil); code != http.StatusNotFound || !strings.Contains(visibleText(mainOf(body)), "hittades inte") {
			t.Errorf("post %s: %d %s, want the 404 page", trim(path), code, trim(visibleText(mainOf(body))))
		}
	}
}
