package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// An administrator registering a newcomer or a volunteer typed the
// organisation's id in a text field, where the users and job forms pick
// it by name (outside round s45, ADR 0251's "left" list). The newcomer and
// volunteer forms now offer the same picker, its first option "Välj
// organisation" refused when sent, so no id is typed and a form sent
// without a choice is told which field to fix (ADR 0254). A coordinator's
// forms have no picker: the services give a coordinator's records the
// coordinator's own organisation.

// renderRecordForm renders a newcomer's or a volunteer's form (tmpl) with
// status, with the organisation picker an administrator's form has. Every
// render of those forms goes through here: first, again after a refusal
// (keeping the choice), new and edit.
func (w *Web) renderRecordForm(rw http.ResponseWriter, r *http.Request, p *page, status int, tmpl string) error {
	if p.Admin {
		f, err := w.recordOrgPicker(r, p)
		if err != nil {
			return err
		}
		p.OrgPicker = &f
		if id := r.PathValue("id"); id != "" {
			p.AuditTrail = auditSearch("resource_id", id)
		}
	}
	return w.render(rw, p, status, tmpl)
}

// recordOrgPicker is the organisations by name, the form's choice
// selected. A choice the list lacks (a record's organisation removed
// since, or an id posted by hand) stays in it as "(borttagen)", so the
// form shown again says what was sent and saving it unchanged changes
// nothing.
func (w *Web) recordOrgPicker(r *http.Request, p *page) (pickerField, error) {
	orgs, err := w.orgOptions(r, p)
	if err != nil {
		return pickerField{}, err
	}
	cur := strings.TrimSpace(p.Form.Get("organisation_id"))
	if cur != "" && !slices.ContainsFunc(orgs, func(o option) bool { return o.Value == cur }) {
		orgs = append(orgs, option{Value: cur, Label: p.t("m.unmatched.gone")})
	}
	f := noOrgHint(p, newPicker(p, "organisation_id", "f.organisation", "f.organisation.choose", orgs))
	f.Value = cur
	return f, nil
}

// organisation copies an administrator's choice of organisation to dst.
// The picker's first option ("Välj organisation", an empty value) sent as
// it is is refused in the form's words, "Organisation: välj en
// organisation", not the service's "måste fyllas i" over a list.
func (d *formDiff) organisation(v *apperr.Validator, dst *string) {
	if _, posted := d.f["organisation_id"]; posted && strings.TrimSpace(d.f.Get("organisation_id")) == "" {
		v.Add("organisation_id", "choose an organisation")
		return
	}
	d.text("organisation_id", "organisation_id", dst, true)
}
