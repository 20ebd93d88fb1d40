package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

func (w *Web) volunteers(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("v.title"), "volunteers", r.URL.Query()
	p.Flash = doneFlash(p, r)
	name := searchedName(r, p, "volunteers")
	res, err := w.g.ListVolunteers(r.Context(), p.caller, &gatewayv1.ListVolunteersRequest{
		PageSize: 50, PageToken: r.URL.Query().Get("page_token"), MunicipalityCode: r.URL.Query().Get("municipality_code"),
		Name: name, WithNamesakes: true,
	})
	if err != nil {
		if w.startedOverAfter(rw, r, p, err) {
			return nil
		}
		if formErrors(p, err, listFilterField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "volunteers")
		}
		return err
	}
	p.Data = listData[*volunteersv1.Volunteer]{Items: res.GetVolunteers(), Next: res.GetNextPageToken(), Total: fmt.Sprintf("%d", res.GetTotalSize()),
		ShortName: shortName(name), Apart: registerApart(p, res.GetVolunteers(), res.GetNamesakes()), Pager: newPager(p, r, "", "", 50, len(res.GetVolunteers()), res.GetTotalSize(), res.GetNextPageToken())}
	return w.render(rw, p, http.StatusOK, "volunteers")
}

func (w *Web) volunteerNew(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("v.new"), "volunteers", "/volunteers"
	p.Form.Set("request_id", ids.UUIDv7{}.New())
	p.Form.Set("mentor", "1")
	p.Form.Set("mentor_capacity", "1")
	p.Form.Set("household_size", "1")
	return w.renderRecordForm(rw, r, p, http.StatusOK, "volunteer_form")
}

func (w *Web) volunteerCreate(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("v.new"), "volunteers", "/volunteers", r.PostForm
	v := &volunteersv1.Volunteer{}
	_, err := applyVolunteerForm(v, languageCodes(p.Lang, r.PostForm, nil), url.Values{}, p.Admin, p.User.GetId(), p.clock())
	if err == nil {
		v, err = w.g.CreateVolunteer(r.Context(), p.caller, v, r.PostForm.Get("request_id"))
	} else {
		// The form's own refusals and the service's of the rest, in one
		// answer (ADR 0135, as the newcomer form since ADR 0132).
		err = withChecked(p, err, w.g.ValidateVolunteer(r.Context(), p.caller, v, r.PostForm.Get("request_id")), participantField)
	}
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.renderRecordForm(rw, r, p, http.StatusUnprocessableEntity, "volunteer_form")
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/volunteers/"+url.PathEscape(v.GetId()), url.Values{"created": {"1"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) volunteerEdit(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action = p.t("v.edit"), "volunteers", "/volunteers/"+id
	v, err := w.g.GetVolunteer(r.Context(), p.caller, id)
	if err != nil {
		return err
	}
	p.Form, p.Data = languageNames(p.Lang, volunteerToForm(v.GetVolunteer())), newVolunteerView(p, v)
	p.Flash = savedFlash(p, r)
	return w.renderRecordForm(rw, r, p, http.StatusOK, "volunteer_form")
}

// volunteerUpdate saves an edit form, sending only what changed (see
// participantUpdate): other roles and language levels stay, and the
// background check is stamped only when newly ticked.
func (w *Web) volunteerUpdate(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action, p.Form = p.t("v.edit"), "volunteers", "/volunteers/"+id, r.PostForm
	cur, err := w.g.GetVolunteer(r.Context(), p.caller, id)
	if err != nil {
		return err
	}
	p.Data = newVolunteerView(p, cur)
	v, err := w.saveVolunteer(r, p, cur.GetVolunteer())
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.renderRecordForm(rw, r, p, http.StatusUnprocessableEntity, "volunteer_form")
		}
		return err
	}
	// As participantUpdate: to the form read afresh (ADR 0236).
	http.Redirect(rw, r, withDone(p, "/volunteers/"+url.PathEscape(v.GetId()), url.Values{"saved": {"1"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) saveVolunteer(r *http.Request, p *page, cur *volunteersv1.Volunteer) (*volunteersv1.Volunteer, error) {
	if e := r.PostForm.Get("etag"); e != "" && e != cur.GetEtag() {
		return nil, errStale
	}
	v := proto.Clone(cur).(*volunteersv1.Volunteer)
	old := volunteerToForm(cur)
	paths, err := applyVolunteerForm(v, languageCodes(p.Lang, r.PostForm, old), old, p.Admin, p.User.GetId(), p.clock())
	if len(paths) == 0 {
		return cur, err
	}
	v.Etag = cur.GetEtag()
	if err != nil {
		// The form's own refusals and the service's of the rest of the
		// change, in one answer (ADR 0139, as the new form's).
		return nil, withChecked(p, err, w.g.ValidateVolunteerUpdate(r.Context(), p.caller, v, paths), participantField)
	}
	return w.g.UpdateVolunteer(r.Context(), p.caller, v, paths)
}

// applyVolunteerForm is applyParticipantForm for volunteers. The form's
// mentor box and capacity change only the mentor role, the dinner-host box
// only that role. A newly ticked background check is recorded as seen today
// by verifier, valid a year (a Swedish police record extract); unticking
// clears it; a check left ticked is left as it is, however old.
func applyVolunteerForm(v *volunteersv1.Volunteer, f, old url.Values, admin bool, verifier string, now time.Time) ([]string, error) {
	var val apperr.Validator
	d := &formDiff{f: f, old: old}
	d.text("given_name", "given_name", &v.GivenName, false)
	d.text("family_name", "family_name", &v.FamilyName, false)
	d.text("municipality_code", "municipality_code", &v.MunicipalityCode, true)
	if admin {
		d.organisation(&val, &v.OrganisationId)
	}
	d.contact(&v.Contact)
	d.prefs(&val, &v.Notifications)
	d.languages(&val, &v.Languages, typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT)
	if d.changed("interests") {
		v.Interests = people.NormInterests(splitList(f.Get("interests")))
		d.set("interests")
	}
	if d.changed("gender") {
		v.Gender = typev1.Gender(enumField(&val, f, "gender", typev1.Gender_value))
		d.set("gender")
	}
	if d.changed("birth_year") {
		v.BirthYear = intField(&val, f, "birth_year")
		d.set("birth_year")
	}
	if d.changed("household_size") {
		v.HouseholdSize = intField(&val, f, "household_size")
		d.set("household_size")
	}
	if mentor, changed := d.ticked("mentor"); changed || mentor && d.changed("mentor_capacity") {
		v.Roles = withRole(v.GetRoles(), eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, mentor, intField(&val, f, "mentor_capacity"))
		d.set("roles")
	}
	// Only a form that shows the box (dinner_host_form) changes the role: a
	// form opened before the box existed would otherwise remove it. A
	// host's seats are on each dinner offer; the role's capacity is one
	// household hosting.
	if host, changed := d.ticked("dinner_host"); changed && f.Get("dinner_host_form") != "" {
		v.Roles = withRole(v.GetRoles(), eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, host, 1)
		d.set("roles")
	}
	if seen, changed := d.ticked("background_check"); changed {
		v.BackgroundCheck = nil
		if seen {
			// Seen today in Sweden, the day the volunteers service
			// holds it to (not after today).
			day := calendar.Day(now)
			v.BackgroundCheck = &volunteersv1.BackgroundCheck{Seen: true, SeenDate: day.Format(time.DateOnly),
				ValidUntil: day.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: verifier}
		}
		d.set("background_check")
	}
	return d.paths, val.Err()
}

// withRole returns roles with role set to capacity (added when missing)
// when on, or removed when off; every other role is kept as it is, so a
// box on the form changes only its own role.
func withRole(roles []*eventsv1.RoleCapacity, role eventsv1.VolunteerRole, on bool, capacity int32) []*eventsv1.RoleCapacity {
	out := make([]*eventsv1.RoleCapacity, 0, len(roles)+1)
	placed := false
	for _, rc := range roles {
		if rc.GetRole() != role {
			out = append(out, proto.Clone(rc).(*eventsv1.RoleCapacity))
		} else if on && !placed {
			out = append(out, &eventsv1.RoleCapacity{Role: role, Capacity: capacity})
			placed = true
		}
	}
	if on && !placed {
		out = append(out, &eventsv1.RoleCapacity{Role: role, Capacity: capacity})
	}
	return out
}

func volunteerToForm(v *volunteersv1.Volunteer) url.Values {
	f := url.Values{}
	f.Set("given_name", v.GetGivenName())
	f.Set("family_name", v.GetFamilyName())
	f.Set("municipality_code", v.GetMunicipalityCode())
	f.Set("organisation_id", v.GetOrganisationId())
	f.Set("email", v.GetContact().GetEmail())
	f.Set("phone", v.GetContact().GetPhone())
	f.Set("languages", langCodes(v.GetLanguages()))
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
		if rc.GetRole() == eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST {
			f.Set("dinner_host", "1")
		}
	}
	if bc := v.GetBackgroundCheck(); bc.GetSeen() {
		f.Set("background_check", "1")
		f.Set("background_check_until", bc.GetValidUntil())
	}
	f.Set("household_size", strconv.Itoa(int(v.GetHouseholdSize())))
	f.Set("etag", v.GetEtag())
	prefsToForm(f, v.GetNotifications())
	return f
}
