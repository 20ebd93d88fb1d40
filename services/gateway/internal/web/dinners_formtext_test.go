package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// TestDinnerDateLabelsCountFromOne: the date fields of the offer and
// sign-up forms are announced to a screen reader as "Datum 1" up to the
// last, as a person counts, not from the template's zero-based index
// ("Datum 0" to "Datum 5").
func TestDinnerDateLabelsCountFromOne(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tmpl  string
		dates int
	}{{"dinners_offer_form", offerDates}, {"dinners_signup_form", signUpDates}} {
		p := benchPage()
		p.Form = url.Values{}
		p.Data = newDinnerForm(p, nil, tt.dates)
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, tt.tmpl); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		for k := range tt.dates {
			want := fmt.Sprintf(`<label for="f-date-%d" class="sr">Datum %d</label>`, k, k+1)
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %s", tt.tmpl, want)
			}
		}
		if strings.Contains(body, `class="sr">Datum 0</label>`) {
			t.Errorf("%s: a date field is announced as Datum 0", tt.tmpl)
		}
	}
}

// TestDinnerHostRefusalNamesThePicker: the dinners service's refusal of
// the host or guest (offer.volunteer_id, sign_up.participant_id: a host
// who lost the role while the form was open) and the form's own (none
// chosen, an id nobody has) are shown at the form's picker, person, and
// the summary links to it by the picker's word, "Värd" or "Gäst"; it was
// listed as "volunteer_id", linking to no field, and then as "Person" on
// both forms (ADR 0132).
func TestDinnerHostRefusalNamesThePicker(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lang, field, want string }{
		{"sv", "offer.volunteer_id", "Värd"}, {"sv", "sign_up.participant_id", "Gäst"},
		{"sv", "volunteer_id", "Värd"}, {"en", "participant_id", "Guest"}, {"en", "offer.volunteer_id", "Host"},
	} {
		p := benchPage()
		p.ctx, p.Lang = context.Background(), tt.lang
		var v apperr.Validator
		v.Add(tt.field, "is not a dinner host of the organisation")
		if !dinnerFormErrors(p, v.Err()) {
			t.Fatalf("%s: not shown on the form", tt.field)
		}
		if p.Errors["person"] == "" {
			t.Errorf("%s: nothing at the picker; errors %v", tt.field, p.Errors)
		}
		if len(p.ErrorList) != 1 || p.ErrorList[0].Field != "person" || p.ErrorList[0].Label != tt.want {
			t.Errorf("%s %s: summary %+v, want the label %q", tt.lang, tt.field, p.ErrorList, tt.want)
		}
	}
	// The web's own refusals name the record's field, so they read the same.
	if err := personErr(apperr.Errorf(apperr.NotFound, "volunteer not found"), "volunteer_id"); apperr.Violations(err)[0].Field != "volunteer_id" {
		t.Errorf("personErr: %v", err)
	}
}

// TestDinnerPartyRefusalsAtTheirFields: the dinners service's refusal of a
// party member's age (sign_up.party[i].age) is shown at that member's age
// field, counting only the rows filled in as signUpFromForm sends them;
// both refusals of a party of -5 and 500 were listed as the fieldset.
func TestDinnerPartyRefusalsAtTheirFields(t *testing.T) {
	t.Parallel()
	p := benchPage()
	p.ctx = context.Background()
	// Rows 1 and 3 filled in: the service's party[1] is row 1, party[2] row 3.
	p.Form = url.Values{"age_self": {"-5"}, "relation_1": {"RELATION_CHILD"}, "age_1": {"7"}, "relation_3": {"RELATION_PARTNER"}, "age_3": {"500"}}
	if s, _ := signUpFromForm(p, p.Form); len(s.GetParty()) != 3 {
		t.Fatalf("the form's party: %v", s.GetParty())
	}
	var sv apperr.Validator
	sv.Add("sign_up.party[0].age", "must be from 0 to 120")
	sv.Add("sign_up.party[2].age", "must be from 0 to 120")
	sv.Add("sign_up.party[2].relation", "must be a relation")
	if !dinnerFormErrors(p, sv.Err()) {
		t.Fatal("not shown on the form")
	}
	for _, f := range []string{"age_self", "age_3", "relation_3"} {
		if p.Errors[f] == "" {
			t.Errorf("nothing at %s; errors %v", f, p.Errors)
		}
	}
	if p.Errors["party"] != "" {
		t.Errorf("shown at the fieldset too: %q", p.Errors["party"])
	}
}

// TestSignUpFormLevelsInTheNewcomerFormsWords: the sign-up form's Swedish
// levels read as the newcomer form's ("SFI B", "inga", "flytande"), in
// both languages; they read "sfi b" and "sas" (outside round s46, ADR 0256).
func TestSignUpFormLevelsInTheNewcomerFormsWords(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"sv", "en"} {
		p := benchPage()
		p.ctx, p.Lang = context.Background(), lang
		p.Form = url.Values{}
		p.Data = newDinnerForm(p, nil, signUpDates)
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, "dinners_signup_form"); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.String()
		for l := typev1.SwedishLevel_SWEDISH_LEVEL_NONE; l <= typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT; l++ {
			want := fmt.Sprintf(`<option value="%s" >%s</option>`, l, catalog.Level(lang, l))
			if !strings.Contains(body, want) {
				t.Errorf("%s: no %s", lang, want)
			}
		}
		if strings.Contains(body, ">sfi ") || strings.Contains(body, ">sas<") {
			t.Errorf("%s: a level in lower case", lang)
		}
	}
}

// TestDinnerFormsKeepNoPersonInTheBrowser: every field of the offer and
// sign-up forms a person's facts are typed into (the host's street address
// and postcode, the guest's SFI class and postcode, the name search) tells
// the browser not to keep what was typed, as the newcomer and volunteer
// forms do. The coordinator's browser kept "Qvmarkgatan 46" in its autofill
// store after the host was erased, and offered it in every address field
// (outside round s46, ADR 0256).
func TestDinnerFormsKeepNoPersonInTheBrowser(t *testing.T) {
	t.Parallel()
	w, err := New(nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	input := regexp.MustCompile(`<input[^>]*>`)
	notTyped := regexp.MustCompile(`type="(hidden|checkbox|radio|date|time|number|submit)"`)
	for _, tt := range []struct {
		tmpl  string
		dates int
		want  []string
	}{
		{"dinners_offer_form", offerDates, []string{"postcode", "address", "picker_name"}},
		{"dinners_signup_form", signUpDates, []string{"postcode", "sfi_class", "picker_name"}},
	} {
		p := benchPage()
		p.ctx = context.Background()
		p.Form = url.Values{}
		d := newDinnerForm(p, nil, tt.dates)
		d.Search = true
		p.Data = d
		rec := httptest.NewRecorder()
		if err := w.render(rec, p, 200, tt.tmpl); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, in := range input.FindAllString(rec.Body.String(), -1) {
			if notTyped.MatchString(in) {
				continue
			}
			name := regexp.MustCompile(`name="([^"]*)"`).FindStringSubmatch(in)
			if name == nil {
				continue
			}
			seen[name[1]] = true
			if !strings.Contains(in, `autocomplete="off"`) {
				t.Errorf("%s: %s lets the browser keep what is typed", tt.tmpl, in)
			}
		}
		for _, n := range tt.want {
			if !seen[n] {
				t.Errorf("%s: no field %s", tt.tmpl, n)
			}
		}
	}
}
