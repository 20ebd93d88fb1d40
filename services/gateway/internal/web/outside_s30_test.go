package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestProposalsReloadWhenAJobEnds: on the dinners and guides pages a job
// started from the page ended "100 % klar · 215 förslag · Granska
// förslagen" above a proposals section still saying "Inga förslag att
// granska just nu" until the page was reloaded (outside round s30); the
// matching page has reloaded its proposals since issue 12. Every
// programme's page now listens for the end its job line reports, and
// reloads the proposals of the job the address names.
func TestProposalsReloadWhenAJobEnds(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tmpl string
		data any
		want string
	}{
		{"dinners", &dinnersMatchingData{Available: true}, `hx-get="/dinners" hx-trigger="jobDone from:body" hx-select="#proposals" hx-target="#proposals"`},
		{"dinners", &dinnersMatchingData{Available: true, Job: "j-1"}, `hx-get="/dinners?job=j-1" hx-trigger="jobDone from:body" hx-select="#proposals" hx-target="#proposals"`},
		{"guides_assign", &guideAssignData{Available: true}, `hx-get="/guides/assign" hx-trigger="jobDone from:body" hx-select="#proposals" hx-target="#proposals"`},
		{"guides_assign", &guideAssignData{Available: true, JobID: "j-1"}, `hx-get="/guides/assign?job=j-1" hx-trigger="jobDone from:body" hx-select="#proposals" hx-target="#proposals"`},
	} {
		p := benchPage()
		p.ctx = context.Background()
		p.Data = tt.data
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, tt.tmpl); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		if !strings.Contains(body, tt.want) || !strings.Contains(body, `<section id="proposals">`) {
			t.Errorf("%s: no reload of the proposals when a job ends, want %s", tt.tmpl, tt.want)
		}
	}
	// The job line's answer says when the job has ended, and only then.
	for _, done := range []bool{true, false} {
		rec := httptest.NewRecorder()
		jobDone(rec, done)
		if got := rec.Header().Get("HX-Trigger") == "jobDone"; got != done {
			t.Errorf("done %v: HX-Trigger %q", done, rec.Header().Get("HX-Trigger"))
		}
	}
}

// TestNoPairsSaySo: the matching page's pairs section, before any
// proposal was approved, was a table of headers with no row and no word
// (outside round s30); it says there are none yet, and how one comes.
func TestNoPairsSaySo(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := newMatchingFixture()
	for _, tt := range []struct {
		name  string
		pairs bool
	}{{"no pairs", false}, {"pairs", true}} {
		p := benchPage()
		p.ctx = context.Background()
		d := f.data(p)
		if !tt.pairs {
			d.Pairs, d.PairPager = nil, pager{}
		}
		if len(d.Pairs) == 0 == tt.pairs {
			t.Fatalf("%s: the fixture has %d pairs", tt.name, len(d.Pairs))
		}
		p.Data = d
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, "matching"); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		i := strings.Index(body, `<section id="pairs">`)
		if i < 0 {
			t.Fatalf("%s: no pairs section", tt.name)
		}
		pairs := body[i:]
		says, table := strings.Contains(pairs, "Inga par ännu"), strings.Contains(pairs, "<table>")
		if says == tt.pairs || table != tt.pairs {
			t.Errorf("%s: says none %v, table %v:\n%s", tt.name, says, table, pairs[:min(len(pairs), 600)])
		}
	}
}
