package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/services/gateway/internal/assets"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
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

// TestGroupedNumbers: a matching job's score was written "28201 poäng";
// Swedish groups thousands with a space, English with a comma.
func TestGroupedNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang string
		in   int64
		want string
	}{
		{"sv", 7, "7"}, {"sv", 999, "999"}, {"sv", 1000, "1\u00a0000"}, {"sv", 28201, "28\u00a0201"},
		{"sv", 1234567, "1\u00a0234\u00a0567"}, {"sv", -28201, "-28\u00a0201"}, {"en", 28201, "28,201"}, {"en", 100000, "100,000"},
	} {
		if got := grouped(&page{Lang: tc.lang}, tc.in); got != tc.want {
			t.Errorf("grouped(%s, %d) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

// TestMatchingPagersNamedApart: the matching page pages its proposals and
// its pairs; both pagers were navigation landmarks called "Sidor", which
// axe reports (landmark-unique) and a screen reader lists as two alike.
func TestMatchingPagersNamedApart(t *testing.T) {
	t.Parallel()
	f := newMatchingFixture()
	p := benchPage()
	p.Data = f.data(p)
	body := renderPage(t, p, "matching")
	for _, want := range []string{`<nav class="pager" aria-label="Sidor: Förslag att granska">`, `<nav class="pager" aria-label="Sidor: Par">`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s on the matching page", want)
		}
	}
}

// TestNarrowScreenFieldsets: on a 375 px screen (a phone) the newcomer
// and volunteer forms measured 380 px in the round's first walk, the
// message settings' fieldset the widest (a fieldset keeps the min-content
// width of its selects by default); later walks measured 375, so the
// cause is not confirmed. The style sheet lets a fieldset and a field's
// select shrink to the screen, the standard guard.
func TestNarrowScreenFieldsets(t *testing.T) {
	t.Parallel()
	css, err := assets.Static().Read("app.css")
	if err != nil {
		t.Fatal(err)
	}
	rules := strings.ReplaceAll(string(css), " ", "")
	for _, want := range []string{"fieldset{min-width:0;}", ".fieldselect{max-width:100%;}"} {
		if !strings.Contains(rules, want) {
			t.Errorf("app.css has no %q", want)
		}
	}
}

// TestNarrowScreenInlineForms: the guide assignments' decline form (who,
// why, the button) is an inline form that did not wrap: 396 px wide on a
// 375 px screen (measured in the round's browser check; 375 with the rule).
func TestNarrowScreenInlineForms(t *testing.T) {
	t.Parallel()
	css, err := assets.Static().Read("app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(css), "\n") {
		if strings.HasPrefix(line, ".inline {") {
			if !strings.Contains(line, "flex-wrap:wrap") || !strings.Contains(line, "max-width:100%") {
				t.Errorf("an inline form does not wrap on a narrow screen: %s", line)
			}
			return
		}
	}
	t.Error("app.css has no .inline rule")
}

// TestNarrowScreenMessageText: a mailbox message's text is a <pre>; its
// lines and the answer link did not wrap, so the page scrolled sideways
// on a 375 px screen (scrollWidth 844 in the round's browser check, 375
// with the rule).
func TestNarrowScreenMessageText(t *testing.T) {
	t.Parallel()
	css, err := assets.Static().Read("app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(css), "\n") {
		if strings.HasPrefix(line, ".message-text {") {
			if !strings.Contains(line, "white-space:pre-wrap") || !strings.Contains(line, "overflow-wrap:anywhere") {
				t.Errorf("a message's text does not wrap: %s", line)
			}
			return
		}
	}
	t.Error("app.css has no .message-text rule")
}

// TestJobFormMunicipalityErrorAtField: a coordinator who unticked every
// municipality and started a matching or guides job got the summary
// "Kommuner: välj minst en kommun" linking to #f-municipality_codes, an
// id only the admin's text field has, and no error by the checkboxes.
func TestJobFormMunicipalityErrorAtField(t *testing.T) {
	t.Parallel()
	const msg = "välj minst en kommun"
	for _, name := range []string{"matching", "guides_assign"} {
		p := benchPage()
		p.Errors = map[string]string{"municipality_codes": msg}
		if name == "matching" {
			p.Data = newMatchingFixture().data(p)
		} else {
			p.Data = &guideAssignData{Available: true, Munis: []string{"0180", "0380"}}
		}
		body := renderPage(t, p, name)
		for _, want := range []string{
			`<fieldset id="f-municipality_codes" class="invalid" aria-describedby="e-municipality_codes">`,
			`<p class="error" id="e-municipality_codes">` + msg + `</p>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %s", name, want)
			}
		}
	}
}

// TestCountsGroupedOnReportAndOverview: the funder's report and the
// overview wrote "Registrerade nyanlända: 2000"; Swedish groups the
// thousands ("2 000").
func TestCountsGroupedOnReportAndOverview(t *testing.T) {
	t.Parallel()
	p := benchPage()
	p.Data = &reportData{Report: &core.Report{Participants: 2000, Volunteers: 600}}
	if body := renderPage(t, p, "reports"); !strings.Contains(body, "<strong>2\u00a0000</strong>") {
		t.Errorf("the report does not group 2000:\n%s", body)
	}
	p = benchPage()
	// Every tile, the waiting count of ADR 0172 included: an admin's
	// overview read "2 002 Registrerade nyanlända" above "1122 Nyanlända
	// som väntar på mentor" (outside round s31).
	p.Data = &core.Dashboard{Newcomers: 12345, Volunteers: 600, Mentoring: true, Waiting: 1122, OpenProposals: 2345, NoCheckIn: 1001}
	body := renderPage(t, p, "dashboard")
	for _, want := range []string{"12\u00a0345", "1\u00a0122", "2\u00a0345", "1\u00a0001"} {
		if !strings.Contains(body, `<span class="num">`+want+`</span>`) {
			t.Errorf("the overview does not group %q:\n%s", want, body)
		}
	}
}
