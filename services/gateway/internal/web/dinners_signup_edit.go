package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
)

// signUpPaths are what the edit form changes: every picker of the form
// but the newcomer and the municipality, which make another sign-up.
var signUpPaths = []string{"party", "diets", "allergens", "dates", "first_time", "swedish_level", "languages", "composition", "sfi_class", "postcode"}

// signUpForm is a sign-up as the form's values, so the edit form opens
// with the same pickers as the new one, filled in.
func signUpForm(s *dinnersv1.SignUp) url.Values {
	f := url.Values{"person": {s.GetParticipantId()}, "municipality_code": {s.GetMunicipalityCode()}, "etag": {s.GetEtag()},
		"swedish_level": {s.GetSwedishLevel().String()}, "languages": s.GetLanguages(), "sfi_class": {s.GetSfiClass()},
		"postcode": {s.GetPostcode()}}
	if c := s.GetComposition(); c != dinnersv1.Composition_COMPOSITION_UNSPECIFIED {
		f.Set("composition", c.String())
	}
	if s.GetFirstTime() {
		f.Set("first_time", "1")
	}
	k := 0
	for _, m := range s.GetParty() {
		if m.GetRelation() == dinnersv1.Relation_RELATION_SELF {
			f.Set("age_self", strconv.Itoa(int(m.GetAge())))
			continue
		}
		k++
		f.Set(fmt.Sprintf("relation_%d", k), m.GetRelation().String())
		f.Set(fmt.Sprintf("age_%d", k), strconv.Itoa(int(m.GetAge())))
	}
	for i, d := range s.GetDates() {
		f.Set(fmt.Sprintf("date_%d", i), d)
	}
	for _, d := range s.GetDiets() {
		f.Add("diets", d.String())
	}
	for _, a := range s.GetAllergens() {
		f.Add("allergens", a.String())
	}
	return f
}

// dinnerSignUpEditPage renders the edit form of sign-up v with p.Form's
// values: room for every member and date it has, and one more of each.
func (w *Web) dinnerSignUpEditPage(rw http.ResponseWriter, p *page, v *gatewayv1.DinnerSignUpView, status int) error {
	s := v.GetSignUp()
	p.Title, p.Nav, p.Action = p.t("dinners.signups.edit"), "dinners", "/dinners/signups/"+s.GetId()
	d := newDinnerFormSized(p, nil, min(max(signUpDates, len(s.GetDates())+1), maxSignUpDates),
		min(max(extraMembers, len(s.GetParty())), maxMembers))
	d.Edit, d.Guest, d.Empty = true, v.GetParticipantName(), false
	d.Municipality = muniLabel(s.GetMunicipalityCode())
	p.Data = d
	return w.render(rw, p, status, "dinners_signup_form")
}

func (w *Web) dinnerSignUpEdit(rw http.ResponseWriter, r *http.Request, p *page) error {
	v, err := w.g.GetDinnerSignUp(r.Context(), p.caller, r.PathValue("id"))
	if err != nil {
		return p.dinnerErr(err)
	}
	p.Form = signUpForm(v.GetSignUp())
	return w.dinnerSignUpEditPage(rw, p, v, http.StatusOK)
}

// dinnerSignUpUpdate saves the edit form: every path at once, guarded by
// the etag the form was opened with (someone else's change in between is
// a message, not a silent overwrite). The service's field violations come
// back as messages by the fields.
func (w *Web) dinnerSignUpUpdate(rw http.ResponseWriter, r *http.Request, p *page) error {
	ctx, id := r.Context(), r.PathValue("id")
	cur, err := w.g.GetDinnerSignUp(ctx, p.caller, id)
	if err != nil {
		return p.dinnerErr(err)
	}
	p.Form = r.PostForm
	// The newcomer and the place are not the form's to change.
	p.Form.Set("person", cur.GetSignUp().GetParticipantId())
	p.Form.Set("municipality_code", cur.GetSignUp().GetMunicipalityCode())
	s, v := signUpFromForm(p, p.Form)
	s.Id = id
	req := &gatewayv1.UpdateDinnerSignUpRequest{SignUp: s, UpdateMask: &fieldmaskpb.FieldMask{Paths: signUpPaths}, Etag: p.Form.Get("etag")}
	if err = v.Err(); err == nil {
		_, err = w.g.UpdateDinnerSignUp(ctx, p.caller, req)
	} else {
		// The form's own refusals (an age that is no number, no date) and
		// the service's of the rest, in one answer (ADR 0139).
		err = withChecked(p, err, w.g.ValidateDinnerSignUpUpdate(ctx, p.caller, req), dinnerFieldOf(p.Form))
	}
	if err != nil {
		if dinnerFormErrors(p, err) {
			return w.dinnerSignUpEditPage(rw, p, cur, http.StatusUnprocessableEntity)
		}
		return p.dinnerErr(err)
	}
	http.Redirect(rw, r, withDone(p, "/dinners/signups", url.Values{"saved": {"1"}}), http.StatusSeeOther)
	return nil
}
