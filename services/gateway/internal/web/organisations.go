package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// The administrators' organisations page: every organisation by name,
// type and municipalities, and a form that registers one. Without the
// demo data the first organisation could be made only through the
// volunteers service's API, so a new system's admin, signed in through
// the setup link, could register no newcomer, volunteer or coordinator
// (outside round s45, ADR 0251). A guide organisation's places are set
// through the API as before (services/guides/README.md).

// orgTypes are the types an organisation is registered as, in the
// order the form offers them.
var orgTypes = []string{"association", "church", "study_association", "municipality", "company", "trade_body"}

// orgRow is an organisation as the page lists it.
type orgRow struct {
	Name, Type, Municipalities string
	Guide                      bool
}

// orgsData is the page's data: the list and the form's type picker.
type orgsData struct {
	Rows []orgRow
	Type pickerField
}

func (w *Web) organisations(rw http.ResponseWriter, r *http.Request, p *page) error {
	if !p.Admin {
		return apperr.Errorf(apperr.PermissionDenied, "only admins may do this")
	}
	p.Form.Set("request_id", ids.UUIDv7{}.New())
	if err := w.loadOrganisations(r, p); err != nil {
		return err
	}
	if flashQuery(p, r).Get("done") == "created" {
		p.Flash = p.t("org.done.created")
	}
	return w.render(rw, p, http.StatusOK, "organisations")
}

func (w *Web) loadOrganisations(r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("org.title"), "organisations"
	var d orgsData
	all, err := w.allOrganisations(r, p)
	if err != nil {
		return err
	}
	for _, o := range all {
		names := make([]string, 0, len(o.GetMunicipalityCodes()))
		for _, c := range o.GetMunicipalityCodes() {
			names = append(names, muniLabel(c))
		}
		d.Rows = append(d.Rows, orgRow{Name: o.GetName(), Municipalities: strings.Join(names, ", "), Guide: o.GetIsGuideOrganisation(),
			Type: p.word("guides.orgtype."+strings.ToLower(strings.TrimPrefix(o.GetType().String(), "ORGANISATION_TYPE_")), p.t("guides.unknown"))})
	}
	var types []option
	for _, t := range orgTypes {
		types = append(types, option{Value: t, Label: p.t("guides.orgtype." + t)})
	}
	d.Type = newPicker(p, "type", "org.type", "org.type.none", types)
	p.Data = d
	return nil
}

// allOrganisations are the organisations p's user sees, page by page.
// Organisations are few (one per association); 10 pages of 500 bound the
// reads whatever the register holds.
func (w *Web) allOrganisations(r *http.Request, p *page) ([]*volunteersv1.Organisation, error) {
	var out []*volunteersv1.Organisation
	token := ""
	for range 10 {
		batch, next, err := w.g.ListOrganisations(r.Context(), p.caller, 500, token)
		if err != nil {
			return nil, err
		}
		out = append(out, batch...)
		if token = next; token == "" {
			break
		}
	}
	return out, nil
}

func (w *Web) createOrganisation(rw http.ResponseWriter, r *http.Request, p *page) error {
	if !p.Admin {
		// The error page, not the form again: a coordinator has no form.
		return apperr.Errorf(apperr.PermissionDenied, "only admins may do this")
	}
	p.Form = r.PostForm
	munis, unknown := municipalityCodes(r.PostForm.Get("municipality_codes"))
	typ := volunteersv1.OrganisationType(volunteersv1.OrganisationType_value["ORGANISATION_TYPE_"+strings.ToUpper(r.PostForm.Get("type"))])
	o := &volunteersv1.Organisation{Name: strings.TrimSpace(r.PostForm.Get("name")), Type: typ, MunicipalityCodes: munis}
	err := unknownMunicipalities("municipality_codes", unknown)
	if err == nil {
		_, err = w.g.CreateOrganisation(r.Context(), p.caller, o, r.PostForm.Get("request_id"))
	}
	if err != nil {
		if formErrors(p, err, orgField) {
			if lerr := w.loadOrganisations(r, p); lerr != nil {
				return lerr
			}
			return w.render(rw, p, http.StatusUnprocessableEntity, "organisations")
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/admin/organisations", url.Values{"done": {"created"}}), http.StatusSeeOther)
	return nil
}

// orgField is the form's field of a service's violation
// ("organisation.municipality_codes[1]": municipality_codes).
func orgField(f string) string {
	f = strings.TrimPrefix(f, "organisation.")
	f, _, _ = strings.Cut(f, "[")
	return f
}

// noOrgHint gives f, an administrator's organisation picker, the words
// of where to register one when there is none: the job and user forms
// refused "Organisation: måste fyllas i" over a list with nothing to
// choose (outside round s45, ADR 0251).
func noOrgHint(p *page, f pickerField) pickerField {
	if p.Admin && len(f.Options) == 0 {
		f.Hint = p.t("org.none.hint")
	}
	return f
}
