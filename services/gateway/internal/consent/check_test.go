package consent

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// TestCheckRefusesWhatNoPageShows: a consent is accepted only to a
// published text (purpose, version, language), an old version's included;
// a version never published, a language the version is not written in and
// a purpose without texts are one violation each, naming what is published
// and never repeating the value (found from outside in session 24: the API
// recorded "2099-99" in German and follow-up consents to no text). What the
// participants service reports itself (an empty version or language, an
// unset purpose) is left to it.
func TestCheckRefusesWhatNoPageShows(t *testing.T) {
	t.Parallel()
	m, d := eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS
	tests := []struct {
		name      string
		in        *participantsv1.Consent
		field     string // "" when accepted
		wantWords string
	}{
		{"current, Arabic", &participantsv1.Consent{Purpose: m, TextVersion: Texts().Current(m), Language: "ar"}, "", ""},
		{"old version, Swedish", &participantsv1.Consent{Purpose: d, TextVersion: "2026-01", Language: "sv"}, "", ""},
		{"never published", &participantsv1.Consent{Purpose: m, TextVersion: "2099-99", Language: "sv"}, "consent.text_version", "published: 2026-01, 2026-12"},
		{"path-like version", &participantsv1.Consent{Purpose: m, TextVersion: "..", Language: "sv"}, "consent.text_version", "published:"},
		{"language not written", &participantsv1.Consent{Purpose: m, TextVersion: "2026-12", Language: "de"}, "consent.language", "sv, en, ar, fa, prs, ti, so, uk"},
		{"old version in Arabic", &participantsv1.Consent{Purpose: d, TextVersion: "2026-01", Language: "ar"}, "consent.language", "(it is in sv, en)"},
		{"follow-up has no text", &participantsv1.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_FOLLOW_UP, TextVersion: "2026-12", Language: "sv"}, "consent.purpose", "mentoring, dinners, guides"},
		{"unset purpose: the service's", &participantsv1.Consent{TextVersion: "2099-99", Language: "sv"}, "", ""},
		{"undeclared purpose: the service's", &participantsv1.Consent{Purpose: 99, TextVersion: "2099-99"}, "", ""},
		{"no version: the service's", &participantsv1.Consent{Purpose: m, Language: "de"}, "", ""},
		{"no language: the service's", &participantsv1.Consent{Purpose: m, TextVersion: "2026-12"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var v apperr.Validator
			Texts().Check(&v, "consent", tt.in)
			got := apperr.Violations(v.Err())
			if tt.field == "" {
				if len(got) != 0 {
					t.Fatalf("refused: %v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Field != tt.field || !strings.Contains(got[0].Description, tt.wantWords) {
				t.Fatalf("violations %v, want one on %s saying %q", got, tt.field, tt.wantWords)
			}
			if v := tt.in.GetTextVersion(); !Texts().Has(tt.in.GetPurpose(), v) && strings.Contains(got[0].Description, v) {
				t.Errorf("%q repeats the caller's version %q", got[0].Description, v)
			}
		})
	}
}
