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
	for _, f := range []string{"min_score", "ids", "page_token", "from_month", "to_month"} {
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
}
