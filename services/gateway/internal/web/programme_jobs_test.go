package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
)

// TestProgrammeJobsSayWhenAndWhere: the dinners and guides pages list
// their last jobs one under another; each says when it started (Stockholm
// time) and for which municipalities, by name, and only a job that
// proposed something links to proposals to review. They read "Förlopp
// 100 % klar" alike, and a job with none led to an empty list.
func TestProgrammeJobsSayWhenAndWhere(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	created := timestamppb.New(time.Date(2026, 12, 4, 14, 56, 0, 0, time.UTC))
	render := func(p *page, file, name string, data any) string {
		t.Helper()
		rec := httptest.NewRecorder()
		if err := w.fragment(rec, p, file, name, data); err != nil {
			t.Fatal(err)
		}
		return rec.Body.String()
	}
	for _, proposals := range []int64{0, 3} {
		p := benchPage()
		gj := &guidesv1.Job{Id: "g1", State: guidesv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, CreateTime: created,
			MunicipalityCodes: []string{"0180", "0380"}, Counts: map[string]int64{"proposals": proposals, "unassigned": 5}}
		dj := &dinnersv1.Job{Id: "d1", State: dinnersv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100, CreateTime: created,
			MunicipalityCodes: []string{"0180", "0380"}, Counts: &dinnersv1.JobCounts{Proposals: int32(proposals)}}
		for name, body := range map[string]string{
			"guides":  render(p, "guides_assign", "guidejob", newGuideJobView(p, gj)),
			"dinners": render(p, "dinners", "dinnerjob", newDinnerJobView(p, dj)),
		} {
			if !strings.Contains(body, "2026-12-04 15:56 · Stockholm, Uppsala</label>") {
				t.Errorf("%s job with %d proposals: no start and municipalities in its label:\n%s", name, proposals, body)
			}
			if got := strings.Contains(body, `class="review"`); got != (proposals > 0) {
				t.Errorf("%s job with %d proposals: link to review %v:\n%s", name, proposals, got, body)
			}
		}
	}
}
