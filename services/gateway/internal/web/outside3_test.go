package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// Findings of the s23 outside round (ADR 0122), one test each.

// renderPage renders the whole page name for p, as the handler would.
func renderPage(t *testing.T, p *page, name string) string {
	t.Helper()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := w.render(rec, p, 200, name); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String()
}

// TestGuideAssignMunicipalitiesByName: the guides' job form named the
// coordinator's municipalities "0180 Stockholm", code first, where the
// mentoring and every other form say "Stockholm".
func TestGuideAssignMunicipalitiesByName(t *testing.T) {
	t.Parallel()
	p := benchPage()
	p.Data = &guideAssignData{Available: true, Munis: []string{"0180", "0380"}}
	body := renderPage(t, p, "guides_assign")
	for _, want := range []string{`<label for="m-0180">Stockholm</label>`, `<label for="m-0380">Uppsala</label>`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in the guides' job form", want)
		}
	}
	if strings.Contains(body, "0180 Stockholm") {
		t.Error("the guides' job form shows the municipality code")
	}
}
