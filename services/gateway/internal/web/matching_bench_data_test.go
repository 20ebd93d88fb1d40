package web

import (
	"strings"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// data is what the matching page's template reads, built from the
// fixture as matchingData builds it from the services' answers.
func (f matchingFixture) data(p *page) *matchingData {
	d := &matchingData{Available: true, RequestID: "0193c000-0000-7000-8000-000000000000", Munis: p.User.GetMunicipalityCodes()}
	for _, j := range f.jobs {
		names := make([]string, 0, len(j.GetMunicipalityCodes()))
		for _, c := range j.GetMunicipalityCodes() {
			names = append(names, muniLabel(c))
		}
		d.Jobs = append(d.Jobs, jobRow{jobView: newJobView(j), StartedBy: f.startedBy[j.GetId()], Scope: strings.Join(names, ", "),
			Optimal: j.GetState() == mentoringv1.JobState_JOB_STATE_SUCCEEDED && j.GetObjective() == j.GetBound()})
	}
	for i, j := range d.Jobs {
		if j.Running || i == 0 {
			d.Running = append(d.Running, j.jobView)
		}
	}
	d.Proposals, d.Pairs = f.proposals, f.pairs
	d.ProposalPager = pager{Range: "1–50 av 131", Next: "?page_token=x&at=50#proposals"}
	d.PairPager = pager{Range: "1–50 av 77", Next: "?pairs_page_token=y&pairs_at=50#pairs"}
	return d
}
