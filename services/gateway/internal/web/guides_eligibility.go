package web

// The guides' eligibility page (/guides): who is entitled to a guide and
// why, in the page's words, and the form that changes the national rules
// (administrators).

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// guideRow is one newcomer's eligibility as the page shows it.
type guideRow struct {
	ID, Name, Municipality string
	// Apart tells the newcomer from a namesake the caller may see,
	// on this page or not (ADR 0200).
	Apart    string
	Entitled bool
	Reasons  []string
}

type guideEligibilityData struct {
	Available         bool
	Rows              []guideRow
	Pager             pager
	Total             int32
	Filter            string
	Rules             *guidesv1.EligibilityRules
	RulesVersion      string
	RulesMonthsString string
	// FilterErrors are the refused filters of the list (an edited
	// address), shown at the filter, apart from the rules form's errors.
	FilterErrors []errItem
}

func (w *Web) guideEligibility(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("guides.title"), "guides", "/guides"
	if flashQuery(p, r).Get("done") == "rules" {
		// The rules form's outcome: the page went back to the rules
		// with no word that they were saved (ADR 0246).
		p.Flash = p.t("guides.done.rules")
	}
	d, err := w.guideEligibilityData(r, p)
	if err != nil {
		return err
	}
	p.Data = d
	if len(d.FilterErrors) > 0 {
		return w.render(rw, p, http.StatusUnprocessableEntity, "guides")
	}
	return w.render(rw, p, http.StatusOK, "guides")
}

func (w *Web) guideEligibilityData(r *http.Request, p *page) (*guideEligibilityData, error) {
	var v apperr.Validator
	d := &guideEligibilityData{Available: w.g.GuidesAvailable(), Filter: choiceFilter(&v, r.URL.Query(), "entitlement", "entitled", "not_entitled")}
	if !d.Available {
		return d, nil
	}
	ctx := r.Context()
	q := &gatewayv1.ListGuideEligibilityRequest{PageSize: 50, PageToken: r.URL.Query().Get("page_token")}
	if m := municipalityFilter(&v, r.URL.Query(), "municipality_code"); m != "" {
		q.MunicipalityCodes = []string{m}
	}
	switch d.Filter {
	case "entitled":
		q.Entitlement = guidesv1.Entitlement_ENTITLEMENT_ENTITLED
	case "not_entitled":
		q.Entitlement = guidesv1.Entitlement_ENTITLEMENT_NOT_ENTITLED
	}
	// A filter value the page does not offer (an edited address) is
	// refused by its field and nothing listed; an unknown municipality
	// was a list of nothing, or "not found".
	var res *gatewayv1.ListGuideEligibilityResponse
	if err := v.Err(); err != nil {
		// Kept apart from p.ErrorList, the rules form's summary.
		for _, fv := range apperr.Violations(err) {
			d.FilterErrors = append(d.FilterErrors, errItem{Field: fv.Field, Label: fieldLabel(p, fv.Field), Message: translateMessage(p.Lang, fv.Description)})
		}
	} else if res, err = w.g.ListGuideEligibility(ctx, p.caller, q); err != nil {
		return nil, err
	}
	for _, v := range res.GetEligibility() {
		e := v.GetEligibility()
		row := guideRow{ID: e.GetParticipantId(), Name: v.GetParticipantName(), Municipality: muniLabel(e.GetMunicipalityCode()),
			Entitled: e.GetEntitlement() == guidesv1.Entitlement_ENTITLEMENT_ENTITLED}
		for _, s := range e.GetReasons() {
			row.Reasons = append(row.Reasons, reasonWords(p, s))
		}
		d.Rows = append(d.Rows, row)
	}
	label := make(map[string]string, len(d.Rows))
	for _, v := range res.GetEligibility() {
		label[v.GetEligibility().GetParticipantId()] = v.GetParticipantName() + ", " + v.GetEligibility().GetMunicipalityCode()
	}
	ns, err := w.namesakesOf(ctx, p, slices.Sorted(maps.Keys(label)), nil)
	if err != nil {
		return nil, err
	}
	apart := groupsApart(p, label, ns.participants)
	for i := range d.Rows {
		d.Rows[i].Apart = apart[d.Rows[i].ID]
	}
	d.Total = res.GetTotalSize()
	d.Pager = newPager(p, r, "", "#eligibility", 50, len(d.Rows), res.GetTotalSize(), res.GetNextPageToken())
	rules, err := w.g.GetGuideEligibilityRules(ctx, p.caller)
	if err != nil {
		return nil, err
	}
	d.Rules, d.RulesVersion = rules.GetRules(), rules.GetVersion()
	return d, nil
}

// guideRules changes the eligibility rules (administrators; the gateway
// audits every attempt).
func (w *Web) guideRules(rw http.ResponseWriter, r *http.Request, p *page) error {
	f := r.PostForm
	months := 0
	for _, c := range f.Get("establishment_months") {
		if c < '0' || c > '9' || months > 1000 {
			months = -1
			break
		}
		months = months*10 + int(c-'0')
	}
	rules := &guidesv1.EligibilityRules{EstablishmentMonths: int32(months), RequirePermit: f.Get("require_permit") == "1",
		RequireEnrolled: f.Get("require_enrolled") == "1", FullTimeParentalLeaveExcludes: f.Get("full_time_leave_excludes") == "1",
		PartTimeParentalLeaveExcludes: f.Get("part_time_leave_excludes") == "1"}
	if _, err := w.g.UpdateGuideEligibilityRules(r.Context(), p.caller, rules, f.Get("etag")); err != nil {
		p.Title, p.Nav, p.Action, p.Form = p.t("guides.title"), "guides", "/guides", f
		if formErrors(p, err, func(s string) string { return strings.TrimPrefix(s, "rules.") }) {
			d, derr := w.guideEligibilityData(r, p)
			if derr != nil {
				return derr
			}
			p.Data = d
			return w.render(rw, p, http.StatusUnprocessableEntity, "guides")
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/guides", url.Values{"done": {"rules"}}), http.StatusSeeOther)
	return nil
}

// reasonWords is one eligibility reason in the page's language
// (catalog.EligibilityReason, which mp words them with too).
func reasonWords(p *page, s string) string { return catalog.EligibilityReason(p.Lang, s) }
