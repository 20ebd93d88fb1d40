package web

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// Form sizes: how many dinner dates an offer form has, sign-up dates and
// party members beside the newcomer. The service takes more (16 dates,
// 56 days, 12 people); the API and mp reach those.
const (
	offerDates   = 6
	signUpDates  = 8
	extraMembers = 5
	// maxSignUpDates and maxMembers are the service's limits (56 days
	// ahead, a party of 12): what an edit form may show and post.
	maxSignUpDates = 56
	maxMembers     = 11
)

// dinnerLanguages are the languages the forms offer as boxes (those the
// programme's guests speak most); others through the API or mp.
var dinnerLanguages = []string{"ar", "ti", "so", "fa", "prs", "uk", "ru", "en", "fr", "es", "tr", "ku"}

// choice is a box or option of a form: its value, label and whether it is
// chosen.
type dinnerChoice struct {
	Value, Label string
	On           bool
}

// dinnerForm is what the offer and sign-up forms show besides p.Form:
// every picker's choices in words.
type dinnerForm struct {
	People, Munis, Diets, Allergens, Languages, Compositions, Relations, Levels []dinnerChoice
	Dates, Members                                                              []int
	Empty                                                                       bool
	// Search makes the person picker a name search (dinnerPeople); Above
	// is the number of people above which it is one.
	Search bool
	Above  int
	// Edit: the form changes a sign-up of Guest in Municipality, which
	// it shows as text (they are not the form's to change).
	Edit                bool
	Guest, Municipality string
	// OfferDates and MinSeats: an edited offer's dates (shown, changed by
	// cancelling) and its seats now (they only grow).
	OfferDates []string
	MinSeats   int32
}

func dinnerChoices[E ~int32](p *page, prefix, key string, from, to E, name func(E) string, chosen []string) []dinnerChoice {
	var out []dinnerChoice
	for v := from; v <= to; v++ {
		n := name(v)
		out = append(out, dinnerChoice{n, p.codeWord(key, strings.TrimPrefix(n, prefix)), slices.Contains(chosen, n)})
	}
	return out
}

// newDinnerForm fills the choices; people are the hosts or guests to pick
// from (id and name).
func newDinnerForm(p *page, people []dinnerChoice, dates int) dinnerForm {
	return newDinnerFormSized(p, people, dates, extraMembers)
}

// newDinnerFormSized is newDinnerForm with room for members people beside
// the newcomer (an edited sign-up may have more than a new one).
func newDinnerFormSized(p *page, people []dinnerChoice, dates, members int) dinnerForm {
	f := p.Form
	d := dinnerForm{People: people, Empty: len(people) == 0}
	for k, m := range dinnerMunis(p) {
		// The first is chosen when none is, as a browser would send it.
		d.Munis = append(d.Munis, dinnerChoice{m.Value, m.Label, f.Get("municipality_code") == m.Value || f.Get("municipality_code") == "" && k == 0})
	}
	d.Diets = dinnerChoices(p, "DIET_", "dinners.diet.", typev1.Diet_DIET_VEGETARIAN, typev1.Diet_DIET_NUT_FREE, typev1.Diet.String, f["diets"])
	d.Allergens = dinnerChoices(p, "ALLERGEN_", "dinners.allergen.", dinnersv1.Allergen_ALLERGEN_NUTS, dinnersv1.Allergen_ALLERGEN_PETS, dinnersv1.Allergen.String, f["allergens"])
	d.Compositions = dinnerChoices(p, "COMPOSITION_", "dinners.composition.", dinnersv1.Composition_COMPOSITION_ALL_FEMALE, dinnersv1.Composition_COMPOSITION_FAMILY,
		dinnersv1.Composition.String, f["composition"])
	d.Relations = dinnerChoices(p, "RELATION_", "dinners.relation.", dinnersv1.Relation_RELATION_PARTNER, dinnersv1.Relation_RELATION_FRIEND, dinnersv1.Relation.String, nil)
	d.Levels = dinnerChoices(p, "SWEDISH_LEVEL_", "label.", typev1.SwedishLevel_SWEDISH_LEVEL_NONE, typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT,
		func(l typev1.SwedishLevel) string { return l.String() }, f["swedish_level"])
	for k := range d.Levels {
		// In the newcomer form's words ("SFI B", "inga"): codeWord lower-cased
		// the short names it found no word for, so the guest's form said "sfi b".
		d.Levels[k].Label = levelLabel(p.Lang, typev1.SwedishLevel(typev1.SwedishLevel_value[d.Levels[k].Value]))
	}
	for _, l := range dinnerLanguages {
		d.Languages = append(d.Languages, dinnerChoice{l, p.codeWord("dinners.lang.", l), slices.Contains(f["languages"], l)})
	}
	// A language given through the API or mp stays a box, chosen, so
	// saving the form keeps it.
	for _, l := range f["languages"] {
		if !slices.Contains(dinnerLanguages, l) {
			d.Languages = append(d.Languages, dinnerChoice{l, p.codeWord("dinners.lang.", l), true})
		}
	}
	for k := range dates {
		d.Dates = append(d.Dates, k)
	}
	for k := range members {
		d.Members = append(d.Members, k+1)
	}
	return d
}

// dinnerField maps a violation's path, the service's ("offer.dinners[0].date")
// or the form's own, to the dinners form's field, and names the record's
// field when that is the host's or guest's picker.
func dinnerField(form url.Values, f string) (field, who string) {
	f = strings.TrimPrefix(strings.TrimPrefix(f, "offer."), "sign_up.")
	if strings.HasPrefix(f, "party[") {
		return partyField(form, f), ""
	}
	if i := strings.IndexAny(f, "[."); i >= 0 {
		f = f[:i]
	}
	if f == "volunteer_id" || f == "participant_id" {
		// The host's or guest's picker, which the forms call person: a
		// host who lost the role since the page loaded was listed as
		// "volunteer_id", linking to no field.
		return "person", f
	}
	return f, ""
}

// dinnerFieldOf is dinnerField's form field alone, for withChecked, with
// the form's dates (date_0, ...) and the record's list of them (an
// offer's dinners, a sign-up's dates) one field: the form refuses a date
// only when none is given, which the service refuses as a list too ("must
// list 1 to 5 dinners"), and one refusal of it is enough.
func dinnerFieldOf(form url.Values) func(string) string {
	return func(f string) string {
		field, _ := dinnerField(form, f)
		if field == "dinners" || strings.HasPrefix(field, "date_") {
			return "dates"
		}
		return field
	}
}

// dinnerFormErrors is formErrors with the service's field paths
// ("offer.dinners[0].date") mapped to the form's fields and labelled from
// the dinners catalogue.
func dinnerFormErrors(p *page, err error) bool {
	// who is the field of the person the form chose, volunteer_id (the
	// offer's host) or participant_id (the sign-up's guest), whose label
	// is the form's word for its picker: "Värd", "Gäst".
	who := ""
	ok := formErrors(p, err, func(f string) string {
		field, w := dinnerField(p.Form, f)
		if w != "" {
			who = w
		}
		return field
	})
	for k, e := range p.ErrorList {
		if e.Field != "" {
			field := e.Field
			if field == "person" && who != "" {
				field = who
			}
			if l := p.t("dinners.f." + field); l != "dinners.f."+field {
				p.ErrorList[k].Label = l
			}
			// A party member's fields (relation_2, age_2): "Person 2".
			if _, n, ok := strings.Cut(e.Field, "_"); ok && (strings.HasPrefix(e.Field, "relation_") || strings.HasPrefix(e.Field, "age_") && n != "self") {
				p.ErrorList[k].Label = p.t("dinners.f.member") + " " + n
			}
		}
		p.ErrorList[k].Message = p.dinnerMsg(e.Message)
	}
	for f, m := range p.Errors {
		p.Errors[f] = p.dinnerMsg(m)
	}
	return ok
}

// dinnerMsg is a dinners service message in the page's language: the
// dinners catalogue's "dinners.msg." sentences, exact or by shape, and the
// shared table of every service's messages are read by the one call mp
// makes too (catalog.ViolationText, ADR 0136). A message none of them
// knows stays as it is (ADR 0065).
func (p *page) dinnerMsg(msg string) string {
	return translateMessage(p.Lang, catalog.SeatingMessage(msg))
}

// dinnerErr is err with its message and violations in the page's
// language (see dinnerMsg), for the error page of an action.
func (p *page) dinnerErr(err error) error {
	ae := core.Public(p.ctx, slog.Default(), err)
	if ae.Code == apperr.Internal || ae.Code == apperr.NotFound || ae.Code == apperr.Unavailable {
		return err
	}
	out := &apperr.Error{Code: ae.Code, Message: p.dinnerMsg(ae.Message)}
	for _, v := range ae.Violations {
		out.Violations = append(out.Violations, apperr.FieldViolation{Field: v.Field, Description: p.dinnerMsg(v.Description)})
	}
	return out
}

// dinnerList is a page of offers or sign-ups.
type dinnerList struct {
	Offers  []*gatewayv1.DinnerOfferView
	SignUps []*gatewayv1.DinnerSignUpView
	Total   int32
	Pager   pager
	Munis   []dinnerPick
	// NoHost holds the offers whose host cannot receive guests: no job
	// seats anyone there, so the list says so at the offer, and why.
	NoHost map[string]*hostMark
	// Apart tells a host or a guest from a namesake the caller may see,
	// on this page or not, by id (ADR 0200).
	Apart map[string]string
	// Today: a dinner before it says its day has passed, without a seat
	// count or a cancel button (ADR 0269).
	Today string
}

func (w *Web) dinnerOffers(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("dinners.offers.title"), "dinners", r.URL.Query()
	if fq := flashQuery(p, r); fq.Get("created") != "" || fq.Get("saved") != "" {
		p.Flash = p.t("dinners.saved")
	} else if fq.Get("done") == "removed" {
		p.Flash = p.t("rm.done.removed")
	}
	res, err := w.g.ListDinnerOffers(r.Context(), p.caller, &gatewayv1.ListDinnerOffersRequest{PageSize: 50, PageToken: r.URL.Query().Get("page_token"),
		MunicipalityCode: r.URL.Query().Get("municipality_code")})
	if err != nil {
		return err
	}
	d := dinnerList{Offers: res.GetOffers(), Total: res.GetTotalSize(), Munis: dinnerMunis(p), Today: calendar.Today(p.clock()),
		Pager: newPager(p, r, "", "", 50, len(res.GetOffers()), res.GetTotalSize(), res.GetNextPageToken())}
	d.NoHost = offersWithoutHost(d.Offers)
	label := make(map[string]string, len(d.Offers))
	for _, v := range d.Offers {
		label[v.GetOffer().GetVolunteerId()] = v.GetHostName() + ", " + v.GetOffer().GetMunicipalityCode()
	}
	ns, err := w.namesakesOf(r.Context(), p, nil, slices.Sorted(maps.Keys(label)))
	if err != nil {
		return err
	}
	d.Apart = groupsApart(p, label, ns.volunteers)
	p.Data = d
	return w.render(rw, p, http.StatusOK, "dinners_offers")
}

func (w *Web) dinnerOfferNew(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("dinners.offers.new"), "dinners", "/dinners/offers"
	p.Form.Set("request_id", ids.UUIDv7{}.New())
	p.Form.Set("seats", "4")
	p.Form.Set("start_time", "18:00")
	p.Form.Set("picker_municipality", r.URL.Query().Get("picker_municipality"))
	return w.dinnerOfferForm(rw, r, p, http.StatusOK)
}

func (w *Web) dinnerOfferForm(rw http.ResponseWriter, r *http.Request, p *page, status int) error {
	hosts, search, err := w.dinnerPeople(r, p, true)
	if err != nil {
		return err
	}
	p.Data = w.searchForm(newDinnerForm(p, hosts, offerDates), search)
	return w.render(rw, p, status, "dinners_offer_form")
}

func (w *Web) dinnerOfferCreate(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("dinners.offers.new"), "dinners", "/dinners/offers", r.PostForm
	f := r.PostForm
	if f.Has("picker_search") {
		return w.dinnerOfferForm(rw, r, p, http.StatusOK)
	}
	var v apperr.Validator
	seats, _ := strconv.Atoi(f.Get("seats"))
	o := &dinnersv1.Offer{VolunteerId: f.Get("person"), MunicipalityCode: dinnerMunicipality(&v, f.Get("municipality_code")), Seats: int32(seats),
		Kitchen: offerKitchen(&v, f), Languages: f["languages"], Pets: f.Get("pets") != "", Postcode: people.NormPostcode(f.Get("postcode")),
		Address:     people.NormLine(f.Get("address")),
		Composition: dinnersv1.Composition(enumField(&v, f, "composition", dinnersv1.Composition_value))}
	for k := range offerDates {
		if d := f.Get(fmt.Sprintf("date_%d", k)); d != "" {
			o.Dinners = append(o.Dinners, &dinnersv1.Dinner{Date: d, StartTime: f.Get("start_time")})
		}
	}
	v.Check(o.GetVolunteerId() != "", "volunteer_id", p.t("dinners.err.host"))
	v.Check(len(o.GetDinners()) > 0, "date_0", p.t("dinners.err.date"))
	err := v.Err()
	if err == nil && p.Admin {
		o.OrganisationId, err = w.personOrg(r, p, true, o.GetVolunteerId())
	}
	if err == nil {
		_, err = w.g.CreateDinnerOffer(r.Context(), p.caller, f.Get("request_id"), o)
	} else if w.checkable(r, p, true, o.GetVolunteerId(), &o.OrganisationId) {
		// The form's own refusals and the service's of the rest, in one
		// answer (ADR 0144), as the edit form's (ADR 0139).
		err = withChecked(p, err, w.g.ValidateDinnerOffer(r.Context(), p.caller, f.Get("request_id"), o), dinnerFieldOf(f))
	}
	if err != nil {
		if dinnerFormErrors(p, err) {
			return w.dinnerOfferForm(rw, r, p, http.StatusUnprocessableEntity)
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/dinners/offers", url.Values{"created": {"1"}}), http.StatusSeeOther)
	return nil
}

// offerKitchen is the offer form's diets and allergens boxes; a value the
// boxes do not offer (a tampered form) is a violation on its field in v,
// as every choice of the dinners forms is (enumField, enumList).
func offerKitchen(v *apperr.Validator, f url.Values) *dinnersv1.Kitchen {
	return &dinnersv1.Kitchen{Diets: enumList[typev1.Diet](v, f, "diets", typev1.Diet_value),
		AllergensHandled: enumList[dinnersv1.Allergen](v, f, "allergens", dinnersv1.Allergen_value)}
}

func (w *Web) dinnerOfferDelete(rw http.ResponseWriter, r *http.Request, p *page) error {
	if err := w.g.DeleteDinnerOffer(r.Context(), p.caller, r.PathValue("id")); err != nil {
		return p.dinnerErr(err)
	}
	http.Redirect(rw, r, withDone(p, "/dinners/offers", url.Values{"done": {"removed"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) dinnerCancelDate(rw http.ResponseWriter, r *http.Request, p *page) error {
	if _, err := w.g.CancelDinner(r.Context(), p.caller, r.PathValue("id"), r.PostForm.Get("date")); err != nil {
		return p.dinnerErr(err)
	}
	http.Redirect(rw, r, withDone(p, "/dinners/offers", url.Values{"saved": {"1"}}), http.StatusSeeOther)
	return nil
}

func (w *Web) dinnerSignUps(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Form = p.t("dinners.signups.title"), "dinners", r.URL.Query()
	if fq := flashQuery(p, r); fq.Get("created") != "" || fq.Get("saved") != "" {
		p.Flash = p.t("dinners.saved")
	} else if fq.Get("done") == "removed" {
		p.Flash = p.t("rm.done.removed")
	}
	res, err := w.g.ListDinnerSignUps(r.Context(), p.caller, &gatewayv1.ListDinnerSignUpsRequest{PageSize: 50, PageToken: r.URL.Query().Get("page_token"),
		MunicipalityCode: r.URL.Query().Get("municipality_code")})
	if err != nil {
		return err
	}
	label := make(map[string]string, len(res.GetSignUps()))
	for _, v := range res.GetSignUps() {
		label[v.GetSignUp().GetParticipantId()] = v.GetParticipantName() + ", " + v.GetSignUp().GetMunicipalityCode()
	}
	ns, err := w.namesakesOf(r.Context(), p, slices.Sorted(maps.Keys(label)), nil)
	if err != nil {
		return err
	}
	p.Data = dinnerList{SignUps: res.GetSignUps(), Total: res.GetTotalSize(), Munis: dinnerMunis(p), Apart: groupsApart(p, label, ns.participants),
		Pager: newPager(p, r, "", "", 50, len(res.GetSignUps()), res.GetTotalSize(), res.GetNextPageToken())}
	return w.render(rw, p, http.StatusOK, "dinners_signups")
}

func (w *Web) dinnerSignUpNew(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action = p.t("dinners.signups.new"), "dinners", "/dinners/signups"
	p.Form = url.Values{"request_id": {ids.UUIDv7{}.New()}, "age_self": {""}, "swedish_level": {"SWEDISH_LEVEL_SFI_B"},
		"picker_municipality": {r.URL.Query().Get("picker_municipality")}}
	return w.dinnerSignUpForm(rw, r, p, http.StatusOK)
}

func (w *Web) dinnerSignUpForm(rw http.ResponseWriter, r *http.Request, p *page, status int) error {
	guests, search, err := w.dinnerPeople(r, p, false)
	if err != nil {
		return err
	}
	p.Data = w.searchForm(newDinnerForm(p, guests, signUpDates), search)
	return w.render(rw, p, status, "dinners_signup_form")
}

func (w *Web) dinnerSignUpCreate(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title, p.Nav, p.Action, p.Form = p.t("dinners.signups.new"), "dinners", "/dinners/signups", r.PostForm
	f := r.PostForm
	if f.Has("picker_search") {
		return w.dinnerSignUpForm(rw, r, p, http.StatusOK)
	}
	s, v := signUpFromForm(p, f)
	v.Check(s.GetParticipantId() != "", "participant_id", p.t("dinners.err.guest"))
	err := v.Err()
	if err == nil && p.Admin {
		s.OrganisationId, err = w.personOrg(r, p, false, s.GetParticipantId())
	}
	if err == nil {
		_, err = w.g.CreateDinnerSignUp(r.Context(), p.caller, f.Get("request_id"), s)
	} else if w.checkable(r, p, false, s.GetParticipantId(), &s.OrganisationId) {
		err = withChecked(p, err, w.g.ValidateDinnerSignUp(r.Context(), p.caller, f.Get("request_id"), s), dinnerFieldOf(f))
	}
	if err != nil {
		if dinnerFormErrors(p, err) {
			return w.dinnerSignUpForm(rw, r, p, http.StatusUnprocessableEntity)
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/dinners/signups", url.Values{"created": {"1"}}), http.StatusSeeOther)
	return nil
}

// signUpFromForm reads the sign-up form (new or edited) with the form's
// own checks (ages, at least one date, every choice one the form offers)
// in v. Members and dates are read
// up to the service's limits, so an edited sign-up with more than a new
// form shows keeps them all.
func signUpFromForm(p *page, f url.Values) (*dinnersv1.SignUp, *apperr.Validator) {
	v := &apperr.Validator{}
	age, err := strconv.Atoi(strings.TrimSpace(f.Get("age_self")))
	v.Check(err == nil, "age_self", p.t("dinners.err.age"))
	s := &dinnersv1.SignUp{ParticipantId: f.Get("person"), MunicipalityCode: dinnerMunicipality(v, f.Get("municipality_code")),
		Party: []*dinnersv1.PartyMember{{Age: int32(age), Relation: dinnersv1.Relation_RELATION_SELF}},
		Diets: enumList[typev1.Diet](v, f, "diets", typev1.Diet_value), Allergens: enumList[dinnersv1.Allergen](v, f, "allergens", dinnersv1.Allergen_value),
		SwedishLevel: typev1.SwedishLevel(enumField(v, f, "swedish_level", typev1.SwedishLevel_value)), Languages: f["languages"],
		Composition: dinnersv1.Composition(enumField(v, f, "composition", dinnersv1.Composition_value)), FirstTime: f.Get("first_time") != "",
		SfiClass: strings.TrimSpace(f.Get("sfi_class")), Postcode: people.NormPostcode(f.Get("postcode"))}
	for k := 1; k <= maxMembers; k++ {
		rel, a := f.Get(fmt.Sprintf("relation_%d", k)), strings.TrimSpace(f.Get(fmt.Sprintf("age_%d", k)))
		if rel == "" && a == "" {
			continue
		}
		n, err := strconv.Atoi(a)
		v.Check(err == nil, fmt.Sprintf("age_%d", k), p.t("dinners.err.age"))
		s.Party = append(s.Party, &dinnersv1.PartyMember{Age: int32(n), Relation: dinnersv1.Relation(enumField(v, f, fmt.Sprintf("relation_%d", k), dinnersv1.Relation_value))})
	}
	for k := range maxSignUpDates {
		if d := strings.TrimSpace(f.Get(fmt.Sprintf("date_%d", k))); d != "" {
			s.Dates = append(s.Dates, d)
		}
	}
	v.Check(len(s.GetDates()) > 0, "date_0", p.t("dinners.err.date"))
	return s, v
}

func (w *Web) dinnerSignUpDelete(rw http.ResponseWriter, r *http.Request, p *page) error {
	if err := w.g.DeleteDinnerSignUp(r.Context(), p.caller, r.PathValue("id")); err != nil {
		return p.dinnerErr(err)
	}
	http.Redirect(rw, r, withDone(p, "/dinners/signups", url.Values{"done": {"removed"}}), http.StatusSeeOther)
	return nil
}

// personOrg is the organisation of the host (volunteer) or guest an
// admin's dinners form chose: the form has no organisation field, since an
// offer or sign-up belongs with its person, and a coordinator's is their
// own (core.ownOrg). Without it every admin post was refused with
// "Organisation: är inget giltigt id" (ADR 0129). A person the admin
// cannot read is the service's refusal, on the person field.
func (w *Web) personOrg(r *http.Request, p *page, volunteer bool, id string) (string, error) {
	if volunteer {
		v, err := w.g.GetVolunteer(r.Context(), p.caller, id)
		return v.GetVolunteer().GetOrganisationId(), personErr(err, "volunteer_id")
	}
	v, err := w.g.GetParticipant(r.Context(), p.caller, id)
	return v.GetParticipant().GetOrganisationId(), personErr(err, "participant_id")
}

// checkable reports whether a new offer or sign-up the form refused can
// be checked by the service for the rest, and sets *org for an
// administrator's, the chosen person's organisation (a coordinator's is
// their own). An administrator's form without a person, or with one that
// cannot be read, is not checked: the service would refuse the missing
// organisation, a field the form does not have, and the form's own
// refusals come alone as before.
func (w *Web) checkable(r *http.Request, p *page, volunteer bool, id string, org *string) bool {
	if !p.Admin {
		return true
	}
	if id == "" {
		return false
	}
	o, err := w.personOrg(r, p, volunteer, id)
	*org = o
	return err == nil
}

// personErr is a failed read of the chosen person as a violation of the
// form's person picker when nobody has that id, under the record's field
// (volunteer_id, participant_id), as the dinners service names it, so the
// summary says "Värd" or "Gäst" (dinnerFormErrors); other errors as they
// are.
func personErr(err error, field string) error {
	if apperr.ErrorCode(err) != apperr.NotFound {
		return err
	}
	var v apperr.Validator
	v.Add(field, "is not an id")
	return v.Err()
}
