package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// listData is a page of a register.
type listData[T any] struct {
	Items []T
	Next  string
	Total string
}

func (w *Web) dashboard(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("dash.title"), "dashboard"
	d, err := w.g.Dashboard(r.Context(), p.caller)
	if err != nil {
		return err
	}
	data := dashData{Dashboard: d}
	if w.g.MentoringAvailable() && !p.Operator {
		data.Mentoring = true
		data.Waiting, data.OpenProposals, data.NoCheckIn = w.mentoringCounts(r, p, d.Newcomers)
	}
	p.Data = data
	return w.render(rw, p, http.StatusOK, "dashboard")
}

func (w *Web) participants(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("p.title"), "participants", r.URL.Query()
	res, err := w.g.ListParticipants(r.Context(), p.caller, &gatewayv1.ListParticipantsRequest{
		PageSize: 50, PageToken: r.URL.Query().Get("page_token"), MunicipalityCode: r.URL.Query().Get("municipality_code"),
	})
	if err != nil {
		if formErrors(p, err, func(string) string { return "municipality_code" }) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "participants")
		}
		return err
	}
	p.Data = listData[*participantsv1.Participant]{Items: res.GetParticipants(), Next: res.GetNextPageToken(),
		Total: fmt.Sprintf("%d", res.GetTotalSize())}
	return w.render(rw, p, http.StatusOK, "participants")
}

func (w *Web) participantNew(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("p.new"), "participants", "/participants"
	p.Form.Set("request_id", ids.UUIDv7{}.New())
	p.Form.Set("household_size", "1")
	p.Form.Set("consent_mentoring", "1")
	return w.render(rw, p, http.StatusOK, "participant_form")
}

func (w *Web) participantCreate(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("p.new"), "participants", "/participants", r.PostForm
	pt, err := participantFromForm(r.PostForm, p.Lang, true)
	if err == nil {
		pt, err = w.g.CreateParticipant(r.Context(), p.caller, pt, r.PostForm.Get("request_id"))
	}
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "participant_form")
		}
		return err
	}
	http.Redirect(rw, r, "/participants/"+pt.GetId()+"?created=1", http.StatusSeeOther)
	return nil
}

func (w *Web) participantEdit(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action = p.t("p.edit"), "participants", "/participants/"+id
	v, err := w.g.GetParticipant(r.Context(), p.caller, id)
	if err != nil {
		return err
	}
	p.Form = participantToForm(v.GetParticipant())
	p.Data = v.GetOrganisationName()
	if r.URL.Query().Get("created") != "" {
		p.Flash = p.t("created")
	}
	return w.render(rw, p, http.StatusOK, "participant_form")
}

func (w *Web) participantUpdate(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action, p.Form = p.t("p.edit"), "participants", "/participants/"+id, r.PostForm
	pt, err := participantFromForm(r.PostForm, p.Lang, false)
	if err == nil {
		pt.Id, pt.Etag = id, r.PostForm.Get("etag")
		paths := []string{"given_name", "family_name", "municipality_code", "contact", "languages", "swedish_level",
			"household", "interests", "gender", "wants_same_gender_mentor"}
		pt, err = w.g.UpdateParticipant(r.Context(), p.caller, pt, paths)
	}
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "participant_form")
		}
		return err
	}
	p.Form, p.Flash = participantToForm(pt), p.t("saved")
	return w.render(rw, p, http.StatusOK, "participant_form")
}

// splitList splits a comma-separated field, trimming and dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, strings.ToLower(x))
		}
	}
	return out
}

func intField(v *apperr.Validator, form url.Values, name string) int32 {
	s := strings.TrimSpace(form.Get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		v.Add(name, "must be a whole number")
	}
	return int32(n)
}

func participantFromForm(f url.Values, lang string, creating bool) (*participantsv1.Participant, error) {
	var v apperr.Validator
	p := &participantsv1.Participant{
		OrganisationId: strings.TrimSpace(f.Get("organisation_id")), GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"),
		MunicipalityCode:      strings.TrimSpace(f.Get("municipality_code")),
		Contact:               &typev1.Contact{Email: strings.TrimSpace(f.Get("email")), Phone: strings.TrimSpace(f.Get("phone"))},
		SwedishLevel:          typev1.SwedishLevel(typev1.SwedishLevel_value[f.Get("swedish_level")]),
		Household:             &participantsv1.Household{Size: intField(&v, f, "household_size")},
		Interests:             splitList(f.Get("interests")),
		Gender:                typev1.Gender(typev1.Gender_value[f.Get("gender")]),
		WantsSameGenderMentor: f.Get("same_gender") != "",
	}
	for _, code := range splitList(f.Get("languages")) {
		p.Languages = append(p.Languages, &typev1.LanguageSkill{Code: code, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL})
	}
	if creating && f.Get("consent_mentoring") != "" {
		p.Consents = []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: lang}}
	}
	return p, v.Err()
}

func participantToForm(p *participantsv1.Participant) url.Values {
	f := url.Values{}
	f.Set("given_name", p.GetGivenName())
	f.Set("family_name", p.GetFamilyName())
	f.Set("municipality_code", p.GetMunicipalityCode())
	f.Set("organisation_id", p.GetOrganisationId())
	f.Set("email", p.GetContact().GetEmail())
	f.Set("phone", p.GetContact().GetPhone())
	var langs []string
	for _, l := range p.GetLanguages() {
		langs = append(langs, l.GetCode())
	}
	f.Set("languages", strings.Join(langs, ", "))
	f.Set("swedish_level", p.GetSwedishLevel().String())
	f.Set("household_size", strconv.Itoa(int(p.GetHousehold().GetSize())))
	f.Set("interests", strings.Join(p.GetInterests(), ", "))
	f.Set("gender", p.GetGender().String())
	if p.GetWantsSameGenderMentor() {
		f.Set("same_gender", "1")
	}
	for _, c := range p.GetConsents() {
		if c.GetPurpose() == eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING && c.GetWithdrawnTime() == nil {
			f.Set("consent_mentoring", "1")
		}
	}
	f.Set("etag", p.GetEtag())
	return f
}

// participantField maps a service's violation path to the form field.
func participantField(f string) string {
	f = strings.TrimPrefix(strings.TrimPrefix(f, "participant."), "volunteer.")
	switch {
	case strings.HasPrefix(f, "contact."):
		f = strings.TrimPrefix(f, "contact.")
	case strings.HasPrefix(f, "household"):
		return "household_size"
	case strings.HasPrefix(f, "wants_same_gender"):
		return "same_gender"
	case strings.HasPrefix(f, "consents"):
		return "consent_mentoring"
	case strings.HasPrefix(f, "roles"):
		return "mentor_capacity"
	case strings.HasPrefix(f, "background_check"):
		return "background_check"
	}
	f, _, _ = strings.Cut(f, "[")
	f, _, _ = strings.Cut(f, ".")
	return f
}

func (w *Web) volunteers(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("v.title"), "volunteers", r.URL.Query()
	res, err := w.g.ListVolunteers(r.Context(), p.caller, &gatewayv1.ListVolunteersRequest{
		PageSize: 50, PageToken: r.URL.Query().Get("page_token"), MunicipalityCode: r.URL.Query().Get("municipality_code"),
	})
	if err != nil {
		if formErrors(p, err, func(string) string { return "municipality_code" }) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "volunteers")
		}
		return err
	}
	p.Data = listData[*volunteersv1.Volunteer]{Items: res.GetVolunteers(), Next: res.GetNextPageToken(), Total: fmt.Sprintf("%d", res.GetTotalSize())}
	return w.render(rw, p, http.StatusOK, "volunteers")
}

func (w *Web) volunteerNew(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("v.new"), "volunteers", "/volunteers"
	p.Form.Set("request_id", ids.UUIDv7{}.New())
	p.Form.Set("mentor", "1")
	p.Form.Set("mentor_capacity", "1")
	p.Form.Set("household_size", "1")
	return w.render(rw, p, http.StatusOK, "volunteer_form")
}

func (w *Web) volunteerCreate(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("v.new"), "volunteers", "/volunteers", r.PostForm
	v, err := volunteerFromForm(r.PostForm, p.User.GetId())
	if err == nil {
		v, err = w.g.CreateVolunteer(r.Context(), p.caller, v, r.PostForm.Get("request_id"))
	}
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "volunteer_form")
		}
		return err
	}
	http.Redirect(rw, r, "/volunteers/"+v.GetId()+"?created=1", http.StatusSeeOther)
	return nil
}

func (w *Web) volunteerEdit(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action = p.t("v.edit"), "volunteers", "/volunteers/"+id
	v, err := w.g.GetVolunteer(r.Context(), p.caller, id)
	if err != nil {
		return err
	}
	p.Form, p.Data = volunteerToForm(v.GetVolunteer()), v.GetOrganisationName()
	if r.URL.Query().Get("created") != "" {
		p.Flash = p.t("created")
	}
	return w.render(rw, p, http.StatusOK, "volunteer_form")
}

func (w *Web) volunteerUpdate(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action, p.Form = p.t("v.edit"), "volunteers", "/volunteers/"+id, r.PostForm
	v, err := volunteerFromForm(r.PostForm, p.User.GetId())
	if err == nil {
		v.Id, v.Etag = id, r.PostForm.Get("etag")
		v, err = w.g.UpdateVolunteer(r.Context(), p.caller, v, []string{"given_name", "family_name", "municipality_code", "contact",
			"languages", "interests", "gender", "birth_year", "household_size", "roles", "background_check"})
	}
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "volunteer_form")
		}
		return err
	}
	p.Form, p.Flash = volunteerToForm(v), p.t("saved")
	return w.render(rw, p, http.StatusOK, "volunteer_form")
}

func volunteerFromForm(f url.Values, verifier string) (*volunteersv1.Volunteer, error) {
	var val apperr.Validator
	v := &volunteersv1.Volunteer{
		OrganisationId: strings.TrimSpace(f.Get("organisation_id")), GivenName: f.Get("given_name"), FamilyName: f.Get("family_name"),
		MunicipalityCode: strings.TrimSpace(f.Get("municipality_code")),
		Contact:          &typev1.Contact{Email: strings.TrimSpace(f.Get("email")), Phone: strings.TrimSpace(f.Get("phone"))},
		Interests:        splitList(f.Get("interests")),
		Gender:           typev1.Gender(typev1.Gender_value[f.Get("gender")]),
		BirthYear:        intField(&val, f, "birth_year"),
		HouseholdSize:    intField(&val, f, "household_size"),
	}
	for _, code := range splitList(f.Get("languages")) {
		v.Languages = append(v.Languages, &typev1.LanguageSkill{Code: code, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT})
	}
	if f.Get("mentor") != "" {
		v.Roles = []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: intField(&val, f, "mentor_capacity")}}
	}
	if f.Get("background_check") != "" {
		// Seen today by the coordinator registering it; a Swedish
		// police record extract is taken as valid for a year.
		now := time.Now()
		v.BackgroundCheck = &volunteersv1.BackgroundCheck{Seen: true, SeenDate: now.Format(time.DateOnly),
			ValidUntil: now.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: verifier}
	}
	return v, val.Err()
}

func volunteerToForm(v *volunteersv1.Volunteer) url.Values {
	f := url.Values{}
	f.Set("given_name", v.GetGivenName())
	f.Set("family_name", v.GetFamilyName())
	f.Set("municipality_code", v.GetMunicipalityCode())
	f.Set("organisation_id", v.GetOrganisationId())
	f.Set("email", v.GetContact().GetEmail())
	f.Set("phone", v.GetContact().GetPhone())
	var langs []string
	for _, l := range v.GetLanguages() {
		langs = append(langs, l.GetCode())
	}
	f.Set("languages", strings.Join(langs, ", "))
	f.Set("interests", strings.Join(v.GetInterests(), ", "))
	f.Set("gender", v.GetGender().String())
	if v.GetBirthYear() != 0 {
		f.Set("birth_year", strconv.Itoa(int(v.GetBirthYear())))
	}
	for _, rc := range v.GetRoles() {
		if rc.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR {
			f.Set("mentor", "1")
			f.Set("mentor_capacity", strconv.Itoa(int(rc.GetCapacity())))
		}
	}
	if v.GetBackgroundCheck().GetSeen() {
		f.Set("background_check", "1")
	}
	f.Set("household_size", strconv.Itoa(int(v.GetHouseholdSize())))
	f.Set("etag", v.GetEtag())
	return f
}
