package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// listData is a page of a register.
type listData[T any] struct {
	Items []T
	Next  string
	Total string
	// Pager is the position line and the next and previous links.
	Pager pager
	// ShortName is a name search of one or two letters, which matches
	// whole names only (ADR 0084): an empty list says so, or the person
	// typing "am" thinks nobody is called Amina.
	ShortName bool
	// Apart tells namesakes on the page apart, by id: "registrerad
	// 2026-03-14" beside each of two Anna Andersson in Malmö (ADR 0132).
	Apart map[string]string
}

// shortName reports whether a searched name is too short to match the
// start of a name (ADR 0084: fewer than three letters match whole names).
func shortName(name string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	return n > 0 && n < 3
}

func (w *Web) dashboard(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav = p.t("dash.title"), "dashboard"
	d, err := w.g.Dashboard(r.Context(), p.caller)
	if err != nil {
		return err
	}
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dashboard")
}

func (w *Web) participants(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("p.title"), "participants", r.URL.Query()
	p.Flash = doneFlash(p, r)
	q := r.URL.Query()
	req := &gatewayv1.ListParticipantsRequest{PageSize: 50, PageToken: q.Get("page_token"), MunicipalityCode: q.Get("municipality_code"),
		Language: strings.TrimSpace(q.Get("language")), Name: searchedName(r, p, "participants"), WithNamesakes: true}
	var err error
	if l := q.Get("swedish_level"); l != "" {
		v, ok := typev1.SwedishLevel_value[l]
		if !ok {
			var val apperr.Validator
			val.Add("swedish_level", "is not a known value")
			err = val.Err()
		}
		req.SwedishLevel = typev1.SwedishLevel(v)
	}
	var res *gatewayv1.ListParticipantsResponse
	if err == nil {
		res, err = w.g.ListParticipants(r.Context(), p.caller, req)
	}
	if err != nil {
		if w.startedOverAfter(rw, r, p, err) {
			return nil
		}
		if formErrors(p, err, listFilterField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "participants")
		}
		return err
	}
	p.Data = listData[*participantsv1.Participant]{Items: res.GetParticipants(), Next: res.GetNextPageToken(),
		Total: fmt.Sprintf("%d", res.GetTotalSize()), ShortName: shortName(req.GetName()), Apart: registerApart(p, res.GetParticipants(), res.GetNamesakes()),
		Pager: newPager(p, r, "", "", 50, len(res.GetParticipants()), res.GetTotalSize(), res.GetNextPageToken())}
	return w.render(rw, p, http.StatusOK, "participants")
}

// listFilterField maps a list request's violation to its filter; a page
// token (a stale or edited address) is its own, shown in the summary.
func listFilterField(f string) string {
	switch f {
	case "language", "swedish_level", "name", "page_token":
		return f
	}
	return "municipality_code"
}

func (w *Web) participantNew(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("p.new"), "participants", "/participants"
	p.Form.Set("request_id", ids.UUIDv7{}.New())
	p.Form.Set("household_size", "1")
	// Consent box unticked: consent is the person's affirmative act, never
	// a default (issue 12, GDPR art. 4(11), recital 32).
	return w.renderRecordForm(rw, r, p, http.StatusOK, "participant_form")
}

func (w *Web) participantCreate(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("p.new"), "participants", "/participants", r.PostForm
	pt := &participantsv1.Participant{}
	_, err := applyParticipantForm(pt, languageCodes(p.Lang, r.PostForm, nil), url.Values{}, p.Admin)
	for _, fc := range formConsents {
		if r.PostForm.Get(fc.field) != "" {
			pt.Consents = append(pt.Consents, consentFor(fc.purpose, chosenLang(r.PostForm, nil)))
		}
	}
	if err == nil {
		pt, err = w.g.CreateParticipant(r.Context(), p.caller, pt, r.PostForm.Get("request_id"))
	} else {
		// The form's own refusals and the service's of the rest, in one
		// answer (ADR 0132): a coordinator who typed an unknown language
		// and left the name empty learnt of the name on the second try.
		err = withChecked(p, err, w.g.ValidateParticipant(r.Context(), p.caller, pt, r.PostForm.Get("request_id")), participantField)
	}
	if err != nil {
		if formErrors(p, err, participantField) {
			return w.renderRecordForm(rw, r, p, http.StatusUnprocessableEntity, "participant_form")
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/participants/"+url.PathEscape(pt.GetId()), url.Values{"created": {"1"}}), http.StatusSeeOther)
	return nil
}

// formConsents are the newcomer form's consent boxes, one per programme a
// coordinator registers newcomers for. Each programme's pool takes only
// those who consented to its purpose (ADR 0061, 0070), so with the
// mentoring box alone a newcomer registered in the web app could never be
// signed up for a dinner nor assigned a guide.
//
// An edit form counts the dinners and guides boxes only when it posts the
// consent_form marker (marked): a form opened before those boxes existed
// and saved after would otherwise withdraw both consents, its boxes being
// absent as if unticked.
var formConsents = []struct {
	field   string
	purpose eventsv1.ConsentPurpose
	marked  bool
}{
	{"consent_mentoring", eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, false},
	{"consent_dinners", eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, true},
	{"consent_guides", eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, true},
}

func (w *Web) participantEdit(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action = p.t("p.edit"), "participants", "/participants/"+id
	v, err := w.g.GetParticipant(r.Context(), p.caller, id)
	if err != nil {
		return err
	}
	p.Form = languageNames(p.Lang, participantToForm(v.GetParticipant()))
	pv := newParticipantView(p, v.GetOrganisationName(), v.GetParticipant())
	w.loadPersonDinners(r, p, id, &pv)
	w.loadPersonProgrammes(r, p, id, &pv)
	p.Data = pv
	p.Flash = savedFlash(p, r)
	return w.renderRecordForm(rw, r, p, http.StatusOK, "participant_form")
}

// errStale answers a form posted over a record someone changed since the
// form was shown: applying it would undo their change.
var errStale = apperr.Errorf(apperr.Conflict, "the record was changed by someone else since you opened it; reload the page and try again")

// participantUpdate saves an edit form. Only the fields the user changed
// are sent, each merged into the stored record (a language keeps its
// level, the contact its preferred language, the household its ages), so
// saving a form unchanged changes nothing. Consent changes go through
// RecordConsent and WithdrawConsent, the service's explicit acts.
func (w *Web) participantUpdate(rw http.ResponseWriter, r *http.Request, p *page) error {
	id := r.PathValue("id")
	p.Title, p.Nav, p.Action, p.Form = p.t("p.edit"), "participants", "/participants/"+id, r.PostForm
	cur, err := w.g.GetParticipant(r.Context(), p.caller, id)
	if err != nil {
		return err
	}
	p.Data = newParticipantView(p, cur.GetOrganisationName(), cur.GetParticipant())
	pt, err := w.saveParticipant(r, p, cur.GetParticipant())
	if err != nil {
		if formErrors(p, err, participantField) {
			pv := p.Data.(participantView)
			w.loadPersonDinners(r, p, id, &pv)
			w.loadPersonProgrammes(r, p, id, &pv)
			p.Data = pv
			return w.renderRecordForm(rw, r, p, http.StatusUnprocessableEntity, "participant_form")
		}
		return err
	}
	// To the form read afresh, saying it is saved: the form rendered as
	// the POST's answer made back and reload offer to send it again (ADR
	// 0236).
	http.Redirect(rw, r, withDone(p, "/participants/"+url.PathEscape(pt.GetId()), url.Values{"saved": {"1"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) saveParticipant(r *http.Request, p *page, cur *participantsv1.Participant) (*participantsv1.Participant, error) {
	old := participantToForm(cur)
	f := languageCodes(p.Lang, r.PostForm, old)
	if e := f.Get("etag"); e != "" && e != cur.GetEtag() {
		return nil, errStale
	}
	pt := proto.Clone(cur).(*participantsv1.Participant)
	paths, err := applyParticipantForm(pt, f, old, p.Admin)
	pt.Etag = cur.GetEtag()
	if err != nil {
		if len(paths) > 0 {
			// The form's own refusals and the service's of the rest of
			// the change, in one answer (ADR 0139, as the new form's).
			err = withChecked(p, err, w.g.ValidateParticipantUpdate(r.Context(), p.caller, pt, paths), participantField)
		}
		return nil, err
	}
	out := cur
	if len(paths) > 0 {
		if out, err = w.g.UpdateParticipant(r.Context(), p.caller, pt, paths); err != nil {
			return nil, err
		}
	}
	for _, fc := range formConsents {
		if fc.marked && f.Get("consent_form") == "" {
			continue
		}
		switch want, had := f.Get(fc.field) != "", old.Get(fc.field) != ""; {
		case want && !had:
			out, err = w.g.RecordConsent(r.Context(), p.caller, cur.GetId(), consentFor(fc.purpose, chosenLang(r.PostForm, cur)))
		case !want && had:
			out, err = w.g.WithdrawConsent(r.Context(), p.caller, cur.GetId(), fc.purpose)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// and returns the record paths to update. Consent is not a path: it
// changes only through RecordConsent and WithdrawConsent.
func applyParticipantForm(p *participantsv1.Participant, f, old url.Values, admin bool) ([]string, error) {
	var v apperr.Validator
	d := &formDiff{f: f, old: old}
	d.text("given_name", "given_name", &p.GivenName, false)
	d.text("family_name", "family_name", &p.FamilyName, false)
	d.text("municipality_code", "municipality_code", &p.MunicipalityCode, true)
	if admin {
		d.organisation(&v, &p.OrganisationId)
	}
	d.contact(&p.Contact)
	d.prefs(&v, &p.Notifications)
	d.languages(&v, &p.Languages, typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL)
	if d.changed("swedish_level") {
		p.SwedishLevel = typev1.SwedishLevel(enumField(&v, f, "swedish_level", typev1.SwedishLevel_value))
		d.set("swedish_level")
	}
	if d.changed("household_size") {
		h := &participantsv1.Household{}
		if p.GetHousehold() != nil {
			h = proto.Clone(p.GetHousehold()).(*participantsv1.Household)
		}
		h.Size = intField(&v, f, "household_size")
		p.Household = h
		d.set("household")
	}
	if d.changed("interests") {
		p.Interests = people.NormInterests(splitList(f.Get("interests")))
		d.set("interests")
	}
	if d.changed("gender") {
		p.Gender = typev1.Gender(enumField(&v, f, "gender", typev1.Gender_value))
		d.set("gender")
	}
	if now, changed := d.ticked("same_gender"); changed {
		p.WantsSameGenderMentor = now
		d.set("wants_same_gender_mentor")
	}
	// The facts the guides programme's eligibility reads (ADR 0070):
	// without them a newcomer registered here is never entitled.
	d.text("residence_permit_date", "residence_permit_date", &p.ResidencePermitDate, true)
	if d.changed("establishment_status") {
		p.EstablishmentStatus = eventsv1.EstablishmentStatus(enumField(&v, f, "establishment_status", eventsv1.EstablishmentStatus_value))
		d.set("establishment_status")
	}
	if d.changed("parental_leave") {
		p.ParentalLeave = eventsv1.ParentalLeave(enumField(&v, f, "parental_leave", eventsv1.ParentalLeave_value))
		d.set("parental_leave")
	}
	return d.paths, v.Err()
}

func participantToForm(p *participantsv1.Participant) url.Values {
	f := url.Values{}
	f.Set("given_name", p.GetGivenName())
	f.Set("family_name", p.GetFamilyName())
	f.Set("municipality_code", p.GetMunicipalityCode())
	f.Set("organisation_id", p.GetOrganisationId())
	f.Set("email", p.GetContact().GetEmail())
	f.Set("phone", p.GetContact().GetPhone())
	f.Set("languages", langCodes(p.GetLanguages()))
	f.Set("swedish_level", p.GetSwedishLevel().String())
	f.Set("household_size", strconv.Itoa(int(p.GetHousehold().GetSize())))
	f.Set("interests", strings.Join(p.GetInterests(), ", "))
	f.Set("gender", p.GetGender().String())
	if p.GetWantsSameGenderMentor() {
		f.Set("same_gender", "1")
	}
	f.Set("residence_permit_date", p.GetResidencePermitDate())
	f.Set("establishment_status", p.GetEstablishmentStatus().String())
	f.Set("parental_leave", p.GetParentalLeave().String())
	for _, c := range p.GetConsents() {
		for _, fc := range formConsents {
			if c.GetPurpose() == fc.purpose && c.GetWithdrawnTime() == nil {
				f.Set(fc.field, "1")
			}
		}
	}
	f.Set("etag", p.GetEtag())
	prefsToForm(f, p.GetNotifications())
	return f
}

func langCodes(ls []*typev1.LanguageSkill) string {
	var out []string
	for _, l := range ls {
		out = append(out, l.GetCode())
	}
	return strings.Join(out, ", ")
}

// participantField maps a service's violation path to the form field.
func participantField(f string) string { return catalog.RecordField(f) }

// doneFlash is the message after a removal redirected to a list.
func doneFlash(p *page, r *http.Request) string {
	switch d := flashQuery(p, r).Get("done"); d {
	case "removed", "erased":
		return p.t("rm.done." + d)
	}
	return ""
}
