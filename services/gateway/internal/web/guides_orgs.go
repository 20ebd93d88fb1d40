package web

import (
	"net/http"
	"slices"
	"strings"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// guideUnitRow is one unit (municipality and language) of a guide
// organisation as the page shows it: capacity from the volunteers
// service, caseload and the newcomers waiting to be re-proposed derived
// from the assignments.
type guideUnitRow struct {
	Municipality, Language   string
	Capacity, Caseload, Free int32
	Reproposed               int32
}

// guideOrgRow is one guide organisation with its units.
type guideOrgRow struct {
	ID, Name, Type string
	Municipalities []string
	Languages      []string
	Units          []guideUnitRow
	Capacity       int32
	Caseload       int32
	Reproposed     int32
}

type guideOrgsData struct {
	Available bool
	Rows      []guideOrgRow
	Pager     pager
}

// guideOrganisations lists the guide organisations ("Lotsorganisationer"):
// where and in which languages each guides, its capacity per municipality
// and language, its caseload (counted from assignments taken up, never
// typed in) and the newcomers waiting to be re-proposed after the
// organisation lowered its capacity or left.
func (w *Web) guideOrganisations(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("guides.orgs.title"), "guides", "/guides/organisations"
	d := &guideOrgsData{Available: w.g.GuidesAvailable()}
	if d.Available {
		res, err := w.g.ListGuideOrganisations(r.Context(), p.caller, &gatewayv1.ListGuideOrganisationsRequest{PageSize: 50,
			PageToken: r.URL.Query().Get("page_token")})
		if err != nil {
			return err
		}
		for _, v := range res.GetOrganisations() {
			d.Rows = append(d.Rows, newGuideOrgRow(p, v))
		}
		// The service gives no total: the pager shows the links alone.
		d.Pager = newPager(p, r, "", "#organisations", 50, 0, 0, res.GetNextPageToken())
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "guides_organisations")
}

func newGuideOrgRow(p *page, v *gatewayv1.GuideOrganisationView) guideOrgRow {
	o := v.GetOrganisation()
	row := guideOrgRow{ID: o.GetOrganisationId(), Name: v.GetName(),
		Type: p.word("guides.orgtype."+strings.ToLower(strings.TrimPrefix(o.GetType(), "ORGANISATION_TYPE_")), p.t("guides.unknown"))}
	row.Name = orgOrGone(p, o.GetOrganisationId(), row.Name)
	for _, c := range o.GetCapacities() {
		u := guideUnitRow{Municipality: muniLabel(c.GetMunicipalityCode()), Language: langWord(p, c.GetLanguage()),
			Capacity: c.GetCapacity(), Caseload: c.GetCaseload(), Free: max(c.GetCapacity()-c.GetCaseload(), 0),
			Reproposed: c.GetReproposed()}
		row.Units = append(row.Units, u)
		row.Capacity += u.Capacity
		row.Caseload += u.Caseload
		row.Reproposed += u.Reproposed
		if !slices.Contains(row.Municipalities, u.Municipality) {
			row.Municipalities = append(row.Municipalities, u.Municipality)
		}
		if !slices.Contains(row.Languages, u.Language) {
			row.Languages = append(row.Languages, u.Language)
		}
	}
	slices.Sort(row.Municipalities)
	slices.Sort(row.Languages)
	return row
}
