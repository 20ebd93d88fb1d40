package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRefusedInterestIsNamed: an interest the service refuses is named
// beside the field and in the summary, as a refused language is. With
// five interests typed, "måste vara ett ord av små bokstäver ..." left
// the coordinator to guess which one (ADR 0231). Named as typed, in the
// page's language, on the newcomer and the volunteer form; nothing is
// registered.
func TestRefusedInterestIsNamed(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	e.coordinator(admin, "c@example.org", org, "0880")
	b := e.browser()
	b.signIn("c@example.org", password)
	b.get("/")
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		t.Fatalf("choosing Swedish: %d", code)
	}
	for _, path := range []string{"/participants", "/volunteers"} {
		b.get(path + "/new")
		code, body := b.post(path, url.Values{"given_name": {"Amina"}, "family_name": {"Refused"}, "municipality_code": {"0880"},
			"swedish_level": {"SWEDISH_LEVEL_SFI_A"}, "household_size": {"1"}, "interests": {"musik, Fot<boll!!, schack, musik"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422: %s", path, code, trim(body))
		}
		for _, tt := range []struct {
			want string
			n    int // beside the field (the field's first refusal) and in the summary
		}{
			{"måste vara ett ord av små bokstäver, siffror och &#39;-&#39;, högst 32 tecken (Fot&lt;boll!!)", 2},
			{"förekommer två gånger (musik)", 1},
		} {
			if n := strings.Count(body, tt.want); n != tt.n {
				t.Errorf("%s: %q %d times, want %d", path, tt.want, n, tt.n)
			}
		}
	}
	if _, body := b.get("/participants"); strings.Contains(body, "Refused") {
		t.Error("a refused form registered someone")
	}
}
