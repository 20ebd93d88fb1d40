package catalog

import (
	"slices"
	"sort"
	"testing"
)

// TestEveryViolationFieldLabelled: every field a violation names, in the
// gateway's own checks and in the services behind it (the mentoring
// service's refusal of an unknown ListPairs order, ADR 0128), has a label
// in every catalogue with the form labels, so the web's error summary and
// mp say "Ordning", not "order". So has every web-only field (no request
// has it) that the gateway's pages refuse, or that the notify service
// refuses on the answer pages the gateway serves: the dinners forms'
// date_0 and age_self, a confirmation box, a link's token and action (ADR
// 0129). A service's field no gateway request has yet is labelled too
// (mentoring's flag_after_weeks was left out, ADR 0132): the gateway
// forwards requests field by field, so one added to a request would reach
// a page unlabelled. The fields are read from the sources, so a new check
// on a field without a label fails here.
func TestEveryViolationFieldLabelled(t *testing.T) {
	t.Parallel()
	fields := map[string]string{}
	for _, root := range []string{"../..", "../../../mentoring", "../../../participants", "../../../volunteers",
		"../../../dinners", "../../../guides", "../../../notify"} {
		_, f := violationsUnder(t, root)
		for k, v := range f {
			fields[k] = v
		}
	}
	// The scan itself: it finds the new order, an old, labelled field,
	// the web-only fields and a service's own (flag_after_weeks).
	for _, want := range []string{"order", "municipality_code", "date_0", "age_self", "confirm", "ids", "token", "action", "flag_after_weeks"} {
		if _, ok := fields[want]; !ok {
			t.Errorf("the scan did not find the field %q", want)
		}
	}
	var names []string
	for f := range fields {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, locale := range Locales() {
		if !slices.Contains(Keys(locale), "f.municipality") {
			continue // no form labels in this language: English's are shown
		}
		for _, f := range names {
			if got := PathLabel(locale, f); got == f {
				t.Errorf("%s: the field %q has no %s label", fields[f], f, locale)
			}
		}
	}
}

// TestRefusedFieldsInWords: the fields the gateway's own pages and mp
// refuse outside a form's labelled inputs (the bulk approval's lowest
// score and its choice, a list's page token, the dinners report's months)
// are named by words in every language the app offers, in the web's error
// summary (FieldLabel) and in mp (PathLabel). They showed "min_score",
// "page_token" and "from_month", and the web-only "date_0", "age_self",
// "confirm", "token" and "action" (ADR 0129); mentoring's
// "flag_after_weeks" had no words at all (ADR 0132).
func TestRefusedFieldsInWords(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"min_score", "ids", "page_token", "from_month", "to_month", "min_group_size",
		"date_0", "date_4", "age_self", "confirm", "token", "action", "flag_after_weeks"} {
		for _, locale := range []string{"sv", "en"} {
			if got := FieldLabel(locale, f); got == f {
				t.Errorf("FieldLabel(%s, %s) is the field's name", locale, f)
			}
			if got := PathLabel(locale, f); got == f {
				t.Errorf("PathLabel(%s, %s) is the field's name", locale, f)
			}
		}
	}
	if got, want := FieldLabel("sv", "min_score"), "Lägsta poäng"; got != want {
		t.Errorf("FieldLabel(sv, min_score) = %q, want %q", got, want)
	}
	// A dinner's dates are told apart by their place, not their input's
	// name: "date_0" is the first (ADR 0129).
	for _, tt := range []struct{ locale, field, want string }{
		{"sv", "date_0", "Datum 1"}, {"en", "date_2", "Date 3"}, {"sv", "date_x", "date_x"}, {"sv", "date_01", "date_01"},
	} {
		if got := FieldLabel(tt.locale, tt.field); got != tt.want {
			t.Errorf("FieldLabel(%s, %s) = %q, want %q", tt.locale, tt.field, got, tt.want)
		}
	}
	// mp guides equity -min-group -5 said "min_group_size: must be from 0
	// to 1,000", the guides service's English.
	if got, want := ViolationText("sv", "must be from 0 to 1,000"), "måste vara från 0 till 1 000"; got != want {
		t.Errorf("ViolationText(sv, must be from 0 to 1,000) = %q, want %q", got, want)
	}
}
