package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// matchingFixture is a realistic /matching page as the services return
// it: ten jobs in the history (the newest still running), a page of 50
// proposals with the engine's seven score parts, three alternatives and
// what the two share, and a page of 50 offered or active pairs.
type matchingFixture struct {
	jobs             []*mentoringv1.Job
	startedBy        map[string]string
	proposals, pairs []*gatewayv1.PairView
}

func newMatchingFixture() matchingFixture {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	f := matchingFixture{startedBy: map[string]string{}}
	for i := range 10 {
		j := &mentoringv1.Job{Id: fmt.Sprintf("0193a000-0000-7000-8000-%012d", i), OrganisationId: "org-1",
			MunicipalityCodes: []string{"0180", "0380"}, State: mentoringv1.JobState_JOB_STATE_SUCCEEDED, ProgressPercent: 100,
			Phase: "done", CreateTime: timestamppb.New(at.Add(-time.Duration(i) * time.Hour)), Objective: 41230, Bound: 41230,
			Counts: &mentoringv1.JobCounts{Newcomers: 266, Mentors: 140, Proposals: 131, Unmatched: 135}}
		if i == 0 {
			j.State, j.ProgressPercent, j.Phase = mentoringv1.JobState_JOB_STATE_RUNNING, 45, "solve"
		}
		if i == 3 {
			j.Bound = 41300
		}
		f.jobs = append(f.jobs, j)
		f.startedBy[j.GetId()] = "Anna Andersson"
	}
	rules := []string{"language", "interests", "municipality", "county", "availability", "gender", "age"}
	view := func(i int, st eventsv1.PairStatus) *gatewayv1.PairView {
		pr := &mentoringv1.Pair{Id: fmt.Sprintf("0193b000-0000-7000-8000-%012d", i), JobId: f.jobs[1].GetId(), OrganisationId: "org-1",
			MunicipalityCode: "0180", ParticipantId: fmt.Sprintf("p-%d", i), VolunteerId: fmt.Sprintf("v-%d", i), Status: st,
			Score: int32(300 - i), RulesVersion: "2026-11", ProposeTime: timestamppb.New(at), LastCheckInDate: "2026-11-20", NeedsFollowUp: i%7 == 0}
		for k, r := range rules {
			pr.ScoreParts = append(pr.ScoreParts, &mentoringv1.ScorePart{Rule: r, Points: int32(40 - 5*k)})
		}
		for k := range 3 {
			pr.Alternatives = append(pr.Alternatives, &mentoringv1.Candidate{VolunteerId: fmt.Sprintf("v-%d-%d", i, k), Score: int32(250 - k),
				Parts: pr.GetScoreParts()[:4]})
		}
		return &gatewayv1.PairView{Pair: pr, ParticipantName: fmt.Sprintf("Amina Hassan %d", i), VolunteerName: fmt.Sprintf("Astrid Lindqvist %d", i),
			SharedLanguages: []string{"ar", "sv"}, SharedInterests: []string{"trädgård", "fotboll", "matlagning"}, VolunteerMunicipalityCode: "0180"}
	}
	for i := range 50 {
		f.proposals = append(f.proposals, view(i, eventsv1.PairStatus_PAIR_STATUS_PROPOSED))
		st := eventsv1.PairStatus_PAIR_STATUS_ACTIVE
		if i%3 == 0 {
			st = eventsv1.PairStatus_PAIR_STATUS_OFFERED
		}
		f.pairs = append(f.pairs, view(100+i, st))
	}
	return f
}

// benchPage is a coordinator's Swedish page, as wrap makes it.
func benchPage() *page {
	return &page{Lang: "sv", Dir: "ltr", Title: "Matchning", Nav: "matching", CSRF: "csrf-token",
		User: &gatewayv1.User{Email: "anna@example.org", DisplayName: "Anna Andersson", Role: gatewayv1.Role_ROLE_COORDINATOR,
			OrganisationId: "org-1", MunicipalityCodes: []string{"0180", "0380"}},
		Errors: map[string]string{}}
}

// BenchmarkMatchingPage renders the /matching page of the fixture, from
// the services' answers to the HTML written (building what the template
// reads is part of it).
func BenchmarkMatchingPage(b *testing.B) {
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	f := newMatchingFixture()
	rec := httptest.NewRecorder()
	p := benchPage()
	p.Data = f.data(p)
	if err := w.render(rec, p, 200, "matching"); err != nil {
		b.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), "Amina Hassan 49") || !strings.Contains(rec.Body.String(), "Astrid Lindqvist 149") {
		b.Fatal("the page lacks its rows")
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		rec := httptest.NewRecorder()
		p := benchPage()
		p.Data = f.data(p)
		if err := w.render(rec, p, 200, "matching"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
}
