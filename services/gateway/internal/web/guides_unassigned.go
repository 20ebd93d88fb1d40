package web

import (
	"net/http"
	"strings"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// guideUnassignedPageSize is how many newcomers left without a guide one
// page lists.
const guideUnassignedPageSize = 50

// guideUnassignedData is the page of the entitled newcomers a guides job
// left without a guide: the job's "21 utan plats" made into names and
// reasons (ADR 0158), as mentoring's unmatched page does (ADR 0137).
type guideUnassignedData struct {
	Job guideJobView
	// When is the job's start and municipalities, as the mentoring
	// page's list names its job: Job.Label begins with the progress
	// bar's "Förlopp", and the page read "Tilldelningen: Förlopp ·
	// 2026-12-05 08:21 · Stockholm" (outside round s29).
	When string
	// Rows are the newcomers of this page (unmatchedRow: name,
	// municipality, why, and the registration beside a namesake).
	Rows  []unmatchedRow
	Pager pager
	// Pending says why there is no list yet: the job still runs, or it
	// failed ("" for a finished job).
	Pending string
	// Free says how to free places open proposals hold, nil when none
	// does.
	Free *freeHint
}

// guideUnassigned shows the newcomers guides job id left without a guide,
// and why.
func (w *Web) guideUnassigned(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("guides.unassigned.title"), "guides"
	ctx := r.Context()
	j, err := w.g.GetGuideJob(ctx, p.caller, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := &guideUnassignedData{Job: newGuideJobView(p, j), When: strings.TrimPrefix(whenLabel(p, "", j.GetCreateTime(), j.GetMunicipalityCodes()), " · ")}
	switch {
	case d.Job.Failed:
		d.Pending = p.t("guides.unassigned.failed")
	case d.Job.Running:
		d.Pending = p.tf("guides.unassigned.running", "State", d.Job.Line)
	}
	if d.Pending != "" {
		p.Data = d
		return w.render(rw, p, http.StatusOK, "guides_unassigned")
	}
	res, err := w.g.ListGuideUnassigned(ctx, p.caller, &gatewayv1.ListGuideUnassignedRequest{JobId: j.GetId(), PageSize: guideUnassignedPageSize,
		PageToken: r.URL.Query().Get("page_token")})
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.GetUnassigned()))
	for _, u := range res.GetUnassigned() {
		ids = append(ids, u.GetParticipantId())
	}
	ns, err := w.namesakesOf(ctx, p, ids, nil)
	if err != nil {
		return err
	}
	var named []namesake
	for _, u := range res.GetUnassigned() {
		d.Rows = append(d.Rows, unmatchedRow{ID: u.GetParticipantId(), Name: u.GetParticipantName(), Municipality: muniLabel(u.GetMunicipalityCode()),
			Why: guideUnassignedWhy(p, u)})
		if u.GetParticipantName() != "" {
			named = append(named, namesake{ID: u.GetParticipantId(), Label: u.GetParticipantName() + ", " + u.GetMunicipalityCode(), Registered: u.GetParticipantRegistered()})
		}
	}
	apart := apartWords(p, besides(named, ns.participants))
	for i := range d.Rows {
		d.Rows[i].Apart = apart[d.Rows[i].ID]
	}
	d.Free = newFreeHint(p, "guides", unitsHeldByProposals(res.GetUnassigned()))
	d.Pager = newPager(p, r, "", "", guideUnassignedPageSize, len(res.GetUnassigned()), res.GetTotalSize(), res.GetNextPageToken())
	p.Data = d
	return w.render(rw, p, http.StatusOK, "guides_unassigned")
}

// guideUnassignedWhy is why a newcomer got no guide, in the page's
// language: no unit the rules allow, the group's quota, or the units that
// fit are full (named, best first, with the points it would have had).
func guideUnassignedWhy(p *page, u *gatewayv1.GuideUnassignedView) string {
	reason := strings.TrimPrefix(u.GetReason().String(), "UNASSIGNED_REASON_")
	if len(u.GetFullUnits()) == 0 {
		return p.codeWord("guides.unassigned.", reason)
	}
	units := make([]string, 0, len(u.GetFullUnits()))
	for _, f := range u.GetFullUnits() {
		units = append(units, catalog.GuideUnit(p.Lang, orgOrGone(p, f.GetOrganisationId(), f.GetOrganisationName()), langWord(p, f.GetLanguage()), f.GetScore(),
			f.GetHeldByProposals(), f.GetHeldByAssignments(), f.GetHeldByThisJob()))
	}
	return p.tf("guides.unassigned.units_full_named", "Units", strings.Join(units, ", "))
}
