package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// TestJobTakenOverSaysSo (ADR 0199): a job whose runner died and which
// another replica took over (attempts 2) says so on each programme's job
// fragment, the one the page polls while it runs, in Swedish and English;
// once done its summary says it needed two attempts; a job on its first
// attempt says nothing of attempts.
func TestJobTakenOverSaysSo(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	render := func(p *page, file, name string, data any) string {
		t.Helper()
		rec := httptest.NewRecorder()
		if err := w.fragment(rec, p, file, name, data); err != nil {
			t.Fatal(err)
		}
		return textOf(rec.Body.String())
	}
	jobs := func(p *page, attempts int32, done bool) map[string]string {
		ms, ds, gs := mentoringv1.JobState_JOB_STATE_RUNNING, dinnersv1.JobState_JOB_STATE_RUNNING, guidesv1.JobState_JOB_STATE_RUNNING
		if done {
			ms, ds, gs = mentoringv1.JobState_JOB_STATE_SUCCEEDED, dinnersv1.JobState_JOB_STATE_SUCCEEDED, guidesv1.JobState_JOB_STATE_SUCCEEDED
		}
		mv := newJobView(p, &mentoringv1.Job{Id: "m1", State: ms, Phase: "solve", ProgressPercent: 60, Attempts: attempts,
			Counts: &mentoringv1.JobCounts{Proposals: 3}})
		mv.Poll = true // the polled fragment carries the history row's state too
		return map[string]string{
			"mentoring": render(p, "matching", "job", mv),
			"dinners": render(p, "dinners", "dinnerjob", newDinnerJobView(p, &dinnersv1.Job{Id: "d1", State: ds, Phase: "solve",
				ProgressPercent: 60, Attempts: attempts, Counts: &dinnersv1.JobCounts{Proposals: 3}})),
			"guides": render(p, "guides_assign", "guidejob", newGuideJobView(p, &guidesv1.Job{Id: "g1", State: gs, Phase: "solve",
				ProgressPercent: 60, Attempts: attempts, Counts: map[string]int64{"proposals": 3}})),
		}
	}
	for _, tc := range []struct {
		lang     string
		attempts int32
		done     bool
		want     string // "": no word of attempts
	}{
		{lang: "sv", attempts: 1, done: false},
		{lang: "sv", attempts: 1, done: true},
		{lang: "sv", attempts: 0, done: false}, // queued, never started
		{lang: "sv", attempts: 2, done: false, want: "Togs över efter ett avbrott (försök 2)"},
		{lang: "sv", attempts: 2, done: true, want: "Behövde 2 försök: togs över efter ett avbrott"},
		{lang: "en", attempts: 2, done: false, want: "Taken over after an interruption (attempt 2)"},
		{lang: "en", attempts: 3, done: true, want: "Needed 3 attempts: taken over after an interruption"},
	} {
		p := benchPage()
		p.Lang = tc.lang
		for name, body := range jobs(p, tc.attempts, tc.done) {
			if tc.want == "" {
				for _, word := range []string{"försök", "attempt", "Togs över", "Taken over"} {
					if strings.Contains(body, word) {
						t.Errorf("%s %s job, attempts %d: says %q:\n%s", tc.lang, name, tc.attempts, word, body)
					}
				}
				continue
			}
			want := 1 // the mentoring fragment says it twice: its bar and its history row
			if name == "mentoring" {
				want = 2
			}
			if got := strings.Count(body, tc.want); got != want {
				t.Errorf("%s %s job, attempts %d (done %v): says %q %d times, want %d:\n%s", tc.lang, name, tc.attempts, tc.done, tc.want, got, want, body)
			}
		}
	}
}
