package web

import (
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

// data is what the matching page's template reads, built from the
// fixture as matchingData builds it from the services' answers.
func (f matchingFixture) data(p *page) *matchingData {
	d := &matchingData{Available: true, RequestID: "0193c000-0000-7000-8000-000000000000", Munis: p.User.GetMunicipalityCodes()}
	matchingRows(p, d, f.jobs, func(j *mentoringv1.Job) string { return f.startedBy[j.GetId()] }, f.proposals, f.pairs, pageNamesakes{})
	d.ProposalPager = pager{Range: "1–50 av 131", Next: "?page_token=x&at=50#proposals"}
	d.PairPager = pager{Range: "1–50 av 77", Next: "?pairs_page_token=y&pairs_at=50#pairs"}
	return d
}
