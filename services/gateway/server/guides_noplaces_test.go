package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminGuidesPageBeforeAnyGuidePlace: on a new system, before any
// guide organisation has a place, an administrator's guides page shows
// (with its rules form) instead of the service's refusal of an empty
// scope, "Rätta följande: Kommuner: ange minst en kommun." (found by the
// webflash round, s44: the rules form was out of reach until a guide
// organisation had capacity somewhere).
func TestAdminGuidesPageBeforeAnyGuidePlace(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		t.Fatalf("choose Swedish: %d", code)
	}
	for _, path := range []string{"/guides", "/guides/equity"} {
		code, page := b.get(path)
		text := strings.Join(strings.Fields(visibleText(page)), " ")
		if code != http.StatusOK || strings.Contains(text, "ange minst en kommun") {
			t.Errorf("%s before any guide place: %d %s", path, code, trim(text))
		}
		if path == "/guides" && !strings.Contains(page, `action="/guides/rules"`) {
			t.Errorf("/guides before any guide place has no rules form:\n%s", trim(text))
		}
	}
}
