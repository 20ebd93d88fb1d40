package web

import (
	"net/http"
	"strings"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// unseatedPageSize is how many parties left without a seat one page
// lists: one BatchGetParticipantNames names them (the gateway asks 200 a
// call, ADR 0228).
const unseatedPageSize = 50

// dinnerUnseatedData is the page of the parties a dinners job left without
// a seat: the job line's "53 sällskap utan plats" made into names and
// reasons, as mentoring's left-out page (ADR 0137) and guides' unassigned
// page (ADR 0158) are (ADR 0232).
type dinnerUnseatedData struct {
	Job dinnerJobView
	// When is the job's start and municipalities ("2026-12-05 08:21 ·
	// Stockholm"), as the other left-out pages name their job.
	When string
	// Rows are the parties of this page.
	Rows  []dinnerUnseatedRow
	Pager pager
	// Pending says why there is no list yet: the job still runs, or it
	// failed ("" for a finished job).
	Pending string
	// Free says how to free the seats open proposals hold at the full
	// dinners, nil when none does.
	Free *freeHint
}

// dinnerUnseatedRow is one party left without a seat, in words: its
// newcomer as the left-out lists name them (unmatchedRow: name,
// municipality, the registration beside a namesake, ADR 0200), how many
// the party is, and why no dinner took it.
type dinnerUnseatedRow struct {
	unmatchedRow
	Size string
}

// dinnerUnseated shows the parties dinners job id left without a seat,
// and why. The job is read first, so a job outside the caller's scope
// answers as an unknown one (the dinners service's GetJob rule), as the
// API's ListUnseatedParties, which lists no party of it, leaves nothing
// to tell apart.
func (w *Web) dinnerUnseated(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("dinners.unseated.page.title"), "dinners"
	ctx := r.Context()
	j, err := w.g.GetDinnerJob(ctx, p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &dinnerUnseatedData{Job: newDinnerJobView(p, j), When: strings.TrimPrefix(whenLabel(p, "", j.GetCreateTime(), j.GetMunicipalityCodes()), " · ")}
	if d.Pending = dinnerUnseatedPending(p, d.Job); d.Pending != "" {
		p.Data = d
		return w.render(rw, p, http.StatusOK, "dinners_unseated")
	}
	res, err := w.g.ListUnseatedParties(ctx, p.caller, &gatewayv1.ListUnseatedPartiesRequest{JobId: j.GetId(), PageSize: unseatedPageSize,
		PageToken: r.URL.Query().Get("page_token")})
	if err != nil {
		return err
	}
	names := res.GetParticipantNames()
	// A party carries no registration time, so its newcomer is marked
	// from the namesakes' groups over the caller's scope, as mp's list
	// and the sign-ups list mark them (groupsApart, ADR 0228).
	label := map[string]string{}
	var ids []string
	for _, u := range res.GetUnseated() {
		if n := names[u.GetSignUpId()]; n != "" && u.GetParticipantId() != "" {
			label[u.GetParticipantId()] = n + ", " + u.GetMunicipalityCode()
			ids = append(ids, u.GetParticipantId())
		}
	}
	ns, err := w.namesakesOf(ctx, p, ids, nil)
	if err != nil {
		return err
	}
	apart := groupsApart(p, label, ns.participants)
	for _, u := range res.GetUnseated() {
		row := dinnerUnseatedRow{unmatchedRow: unmatchedRow{Name: names[u.GetSignUpId()], Municipality: muniLabel(u.GetMunicipalityCode()), Why: unseatedWhy(p, u)},
			Size: p.tn("dinners.people", u.GetPartySize())}
		if row.Name != "" {
			row.ID, row.Apart = u.GetParticipantId(), apart[u.GetParticipantId()]
		}
		d.Rows = append(d.Rows, row)
	}
	d.Free = newFreeHint(p, "dinners", dinnersHeldByProposals(res.GetUnseated(), res.GetFullDinners()))
	d.Pager = newPager(p, r, "", "", unseatedPageSize, len(res.GetUnseated()), res.GetTotalSize(), res.GetNextPageToken())
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dinners_unseated")
}

// unseatedWhy is why a party got no seat, in the page's language; a party
// the full dinners left out goes on with who holds their seats, as `mp
// dinners unseated` says it (catalog.FullDinners, ADR 0171).
func unseatedWhy(p *page, u *dinnersv1.UnseatedParty) string {
	why := p.codeWord("dinners.unseated.why.", strings.TrimPrefix(u.GetReason().String(), "UNSEATED_REASON_"))
	if f := u.GetFullDinners(); f != nil {
		if held := catalog.FullDinners(p.Lang, f.GetDinners(), f.GetSeatsHeldByProposals(), f.GetSeatsHeldByApproved()); held != "" {
			why += ". " + held
		}
	}
	return why
}

// dinnerUnseatedPending is why job has no list of the parties it left out
// yet, in the page's words, or "" when it finished: a running job's page
// follows it (the template asks again), as the other left-out pages do.
func dinnerUnseatedPending(p *page, job dinnerJobView) string {
	switch {
	case job.Failed:
		return p.t("dinners.unseated.failed")
	case job.Running:
		return p.tf("dinners.unseated.running", "State", job.Line)
	}
	return ""
}
