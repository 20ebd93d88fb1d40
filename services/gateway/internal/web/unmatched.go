package web

import (
	"net/http"
	"strings"

	"github.com/motesplats/motesplats/services/gateway/internal/core"
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
}

// unmatchedRow is one newcomer left out, in words.
type unmatchedRow struct {
	ID, Name, Municipality, Why string
}

// unmatched shows the newcomers job id left without a proposal, and why.
func (w *Web) unmatched(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("m.unmatched.title"), "matching"
	ctx := r.Context()
	j, err := w.g.GetJob(ctx, p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	rows, total, next, err := w.g.ListUnmatched(ctx, p.caller, j.GetId(), unmatchedPageSize, r.URL.Query().Get("page_token"))
	if err != nil {
		return err
	}
	d := &unmatchedData{Job: newJobRow(p, j, w.starters.get(ctx, w.g, j))}
	for _, u := range rows {
		d.Rows = append(d.Rows, unmatchedRow{ID: u.ParticipantID, Name: u.ParticipantName, Municipality: muniLabel(u.MunicipalityCode), Why: unmatchedWhy(p, u)})
	}
	d.Pager = newPager(p, r, "", "", unmatchedPageSize, len(rows), total, next)
	p.Data = d
	return w.render(rw, p, http.StatusOK, "unmatched")
}

// unmatchedWhy is why a newcomer got no proposal, in the page's language:
// no mentor the rules allow, or the mentors who would do are taken (named,
// best first, with the points the pair would have had).
func unmatchedWhy(p *page, u core.UnmatchedRow) string {
	reason := strings.ToLower(strings.TrimPrefix(u.Reason.String(), "UNMATCHED_REASON_"))
	if len(u.Mentors) == 0 {
		return p.codeWord("m.unmatched.", reason)
	}
	names := make([]string, 0, len(u.Mentors))
	for _, m := range u.Mentors {
		names = append(names, p.tf("m.unmatched.mentor", "Name", m.Name, "Score", m.Score))
	}
	return p.tf("m.unmatched.mentors_full_named", "Mentors", strings.Join(names, ", "))
}
