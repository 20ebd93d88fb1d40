package catalog

import "testing"

// TestRefusedFieldsInWords: the fields the gateway's own pages and mp
// refuse outside a form's labelled inputs (the bulk approval's lowest
// score and its choice, a list's page token, the dinners report's months)
// are named by words in every language the app offers, in the web's error
// summary (FieldLabel) and in mp (PathLabel). They showed "min_score",
// "page_token" and "from_month" (ADR 0129).
func TestRefusedFieldsInWords(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"min_score", "ids", "page_token", "from_month", "to_month", "min_group_size"} {
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
	// mp guides equity -min-group -5 said "min_group_size: must be from 0
	// to 1,000", the guides service's English.
	if got, want := ViolationText("sv", "must be from 0 to 1,000"), "måste vara från 0 till 1 000"; got != want {
		t.Errorf("ViolationText(sv, must be from 0 to 1,000) = %q, want %q", got, want)
	}
}
