package web

import (
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
)

// TestConsentRowsInWords: the participant page named a follow-up consent
// CONSENT_PURPOSE_FOLLOW_UP, and linked a consent recorded by the API to a
// version never published ("2099-99") to a page that says the text does
// not exist (the s24 outside round, ADR 0126). Each purpose is a word in
// both languages; a link only where the version was published.
func TestConsentRowsInWords(t *testing.T) {
	t.Parallel()
	pt := &participantsv1.Participant{Consents: []*participantsv1.Consent{
		{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-12", Language: "ar"},
		{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "2099-99", Language: "sv"},
		{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_FOLLOW_UP, TextVersion: "2026-12", Language: "sv"},
	}}
	for _, tc := range []struct {
		lang     string
		names    []string
		language string
	}{
		{"sv", []string{"Mentor till mentor", "Middagar hos värdfamiljer", "Uppföljning"}, "arabiska"},
		{"en", []string{"Mentor to mentor", "Dinners with host households", "Follow-up"}, "Arabic"},
	} {
		rows := newParticipantView(&page{Lang: tc.lang}, "", pt).Consents
		for i, r := range rows {
			if r.Programme != tc.names[i] {
				t.Errorf("%s: consent %d is called %q, want %q", tc.lang, i, r.Programme, tc.names[i])
			}
		}
		if rows[0].Path != "/consent/mentoring/2026-12/ar" || rows[0].Language != tc.language {
			t.Errorf("%s: the published text's row %+v", tc.lang, rows[0])
		}
		for _, r := range rows[1:] {
			if r.Path != "" {
				t.Errorf("%s: %s links to %s, a text that was never published", tc.lang, r.Programme, r.Path)
			}
		}
	}
}
