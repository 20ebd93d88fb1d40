package catalog

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// TestPhoneRefusalInTheFormsWords: a number the registers refuse ("12", a
// number cut short) was answered "måste skrivas i internationell form, till
// exempel +46701234567" under a field whose hint says "Till exempel 070-123
// 45 67" and which takes that form (ADR 0124, 0137). The refusal now gives
// the national form first, in Swedish and English.
func TestPhoneRefusalInTheFormsWords(t *testing.T) {
	t.Parallel()
	for _, phone := range []string{"12", people.NormPhone("070-123")} {
		var v apperr.Validator
		people.Contact(&v, "contact", &typev1.Contact{Phone: phone})
		if v.Valid() {
			t.Fatalf("phone %q accepted", phone)
		}
		desc := apperr.Violations(v.Err())[0].Description
		for _, locale := range []string{"sv", "en"} {
			got := ViolationText(locale, desc)
			if !strings.Contains(got, "070-123 45 67") || strings.Contains(got, "international") || strings.Contains(got, "internationell") {
				t.Errorf("%s: phone %q refused %q, want the national form first", locale, phone, got)
			}
		}
	}
}

// TestMessageLanguageRefusalInWords: a message language notify has no
// texts in was refused on the Swedish page as "måste vara en av sv, en,
// ar, fa, prs (dari), ti, so, uk, eller tomt": codes, where the field's
// own choices are names (outside round s26, ADR 0137).
func TestMessageLanguageRefusalInWords(t *testing.T) {
	t.Parallel()
	var v apperr.Validator
	people.Notifications(&v, "notifications", &typev1.NotificationPreferences{PreferredLanguage: "ku"})
	if v.Valid() {
		t.Fatal("Kurdish accepted as a message language")
	}
	got := ViolationText("sv", apperr.Violations(v.Err())[0].Description)
	for _, code := range []string{" sv,", " ar,", " prs ", " uk,"} {
		if strings.Contains(" "+got, code) {
			t.Errorf("refusal %q names the code %q", got, strings.TrimSpace(code))
		}
	}
	if !strings.Contains(got, "arabiska") || !strings.Contains(got, "dari") {
		t.Errorf("refusal %q does not name the languages", got)
	}
}
