package web

import (
	"net/http"
	"testing"
)

// TestFormPagesAreGetRoutes keeps formPages whole: every form a signed-in
// user sends (each POST route but sign-out) names the page it is on, that
// page is a GET route a sign-in may go back to, and no entry names a form
// the app no longer has (ADR 0185).
func TestFormPagesAreGetRoutes(t *testing.T) {
	w := &Web{}
	routes := w.Routes()
	w.pages = pageMux(routes)
	gets, posts := map[string]bool{}, map[string]bool{}
	for _, rt := range routes {
		switch {
		case rt.Method == http.MethodGet && !rt.Public && !rt.Token:
			gets[rt.Pattern] = true
		case rt.Method == http.MethodPost && !rt.Public && rt.Pattern != "/signout":
			posts[rt.Pattern] = true
		}
	}
	for p := range posts {
		page, ok := formPages[p]
		if !ok {
			t.Errorf("POST %s names no page to go back to after signing in again", p)
			continue
		}
		if !gets[page] {
			t.Errorf("POST %s goes back to %s, which is no page route", p, page)
		}
	}
	for p := range formPages {
		if !posts[p] {
			t.Errorf("formPages names POST %s, which the app does not serve", p)
		}
	}
	if len(posts) < 25 {
		t.Fatalf("only %d forms", len(posts))
	}
	// A page as the app writes it goes back; a download does not.
	if got := w.returnTo("/participants/0a-b_c"); got != "/participants/0a-b_c" {
		t.Errorf("a person's page: %q", got)
	}
	if got := w.returnTo("/guides/equity.csv"); got != "" {
		t.Errorf("a download: %q, want none", got)
	}
}
