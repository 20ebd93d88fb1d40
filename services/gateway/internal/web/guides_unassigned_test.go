package web

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLeftOutPageOfARunningJobFollowsIt: the page of those a guides job
// left without a guide, opened while the job runs, said "ladda om sidan om
// en stund"; it asks again every two seconds, as the job line does, until
// the job has ended, when the list replaces it (outside round s29). A
// failed job's page does not ask again.
func TestLeftOutPageOfARunningJobFollowsIt(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		running bool
		want    bool
	}{{true, true}, {false, false}} {
		p := benchPage()
		p.ctx = context.Background()
		p.Data = &guideUnassignedData{Job: guideJobView{ID: "j-1", Running: tt.running, Failed: !tt.running}, Pending: "Tilldelningen är inte klar."}
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, "guides_unassigned"); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		asks := strings.Contains(body, `hx-get="/guides/jobs/j-1/unassigned" hx-trigger="every 2s"`)
		if asks != tt.want || !strings.Contains(body, "Tilldelningen är inte klar.") {
			t.Errorf("running %v: asks again %v, want %v:\n%s", tt.running, asks, tt.want, body)
		}
		if strings.Contains(body, "ladda om") {
			t.Errorf("running %v: the page still says to reload it", tt.running)
		}
	}
}
