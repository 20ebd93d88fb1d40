package web

import (
	"context"
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// TestDinnerUnseatedPagePending: the unseated page of a dinners job still
// running says so, with the job's state, and asks again until the list
// comes; a failed job's says there is no list; a finished job's has no
// such line (ADR 0232, as TestUnmatchedPagePending for mentoring's).
func TestDinnerUnseatedPagePending(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang  string
		state dinnersv1.JobState
		want  []string
	}{
		{"sv", dinnersv1.JobState_JOB_STATE_RUNNING, []string{"Körningen är inte klar (", "Sällskapen som blir utan plats visas här så snart den är klar",
			`hx-get="/dinners/jobs/j-1/unseated" hx-trigger="every 2s"`}},
		{"sv", dinnersv1.JobState_JOB_STATE_QUEUED, []string{"Körningen är inte klar ("}},
		{"sv", dinnersv1.JobState_JOB_STATE_FAILED, []string{"Körningen misslyckades, så ingen lista finns."}},
		{"en", dinnersv1.JobState_JOB_STATE_RUNNING, []string{"The job is not done (", "shown here as soon as it is"}},
		{"sv", dinnersv1.JobState_JOB_STATE_SUCCEEDED, nil},
	} {
		p := benchPage()
		p.Lang, p.ctx = tc.lang, context.Background()
		job := newDinnerJobView(p, &dinnersv1.Job{Id: "j-1", State: tc.state, ProgressPercent: 40})
		p.Data = &dinnerUnseatedData{Job: job, Pending: dinnerUnseatedPending(p, job)}
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, "dinners_unseated"); err != nil {
			t.Fatal(err)
		}
		body := html.UnescapeString(rec.Body.String())
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s, %s: the page lacks %q", tc.lang, tc.state, want)
			}
		}
		if done := tc.state == dinnersv1.JobState_JOB_STATE_SUCCEEDED; done != strings.Contains(body, "Inget sällskap blev utan plats") {
			t.Errorf("%s, %s: the empty list's line shown %v, want %v", tc.lang, tc.state, !done, done)
		}
	}
}
