package web

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
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
