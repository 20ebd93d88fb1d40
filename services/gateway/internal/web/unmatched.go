package web

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/services/gateway/internal/apart"
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
	mentorLabels := fullMentors(res.GetUnmatched())
	ns, err := w.namesakesOf(ctx, p, ids, slices.Sorted(maps.Keys(mentorLabels)))
	if err != nil {
		return err
	}
	mentors := groupsApart(p, mentorLabels, ns.volunteers)
	var named []namesake
	for _, u := range res.GetUnmatched() {
		d.Rows = append(d.Rows, unmatchedRow{ID: u.GetParticipantId(), Name: u.GetParticipantName(), Municipality: muniLabel(u.GetMunicipalityCode()), Why: unmatchedWhy(p, u, mentors)})
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
// best first, with the points the pair would have had). marks marks a
// mentor with a namesake the caller may see, by volunteer id, as every
// list marks people (ADR 0200, 0211): "Maria Johansson (96 poäng)" named
// one of two Maria Johansson. A mentor is named "Förnamn Efternamn,
// Kommun", as the lists name people (ADR 0222).
func unmatchedWhy(p *page, u *gatewayv1.UnmatchedNewcomerView, marks map[string]string) string {
	reason := strings.ToLower(strings.TrimPrefix(u.GetReason().String(), "UNMATCHED_REASON_"))
	if len(u.GetMentors()) == 0 {
		return p.codeWord("m.unmatched.", reason)
	}
	names := make([]string, 0, len(u.GetMentors()))
	for _, m := range u.GetMentors() {
		name := apart.Named(m.GetName(), m.GetMunicipalityCode())
		if when := marks[m.GetVolunteerId()]; when != "" && name != "" {
			name += " (" + when + ")"
		}
		names = append(names, catalog.Mentor(p.Lang, name, m.GetScore(), m.GetHeldByProposals(), m.GetHeldByPairs(), m.GetHeldByThisJob()))
	}
	return p.tf("m.unmatched.mentors_full_named", "Mentors", strings.Join(names, ", "))
}

// fullMentors labels the full mentors a page of newcomers left out names,
// by volunteer id, "Förnamn Efternamn, Kommun" as the reason shows them:
// an UnmatchedMentor carries no registration time, so they are marked
// from their namesakes' groups (groupsApart), as the mailbox's recipients
// are (ADR 0209). By name alone (before ADR 0222) a group of one name in
// two municipalities was told apart together.
func fullMentors(us []*gatewayv1.UnmatchedNewcomerView) map[string]string {
	label := map[string]string{}
	for _, u := range us {
		for _, m := range u.GetMentors() {
			if m.GetVolunteerId() != "" && m.GetName() != "" {
				label[m.GetVolunteerId()] = apart.Named(m.GetName(), m.GetMunicipalityCode())
			}
		}
	}
	return label
}
