package web

import (
	"context"
	"html"
	"net/http/httptest"
	"strings"
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestUnmatchedPagePending: the left-out page of a job still running says
// so, with the job's state, and that the list comes when it is done; a
// failed job's says there is no list. It was an error page ("Något gick
// fel: matchningen har inte blivit klar", ADR 0143). A finished job's
// page has no such line.
func TestUnmatchedPagePending(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang  string
		state mentoringv1.JobState
		want  []string
	}{
		{"sv", mentoringv1.JobState_JOB_STATE_RUNNING, []string{"Körningen är inte klar (pågår (40 %))", "visas här så snart den är klar", `hx-get="/matching/jobs/j-1/unmatched" hx-trigger="every 2s"`}},
		{"sv", mentoringv1.JobState_JOB_STATE_QUEUED, []string{"Körningen är inte klar ("}},
		{"sv", mentoringv1.JobState_JOB_STATE_FAILED, []string{"Körningen misslyckades, så ingen lista finns."}},
		{"en", mentoringv1.JobState_JOB_STATE_RUNNING, []string{"The job is not done (", "shown here as soon as it is"}},
		{"sv", mentoringv1.JobState_JOB_STATE_SUCCEEDED, nil},
	} {
		p := benchPage()
		p.Lang, p.ctx = tc.lang, context.Background()
		job := newJobRow(p, &mentoringv1.Job{Id: "j-1", State: tc.state, ProgressPercent: 40}, "")
		p.Data = &unmatchedData{Job: job, Pending: unmatchedPending(p, job)}
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, "unmatched"); err != nil {
			t.Fatal(err)
		}
		body := html.UnescapeString(rec.Body.String())
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s, %s: the page lacks %q", tc.lang, tc.state, want)
			}
		}
		if done := tc.state == mentoringv1.JobState_JOB_STATE_SUCCEEDED; done != strings.Contains(body, "Ingen blev utan förslag") {
			t.Errorf("%s, %s: the empty list's line shown %v, want %v", tc.lang, tc.state, !done, done)
		}
	}
}
