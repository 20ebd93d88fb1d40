package web

import (
	"net/http"
	"strings"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// unmatchedPageSize is how many newcomers left out one page lists.
const unmatchedPageSize = 50

// unmatchedData is the page of the newcomers a matching job left without
// a proposal: the job's "333 utan förslag" made into names and reasons, so
// a coordinator can follow the people left out up (ADR 0137).
type unmatchedData struct {
	Job jobRow
	// Rows are the newcomers of this page.
	Rows  []unmatchedRow
	Pager pager
	// Pending says why there is no list yet: the job still runs, or it
	// failed ("" for a finished job).
	Pending string
	// Free says how to free places open proposals hold, nil when none
	// does.
	Free *freeHint
}

// unmatchedRow is one newcomer left out, in words. Apart says when they
// were registered, only beside a namesake in the same municipality on
// the page (ADR 0132), so two "Hodan Ahmadi" can be followed up apart.
type unmatchedRow struct {
	ID, Name, Municipality, Why, Apart string
}

// unmatched shows the newcomers job id left without a proposal, and why.
func (w *Web) unmatched(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("m.unmatched.title"), "matching"
	ctx := r.Context()
	j, err := w.g.GetJob(ctx, p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &unmatchedData{Job: newJobRow(p, j, w.starters.get(ctx, w.g, j))}
	if d.Pending = unmatchedPending(p, d.Job); d.Pending != "" {
		p.Data = d
		return w.render(rw, p, http.StatusOK, "unmatched")
	}
	res, err := w.g.ListUnmatchedNewcomers(ctx, p.caller, &gatewayv1.ListUnmatchedNewcomersRequest{JobId: j.GetId(), PageSize: unmatchedPageSize,
		PageToken: r.URL.Query().Get("page_token")})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.GetUnmatched()))
	for _, u := range res.GetUnmatched() {
		ids = append(ids, u.GetParticipantId())
	}
	ns, err := w.namesakesOf(ctx, p, ids, nil)
	if err != nil {
		return err
	}
	var named []namesake
	for _, u := range res.GetUnmatched() {
		d.Rows = append(d.Rows, unmatchedRow{ID: u.GetParticipantId(), Name: u.GetParticipantName(), Municipality: muniLabel(u.GetMunicipalityCode()), Why: unmatchedWhy(p, u)})
		if u.GetParticipantName() != "" {
			named = append(named, namesake{ID: u.GetParticipantId(), Label: u.GetParticipantName() + ", " + u.GetMunicipalityCode(), Registered: u.GetParticipantRegistered()})
		}
	}
	apart := apartWords(p, besides(named, ns.participants))
	for i := range d.Rows {
		d.Rows[i].Apart = apart[d.Rows[i].ID]
	}
	d.Free = newFreeHint(p, "mentoring", mentorsHeldByProposals(res.GetUnmatched()))
	d.Pager = newPager(p, r, "", "", unmatchedPageSize, len(res.GetUnmatched()), res.GetTotalSize(), res.GetNextPageToken())
	p.Data = d
	return w.render(rw, p, http.StatusOK, "unmatched")
}

// unmatchedPending is why job has no list of those it left out yet, in
// the page's words, or "" when it finished: a job still running showed
// an error page, "Något gick fel: matchningen har inte blivit klar"
// (ADR 0143), for a list that comes in a moment.
func unmatchedPending(p *page, job jobRow) string {
	switch {
	case job.Done:
		return ""
	case job.Failed:
		return p.t("m.unmatched.failed")
	}
	return p.tf("m.unmatched.running", "State", job.RowState)
}

// unmatchedWhy is why a newcomer got no proposal, in the page's language:
// no mentor the rules allow, or the mentors who would do are taken (named,
// best first, with the points the pair would have had).
func unmatchedWhy(p *page, u *gatewayv1.UnmatchedNewcomerView) string {
	reason := strings.ToLower(strings.TrimPrefix(u.GetReason().String(), "UNMATCHED_REASON_"))
	if len(u.GetMentors()) == 0 {
		return p.codeWord("m.unmatched.", reason)
	}
	names := make([]string, 0, len(u.GetMentors()))
	for _, m := range u.GetMentors() {
		names = append(names, catalog.Mentor(p.Lang, m.GetName(), m.GetScore(), m.GetHeldByProposals(), m.GetHeldByPairs(), m.GetHeldByThisJob()))
	}
	return p.tf("m.unmatched.mentors_full_named", "Mentors", strings.Join(names, ", "))
}
